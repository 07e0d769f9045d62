package strictjson

import (
	"errors"
	"testing"
)

func TestDecode(t *testing.T) {
	type doc struct {
		A int `json:"a"`
	}
	for _, tt := range []struct {
		name, in string
		line     int // 0: no error
		msg      string
	}{
		{"ok", `{"a": 1}`, 0, ""},
		{"unknown field", "{\n \"a\": 1,\n \"b\": 2\n}", 4, `json: unknown field "b"`},
		{"wrong type", "{\n \"a\": \"x\"\n}", 2, "json: cannot unmarshal string into Go struct field doc.a of type int"},
		{"syntax", "{\n \"a\": 1,,\n}", 2, "invalid character ',' looking for beginning of object key string"},
		{"trailing", "{\"a\": 1}\n{\"a\": 2}", 2, "want one JSON object, found more after it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tt.in), &d)
			if tt.line == 0 {
				if err != nil || d.A != 1 {
					t.Fatalf("Decode = %v, %+v", err, d)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode = %v, want an *Error", err)
			}
			if got := Line([]byte(tt.in), Offset(err)); got != tt.line || err.Error() != tt.msg {
				t.Errorf("line %d %q, want line %d %q", got, err.Error(), tt.line, tt.msg)
			}
		})
	}
}

func TestLineClamps(t *testing.T) {
	b := []byte("a\nb\n")
	for off, want := range map[int64]int{-5: 1, 0: 1, 2: 2, 4: 3, 99: 3} {
		if got := Line(b, off); got != want {
			t.Errorf("Line(%d) = %d, want %d", off, got, want)
		}
	}
	if Offset(errors.New("plain")) != 0 {
		t.Error("Offset of a plain error is not 0")
	}
}

// TestExactOffset: syntax, type and trailing-input errors name their place
// (line and column); an unknown field does not, as the older decoders had it.
func TestExactOffset(t *testing.T) {
	type doc struct {
		A int `json:"a"`
	}
	for _, tt := range []struct {
		name, in  string
		exact     bool
		line, col int
	}{
		{"syntax", "{\n \"a\": 1,,\n}", true, 2, 10},
		{"wrong type", "{\n \"a\": \"x\"\n}", true, 2, 10},
		{"trailing", "{\"a\": 1}\n{\"a\": 2}", true, 2, 2},
		{"unknown field", "{\n \"a\": 1,\n \"b\": 2\n}", false, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tt.in), &d)
			off, exact := ExactOffset(err)
			if exact != tt.exact {
				t.Fatalf("ExactOffset(%v) exact = %v, want %v", err, exact, tt.exact)
			}
			if !exact {
				return
			}
			if line, col := LineColumn([]byte(tt.in), off); line != tt.line || col != tt.col {
				t.Errorf("line %d column %d, want %d:%d", line, col, tt.line, tt.col)
			}
		})
	}
	if _, exact := ExactOffset(errors.New("other")); exact {
		t.Error("an error of another kind has an exact offset")
	}
}
