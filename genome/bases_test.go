package genome

import "testing"

func TestBases(t *testing.T) {
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"", true}, {"A", true}, {"acgtn", true}, {"ACGTN", true}, {"AcGt", true},
		{"R", false}, {"A-T", false}, {"<DEL>", false}, {"*", false}, {"\xff", false}, {"A ", false},
	} {
		if got := Bases(c.s); got != c.want {
			t.Errorf("Bases(%q) = %v, want %v", c.s, got, c.want)
		}
		if got := Bases([]byte(c.s)); got != c.want {
			t.Errorf("Bases([]byte(%q)) = %v, want %v", c.s, got, c.want)
		}
	}
}
