package pgs

import (
	"math"
	"strconv"
	"testing"
)

// numberSeeds are the forms scoring files write, and the edges of the
// hand-parsed ones.
var numberSeeds = []string{"0.0200976", "-0.0411205", "0.00676012423259364", "0.028234066457666143", "1.045457e-02", "1E5",
	"-0", "+1.5", "0", "000", ".5", "5.", ".", "-", "", "1e", "1e+", "1e-22", "9007199254740993", "9007199254740992",
	"123456789012345678901234", "1e400", "1e-400", "0.0000000000000000000000000001", "inf", "NaN", "0x1p-2", "1_0",
	"4.9406564584124654e-324", "1.7976931348623157e308", "12345", "99999999999999999999", "1e99999", " 1", "1 "}

func TestParseFloatEqualsStrconv(t *testing.T) {
	for _, s := range numberSeeds {
		checkFloat(t, s)
	}
}

// FuzzParseFloat: parseFloat agrees with strconv.ParseFloat on every
// input, bit for bit, and fails where it fails.
func FuzzParseFloat(f *testing.F) {
	for _, s := range numberSeeds {
		f.Add(s)
	}
	f.Fuzz(checkFloat)
}

func checkFloat(t *testing.T, s string) {
	got, ok := parseFloat([]byte(s))
	want, err := strconv.ParseFloat(s, 64)
	if ok != (err == nil) || (ok && math.Float64bits(got) != math.Float64bits(want)) {
		t.Fatalf("parseFloat(%q) = %v, %v; strconv %v, %v", s, got, ok, want, err)
	}
}

// FuzzParsePos: parsePos agrees with strconv.ParseInt(s, 10, 64).
func FuzzParsePos(f *testing.F) {
	for _, s := range []string{"1", "2974", "0", "-5", "+5", "007", "999999999999999999", "9223372036854775807", "9223372036854775808", "", "1_0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parsePos([]byte(s))
		want, err := strconv.ParseInt(s, 10, 64)
		if ok != (err == nil) || (ok && got != want) {
			t.Fatalf("parsePos(%q) = %v, %v; strconv %v, %v", s, got, ok, want, err)
		}
	})
}

// FuzzRsNumber: rsNumber takes exactly the rsIDs "rs<n>" that the table
// writes back as they were read, and agrees with strconv.
func FuzzRsNumber(f *testing.F) {
	for _, s := range []string{"rs1", "rs0", "rs01", "rs", "r", "RS5", "rs2147483647", "rs2147483648", "rs12345678901", "rs+5", "rs-1", "rs1_0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := rsNumber(s)
		if nb, okb := rsNumber([]byte(s)); nb != n || okb != ok {
			t.Fatalf("rsNumber(%q) differs for bytes", s)
		}
		if ok && "rs"+strconv.FormatUint(uint64(n), 10) != s {
			t.Fatalf("rsNumber(%q) = %d", s, n)
		}
		if !ok && len(s) > 2 && len(s) <= 12 && s[:2] == "rs" && s[2] != '0' {
			if x, err := strconv.ParseUint(s[2:], 10, 31); err == nil {
				t.Fatalf("rsNumber(%q) refused %d", s, x)
			}
		}
	})
}
