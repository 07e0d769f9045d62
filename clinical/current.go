package clinical

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/store"
)

// GuardianRoles are the v3-RoleCode relationships that make the related
// person a legal representative of a minor: mother, father, parent,
// natural, adoptive and step parents, guardian.
var GuardianRoles = []string{"MTH", "FTH", "PRN", "NMTH", "NFTH", "NPRN", "ADOPTMTH", "ADOPTF", "ADOPTP", "STPMTH", "STPFTH", "GUARD"}

// Person is the current row of a person.
type Person struct {
	ID        string
	BirthDate time.Time // calendar date; zero: unknown
	Sex       string    // "female", "male" or ""
}

// Relation is one current row of the related table: Related is
// Relationship of Person ("MTH": Related is Person's mother).
type Relation struct {
	Person, Related, RelatedResource string
	Relationship                     string
	Start, End                       time.Time
	Source, ResourceID               string
}

// SampleLink is the current link of a biobank sample to its person.
type SampleLink struct {
	Sample, Person string
	seq            version
}

// Practitioner is the current register entry of a health professional.
type Practitioner struct {
	ID      string
	Licence string
	Active  bool // FHIR active; absent counts as active
	// LicenceFrom and LicenceUntil bound the licence's validity (FHIR
	// identifier or qualification period); zero means open.
	LicenceFrom, LicenceUntil time.Time
}

// Current is the current state of the clinical tables that decide who may
// see whose data: persons, related persons, biobank sample links, consent
// histories and the register of professionals, each table read as the
// clinical views define it (Views: last write wins per key). It is the one
// reader of that state; package access, the alerts, prescribing and export
// all use it, and a property test compares it with the SQL views.
type Current struct {
	Persons       map[string]Person
	Relations     []Relation // sorted by Person, Related, Relationship
	Samples       map[string]SampleLink
	Consents      map[string][]consent.Event // by person, in time order
	Practitioners map[string]Practitioner
}

// version orders rows: (ingest_seq, row_seq).
type version struct{ ingest, row int64 }

func (v version) newer(w version) bool {
	return v.ingest > w.ingest || v.ingest == w.ingest && v.row > w.row
}

// ReadCurrent reads the current state of the store's identity, family,
// sample, consent and register tables. A store whose clinical tables do
// not hold the rows their ingests wrote (CheckTables: a consent table
// removed from the manifest) is refused, so that every decision made from
// it fails closed.
func ReadCurrent(ctx context.Context, s *store.Store) (*Current, error) {
	if err := CheckTables(s.Manifest()); err != nil {
		return nil, err
	}
	c := &Current{}
	var err error
	if c.Persons, err = readPersons(ctx, s); err != nil {
		return nil, err
	}
	if c.Relations, err = readRelations(ctx, s); err != nil {
		return nil, err
	}
	if c.Samples, err = readSampleLinks(ctx, s); err != nil {
		return nil, err
	}
	if c.Consents, err = ConsentEvents(ctx, s); err != nil {
		return nil, err
	}
	if c.Practitioners, err = readPractitioners(ctx, s); err != nil {
		return nil, err
	}
	return c, nil
}

// Guardians returns the ids of the person's parents and legal guardians
// in the current related rows (a relation with an end date is over),
// sorted.
func (c *Current) Guardians(person string) []string {
	var out []string
	for _, r := range c.Relations {
		if r.Person != person || r.Related == "" || !r.End.IsZero() || !slices.Contains(GuardianRoles, r.Relationship) {
			continue
		}
		if !slices.Contains(out, r.Related) {
			out = append(out, r.Related)
		}
	}
	slices.Sort(out)
	return out
}

// SamplesOf returns the biobank samples currently linked to person, sorted.
func (c *Current) SamplesOf(person string) []string {
	var out []string
	for _, l := range c.Samples {
		if l.Person == person {
			out = append(out, l.Sample)
		}
	}
	slices.Sort(out)
	return out
}

// SampleOf returns the sample most recently linked to person.
func (c *Current) SampleOf(person string) (string, bool) {
	var best SampleLink
	found := false
	for _, l := range c.Samples {
		if l.Person == person && (!found || l.seq.newer(best.seq)) {
			best, found = l, true
		}
	}
	return best.Sample, found
}

// History returns the person's consent history, with the birth date set
// so that consents given by a parent for a child lapse at 18.
func (c *Current) History(person string) (*consent.History, error) {
	h, err := consent.Load(person, c.Consents[person])
	if err != nil {
		return nil, fmt.Errorf("clinical: consents of %s: %w", person, err)
	}
	h.SetBirthDate(c.Persons[person].BirthDate)
	return h, nil
}

func readPersons(ctx context.Context, s *store.Store) (map[string]Person, error) {
	out := map[string]Person{}
	seen := map[string]version{}
	err := readTable(ctx, s.Dir(), s.Manifest(), "persons", []string{"person_id", "birth_date", "sex", "ingest_seq", "row_seq"}, func(rec arrow.RecordBatch) error {
		id, sex := stringColumn(rec, 0), stringColumn(rec, 2)
		birth := rec.Column(1).(*array.Date32)
		seq, row := rec.Column(3).(*array.Int64), rec.Column(4).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			v := version{seq.Value(i), row.Value(i)}
			if old, ok := seen[id.Value(i)]; ok && !v.newer(old) {
				continue
			}
			seen[id.Value(i)] = v
			p := Person{ID: id.Value(i), Sex: sex.Value(i)}
			if !birth.IsNull(i) {
				p.BirthDate = birth.Value(i).ToTime()
			}
			out[p.ID] = p
		}
		return nil
	})
	return out, err
}

// readRelations applies the related view: the rows of the newest ingest of
// each (source, resource_id), and among them the last per
// (related_resource, relationship). A RelatedPerson re-ingested with
// another relationship replaces the old one.
func readRelations(ctx context.Context, s *store.Store) ([]Relation, error) {
	type row struct {
		v   version
		rel Relation
	}
	newest := map[[2]string]int64{}
	rows := map[[4]string]row{}
	cols := []string{"person_id", "related_person_id", "related_resource", "relationship", "period_start", "period_end", "source", "resource_id", "ingest_seq", "row_seq"}
	err := readTable(ctx, s.Dir(), s.Manifest(), "related", cols, func(rec arrow.RecordBatch) error {
		pid, other, res, code := stringColumn(rec, 0), stringColumn(rec, 1), stringColumn(rec, 2), stringColumn(rec, 3)
		start, end := rec.Column(4).(*array.Timestamp), rec.Column(5).(*array.Timestamp)
		src, id := stringColumn(rec, 6), stringColumn(rec, 7)
		seq, rowSeq := rec.Column(8).(*array.Int64), rec.Column(9).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			v := version{seq.Value(i), rowSeq.Value(i)}
			group := [2]string{src.Value(i), id.Value(i)}
			newest[group] = max(newest[group], v.ingest)
			key := [4]string{group[0], group[1], res.Value(i), code.Value(i)}
			if old, ok := rows[key]; ok && !v.newer(old.v) {
				continue
			}
			rows[key] = row{v, Relation{Person: pid.Value(i), Related: other.Value(i), RelatedResource: res.Value(i),
				Relationship: code.Value(i), Start: ts(start, i), End: ts(end, i), Source: src.Value(i), ResourceID: id.Value(i)}}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Relation
	for key, r := range rows {
		if r.v.ingest == newest[[2]string{key[0], key[1]}] {
			out = append(out, r.rel)
		}
	}
	slices.SortFunc(out, func(a, b Relation) int {
		if c := strings.Compare(a.Person, b.Person); c != 0 {
			return c
		}
		if c := strings.Compare(a.Related, b.Related); c != 0 {
			return c
		}
		if c := strings.Compare(a.Relationship, b.Relationship); c != 0 {
			return c
		}
		return strings.Compare(a.ResourceID, b.ResourceID)
	})
	return out, nil
}

// readSampleLinks applies the biobank_samples view: the newest row per
// sample. After a re-link the old person no longer has the sample.
func readSampleLinks(ctx context.Context, s *store.Store) (map[string]SampleLink, error) {
	return readSampleLinksIn(ctx, s.Dir(), s.Manifest())
}

func readSampleLinksIn(ctx context.Context, dir string, m *store.Manifest) (map[string]SampleLink, error) {
	out := map[string]SampleLink{}
	err := readTable(ctx, dir, m, "biobank_samples", []string{"sample_id", "person_id", "ingest_seq", "row_seq"}, func(rec arrow.RecordBatch) error {
		sample, pid := stringColumn(rec, 0), stringColumn(rec, 1)
		seq, row := rec.Column(2).(*array.Int64), rec.Column(3).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			v := version{seq.Value(i), row.Value(i)}
			if old, ok := out[sample.Value(i)]; ok && !v.newer(old.seq) {
				continue
			}
			out[sample.Value(i)] = SampleLink{Sample: sample.Value(i), Person: pid.Value(i), seq: v}
		}
		return nil
	})
	return out, err
}

func readPractitioners(ctx context.Context, s *store.Store) (map[string]Practitioner, error) {
	out := map[string]Practitioner{}
	seen := map[string]version{}
	cols := []string{"practitioner_id", "licence", "active", "licence_start", "licence_end", "ingest_seq", "row_seq"}
	err := readTable(ctx, s.Dir(), s.Manifest(), "practitioners", cols, func(rec arrow.RecordBatch) error {
		id, lic := stringColumn(rec, 0), stringColumn(rec, 1)
		active := rec.Column(2).(*array.Boolean)
		from, until := rec.Column(3).(*array.Timestamp), rec.Column(4).(*array.Timestamp)
		seq, row := rec.Column(5).(*array.Int64), rec.Column(6).(*array.Int64)
		for i := 0; i < int(rec.NumRows()); i++ {
			v := version{seq.Value(i), row.Value(i)}
			if old, ok := seen[id.Value(i)]; ok && !v.newer(old) {
				continue
			}
			seen[id.Value(i)] = v
			out[id.Value(i)] = Practitioner{ID: id.Value(i), Licence: lic.Value(i), Active: active.IsNull(i) || active.Value(i),
				LicenceFrom: ts(from, i), LicenceUntil: ts(until, i)}
		}
		return nil
	})
	return out, err
}
