package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/audit"
)

func newAuditWitnessCmd() *cobra.Command {
	var dir, name, listen string
	var logKeys []string
	var printKey bool
	cmd := &cobra.Command{
		Use:   "witness --dir WDIR --name NAME --log-key PUB... [--listen ADDR]",
		Short: "Run a C2SP tlog-witness: cosign a log's checkpoints only when consistent with the last one cosigned (its own key and state in WDIR)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := audit.OpenWitness(dir, name, logKeys)
			if err != nil {
				return err
			}
			if printKey {
				fmt.Fprintln(cmd.OutOrStdout(), w.VerifierKey())
				return nil
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "witness %s listening on http://%s (POST /add-checkpoint)\n", w.VerifierKey(), ln.Addr())
			return serveUntilDone(cmd.Context(), ln, w)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the witness's own directory: key and state (mode 0700)")
	cmd.Flags().StringVar(&name, "name", "", "the witness's name, on first use (e.g. witness.example.org/varamu)")
	cmd.Flags().StringArrayVar(&logKeys, "log-key", nil, "verifier key of a log to witness (repeatable)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:7380", "address to listen on")
	cmd.Flags().BoolVar(&printKey, "print-key", false, "print the witness's cosignature verifier key and exit")
	cmd.MarkFlagRequired("dir")
	return cmd
}

func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			return err
		}
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

func newAuditAddWitnessCmd() *cobra.Command {
	var dir, keys, url, key string
	cmd := &cobra.Command{
		Use:   "add-witness --store DIR --url URL --key VKEY",
		Short: "Have the log ask a witness for cosignatures (recorded in the key directory's witnesses file)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return audit.AddWitness(resolveKeyDir(keys, dir), audit.WitnessConfig{URL: url, Key: key})
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	keyDirFlag(cmd, &keys)
	cmd.Flags().StringVar(&url, "url", "", "the witness's base URL")
	cmd.Flags().StringVar(&key, "key", "", "the witness's cosignature verifier key")
	for _, f := range []string{"store", "url", "key"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}
