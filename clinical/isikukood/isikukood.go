// Package isikukood parses, validates and generates the Estonian personal
// identification code (isikukood), the national person identifier used by
// the Health Information System, and maps foreign source identifiers to
// stable synthetic codes.
//
// # Format
//
// An isikukood has 11 digits GYYMMDDSSSC (Estonian standard EVS 585:2007,
// as implemented by python-stdnum stdnum/ee/ik.py):
//
//   - G: century and sex: 1/2 = 1800s male/female, 3/4 = 1900s, 5/6 = 2000s,
//     7/8 = 2100s;
//   - YYMMDD: the date of birth;
//   - SSS: a serial number among people born that day;
//   - C: the check digit: the sum of the first ten digits weighted
//     1 2 3 4 5 6 7 8 9 1, modulo 11; if that is 10, the sum weighted
//     3 4 5 6 7 8 9 1 2 3, modulo 11; if that is 10 again, 0.
//
// In FHIR the code is carried as an Identifier with system [System].
package isikukood

import (
	"errors"
	"fmt"
	"time"
)

// System is the FHIR Identifier.system of the Estonian personal code, as
// defined by the Estonian FHIR base implementation guide (fhir.ee).
const System = "https://fhir.ee/sid/pid/est/ni"

// Length is the number of digits in an isikukood.
const Length = 11

// Sentinel errors, one per rule; Parse wraps them in an *Error.
var (
	ErrLength     = errors.New("isikukood: want 11 characters")
	ErrDigit      = errors.New("isikukood: want digits only")
	ErrCentury    = errors.New("isikukood: first digit must be 1-8 (century and sex)")
	ErrDate       = errors.New("isikukood: digits 2-7 are not a valid birth date")
	ErrCheckDigit = errors.New("isikukood: check digit does not match")
	ErrSerial     = errors.New("isikukood: serial must be 0-999")
	ErrYear       = errors.New("isikukood: birth year must be 1800-2199")
	ErrSex        = errors.New("isikukood: sex must be Male or Female")
)

// Error reports why a string is not a valid isikukood.
type Error struct {
	Input string // the rejected input
	Err   error  // one of the sentinel errors above
	// Detail says what was found, e.g. `got check digit 3, want 7`.
	Detail string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s %q", e.Err.Error(), e.Input)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel error naming the rule that failed.
func (e *Error) Unwrap() error { return e.Err }

// Sex is the sex encoded in the first digit.
type Sex uint8

// The two sexes an isikukood can encode.
const (
	Male   Sex = 1
	Female Sex = 2
)

// String returns "male" or "female", the FHIR administrative-gender codes.
func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return fmt.Sprintf("Sex(%d)", uint8(s))
}

// Code is a validated isikukood. The zero Code is invalid; obtain one from
// Parse or Generate.
type Code struct {
	s string
}

// String returns the 11 digits.
func (c Code) String() string { return c.s }

// IsZero reports whether c is the zero Code.
func (c Code) IsZero() bool { return c.s == "" }

// Sex returns the sex encoded in the first digit.
func (c Code) Sex() Sex {
	if (c.s[0]-'0')%2 == 1 {
		return Male
	}
	return Female
}

// BirthDate returns the date of birth (UTC midnight).
func (c Code) BirthDate() time.Time {
	t, _ := birthDate(c.s) // validated by Parse/Generate
	return t
}

// Serial returns the serial number SSS (0-999).
func (c Code) Serial() int {
	return int(c.s[7]-'0')*100 + int(c.s[8]-'0')*10 + int(c.s[9]-'0')
}

// CheckDigit computes the check digit of the first ten digits of s, which
// MUST be ASCII digits (len(s) >= 10).
func CheckDigit(s string) byte {
	w1 := [10]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 1}
	w2 := [10]int{3, 4, 5, 6, 7, 8, 9, 1, 2, 3}
	sum := 0
	for i := 0; i < 10; i++ {
		sum += int(s[i]-'0') * w1[i]
	}
	if c := sum % 11; c < 10 {
		return byte('0' + c)
	}
	sum = 0
	for i := 0; i < 10; i++ {
		sum += int(s[i]-'0') * w2[i]
	}
	if c := sum % 11; c < 10 {
		return byte('0' + c)
	}
	return '0'
}

// Parse validates s and returns it as a Code. The error is an *Error whose
// Unwrap names the rule that failed: length, digits, century digit, birth
// date, or check digit (checked in that order).
func Parse(s string) (Code, error) {
	if len(s) != Length {
		return Code{}, &Error{Input: s, Err: ErrLength, Detail: fmt.Sprintf("got %d", len(s))}
	}
	for i := 0; i < Length; i++ {
		if s[i] < '0' || s[i] > '9' {
			return Code{}, &Error{Input: s, Err: ErrDigit, Detail: fmt.Sprintf("position %d is %q", i+1, s[i])}
		}
	}
	if s[0] < '1' || s[0] > '8' {
		return Code{}, &Error{Input: s, Err: ErrCentury, Detail: fmt.Sprintf("got %c", s[0])}
	}
	if _, err := birthDate(s); err != nil {
		return Code{}, &Error{Input: s, Err: ErrDate, Detail: err.Error()}
	}
	if want := CheckDigit(s); s[10] != want {
		return Code{}, &Error{Input: s, Err: ErrCheckDigit, Detail: fmt.Sprintf("got %c, want %c", s[10], want)}
	}
	return Code{s: s}, nil
}

// Validate reports whether s is a valid isikukood; see Parse.
func Validate(s string) error {
	_, err := Parse(s)
	return err
}

// birthDate decodes GYYMMDD of s (digits already checked).
func birthDate(s string) (time.Time, error) {
	century := 1800 + 100*((int(s[0]-'0')-1)/2)
	y := century + int(s[1]-'0')*10 + int(s[2]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	d := int(s[5]-'0')*10 + int(s[6]-'0')
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || t.Day() != d || int(t.Month()) != m {
		return time.Time{}, fmt.Errorf("%04d-%02d-%02d does not exist", y, m, d)
	}
	return t, nil
}

// Generate builds the isikukood of a person of the given sex born on the
// given date (its UTC calendar date is used) with the given serial
// (0-999), computing the check digit.
func Generate(birth time.Time, sex Sex, serial int) (Code, error) {
	y, m, d := birth.UTC().Date()
	if y < 1800 || y > 2199 {
		return Code{}, &Error{Input: birth.Format(time.DateOnly), Err: ErrYear}
	}
	if sex != Male && sex != Female {
		return Code{}, &Error{Input: sex.String(), Err: ErrSex}
	}
	if serial < 0 || serial > 999 {
		return Code{}, &Error{Input: fmt.Sprint(serial), Err: ErrSerial}
	}
	g := 1 + 2*((y-1800)/100)
	if sex == Female {
		g++
	}
	b := fmt.Appendf(make([]byte, 0, Length), "%d%02d%02d%02d%03d", g, y%100, int(m), d, serial)
	b = append(b, CheckDigit(string(b)))
	return Code{s: string(b)}, nil
}
