package devidp

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/varamu/varamu/clinical/isikukood"
)

// ReadPeople reads ids.tsv as `varamu dev-ca` writes it (header "name
// isikukood role", then one tab-separated line per person) into users
// named like their certificates (given name NAME in capitals, family name
// TEST), with the birth date their isikukood carries. Errors name the file
// and line.
func ReadPeople(r io.Reader, name string) ([]User, error) {
	sc := bufio.NewScanner(r)
	var out []User
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 && strings.HasPrefix(text, "name\t") || strings.TrimSpace(text) == "" {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) < 2 {
			return nil, fmt.Errorf("devidp: %s:%d: want name<TAB>isikukood<TAB>role", name, line)
		}
		role := ""
		if len(f) > 2 {
			role = f[2]
		}
		u, err := NewUser(f[0], f[1], role)
		if err != nil {
			return nil, fmt.Errorf("devidp: %s:%d: %w", name, line, err)
		}
		out = append(out, u)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("devidp: %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("devidp: %s: nobody listed", name)
	}
	return out, nil
}

// NewUser is the user dev-ca's person name (professional, parent, ...)
// with isikukood code and role (words) stands for: given name NAME in
// capitals, family name TEST, the birth date the code carries.
func NewUser(name, code, role string) (User, error) {
	c, err := isikukood.Parse(code)
	if err != nil {
		return User{}, err
	}
	u := User{Isikukood: c.String(), Given: strings.ToUpper(name), Family: "TEST", BirthDate: c.BirthDate(), Label: name}
	if role != "" {
		u.Label = name + ": " + role
	}
	return u, nil
}
