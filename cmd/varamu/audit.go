package main

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/audit"
)

func newAuditCmd(who whoami) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "The transparency log of accesses and records: keys, checkpoints, witness, verification, proofs",
	}
	cmd.AddCommand(newAuditKeygenCmd(), newAuditCheckpointCmd(), newAuditVerifyCmd(), newAuditWhoCmd(),
		newAuditWitnessCmd(), newAuditAddWitnessCmd(), newAuditProveCmd(), newAuditVerifyProofCmd())
	return cmd
}

// keyDirFlag adds --keys, defaulting to audit.KeyDirFor(store).
func keyDirFlag(cmd *cobra.Command, keys *string) {
	cmd.Flags().StringVar(keys, "keys", "", "key directory (default: $"+audit.KeyDirEnv+", else STORE.keys beside the store)")
}

func resolveKeyDir(keys, storeDir string) string {
	if keys != "" {
		return keys
	}
	return audit.KeyDirFor(storeDir)
}

func newAuditKeygenCmd() *cobra.Command {
	var dir, keys, origin string
	cmd := &cobra.Command{
		Use:   "keygen --store DIR [--keys KEYDIR] [--origin NAME]",
		Short: "Make the log's Ed25519 checkpoint key and person secret (outside the store, mode 0600); prints the verifier key to publish",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if origin == "" {
				origin = audit.DefaultOrigin(dir)
			}
			kd := resolveKeyDir(keys, dir)
			vkey, err := audit.Keygen(kd, origin)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "keys written to %s (log.key and person.key are private; keep them off the store's disk copies)\n", kd)
			fmt.Fprintln(cmd.OutOrStdout(), vkey)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	keyDirFlag(cmd, &keys)
	cmd.Flags().StringVar(&origin, "origin", "", "log origin (checkpoint first line); default varamu.local/audit/STORENAME")
	cmd.MarkFlagRequired("store")
	return cmd
}

func newAuditCheckpointCmd() *cobra.Command {
	var dir string
	var noWitness bool
	cmd := &cobra.Command{
		Use:   "checkpoint --store DIR",
		Short: "Print the latest signed checkpoint, cosigned by the configured witnesses (asked now), for publishing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// Opening and closing the log publishes a checkpoint covering
			// every acknowledged entry.
			l, err := audit.Open(dir)
			if err != nil {
				return err
			}
			ws := l.Keys().Witnesses
			if err := l.Close(); err != nil {
				return err
			}
			var cp audit.Checkpoint
			if len(ws) > 0 && !noWitness {
				cp, err = audit.RequestCosignatures(ctx, dir, nil)
			} else {
				cp, err = audit.ReadCheckpoint(dir)
			}
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), cp.String())
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().BoolVar(&noWitness, "no-witness", false, "print the log-signed checkpoint without asking the witnesses")
	cmd.MarkFlagRequired("store")
	return cmd
}

func newAuditVerifyCmd() *cobra.Command {
	var dir, logKey string
	var checkpoints, witnessKeys []string
	var requireWitness bool
	cmd := &cobra.Command{
		Use:   "verify --store DIR [--checkpoint FILE]... [--key PUB] [--witness-key VKEY]... [--require-witness]",
		Short: "Check every entry and tile, the checkpoint signatures, the witness cosignatures, and that the log extends each given checkpoint",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := audit.VerifyConfig{LogKey: logKey, RequireWitness: requireWitness}
			if cmd.Flags().Changed("witness-key") {
				opt.WitnessKeys = []string{} // --witness-key "" trusts no witness
				for _, k := range witnessKeys {
					if k != "" {
						opt.WitnessKeys = append(opt.WitnessKeys, k)
					}
				}
			}
			for _, f := range checkpoints {
				b, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				opt.Trusted = append(opt.Trusted, b)
			}
			rep, err := audit.VerifyLog(cmd.Context(), dir, opt)
			if err != nil {
				return err
			}
			printReport(cmd, rep)
			return verifyHistory(cmd, dir)
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringArrayVar(&checkpoints, "checkpoint", nil, "a checkpoint published elsewhere: prove the log extends it (repeatable)")
	cmd.Flags().StringVar(&logKey, "key", "", "the log's published verifier key (default: KEYDIR/log.pub)")
	cmd.Flags().StringArrayVar(&witnessKeys, "witness-key", nil, "a witness's cosignature verifier key (default: the key directory's witnesses)")
	cmd.Flags().BoolVar(&requireWitness, "require-witness", false, "fail when no witness-cosigned checkpoint is kept with the log")
	cmd.MarkFlagRequired("store")
	return cmd
}

func printReport(cmd *cobra.Command, rep *audit.Report) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "audit log verified: %d entries, root %x\n", rep.Entries, rep.Root)
	fmt.Fprintf(w, "checkpoint: %s size %d, signed by the log key\n", rep.Checkpoint.Origin, rep.Checkpoint.Size)
	if rep.Checkpoint.Size < rep.Entries {
		fmt.Fprintf(w, "  %d newer entries are durable, not yet in a published checkpoint\n", rep.Entries-rep.Checkpoint.Size)
	}
	if rep.Journaled > 0 {
		fmt.Fprintf(w, "  %d acknowledged entries are in the journal, not yet in the tree (the next writer integrates them)\n", rep.Journaled)
	}
	if rep.Witnessed != nil {
		fmt.Fprintf(w, "witnessed: size %d, cosigned by %v; the log extends it\n", rep.Witnessed.Size, rep.Witnessed.Witnesses)
	} else {
		fmt.Fprintln(w, "witnessed: none kept with the log (an insider holding the log key could rewrite it unseen)")
	}
	for _, t := range rep.Trusted {
		fmt.Fprintf(w, "extends the given checkpoint of size %d\n", t.Size)
	}
}

// verifyHistory checks every manifest in the store's history/ against the
// generations in the audit log, naming each one that does not match.
func verifyHistory(cmd *cobra.Command, dir string) error {
	rep, err := audit.VerifyHistory(cmd.Context(), dir)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "FAIL\tgeneration %s\t%s\t%s\n", p.Generation, escape(p.Path), p.Problem)
	}
	for _, p := range rep.Interrupted {
		fmt.Fprintf(w, "note\tgeneration %s\t%s\t%s\n", p.Generation, escape(p.Path), p.Problem)
	}
	if !rep.OK() {
		return fmt.Errorf("%s: %d store generations do not match the audit log", dir, len(rep.Problems))
	}
	fmt.Fprintf(w, "history: every committed generation's manifest matches the audit log (generation %d current, %d in history/)\n", rep.Generation, rep.History)
	return nil
}

// whoTable prints a person's accesses with each proof's status.
func whoTable(cmd *cobra.Command, accesses []audit.EntryProof) error {
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTRY\tWHEN\tWHO\tROLE\tPURPOSE\tALLOWED\tFLAGGED\tRULE\tPROOF")
	for _, p := range accesses {
		e := p.Entry
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%v\t%v\t%s\t%s\n", e.Index, e.Logged.Format(time.RFC3339), escape(e.Actor), escape(e.Role), escape(e.Purpose), e.Allowed, e.Flagged, escape(e.Rule), escape(p.Status))
	}
	return tw.Flush()
}

func saveProofs(dir string, proved []audit.EntryProof) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range proved {
		if p.Proof == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("entry-%d.proof", p.Entry.Index)), p.Proof, 0o644); err != nil {
			return err
		}
	}
	return nil
}
