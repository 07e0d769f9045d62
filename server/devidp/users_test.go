package devidp

import (
	"strings"
	"testing"
	"time"
)

func TestReadPeople(t *testing.T) {
	in := "name\tisikukood\trole\nparent\t37711020006\tparent of 50912240009\nchild\t50912240009\n\n"
	got, err := ReadPeople(strings.NewReader(in), "ids.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Given != "PARENT" || got[0].Family != "TEST" || got[0].Label != "parent: parent of 50912240009" ||
		!got[1].BirthDate.Equal(time.Date(2009, 12, 24, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v", got)
	}
	for _, c := range []struct{ in, want string }{
		{"name\tisikukood\trole\nparent 37711020006\n", "ids.tsv:2: want name<TAB>isikukood<TAB>role"},
		{"name\tisikukood\trole\nparent\t37711020007\tx\n", "ids.tsv:2: isikukood"},
		{"name\tisikukood\trole\n", "ids.tsv: nobody listed"},
	} {
		_, err := ReadPeople(strings.NewReader(c.in), "ids.tsv")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

// FuzzReadPeople: any input gives users with valid codes or an error
// naming the file.
func FuzzReadPeople(f *testing.F) {
	f.Add("name\tisikukood\trole\nparent\t37711020006\tparent of 50912240009\n")
	f.Add("child\t50912240009\n")
	f.Add("\t\t\n\x00")
	f.Fuzz(func(t *testing.T, in string) {
		us, err := ReadPeople(strings.NewReader(in), "ids.tsv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "devidp: ids.tsv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, u := range us {
			if _, err := NewUser(u.Label, u.Isikukood, ""); err != nil {
				t.Fatalf("user with a bad code %q", u.Isikukood)
			}
		}
	})
}
