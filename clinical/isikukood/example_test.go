package isikukood_test

import (
	"fmt"
	"time"

	"github.com/varamu/varamu/clinical/isikukood"
)

func ExampleParse() {
	c, err := isikukood.Parse("36805280109")
	if err != nil {
		panic(err)
	}
	fmt.Println(c.BirthDate().Format(time.DateOnly), c.Sex(), c.Serial())
	_, err = isikukood.Parse("36805280108")
	fmt.Println(err)
	// Output:
	// 1968-05-28 male 10
	// isikukood: check digit does not match "36805280108": got 8, want 9
}

func ExampleMapper() {
	m := isikukood.NewMapper([]byte("store key"))
	birth := time.Date(1980, 6, 15, 0, 0, 0, 0, time.UTC)
	c, isNew, _ := m.Map("https://github.com/synthetichealth/synthea|0c89b627", birth, isikukood.Female)
	again, _, _ := m.Map("https://github.com/synthetichealth/synthea|0c89b627", birth, isikukood.Female)
	fmt.Println(isNew, c == again, c.BirthDate().Equal(birth), c.Sex())
	// Output:
	// true true true female
}
