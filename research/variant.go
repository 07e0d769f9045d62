package research

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/research/disclosure"
)

// ErrVariant is wrapped by the error of a malformed variant question.
var ErrVariant = errors.New("research: bad variant query")

// Variant is one allele asked about: GRCh38 chromosome, 1-based position,
// reference and alternate bases.
type Variant struct {
	Chrom string
	Pos   int64
	Ref   string
	Alt   string
}

var (
	chromRE = regexp.MustCompile(`^(chr)?([1-9]|1[0-9]|2[0-2]|X|Y|M|MT)$`)
	// basesRE with a length check, not {1,1000}: that repeat compiles to a
	// 1,000-state program at every start-up of the binary (25 ms of init).
	basesRE = regexp.MustCompile(`^[ACGTN]+$`)
)

// maxBases bounds referenceBases and alternateBases.
const maxBases = 1000

func bases(s string) bool { return len(s) <= maxBases && basesRE.MatchString(s) }

// Validate checks the variant: a human chromosome, a position from 1 to
// 300,000,000, and REF and ALT in A, C, G, T, N.
func (q Variant) Validate() error {
	switch {
	case !chromRE.MatchString(q.Chrom):
		return fmt.Errorf("%w: referenceName %q: want 1-22, X, Y or MT (with or without chr)", ErrVariant, q.Chrom)
	case q.Pos < 1 || q.Pos > 300_000_000:
		return fmt.Errorf("%w: position %d: want 1 to 300000000", ErrVariant, q.Pos)
	case !bases(q.Ref):
		return fmt.Errorf("%w: referenceBases: want A, C, G, T or N", ErrVariant)
	case !bases(q.Alt):
		return fmt.Errorf("%w: alternateBases: want A, C, G, T or N", ErrVariant)
	}
	return nil
}

// chrom is the store's spelling of the chromosome (chr-prefixed).
func (q Variant) chrom() string {
	m := chromRE.FindStringSubmatch(q.Chrom)
	c := m[2]
	if c == "MT" {
		c = "M"
	}
	return "chr" + c
}

// VariantAnswer is the disclosure-controlled answer to a variant
// question. Exists is true only when at least Threshold consented
// participants carry the allele, and Carriers is then their number; when
// fewer do (none included), Exists is false and Carriers 0, so an answer
// never tells one or a few carriers from none: a rare allele cannot
// single out a person known to be in the biobank (the Beacon
// re-identification attack of Shringarpure and Bustamante, 2015).
type VariantAnswer struct {
	Project   string
	Answered  time.Time
	Threshold int
	Exists    bool
	Carriers  int
}

// CountVariant counts the project's consented participants (research
// pseudonyms) carrying q's alternate allele (at least one copy) through
// the same gate, consented extract and disclosure rules as Ask: a count
// below the threshold is not shown, and a count whose carriers differ by
// fewer than the threshold from an earlier answer of the project is
// refused (ErrRefused).
func (s *Service) CountVariant(ctx context.Context, researcher, project string, q Variant) (*VariantAnswer, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	now := time.Now()
	p, v, err := s.admit(ctx, researcher, project, now)
	if err != nil {
		return nil, err
	}
	var carriers []string
	err = v.use(func(e *query.Engine) error {
		carriers, err = carriersOf(ctx, e, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	k := p.MinCount()
	a := &VariantAnswer{Project: p.ID, Answered: now.UTC(), Threshold: k}
	if len(carriers) < k {
		return a, nil // nothing shown, nothing to remember
	}
	label := fmt.Sprintf("variant=%s:%d:%s:%s", q.chrom(), q.Pos, q.Ref, q.Alt)
	if err := s.release(ctx, p.ID, now, disclosure.Release{label: carriers}, v.population, k); err != nil {
		return nil, err
	}
	a.Exists, a.Carriers = true, len(carriers)
	return a, nil
}

// carriersOf lists the extract's samples with at least one copy of q's
// alternate allele.
func carriersOf(ctx context.Context, e *query.Engine, q Variant) ([]string, error) {
	have, err := tables(ctx, e)
	if err != nil {
		return nil, err
	}
	if !have["genotypes"] {
		return nil, nil
	}
	rows, err := e.DB().QueryContext(ctx, `SELECT DISTINCT sample FROM genotypes
WHERE chrom = $1 AND pos = $2 AND ref = $3 AND alt = $4 AND dosage > 0 ORDER BY sample`, q.chrom(), q.Pos, q.Ref, q.Alt)
	if err != nil {
		return nil, fmt.Errorf("research: variant count: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
