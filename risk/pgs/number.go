package pgs

import (
	"math"
	"strconv"
)

// The numbers of a scoring file's rows are parsed from the line's bytes
// without making a string: the common forms (a position of digits; a
// decimal weight or frequency such as -0.0200976 or 1.5e-3) by hand, and
// anything else by strconv, so that every value is the one strconv gives,
// bit for bit (FuzzParseFloat, FuzzParsePos).

// parsePos parses a position as strconv.ParseInt(s, 10, 64) does; ok is
// false where it would fail.
func parsePos(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 18 { // 18 digits cannot overflow
		return parsePosSlow(s)
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return parsePosSlow(s)
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func parsePosSlow(s []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(s), 10, 64)
	return n, err == nil
}

// exactPow10 are the powers of ten a float64 holds exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat parses a number as strconv.ParseFloat(s, 64) does; ok is
// false where it would fail. A decimal of at most 15 significant digits
// whose exponent is within ±22 is exact as one multiplication or division
// of two exact float64s (correctly rounded, as strconv rounds); any other
// form goes to strconv.
func parseFloat(s []byte) (float64, bool) {
	if m, exp, neg, ok := decimal(s); ok && m < 1<<53 && exp >= -22 && exp <= 22 {
		f := float64(m)
		if exp < 0 {
			f /= exactPow10[-exp]
		} else {
			f *= exactPow10[exp]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(s), 64)
	return f, err == nil
}

// decimal splits a plain decimal number ([+-]digits[.digits][e[+-]digits],
// at least one digit before the exponent) into its significant digits m
// and power of ten exp (s = ±m × 10^exp); ok is false for any other form,
// more than 19 significant digits, or an exponent of more than 4 digits.
func decimal(s []byte) (m uint64, exp int, neg, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	digits, sig := 0, 0
	dot := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if m == 0 && c == '0' {
				if dot {
					exp--
				}
				continue
			}
			if sig == 19 {
				return 0, 0, false, false
			}
			sig++
			m = m*10 + uint64(c-'0')
			if dot {
				exp--
			}
		case c == '.' && !dot:
			dot = true
		default:
			goto exponent
		}
	}
exponent:
	if digits == 0 {
		return 0, 0, false, false
	}
	if i == len(s) {
		return m, exp, neg, true
	}
	if s[i] != 'e' && s[i] != 'E' {
		return 0, 0, false, false
	}
	e, ok := exponent(s[i+1:])
	if !ok {
		return 0, 0, false, false
	}
	return m, exp + e, neg, true
}

// exponent parses [+-]digits of at most 4 digits.
func exponent(s []byte) (int, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	e := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		e = e*10 + int(c-'0')
	}
	if neg {
		e = -e
	}
	return e, true
}

// finite reports whether x is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
