package main

import (
	"context"
	"fmt"
	"os/user"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome/genotypes"
)

// whoami names the actor of every command: the operating-system user
// running varamu, taken from the process's user id (not from $USER or a
// flag, which anyone can type). The command line is the genome centre
// operator's tool on the host that holds the store; commands acting as a
// professional, a patient or a researcher use this identity too until
// they become clients of `varamu serve`.
type whoami func() (string, error)

// osUser is the whoami of the real command: the user name of the uid.
func osUser() (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("who is running varamu: %w", err)
	}
	if err := access.CheckIdentifier("operating-system user", u.Username); err != nil {
		return "", err
	}
	return u.Username, nil
}

// escape makes a value read from the store or the audit log safe to print
// in one column: control and format characters (tabs, newlines, escape
// sequences, bidirectional overrides) and backslashes are written as Go
// escapes, so a logged value cannot forge rows or colour the terminal.
func escape(s string) string {
	clean := strings.IndexFunc(s, func(r rune) bool { return r == '\\' || !printable(r) }) < 0
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			// An invalid byte, spelled out: printing it as U+FFFD would
			// make different values look the same.
			fmt.Fprintf(&b, `\x%02x`, s[i-1])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case !printable(r):
			if r <= 0xFFFF {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func printable(r rune) bool {
	return r != unicode.ReplacementChar && !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r) &&
		!unicode.Is(unicode.Zl, r) && !unicode.Is(unicode.Zp, r) && unicode.IsPrint(r) || r == ' '
}

// stewardGenotypes opens the genome store in dir for a data steward's job
// on the named samples: the access decision, logged before any genotype is
// read, names the actor, the scope and the samples (all when none).
func stewardGenotypes(ctx context.Context, who whoami, dir, scope string, samples []string) (*genotypes.Store, access.Permit, error) {
	actor, err := who()
	if err != nil {
		return nil, access.Permit{}, err
	}
	s, err := genotypes.Open(dir)
	if err != nil {
		return nil, access.Permit{}, err
	}
	g, err := access.OpenSteward(ctx, s.Base(), access.StewardAccess{Actor: actor, Scope: scope, Samples: samples})
	return s, g, err
}
