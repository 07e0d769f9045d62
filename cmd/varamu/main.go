// Command varamu is the one command-line entry point to varamu: genome store
// ingest and queries, pharmacogenomic calling and recommendations, clinical
// record ingest under consent, and the synthetic biobank used by the demo.
//
// Each subcommand lives in its own file and only parses flags and calls a
// library package; the work itself is done in the packages.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "varamu:", err)
		os.Exit(1)
	}
}

// newRootCmd builds the command tree. It is a function, not a package
// variable, so that tests can run commands in isolation.
func newRootCmd() *cobra.Command { return newRootCmdAs(osUser) }

// newRootCmdAs builds the command tree for the actor who names (tests
// give another identity; the real command is always the OS user).
func newRootCmdAs(who whoami) *cobra.Command {
	var cpuprofile string
	var stopProfile func()
	root := &cobra.Command{
		Use:           "varamu",
		Short:         "Genome-aware precision-medicine analytics: genome store, PGx, clinical records under consent",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if cpuprofile != "" {
				f, err := os.Create(cpuprofile)
				if err != nil {
					return err
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					f.Close()
					return err
				}
				stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
			}
			return nil
		},
		PersistentPostRun: func(cmd *cobra.Command, args []string) {
			if stopProfile != nil {
				stopProfile()
			}
		},
	}
	root.PersistentFlags().StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile to this file (for performance work)")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.AddCommand(
		newDemoCmd(who),
		newIngestCmd(who),
		newQueryCmd(who),
		newViewCmd(who),
		newLookupCmd(who),
		newDatasetsCmd(),
		newPgxCmd(who),
		newAnnotateCmd(who),
		newAlertsCmd(who),
		newAuditCmd(who),
		newConsentCmd(who),
		newVerifyCmd(),
		newRiskCmd(who),
		newServeCmd(),
		newResearchCmd(),
		newDevCACmd(),
		newDevIDPCmd(),
	)
	return root
}
