package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/server/devca"
	"github.com/varamu/varamu/server/devidp"
)

func newDevIDPCmd() *cobra.Command {
	var storeDir, people, addr string
	cmd := &cobra.Command{
		Use:   "dev-idp (--store DIR | --people ids.tsv) [--addr 127.0.0.1:0]",
		Short: "Run a development OpenID provider (TARA style) on loopback that logs in synthetic people for the portal",
		Long: `Runs an OpenID Connect provider for trying the patient portal on loopback: authorization code
flow with PKCE, ID tokens with sub EE<isikukood>, amr idcard/mID/smartid and profile_attributes
(given_name, family_name, date_of_birth), as TARA issues them. Its login page lists the people
'varamu dev-ca' would choose from --store (or those of --people, an ids.tsv dev-ca wrote); pick one.
It prints its issuer URL; give it to 'varamu serve --oidc-issuer'. The portal's client id is
"` + devidp.ClientID + `" (public, PKCE), callbacks https://127.0.0.1:*/portal/callback. For loopback
trials only: anyone who reaches it logs in as anyone listed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			users, err := devIDPUsers(cmd, storeDir, people)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			issuer := "http://" + ln.Addr().String()
			p, err := devidp.New(devidp.Config{Issuer: issuer, Users: users})
			if err != nil {
				return err
			}
			hs := &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second,
				ErrorLog: slog.NewLogLogger(slog.NewTextHandler(cmd.ErrOrStderr(), nil), slog.LevelDebug)}
			fmt.Fprintf(cmd.OutOrStdout(), "listening on %s\n", issuer)
			go func() {
				<-cmd.Context().Done()
				hs.Close()
			}()
			if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&storeDir, "store", "", "store whose synthetic people (as dev-ca chooses them) may log in")
	fl.StringVar(&people, "people", "", "ids.tsv written by varamu dev-ca: the people who may log in")
	fl.StringVar(&addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free one)")
	return cmd
}

func devIDPUsers(cmd *cobra.Command, storeDir, people string) ([]devidp.User, error) {
	switch {
	case (storeDir == "") == (people == ""):
		return nil, errors.New("dev-idp: give exactly one of --store and --people")
	case people != "":
		f, err := os.Open(people)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return devidp.ReadPeople(f, people)
	}
	ps, err := devca.People(cmd.Context(), storeDir, clockOf(cmd.Context())())
	if err != nil {
		return nil, err
	}
	var out []devidp.User
	for _, p := range ps {
		u, err := devidp.NewUser(p.Name, p.Isikukood, p.Role)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}
