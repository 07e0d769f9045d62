package rules

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownDrug is returned by Recommend for a drug no rule mentions.
var ErrUnknownDrug = errors.New("rules: no rule for drug")

// ErrFormat is wrapped by Load when the file's format is not FormatVersion.
var ErrFormat = errors.New("rules: unsupported rule-file format")

// ParseError is a rule file that is not valid JSON for File.
type ParseError struct {
	File   string
	Line   int // 1-based; 0 when unknown
	Column int // 1-based; 0 when unknown
	Err    error
}

// Error formats the error as file:line:column: cause.
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the underlying decoding error.
func (e *ParseError) Unwrap() error { return e.Err }

// RuleError is one problem with one rule: a CEL compile error (with the
// position inside the rule's "when" expression) or an invalid field.
type RuleError struct {
	File string
	// Rule is the rule's ID, or "#<index>" when it has none.
	Rule string
	// Field is the rule field at fault ("when", "action", ...).
	Field string
	// Line and Column locate a CEL error inside the expression (1-based);
	// both are 0 for field errors.
	Line, Column int
	Msg          string
}

// Error formats the error as file: rule ID: field[:line:column]: message.
func (e *RuleError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: rule %s: %s:%d:%d: %s", e.File, e.Rule, e.Field, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: rule %s: %s: %s", e.File, e.Rule, e.Field, e.Msg)
}

// LoadError collects every RuleError found while loading a rule file; Load
// checks all rules before giving up.
type LoadError struct {
	Errs []*RuleError
}

// Error lists every rule error, one per line.
func (e *LoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rules: %d error(s) in rule file", len(e.Errs))
	for _, r := range e.Errs {
		b.WriteString("\n")
		b.WriteString(r.Error())
	}
	return b.String()
}

// Unwrap returns the individual rule errors.
func (e *LoadError) Unwrap() []error {
	out := make([]error, len(e.Errs))
	for i, r := range e.Errs {
		out[i] = r
	}
	return out
}
