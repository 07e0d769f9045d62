package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// newProgress returns a byte progress bar on stderr when stderr is a
// terminal, and a no-op otherwise, so logs and CI output stay clean.
func newProgress(w io.Writer, desc string) func(done, total int64) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(int64, int64) {}
	}
	var bar *progressbar.ProgressBar
	return func(done, total int64) {
		if bar == nil {
			if total <= 0 {
				total = -1
			}
			bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionShowBytes(true),
				progressbar.OptionSetDescription(desc), progressbar.OptionThrottle(100e6), progressbar.OptionClearOnFinish())
		}
		bar.Set64(done)
		if total > 0 && done >= total {
			bar.Finish()
		}
	}
}
