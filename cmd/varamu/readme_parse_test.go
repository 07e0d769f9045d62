package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// notRunMarker, as the first line of a README code block, keeps the
// block's examples out of TestReadme; the rest of the line says why. It is
// visible to the reader, so an example that is not checked says so.
const notRunMarker = "# not run by the README test:"

// example is one prompt of README.md with the output printed under it.
type example struct {
	line     int    // README line (1-based) of the prompt
	actor    string // operating-system user of the prompt ("" for "$ ")
	cmd      string // the command, continuation lines joined with newlines
	outStart int    // index (0-based) of the first output line in the README
	outEnd   int    // index just past the last non-blank output line
	want     []string
}

// promptRE is a README prompt: "$ cmd" for the operator, "NAME$ cmd" for a
// command run as the operating-system user NAME.
var promptRE = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)?\$ (.+)$`)

// readmeExamples returns every prompt inside the code blocks of lines, in
// order, each with the lines that follow it up to the next prompt or the
// end of the block (trailing blank lines not included). Lines of a block
// before its first prompt are not output (a block may hold only code).
func readmeExamples(lines []string) ([]example, error) {
	var out []example
	inBlock, skip := false, false
	var cur *example
	closeCur := func() {
		if cur != nil {
			out = append(out, *cur)
			cur = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "```") {
			closeCur()
			inBlock = !inBlock
			skip = inBlock && i+1 < len(lines) && strings.HasPrefix(lines[i+1], notRunMarker)
			continue
		}
		if !inBlock || skip {
			continue
		}
		if m := promptRE.FindStringSubmatch(line); m != nil {
			closeCur()
			ex := example{line: i + 1, actor: m[1], cmd: m[2]}
			for strings.HasSuffix(ex.cmd, `\`) && i+1 < len(lines) {
				i++
				ex.cmd += "\n" + lines[i]
			}
			ex.outStart, ex.outEnd = i+1, i+1
			cur = &ex
			continue
		}
		if cur == nil {
			continue // a block of code or configuration, not a session
		}
		cur.want = append(cur.want, line)
		if strings.TrimSpace(line) != "" {
			cur.outEnd = i + 1
		}
	}
	closeCur()
	for i := range out {
		out[i].want = out[i].want[:out[i].outEnd-out[i].outStart]
	}
	return out, nil
}

// readLines reads a file as lines without their newlines.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

// masks turn what changes from run to run (timings, rates, temporary paths,
// the day of the run, transaction ids, keys, signatures and hashes over
// timestamped data) into fixed words, in the README and in the output alike.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`/tmp/[^\s:'"]*`), "TMPDIR"},
	{regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z`), "TIMESTAMP"},
	{regexp.MustCompile(`[A-Za-z0-9.-]+(/[A-Za-z0-9./-]+)?\+[0-9a-f]{8}\+[A-Za-z0-9+/]{43,44}=?`), "NOTEKEY"},
	{regexp.MustCompile(`[A-Za-z0-9+/]{40,}={0,2}`), "BASE64"},
	{regexp.MustCompile(`\b[0-9]{8}-[0-9a-f]{8}\b`), "TXN"},
	{regexp.MustCompile(`(SHA-256|want) [0-9a-f]{12}\b`), "$1 SHORTHASH"},
	{regexp.MustCompile(`\[\s*[0-9.]+s\]`), "[TIME]"},
	{regexp.MustCompile(`[0-9][0-9,]*(\.[0-9]+)? (samples|resources|records|entries)/s`), "RATE"},
	{regexp.MustCompile(`\b([0-9]+h)?([0-9]+m)?[0-9]+(\.[0-9]+)?(ns|µs|ms|s)\b`), "DURATION"},
	{regexp.MustCompile(`\b[0-9]+(\.[0-9]+)? (ns|µs|ms)\b`), "DURATION"},
	{regexp.MustCompile(`(127\.0\.0\.1|localhost):[0-9]+`), "$1:PORT"},
	{regexp.MustCompile(`(127\.0\.0\.1|localhost)%3A[0-9]+`), "$1%3APORT"},
	{regexp.MustCompile(`\b[0-9a-f]{64}\b`), "HASH"},
	{regexp.MustCompile(`\b[0-9]+(\.[0-9]+)? (KiB|MiB|bytes)\b`), "SIZE $2"},
	{regexp.MustCompile(`(decided|as of|computed|person at|consent of \S+ on) [0-9]{4}-[0-9]{2}-[0-9]{2}`), "$1 TODAY"},
}

// mask applies masks to one line and drops trailing blanks.
func mask(s string) string {
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return strings.TrimRight(s, " \t")
}

// matchLines reports whether got matches want, where a want line "..."
// stands for any number of lines.
func matchLines(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if strings.TrimSpace(want[0]) == "..." {
		for i := 0; i <= len(got); i++ {
			if matchLines(want[1:], got[i:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && mask(want[0]) == mask(got[0]) && matchLines(want[1:], got[1:])
}

// updatedOutput is what -update writes for an example whose output no
// longer matches: the real output, keeping a single "..." of the README
// with as many lines before and after it as the README had.
func updatedOutput(want, got []string) []string {
	dots := -1
	for i, l := range want {
		if strings.TrimSpace(l) == "..." {
			if dots >= 0 {
				return got
			}
			dots = i
		}
	}
	before, after := dots, len(want)-dots-1
	if dots < 0 || before+after >= len(got) {
		return got
	}
	out := append([]string{}, got[:before]...)
	out = append(out, "...")
	return append(out, got[len(got)-after:]...)
}

// diffText shows the README's lines beside what the command printed.
func diffText(want, got []string) string {
	var b strings.Builder
	b.WriteString("--- README\n")
	for _, l := range want {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	b.WriteString("--- printed\n")
	for _, l := range got {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	return b.String()
}
