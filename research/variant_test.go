package research

import (
	"errors"
	"strings"
	"testing"
)

// TestVariantValidateBases: REF and ALT are 1 to 1,000 of A, C, G, T, N.
func TestVariantValidateBases(t *testing.T) {
	for _, tc := range []struct {
		ref, alt string
		ok       bool
	}{
		{"A", "G", true},
		{"ACGTN", "T", true},
		{strings.Repeat("A", 1000), "G", true},
		{strings.Repeat("A", 1001), "G", false},
		{"A", strings.Repeat("C", 1001), false},
		{"", "G", false},
		{"A", "", false},
		{"A", "X", false},
		{"A-", "G", false},
	} {
		err := Variant{Chrom: "chr1", Pos: 5, Ref: tc.ref, Alt: tc.alt}.Validate()
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrVariant)) {
			t.Errorf("Validate(ref %d bases, alt %q): %v, want ok %v", len(tc.ref), tc.alt[:min(len(tc.alt), 5)], err, tc.ok)
		}
	}
}
