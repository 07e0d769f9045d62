package isikukood

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestParseValid(t *testing.T) {
	// Expected values were computed independently (python-stdnum's
	// documented example 36805280109, Smart-ID/Mobile-ID demo codes, and a
	// separate Python implementation of the two-pass rule).
	tests := []struct {
		in     string
		birth  time.Time
		sex    Sex
		serial int
	}{
		{"36805280109", date(1968, 5, 28), Male, 10},   // python-stdnum docstring
		{"60001019906", date(2000, 1, 1), Female, 990}, // Mobile-ID demo
		{"10101010005", date(1801, 1, 1), Male, 0},     // Smart-ID demo
		{"36805280000", date(1968, 5, 28), Male, 0},    // first pass
		{"36805280113", date(1968, 5, 28), Male, 11},   // second pass
		{"36805280600", date(1968, 5, 28), Male, 60},   // both passes 10 -> 0
		{"60001010157", date(2000, 1, 1), Female, 15},  // second pass
		{"60001010030", date(2000, 1, 1), Female, 3},   // both passes 10 -> 0
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{c.String(), c.BirthDate(), c.Sex(), c.Serial()}
			want := []any{tt.in, tt.birth, tt.sex, tt.serial}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			g, err := Generate(tt.birth, tt.sex, tt.serial)
			if err != nil || g != c {
				t.Errorf("Generate(%v, %v, %d) = %v, %v; want %v", tt.birth, tt.sex, tt.serial, g, err, c)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in      string
		want    error
		message string
	}{
		{"3680528010", ErrLength, `isikukood: want 11 characters "3680528010": got 10`},
		{"368052801099", ErrLength, `isikukood: want 11 characters "368052801099": got 12`},
		{"", ErrLength, `isikukood: want 11 characters "": got 0`},
		{"3680528010x", ErrDigit, `isikukood: want digits only "3680528010x": position 11 is 'x'`},
		{"36805280108", ErrCheckDigit, `isikukood: check digit does not match "36805280108": got 8, want 9`},
		{"96805280109", ErrCentury, `isikukood: first digit must be 1-8 (century and sex) "96805280109": got 9`},
		{"06805280109", ErrCentury, `isikukood: first digit must be 1-8 (century and sex) "06805280109": got 0`},
		{"36813280109", ErrDate, `isikukood: digits 2-7 are not a valid birth date "36813280109": 1968-13-28 does not exist`},
		{"36802300109", ErrDate, `isikukood: digits 2-7 are not a valid birth date "36802300109": 1968-02-30 does not exist`},
		{"80002290002", ErrDate, `isikukood: digits 2-7 are not a valid birth date "80002290002": 2100-02-29 does not exist`},
		{"36800000109", ErrDate, `isikukood: digits 2-7 are not a valid birth date "36800000109": 1968-00-00 does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) = %v, want %v", tt.in, err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Input != tt.in {
				t.Errorf("error %v is not an *Error for %q", err, tt.in)
			}
			if err.Error() != tt.message {
				t.Errorf("message\n got %s\nwant %s", err, tt.message)
			}
			if Validate(tt.in) == nil {
				t.Error("Validate accepted it")
			}
		})
	}
}

func TestLeapDay(t *testing.T) {
	// 2000 is a leap year (divisible by 400), 1900 is not.
	if _, err := Generate(date(2000, 2, 29), Female, 1); err != nil {
		t.Error(err)
	}
	c, _ := Generate(date(2000, 2, 29), Female, 1)
	bad := "4" + c.String()[1:10]
	bad += string(CheckDigit(bad))
	if !errors.Is(Validate(bad), ErrDate) {
		t.Errorf("1900-02-29 accepted: %s", bad)
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		birth  time.Time
		sex    Sex
		serial int
		want   error
	}{
		{date(1799, 12, 31), Male, 0, ErrYear},
		{date(2200, 1, 1), Male, 0, ErrYear},
		{date(1990, 1, 1), 0, 0, ErrSex},
		{date(1990, 1, 1), Male, 1000, ErrSerial},
		{date(1990, 1, 1), Male, -1, ErrSerial},
	}
	for _, tt := range tests {
		if _, err := Generate(tt.birth, tt.sex, tt.serial); !errors.Is(err, tt.want) {
			t.Errorf("Generate(%v,%v,%d) = %v, want %v", tt.birth, tt.sex, tt.serial, err, tt.want)
		}
	}
}

func TestGenerateCenturies(t *testing.T) {
	for _, tt := range []struct {
		y     int
		sex   Sex
		first byte
	}{{1850, Male, '1'}, {1850, Female, '2'}, {1999, Male, '3'}, {1900, Female, '4'}, {2000, Male, '5'}, {2099, Female, '6'}, {2100, Male, '7'}, {2199, Female, '8'}} {
		c, err := Generate(date(tt.y, 12, 31), tt.sex, 123)
		if err != nil {
			t.Fatal(err)
		}
		if c.String()[0] != tt.first || c.BirthDate().Year() != tt.y || c.Sex() != tt.sex {
			t.Errorf("%d %v: got %s", tt.y, tt.sex, c)
		}
		if _, err := Parse(c.String()); err != nil {
			t.Error(err)
		}
	}
}

func TestMapperStable(t *testing.T) {
	key := []byte("test key")
	birth := date(1980, 6, 15)
	m1 := NewMapper(key)
	var got1 []Code
	for i := 0; i < 50; i++ {
		c, isNew, err := m1.Map(fmt.Sprint("src-", i), birth, Female)
		if err != nil || !isNew {
			t.Fatal(err, isNew)
		}
		if c.BirthDate() != birth || c.Sex() != Female {
			t.Fatalf("%s does not encode the birth date and sex", c)
		}
		got1 = append(got1, c)
	}
	// A second mapper with the same key gives the same codes in the same order.
	m2 := NewMapper(key)
	for i := 0; i < 50; i++ {
		c, _, _ := m2.Map(fmt.Sprint("src-", i), birth, Female)
		if c != got1[i] {
			t.Fatalf("source %d: %s vs %s", i, c, got1[i])
		}
	}
	// Re-mapping returns the stored code, not a new one.
	c, isNew, _ := m1.Map("src-7", date(1990, 1, 1), Male)
	if isNew || c != got1[7] {
		t.Errorf("re-map gave %s new=%v, want %s", c, isNew, got1[7])
	}
	// A mapper restored with Add keeps the old codes whatever the order of new sources.
	m3 := NewMapper(key)
	for i := 49; i >= 0; i-- {
		if err := m3.Add(fmt.Sprint("src-", i), got1[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 50; i++ {
		if c, _ := m3.Lookup(fmt.Sprint("src-", i)); c != got1[i] {
			t.Fatal("lookup after Add")
		}
	}
	// Different keys give different codes (with overwhelming probability).
	other, _, _ := NewMapper([]byte("other")).Map("src-0", birth, Female)
	m4 := NewMapper([]byte("other"))
	again, _, _ := m4.Map("src-0", birth, Female)
	if other != again {
		t.Error("not deterministic")
	}
}

func TestMapperCollisionsAndExhaustion(t *testing.T) {
	m := NewMapper(nil)
	birth := date(2001, 3, 4)
	seen := map[Code]bool{}
	for i := 0; i < 1000; i++ {
		c, _, err := m.Map(fmt.Sprint(i), birth, Male)
		if err != nil {
			t.Fatalf("source %d: %v", i, err)
		}
		if seen[c] {
			t.Fatalf("code %s given twice", c)
		}
		seen[c] = true
	}
	if _, _, err := m.Map("one more", birth, Male); !errors.Is(err, ErrExhausted) {
		t.Errorf("got %v, want ErrExhausted", err)
	}
	// The other sex still has room.
	if _, _, err := m.Map("one more", birth, Female); err != nil {
		t.Error(err)
	}
}

func TestMapperConflict(t *testing.T) {
	m := NewMapper(nil)
	a, _ := Generate(date(1990, 1, 1), Male, 1)
	b, _ := Generate(date(1990, 1, 1), Male, 2)
	if err := m.Add("x", a); err != nil {
		t.Fatal(err)
	}
	if err := m.Add("x", a); err != nil {
		t.Errorf("re-adding same pair: %v", err)
	}
	if err := m.Add("x", b); !errors.Is(err, ErrConflict) {
		t.Errorf("source remap: %v", err)
	}
	if err := m.Add("y", a); !errors.Is(err, ErrConflict) {
		t.Errorf("code reuse: %v", err)
	}
	// Map skips a code taken by Add.
	c, _, _ := m.Map("z", date(1990, 1, 1), Male)
	if c == a {
		t.Error("Map reused a code")
	}
	// Unknown sex is chosen deterministically.
	u1, _, _ := m.Map("u", date(1990, 1, 1), 0)
	if s, ok := m.Owner(u1); !ok || s != "u" {
		t.Error("owner")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"36805280109", "60001019906", "36805280108", "", "x", "36802300109", "80002290002"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not *Error", err)
			}
			return
		}
		// Round trip: a valid code regenerates from its parts.
		g, err := Generate(c.BirthDate(), c.Sex(), c.Serial())
		if err != nil || g.String() != s {
			t.Fatalf("Generate(parts of %s) = %v, %v", s, g, err)
		}
	})
}
