package clinical

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrConflictingIdentity is returned (wrapped in a fhir.ParseError) for a
// Patient with two different personal codes.
var ErrConflictingIdentity = errors.New("clinical: conflicting identity")

// ErrFutureConsent is returned (wrapped in a fhir.ParseError) for a
// Consent dated after the time of ingest: a decision cannot be recorded
// before it is made.
var ErrFutureConsent = errors.New("clinical: consent dated in the future")

// ErrNothingToIngest is returned for an input file with no resource (empty
// or blank), and for an ingest that would commit no row: an empty
// generation is never committed.
var ErrNothingToIngest = errors.New("clinical: no FHIR resources")

// consentClockSkew is how far after the ingest's clock a Consent's
// dateTime may lie (clock differences between systems).
const consentClockSkew = 5 * time.Minute

// checkNotBlank refuses an input file that holds nothing but white space.
func checkNotBlank(path string) error {
	rc, err := openInput(path)
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return fmt.Errorf("%s: %w: the file is empty or blank", path, ErrNothingToIngest)
		}
		if err != nil {
			return fmt.Errorf("clinical: %s: %w", path, err)
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return nil
	}
}
