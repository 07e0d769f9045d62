// Package annotate calls every pharmacogene for every sample of a genome
// store in one pass and writes the results as store tables that
// `varamu query` joins with genotypes and clinical data:
//
//	pgx_calls            sample × gene: diplotypes, phenotype, activity
//	                     score, confidence, uncertainty, missing positions,
//	                     novel variants, notes
//	pgx_phenotypes       sample × gene: phenotype and activity score only
//	pgx_recommendations  sample × drug: the genotype-only guideline
//	                     recommendation (no clinical facts, no
//	                     co-medications), with its caveats
//	pgx_changes          what changed for a sample since the previous data
//	                     version: a gene's diplotype, phenotype or activity
//	                     score, or a drug's recommendation (old → new), so
//	                     that clinicians can be told
//
// Every row carries data_version, naming the allele data and the rule data
// it came from. A run commits its results in chunks of samples, each chunk
// one store transaction; an interrupted run resumes where it stopped,
// skipping the samples already annotated with the same data version. A
// sample's genotypes are read once, batch by batch (genome/genotypes Scan), and
// calling runs on all cores.
package annotate

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// Table names written by Run.
const (
	TableCalls           = "pgx_calls"
	TablePhenotypes      = "pgx_phenotypes"
	TableRecommendations = "pgx_recommendations"
	TableChanges         = "pgx_changes"
)

// SectionKey is the manifest section of annotation runs.
const SectionKey = "pgx"

// Section records the annotation runs of a store.
type Section struct {
	// Current is the data version of the newest run; query views show its
	// rows.
	Current string      `json:"current"`
	Runs    []RunRecord `json:"runs"`
}

// RunRecord describes the run of one annotation data version.
type RunRecord struct {
	DataVersion string    `json:"dataVersion"`
	Started     time.Time `json:"started"`
	Samples     int       `json:"samples"`
	Complete    bool      `json:"complete"`
	Previous    string    `json:"previous,omitempty"`
}

// Config tune Run. The zero value is ready to use.
type Config struct {
	// Workers call samples in parallel; 0 means GOMAXPROCS.
	Workers int
	// MinConfidence is passed to the caller; 0 means its default.
	MinConfidence float64
	// ChunkSamples is how many samples one commit holds; 0 means 5000.
	ChunkSamples int
	// Samples restricts the run (for tests and re-runs); nil means all.
	Samples []string
	// Outside are calls made elsewhere (CYP2D6 copy number, HLA), by
	// sample; a call without a sample applies to every sample.
	Outside []calling.OutsideCall
	// Progress, when set, is called after each sample with the number
	// done in this run and the number to do.
	Progress func(done, total int)

	// version replaces the data version (tests simulate a data update).
	version string
	// engine replaces the embedded rules (tests simulate a rule update).
	engine *rules.Engine
}

// Result summarises a run.
type Result struct {
	DataVersion string
	Annotated   int // samples annotated by this run
	Skipped     int // samples already annotated with this data version
	Changed     int // samples with a change since the previous version
	Previous    string
	Elapsed     time.Duration
}

// DataVersion returns the combined version of the embedded allele and rule
// data, as written in data_version columns.
func DataVersion(c *calling.Caller, e *rules.Engine) string {
	return "alleles " + c.DataVersion() + "; rules " + e.DataVersion()
}

type sampleResult struct {
	calls pharmacogenomics.SampleCalls
	recs  []rules.Recommendation
}

// Run annotates the store in dir as a steward job run by actor (the
// operating-system user, or a job name they chose): the access to every
// sample's genotypes (opt.Samples when set) is logged with package access
// before any genotype is read.
func Run(ctx context.Context, dir, actor string, opt Config) (*Result, error) {
	start := time.Now()
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.ChunkSamples <= 0 {
		opt.ChunkSamples = 5000
	}
	r, err := prepare(ctx, dir, actor, opt)
	if err != nil {
		return nil, err
	}
	if err := r.caller.CheckOutside(opt.Outside, "outside calls"); err != nil {
		return nil, err
	}
	res, total, err := r.plan()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &pipeline{cancel: cancel}
	out := r.call(ctx, r.scan(ctx, p), p)
	if err := r.collect(ctx, out, res, total, p); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// run is one annotation run: the store, the steward's permit, the caller
// and rules, and what earlier runs left.
type run struct {
	opt         Config
	st          *store.Store
	gs          *genotypes.Store
	permit      access.Permit
	caller      *calling.Caller
	engine      *rules.Engine
	version     string
	prevVersion string // the last complete run of another data version
	prev        *previous
	sec         Section
	done        map[string]bool // samples already annotated with version
}

// prepare opens the store, logs the steward access to every sample to be
// read, and loads the allele and rule data and the previous run's results.
func prepare(ctx context.Context, dir, actor string, opt Config) (*run, error) {
	r := &run{opt: opt}
	var err error
	if r.st, err = store.Open(dir, store.Config{}); err != nil {
		return nil, err
	}
	if r.gs, err = genotypes.FromStore(r.st); err != nil {
		return nil, err
	}
	if r.permit, err = access.OpenSteward(ctx, r.st, access.StewardAccess{Actor: actor, Scope: "annotate the pharmacogenes", Samples: opt.Samples}); err != nil {
		return nil, err
	}
	if err := r.loadData(); err != nil {
		return nil, err
	}
	if _, err := r.st.Manifest().Section(SectionKey, &r.sec); err != nil {
		return nil, err
	}
	if r.done, err = samplesOf(r.st, r.version); err != nil {
		return nil, err
	}
	for _, rr := range r.sec.Runs {
		if rr.DataVersion != r.version && rr.Complete {
			r.prevVersion = rr.DataVersion
		}
	}
	if r.prevVersion != "" {
		if r.prev, err = loadPrevious(r.st, r.prevVersion); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// loadData loads the embedded allele definitions and rules (or the test's)
// and names their data version.
func (r *run) loadData() error {
	db, err := alleles.Load()
	if err != nil {
		return err
	}
	if r.caller, err = calling.New(db, calling.Config{MinConfidence: r.opt.MinConfidence}); err != nil {
		return err
	}
	r.engine = r.opt.engine
	if r.engine == nil {
		if r.engine, err = rules.LoadEmbedded(); err != nil {
			return err
		}
	}
	r.version = DataVersion(r.caller, r.engine)
	if r.opt.version != "" {
		r.version = r.opt.version
	}
	return nil
}

// plan counts the samples to annotate and those already done.
func (r *run) plan() (*Result, int, error) {
	todo := r.opt.Samples
	if todo == nil {
		all, err := r.gs.Samples()
		if err != nil {
			return nil, 0, err
		}
		todo = all
	}
	res := &Result{DataVersion: r.version, Previous: r.prevVersion}
	total := 0
	for _, s := range todo {
		if r.done[s] {
			res.Skipped++
		} else {
			total++
		}
	}
	return res, total, nil
}

// pipeline is the shared state of the scan, call and collect stages: the
// first error of a stage cancels the others.
type pipeline struct {
	cancel  context.CancelFunc
	once    sync.Once
	workErr error // the first error of a worker or a commit
	scanErr error // the scan's error, read once its channel is closed
}

func (p *pipeline) fail(err error) {
	p.once.Do(func() { p.workErr = err; p.cancel() })
}

// scan reads the PGx positions of every sample to annotate, under the
// permit, into the returned channel.
func (r *run) scan(ctx context.Context, p *pipeline) <-chan genotypes.SampleGenotypes {
	in := make(chan genotypes.SampleGenotypes, r.opt.Workers*4)
	go func() {
		defer close(in)
		p.scanErr = r.gs.Scan(ctx, r.permit, r.caller.Loci(), genotypes.ScanConfig{Samples: r.opt.Samples, Skip: func(s string) bool { return r.done[s] }},
			func(sg genotypes.SampleGenotypes) error {
				select {
				case in <- sg:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
	}()
	return in
}

// call calls every gene and evaluates every drug's rules for each sample,
// on opt.Workers goroutines; each worker reuses the gene calls it made for
// the same observations (calling.Memo) and the answers it gave for the
// same calls (recMemo).
func (r *run) call(ctx context.Context, in <-chan genotypes.SampleGenotypes, p *pipeline) <-chan sampleResult {
	out := make(chan sampleResult, r.opt.Workers*4)
	outside := map[string][]calling.OutsideCall{}
	var everyone []calling.OutsideCall
	for _, oc := range r.opt.Outside {
		if oc.Sample == "" {
			everyone = append(everyone, oc)
		} else {
			outside[oc.Sample] = append(outside[oc.Sample], oc)
		}
	}
	var wg sync.WaitGroup
	for range r.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			memo, calls := newRecMemo(r.engine), r.caller.NewMemo()
			for sg := range in {
				subj := calling.Subject{Sample: sg.Sample, Outside: append(slices.Clone(everyone), outside[sg.Sample]...)}
				sc, err := calls.CallGenotypes(subj, notCoveredAsEmpty(sg.Genotypes))
				if err != nil {
					p.fail(err)
					return
				}
				recs, err := memo.recommend(ctx, sc)
				if err != nil {
					p.fail(err)
					return
				}
				select {
				case out <- sampleResult{sc, recs}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	return out
}

// collect writes the results in chunks of opt.ChunkSamples samples, each
// chunk one store transaction, and the last one marks the run complete.
func (r *run) collect(ctx context.Context, out <-chan sampleResult, res *Result, total int, p *pipeline) error {
	w := newChunkWriter(r.version, r.prevVersion, r.prev)
	commit := func(complete bool) error {
		if w.rows == 0 && !complete {
			return nil
		}
		changed, err := w.commit(ctx, r.st, &r.sec, complete, res.Annotated+w.rows+res.Skipped)
		res.Changed += changed
		res.Annotated += w.rows
		w.reset()
		return err
	}
	n := 0
	for sr := range out {
		if p.workErr != nil {
			continue
		}
		w.add(sr)
		n++
		if r.opt.Progress != nil {
			r.opt.Progress(n, total)
		}
		if w.rows >= r.opt.ChunkSamples {
			if err := commit(false); err != nil {
				p.fail(err)
			}
		}
	}
	if p.workErr != nil {
		return p.workErr
	}
	if p.scanErr != nil {
		return p.scanErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return commit(true)
}

// notCoveredAsEmpty gives the caller an empty list where the store says
// not covered, which is how calling.CallGenotypes spells it.
func notCoveredAsEmpty(gts [][]genome.Genotype) [][]genome.Genotype {
	for i, gs := range gts {
		if len(gs) == 1 && gs[0].State == genome.NotCovered {
			gts[i] = nil
		}
	}
	return gts
}

// samplesOf returns the samples of pgx_calls with the given data version.
func samplesOf(st *store.Store, version string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, f := range st.Manifest().Tables[TableCalls] {
		if !strings.HasPrefix(f.Part, version+"#") {
			continue
		}
		if err := rows.ScanFile(context.Background(), st.Path(f), []string{"sample"}, func(r *rows.Row) error {
			out[r.Str(0)] = true
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// previous holds the results of the previous data version, compactly.
type previous struct {
	version string
	genes   map[string]geneSummary           // sample + "\x00" + gene
	recs    map[string]map[string]recSummary // sample → recKey → summary
	samples map[string]bool
}

type geneSummary struct{ diplotypes, phenotype, score string }

type recSummary struct {
	drug, action, strength, rule, phenotypes, text, guideline string
	genes                                                     []string
}

// describe is a recommendation in a pgx_changes value: action, strength,
// guideline and text.
func (r recSummary) describe() string {
	return fmt.Sprintf("%s (%s; %s): %s", r.action, r.strength, r.guideline, r.text)
}

// pairKey groups recommendations that answer the same question across rule
// versions, when their rule ids differ: drug, guideline body and genes.
func (r recSummary) pairKey() string {
	body, _, _ := strings.Cut(r.guideline, " ")
	return r.drug + "\x00" + body + "\x00" + strings.Join(r.genes, ",")
}

// recKey identifies a recommendation across data versions: the drug, the
// guideline and the rule.
func recKey(drug, guideline, rule string) string { return drug + "\x00" + guideline + "\x00" + rule }

func loadPrevious(st *store.Store, version string) (*previous, error) {
	p := &previous{version: version, genes: map[string]geneSummary{}, recs: map[string]map[string]recSummary{}, samples: map[string]bool{}}
	m := st.Manifest()
	for _, f := range m.Tables[TableCalls] {
		if !strings.HasPrefix(f.Part, version+"#") {
			continue
		}
		err := rows.ScanFile(context.Background(), st.Path(f), []string{"sample", "gene", "diplotypes", "phenotype", "activity_score"}, func(r *rows.Row) error {
			s := r.Str(0)
			p.samples[s] = true
			p.genes[s+"\x00"+r.Str(1)] = geneSummary{
				diplotypes: strings.Join(r.Strs(2), " or "),
				phenotype:  r.Str(3),
				score:      scoreText(r.F64p(4)),
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, f := range m.Tables[TableRecommendations] {
		if !strings.HasPrefix(f.Part, version+"#") {
			continue
		}
		cols := []string{"sample", "drug", "action", "strength", "rule_id", "phenotypes", "guideline", "text", "genes"}
		err := rows.ScanFile(context.Background(), st.Path(f), cols, func(r *rows.Row) error {
			smp, drug := r.Str(0), r.Str(1)
			if p.recs[smp] == nil {
				p.recs[smp] = map[string]recSummary{}
			}
			rs := recSummary{drug: drug, action: r.Str(2), strength: r.Str(3), rule: r.Str(4), phenotypes: r.Str(5),
				guideline: r.Str(6), text: r.Str(7), genes: r.Strs(8)}
			p.recs[smp][recKey(drug, r.Str(6), rs.rule)] = rs
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}
