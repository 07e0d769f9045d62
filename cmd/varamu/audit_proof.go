package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/audit"
)

func newAuditProveCmd() *cobra.Command {
	var dir, record string
	var index int64
	cmd := &cobra.Command{
		Use:   "prove --store DIR (--record Type/id[/_history/v] | --index N)",
		Short: "Print an inclusion proof (C2SP tlog-proof) that a record version or log entry is in the log at a checkpoint",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			idx := uint64(index)
			if record != "" {
				ref, err := audit.ParseRecordPath(record)
				if err != nil {
					return err
				}
				e, err := audit.FindRecord(ctx, dir, ref)
				if err != nil {
					return err
				}
				idx = e.Index
			} else if index < 0 {
				return fmt.Errorf("prove: give --record or --index")
			}
			pr, err := audit.NewProver(ctx, dir)
			if err != nil {
				return err
			}
			p, err := pr.Prove(ctx, idx)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(p)
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVar(&record, "record", "", "a clinical record: Type/id (latest logged version) or Type/id/_history/v")
	cmd.Flags().Int64Var(&index, "index", -1, "a log entry's index")
	cmd.MarkFlagRequired("store")
	return cmd
}

func newAuditVerifyProofCmd() *cobra.Command {
	var key, resource string
	var witnessKeys []string
	cmd := &cobra.Command{
		Use:   "verify-proof FILE --key PUB [--witness-key VKEY]... [--resource FILE.json]",
		Short: "Check an inclusion proof offline, with the published keys only (no store needed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			got, err := audit.VerifyProof(b, key, witnessKeys, len(witnessKeys) > 0)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if resource != "" {
				rb, err := os.ReadFile(resource)
				if err != nil {
					return err
				}
				if err := audit.MatchRecord(got.Entry, rb); err != nil {
					return fmt.Errorf("%s: %w", resource, err)
				}
			}
			printProved(cmd, got)
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the log's published verifier key")
	cmd.Flags().StringArrayVar(&witnessKeys, "witness-key", nil, "a witness's cosignature verifier key: require its cosignature (repeatable)")
	cmd.Flags().StringVar(&resource, "resource", "", "a FHIR resource (JSON): check it is the record version the proof names")
	cmd.MarkFlagRequired("key")
	return cmd
}

func printProved(cmd *cobra.Command, got *audit.Proved) {
	w := cmd.OutOrStdout()
	e := got.Entry
	fmt.Fprintf(w, "proof verified: entry %d is in the log %s at checkpoint size %d", e.Index, got.Checkpoint.Origin, got.Checkpoint.Size)
	if len(got.Checkpoint.Witnesses) > 0 {
		fmt.Fprintf(w, ", cosigned by %s", strings.Join(got.Checkpoint.Witnesses, ", "))
	}
	fmt.Fprintln(w)
	switch {
	case e.Record != nil:
		fmt.Fprintf(w, "%s: %s %s version %q sha256 %s, logged %s\n", e.Kind, e.Record.Type, e.Record.ID, e.Record.Version, e.Record.SHA256, e.Logged.Format("2006-01-02T15:04:05Z"))
	default:
		fmt.Fprintf(w, "access: %s (%s) for %s, allowed %v, rule %q, at %s\n", e.Actor, e.Role, e.Purpose, e.Allowed, e.Rule, e.Logged.Format("2006-01-02T15:04:05Z"))
	}
}
