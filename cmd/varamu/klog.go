package main

import (
	"flag"
	"io"

	"k8s.io/klog/v2"
)

// init silences klog, which tessera (the audit log's storage) logs
// through: a command's output is its own, and errors come back as values.
func init() {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
}
