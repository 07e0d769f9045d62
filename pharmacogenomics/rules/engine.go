package rules

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"github.com/varamu/varamu/internal/strictjson"
)

//go:generate go run ../../datasets/guidelines/gen -ref ../../../shared/reference -o rules.json

//go:embed rules.json
var embedded []byte

// Embedded returns a copy of the embedded rule file's bytes.
func Embedded() []byte { return bytes.Clone(embedded) }

// LoadEmbedded compiles the rule file built into the binary.
func LoadEmbedded() (*Engine, error) {
	return Load(bytes.NewReader(embedded), "rules.json")
}

// evalCostLimit bounds the work of one rule evaluation, so that no rule (or
// fuzzed expression) can run away.
const evalCostLimit = 100000

// Engine is a compiled rule file. It is safe for concurrent use.
type Engine struct {
	file       File
	env        *cel.Env
	progs      []cel.Program
	byDrug     map[string][]int
	guidelines map[string]Guideline
	genes      []string
	inhibitors map[string][]Inhibitor // by drug
	// scoreKeyed lists, per drug, the genes its rules key by activity score.
	scoreKeyed map[string][]string
	// carriers lists, per drug and gene, the alleles its rules test by
	// carrier status (see unknown.go).
	carriers map[string]map[string][]string
}

// newEnv declares the variables rule conditions may read (see package doc).
func newEnv() (*cel.Env, error) {
	strMap := cel.MapType(cel.StringType, cel.StringType)
	listMap := cel.MapType(cel.StringType, cel.ListType(cel.StringType))
	return cel.NewEnv(
		cel.Variable("phenotype", strMap),
		cel.Variable("genotypicPhenotype", strMap),
		cel.Variable("called", cel.MapType(cel.StringType, cel.BoolType)),
		cel.Variable("score", cel.MapType(cel.StringType, cel.DoubleType)),
		cel.Variable("diplotypes", listMap),
		cel.Variable("alleles", listMap),
		cel.Variable("outside", cel.MapType(cel.StringType, cel.BoolType)),
		cel.Variable("age", cel.DynType),
		cel.Variable("weight", cel.DynType),
		cel.Variable("height", cel.DynType),
		cel.Variable("sex", cel.StringType),
		cel.Variable("ancestry", cel.StringType),
		cel.Variable("medications", cel.ListType(cel.StringType)),
	)
}

// CompileExpr compiles one condition in the rule environment and returns
// every error with its position, or nil. It is what Load uses per rule.
func CompileExpr(expr string) []*RuleError {
	env, err := newEnv()
	if err != nil {
		return []*RuleError{{Field: "when", Msg: err.Error()}}
	}
	_, errs := compile(env, expr)
	return errs
}

func compile(env *cel.Env, expr string) (cel.Program, []*RuleError) {
	if strings.TrimSpace(expr) == "" {
		return nil, []*RuleError{{Field: "when", Msg: "empty condition"}}
	}
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		var out []*RuleError
		for _, e := range iss.Errors() {
			line, col := e.Location.Line(), e.Location.Column()+1
			if line < 1 {
				line, col = 1, 1
			}
			out = append(out, &RuleError{Field: "when", Line: line, Column: col, Msg: e.Message})
		}
		return nil, out
	}
	if !ast.OutputType().IsExactType(types.BoolType) && !ast.OutputType().IsExactType(types.DynType) {
		return nil, []*RuleError{{Field: "when", Line: 1, Column: 1,
			Msg: fmt.Sprintf("condition has type %s, want bool", ast.OutputType())}}
	}
	prg, err := env.Program(ast, cel.CostLimit(evalCostLimit))
	if err != nil {
		return nil, []*RuleError{{Field: "when", Line: 1, Column: 1, Msg: err.Error()}}
	}
	return prg, nil
}

// Load reads and compiles a rule file. name is used in error messages. Every
// rule is checked; all problems are returned together as a *LoadError, each
// naming the rule and, for CEL errors, the line and column in its condition.
func Load(r io.Reader, name string) (*Engine, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("rules: read %s: %w", name, err)
	}
	var f File
	if err := strictjson.Decode(data, &f); err != nil {
		pe := &ParseError{File: name, Err: err}
		if off, ok := strictjson.ExactOffset(err); ok {
			pe.Line, pe.Column = strictjson.LineColumn(data, off)
		}
		return nil, pe
	}
	if f.Format != FormatVersion {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w %q, want %q", ErrFormat, f.Format, FormatVersion)}
	}
	return compileFile(f, name)
}

func compileFile(f File, name string) (*Engine, error) {
	env, err := newEnv()
	if err != nil {
		return nil, fmt.Errorf("rules: CEL environment: %w", err)
	}
	e := &Engine{
		file:       f,
		env:        env,
		progs:      make([]cel.Program, len(f.Rules)),
		byDrug:     map[string][]int{},
		guidelines: map[string]Guideline{},
		inhibitors: map[string][]Inhibitor{},
		scoreKeyed: map[string][]string{},
	}
	var errs []*RuleError
	add := func(rule, field, msg string) {
		errs = append(errs, &RuleError{File: name, Rule: rule, Field: field, Msg: msg})
	}
	if f.DataVersion == "" {
		add("-", "dataVersion", "missing data version")
	}
	for _, g := range f.Guidelines {
		if g.ID == "" {
			add("-", "guidelines", "guideline without id")
			continue
		}
		if _, dup := e.guidelines[g.ID]; dup {
			add("-", "guidelines", fmt.Sprintf("duplicate guideline id %q", g.ID))
		}
		e.guidelines[g.ID] = g
	}
	seen := map[string]bool{}
	genes := map[string]bool{}
	for i, r := range f.Rules {
		id := r.ID
		if id == "" {
			id = fmt.Sprintf("#%d", i)
			add(id, "id", "missing rule id")
		} else if seen[id] {
			add(id, "id", "duplicate rule id")
		}
		seen[id] = true
		if len(r.Drugs) == 0 {
			add(id, "drugs", "no drug")
		}
		if len(r.Genes) == 0 && r.Calculator == "" {
			add(id, "genes", "no gene")
		}
		if !ruleActions[r.Action] {
			add(id, "action", fmt.Sprintf("unknown action %q", r.Action))
		}
		if strings.TrimSpace(r.Text) == "" {
			add(id, "text", "no action text")
		}
		if _, ok := e.guidelines[r.Guideline]; !ok {
			add(id, "guideline", fmt.Sprintf("unknown guideline %q", r.Guideline))
		}
		switch r.Calculator {
		case "":
		case CalculatorIWPCWarfarin:
			if f.Warfarin == nil {
				add(id, "calculator", "iwpc-warfarin needs the warfarin model, the file has none")
			}
		default:
			add(id, "calculator", fmt.Sprintf("unknown calculator %q", r.Calculator))
		}
		for _, g := range referencedGenes(r.When) {
			if !slices.Contains(r.Genes, g) {
				add(id, "when", fmt.Sprintf("condition reads gene %s, which is not in the rule's genes %v (its uncertainties would not be reported)", g, r.Genes))
			}
		}
		prg, cerrs := compile(env, r.When)
		for _, ce := range cerrs {
			ce.File, ce.Rule = name, id
			errs = append(errs, ce)
		}
		e.progs[i] = prg
		for _, d := range r.Drugs {
			d = normDrug(d)
			e.byDrug[d] = append(e.byDrug[d], i)
			for _, g := range r.Genes {
				if strings.Contains(r.When, strconv.Quote(g)+" in score") && !slices.Contains(e.scoreKeyed[d], g) {
					e.scoreKeyed[d] = append(e.scoreKeyed[d], g)
				}
			}
		}
		for _, g := range r.Genes {
			genes[g] = true
		}
	}
	if w := f.Warfarin; w != nil {
		for _, t := range WarfarinTerms {
			if _, ok := w.Coefficients[t]; !ok {
				add("-", "warfarin", fmt.Sprintf("missing coefficient %q", t))
			}
		}
		genes["CYP2C9"], genes["VKORC1"], genes["CYP4F2"] = true, true, true
	}
	if pc := f.Phenoconversion; pc != nil {
		for _, in := range pc.Inhibitors {
			if in.Strength != "strong" && in.Strength != "moderate" {
				add("-", "phenoconversion", fmt.Sprintf("%s/%s: strength %q, want strong or moderate", in.Drug, in.Gene, in.Strength))
			}
			d := normDrug(in.Drug)
			e.inhibitors[d] = append(e.inhibitors[d], in)
			genes[in.Gene] = true
		}
	}
	for g := range genes {
		e.genes = append(e.genes, g)
	}
	sort.Strings(e.genes)
	e.carriers = carrierKeysByDrug(f.Rules)
	// Evaluate every compiled rule once for a patient with no data at all:
	// a condition that cannot evaluate there (a gene missing from the
	// rule's gene list, a type error) is a load error, not a clinic-time one.
	act := e.activation(emptyView(e.genes))
	for i, r := range f.Rules {
		if e.progs[i] == nil {
			continue // already reported
		}
		if _, err := e.eval(i, act); err != nil {
			id := r.ID
			if id == "" {
				id = fmt.Sprintf("#%d", i)
			}
			add(id, "when", "does not evaluate for a patient with no data: "+err.Error())
		}
	}
	if len(errs) > 0 {
		return nil, &LoadError{Errs: errs}
	}
	return e, nil
}

func (e *Engine) eval(i int, act map[string]any) (bool, error) {
	out, _, err := e.progs[i].Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("condition gave %v (%s), want bool", out.Value(), out.Type())
	}
	return b, nil
}

// DataVersion is the version of the loaded rule data.
func (e *Engine) DataVersion() string { return e.file.DataVersion }

// File returns the loaded rule file (shared; do not modify).
func (e *Engine) File() *File { return &e.file }

// Drugs lists every drug some rule covers, sorted.
func (e *Engine) Drugs() []string {
	out := make([]string, 0, len(e.byDrug))
	for d := range e.byDrug {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// Genes lists every gene a rule, the warfarin model or the phenoconversion
// list reads, sorted.
func (e *Engine) Genes() []string { return slices.Clone(e.genes) }

// Guideline returns a guideline by id.
func (e *Engine) Guideline(id string) (Guideline, bool) {
	g, ok := e.guidelines[id]
	return g, ok
}

func normDrug(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

var geneRef = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:phenotype|genotypicPhenotype|called|score|diplotypes|alleles|outside)\["([^"\\]+)"\]|"([^"\\]+)" in (?:score|called|outside)\b`)
})

// referencedGenes lists the genes a condition indexes by literal name.
func referencedGenes(expr string) []string {
	var out []string
	for _, m := range geneRef().FindAllStringSubmatch(expr, -1) {
		g := m[1] + m[2]
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// DrugInfo summarises the rules for one drug.
type DrugInfo struct {
	Drug string `json:"drug"`
	// Genes are the genes any of its rules read, sorted.
	Genes []string `json:"genes"`
	// Guidelines are the guidelines its rules cite, in rule order.
	Guidelines []Guideline `json:"guidelines"`
	// Calculator is set when a dose calculator applies (warfarin).
	Calculator string `json:"calculator,omitempty"`
	// ATC are the drug's ATC codes (first: systemic).
	ATC []string `json:"atc,omitempty"`
}

// DrugList describes every drug with rules, sorted by name.
func (e *Engine) DrugList() []DrugInfo {
	var out []DrugInfo
	for _, d := range e.Drugs() {
		info := DrugInfo{Drug: d}
		seen := map[string]bool{}
		for _, i := range e.byDrug[d] {
			r := &e.file.Rules[i]
			for _, g := range r.Genes {
				if !slices.Contains(info.Genes, g) {
					info.Genes = append(info.Genes, g)
				}
			}
			if !seen[r.Guideline] {
				seen[r.Guideline] = true
				info.Guidelines = append(info.Guidelines, e.guidelines[r.Guideline])
			}
			if r.Calculator != "" {
				info.Calculator = r.Calculator
			}
		}
		sort.Strings(info.Genes)
		info.ATC = e.ATC(d)
		out = append(out, info)
	}
	return out
}
