package main

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseVariant(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"chr10:94781859:G:A", "chr10 94781859 G A"},
		{"10:94781859:g:a", "10 94781859 G A"},
		{"chr10:94781859:G", "want CHROM:POS:REF:ALT"},
		{"chr10:x:G:A", `position "x"`},
		{"chrZZ:1:G:A", "referenceName"},
		{"chr1:0:G:A", "position 0"},
	} {
		v, err := parseVariant(tc.in)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = strings.Join([]string{v.Chrom, strconv.FormatInt(v.Pos, 10), v.Ref, v.Alt}, " ")
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestResearchNeedsServer: without a server or certificates the client
// refuses before connecting.
func TestResearchNeedsServer(t *testing.T) {
	t.Setenv("VARAMU_URL", "")
	t.Setenv("VARAMU_CERTS", "")
	_, _, err := run(t, "research", "beacon", "chr10:94781859:G:A")
	if err == nil || !strings.Contains(err.Error(), "needs the server URL") {
		t.Errorf("got %v", err)
	}
}
