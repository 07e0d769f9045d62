package research

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/research/disclosure"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/store"
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
	chromRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(chr)?([1-9]|1[0-9]|2[0-2]|X|Y|M|MT)$`) })
	// basesRE with a length check, not {1,1000}: that repeat compiles to a
	// 1,000-state program at every start-up of the binary (25 ms of init).
	basesRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[ACGTN]+$`) })
)

// maxBases bounds referenceBases and alternateBases.
const maxBases = 1000

func bases(s string) bool { return len(s) <= maxBases && basesRE().MatchString(s) }

// Validate checks the variant: a human chromosome, a position from 1 to
// 300,000,000, and REF and ALT in A, C, G, T, N.
func (q Variant) Validate() error {
	switch {
	case !chromRE().MatchString(q.Chrom):
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
	m := chromRE().FindStringSubmatch(q.Chrom)
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
// the same gate, consented view and disclosure rules as Ask: a count
// below the threshold is not shown, and a count whose carriers differ by
// fewer than the threshold from an earlier answer of the project is
// refused (ErrRefused). The genotypes are read at the one position
// through the genome store's dense site reader (genotypes.DenseSitesAt),
// for the view's participants only, under a permit made from their
// logged decisions.
func (s *Service) CountVariant(ctx context.Context, researcher, project string, q Variant) (*VariantAnswer, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	p, v, err := s.admit(ctx, researcher, project, now)
	if err != nil {
		return nil, err
	}
	carriers, err := s.carriersOf(ctx, researcher, p, v, q)
	if err != nil {
		return nil, err
	}
	k := p.MinCount()
	a := &VariantAnswer{Project: p.ID, Answered: now.UTC(), Threshold: k}
	if len(carriers) < k {
		return a, nil // nothing shown, nothing to remember
	}
	label := fmt.Sprintf("variant=%s:%d:%s:%s", q.chrom(), q.Pos, q.Ref, q.Alt)
	if err := s.release(ctx, p.ID, now, disclosure.Release{label: v.population.group(carriers)}, v.population, k); err != nil {
		return nil, err
	}
	a.Exists, a.Carriers = true, len(carriers)
	return a, nil
}

// carriersOf lists the view's participants with at least one copy of q's
// alternate allele, sorted. The position is read through the dense site
// reader (genotypes.DenseSitesAt): only the stored rows of the row groups
// holding it, decoded for the view's genotyped participants.
func (s *Service) carriersOf(ctx context.Context, researcher string, p *projects.Project, v *view, q Variant) ([]string, error) {
	gs, keys, err := s.genome(v)
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	g, err := s.permit(ctx, researcher, p, v)
	if err != nil {
		return nil, err
	}
	var carriers []string
	err = gs.DenseSitesAt(ctx, g, []genome.Locus{{Chrom: q.chrom(), Pos: q.Pos}}, keys, func(sites []*genotypes.DenseSite) error {
		carriers = carriersAt(sites, keys, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("research: variant count: %w", err)
	}
	return carriers, nil
}

// carriersAt lists the samples (keys, in the order the sites' calls
// follow) with at least one copy of q's alternate allele at any of the
// sites, sorted: a called allele, whatever the other (a half-missing
// "./1" carries it too).
func carriersAt(sites []*genotypes.DenseSite, keys []string, q Variant) []string {
	carrier := map[string]bool{}
	var codes []int32
	var alleles []int
	for _, r := range sites {
		alt := slices.Index(r.Alts, q.Alt) + 1
		if r.Pos != q.Pos || r.Ref != q.Ref || alt == 0 {
			continue
		}
		codes = r.Codes(codes)
		for i, code := range codes {
			alleles, _ = genome.DecodeGT(code, alleles[:0])
			if slices.Contains(alleles, alt) {
				carrier[keys[i]] = true
			}
		}
	}
	return sortedSet(carrier)
}

// genome returns the genome store the view was built over and the view's
// participants who have a genotyped sample in it, sorted; both are read
// once per view (a view is replaced when any store file changes).
func (s *Service) genome(v *view) (*genotypes.Store, []string, error) {
	s.views.mu.Lock()
	defer s.views.mu.Unlock()
	if v.genome.read {
		return v.genome.store, v.genome.keys, nil
	}
	st, err := store.Open(s.dir, store.Config{})
	if err != nil {
		return nil, nil, err
	}
	if len(st.Manifest().Tables[genotypes.TableSamples]) == 0 {
		v.genome.read = true
		return nil, nil, nil // no genome data
	}
	gs, err := genotypes.FromStore(st)
	if err != nil {
		return nil, nil, err
	}
	var keys []string
	for _, x := range v.participants {
		ok, err := gs.HasSample(x.Key)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			keys = append(keys, x.Key)
		}
	}
	v.genome.store, v.genome.keys, v.genome.read = gs, keys, true
	return gs, keys, nil
}

// permit returns a genome reader permit covering the view's participants,
// made from their logged decisions; when the view's decisions were not
// all made in this process (a view loaded from the store after a
// restart), everyone is decided (and logged) again first.
func (s *Service) permit(ctx context.Context, researcher string, p *projects.Project, v *view) (access.Permit, error) {
	s.views.mu.Lock()
	defer s.views.mu.Unlock()
	if !v.complete {
		d, err := query.DecideResearch(ctx, s.dir, query.Config{Actor: researcher, Use: p.Use(), Clock: s.now})
		if err != nil {
			return access.Permit{}, err
		}
		grants, samples := map[string]access.Grant{}, map[string][]string{}
		for _, g := range d.Grants {
			grants[g.Person], samples[g.Person] = g, d.Samples[g.Person]
		}
		for person := range v.people {
			if _, ok := grants[person]; !ok {
				// Decided otherwise since the view was built: the next
				// question refreshes it; this one is not answered.
				return access.Permit{}, ErrViewReplaced
			}
		}
		v.grants, v.samples, v.complete, v.actor = grants, samples, true, researcher
		v.permit = nil
	}
	if v.permit == nil {
		gs := make([]access.Grant, 0, len(v.people))
		for person := range v.people {
			gs = append(gs, v.grants[person])
		}
		g, err := access.GrantsPermit(access.Actor{ID: v.actor, Role: access.Researcher}, access.Research, gs, v.samples)
		if err != nil {
			return access.Permit{}, err
		}
		v.permit = &g
	}
	return *v.permit, nil
}
