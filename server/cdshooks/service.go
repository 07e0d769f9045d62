// Package cdshooks is varamu's CDS Hooks 2.0 service
// (https://cds-hooks.hl7.org/2.0/): discovery, the order-select,
// order-sign and patient-view hooks, and feedback. Answers are lookups of
// the precomputed `varamu annotate` results of the store generation being
// served; the service never calls back into the EHR, and prefetch data,
// when sent, is not needed. Every card about a person leaves only after
// package access allowed it (through server.Server) and the decision was
// logged.
package cdshooks

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/server"
)

// Service is one CDS service in discovery.
type Service struct {
	Hook        string            `json:"hook"`
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Prefetch    map[string]string `json:"prefetch,omitempty"`
	UsageReqs   string            `json:"usageRequirements,omitempty"`
}

// Services are the services varamu offers.
var Services = []Service{
	{Hook: "order-select", ID: "varamu-pgx-order-select", Title: "Pharmacogenomic guidance (order select)",
		Description: "CPIC/DPWG recommendations for the selected draft medication orders from the patient's precomputed PGx results"},
	{Hook: "order-sign", ID: "varamu-pgx-order-sign", Title: "Pharmacogenomic guidance (order sign)",
		Description: "CPIC/DPWG recommendations for the draft medication orders about to be signed"},
	{Hook: "patient-view", ID: "varamu-pgx-patient-view", Title: "Pharmacogenomic results on file",
		Description: "The patient's pharmacogene diplotypes and phenotypes, with every uncertainty"},
}

func init() {
	for i := range Services {
		Services[i].Prefetch = map[string]string{"patient": "Patient/{{context.patientId}}"}
		Services[i].UsageReqs = "Authenticate with an ID-card client certificate or a CDS Hooks JWT of a registered client; context.userId names the practitioner (Practitioner/<register id>)."
	}
}

// Register adds the CDS Hooks endpoints to s.
func Register(s *server.Server) error {
	alts, err := LoadAlternatives()
	if err != nil {
		return err
	}
	h := &handler{s: s, alts: alts, cardCounts: s.Metrics().CardCounter("info", "warning", "critical")}
	s.Handle("GET /cds-services", http.HandlerFunc(h.discovery),
		server.PathDoc{Path: "/cds-services", Method: "get", Summary: "CDS Hooks discovery", Tag: "cds-hooks", Response: "application/json", Public: true})
	for _, svc := range Services {
		s.Handle("POST /cds-services/"+svc.ID, h.hook(svc),
			server.PathDoc{Path: "/cds-services/" + svc.ID, Method: "post", Summary: svc.Title, Tag: "cds-hooks", Body: "application/json", Response: "application/json"})
		s.Handle("POST /cds-services/"+svc.ID+"/feedback", http.HandlerFunc(h.feedback),
			server.PathDoc{Path: "/cds-services/" + svc.ID + "/feedback", Method: "post", Summary: "Feedback on " + svc.Title, Tag: "cds-hooks", Body: "application/json", Response: "application/json"})
	}
	s.Handle("POST /cds-services/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, r, http.StatusNotFound, "no such CDS service", nil)
	}), server.PathDoc{})
	return nil
}

type handler struct {
	s    *server.Server
	alts *Alternatives
	// bodies are reused response buffers (*[]byte; a card answer is a
	// few KiB).
	bodies  sync.Pool
	sources sourceCache
	// cardCounts counts the cards by indicator.
	cardCounts func(indicator string)
}

func (h *handler) discovery(w http.ResponseWriter, r *http.Request) {
	server.WriteJSON(w, "application/json", map[string]any{"services": Services})
}

// audiences are the token audiences accepted for a service: its endpoint
// URL (CDS Hooks 2.0) and the server's base URL.
func (h *handler) audiences(r *http.Request, id string) []string {
	base := h.s.BaseURL(r)
	return []string{base + "/cds-services/" + id, base, base + "/"}
}

func (h *handler) hook(svc Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		snap := h.s.Snapshot()
		req, err := DecodeRequest(r.Body, svc.Hook)
		if err != nil {
			writeDecodeError(w, r, err)
			return
		}
		person := req.Context.PatientID
		if !identity.HasCredentials(r) {
			h.s.LogUnauthenticated(r.Context(), snap, person, identity.ErrNoCredentials)
			server.WriteError(w, r, http.StatusUnauthorized, server.AuthMessage(identity.ErrNoCredentials), nil)
			return
		}
		var auds []string // only a bearer token has an audience
		if identity.HasBearer(r) {
			auds = h.audiences(r, svc.ID)
		}
		caller, err := h.s.Identity().CDSClient(r, auds, req.Context.UserID, snap.Register, h.s.Now()())
		if err != nil {
			h.s.LogUnauthenticated(r.Context(), snap, person, err)
			server.WriteError(w, r, http.StatusUnauthorized, server.AuthMessage(err), err)
			return
		}
		drugs := recognise(req.Orders(), snap, req.Context.Selections)
		if svc.Hook != "patient-view" && len(drugs) == 0 {
			h.writeResponse(w, &Response{Cards: []Card{}})
			return
		}
		reason, _ := req.EmergencyReason() // validated by DecodeRequest
		grant, ok := h.s.DecideOrWrite(w, r, snap, caller, person, reason)
		if !ok {
			return
		}
		var cards []Card
		if svc.Hook == "patient-view" {
			cards = patientViewCards(snap, person)
		} else {
			cards = orderCards(snap, person, drugs, h.alts, &h.sources)
		}
		for i := range cards {
			if grant.Flagged {
				cards[i].Extension = map[string]any{EmergencyExtension: map[string]any{"flagged": true, "audit": grant.Audit}}
			}
			h.cardCounts(cards[i].Indicator)
		}
		h.writeResponse(w, &Response{Cards: cards})
	})
}

// writeResponse writes a hook's answer, encoded by Response.AppendJSON into
// a reused buffer, with its length; as server.WriteJSON it ends in a
// newline.
func (h *handler) writeResponse(w http.ResponseWriter, resp *Response) {
	bp, _ := h.bodies.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer h.bodies.Put(bp)
	b, err := resp.AppendJSON((*bp)[:0])
	if err != nil {
		server.WriteJSON(w, "application/json", resp) // fails alike, as before
		return
	}
	b = append(b, '\n')
	server.WriteBody(w, "application/json", b)
	if cap(b) <= 1<<20 {
		*bp = b
	}
}

func writeDecodeError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		server.WriteError(w, r, http.StatusRequestEntityTooLarge, "request body too large", err)
		return
	}
	var re *RequestError
	if errors.As(err, &re) {
		server.WriteError(w, r, http.StatusBadRequest, re.Error(), err)
		return
	}
	server.WriteError(w, r, http.StatusBadRequest, "request body could not be read", err)
}

// orderDrug is a draft order whose drug has PGx rules.
type orderDrug struct {
	Order Order
	Drug  string
}

// recognise maps each draft order to a drug with rules: by ATC code, by
// RxNorm code, else by name (coding display or text). Orders naming no
// drug with rules, or codes nobody knows, are skipped without error. For
// order-select only the selected orders count (when selections are given).
func recognise(orders []Order, snap *server.Snapshot, selections []string) []orderDrug {
	known := snap.RuleDrugs
	hasRule := func(d string) bool { _, ok := slices.BinarySearch(known, d); return ok }
	var out []orderDrug
	for _, o := range orders {
		if len(selections) > 0 && !slices.Contains(selections, o.ResourceType+"/"+o.ID) {
			continue
		}
		if d := drugOf(o, snap); d != "" && hasRule(d) {
			out = append(out, orderDrug{o, d})
		}
	}
	return out
}

const (
	atcSystem    = "http://www.whocc.no/atc"
	rxnormSystem = "http://www.nlm.nih.gov/research/umls/rxnorm"
)

func drugOf(o Order, snap *server.Snapshot) string {
	m := o.Medication
	if m == nil {
		return ""
	}
	for _, c := range m.Coding {
		var d string
		var ok bool
		switch c.System {
		case atcSystem:
			d, ok = snap.Drugs.ByATC(c.Code)
		case rxnormSystem:
			d, ok = snap.Drugs.ByRxNorm(c.Code)
		}
		if ok {
			return d
		}
	}
	names := []string{m.Text}
	for _, c := range m.Coding {
		names = append(names, c.Display)
	}
	for _, n := range names {
		if d := clinical.Ingredient(n); d != "" {
			return d
		}
	}
	return ""
}

// recsOfDrugs returns a sample's stored recommendations for the ordered
// drugs (each drug once, in the order of the orders) and whether the sample
// was annotated at all.
func recsOfDrugs(p *server.PGx, sample string, drugs []orderDrug) ([]server.StoredRec, bool) {
	if len(drugs) == 0 {
		return []server.StoredRec{}, p.RecsOfDrug(sample, "") != nil
	}
	recs := []server.StoredRec{}
	for i, od := range drugs {
		if slices.ContainsFunc(drugs[:i], func(o orderDrug) bool { return o.Drug == od.Drug }) {
			continue
		}
		r := p.RecsOfDrug(sample, od.Drug)
		if r == nil {
			return nil, false
		}
		recs = append(recs, r...)
	}
	return recs, true
}

// orderCards are the cards for the drugs of the draft orders.
func orderCards(snap *server.Snapshot, person string, drugs []orderDrug, table *Alternatives, sources *sourceCache) []Card {
	sample, ok := snap.PGx.Sample(person)
	recs, annotated := recsOfDrugs(snap.PGx, sample, drugs)
	if !ok || !annotated {
		return noResultCards(snap, drugs)
	}
	cards := []Card{}
	if len(recs) == 0 {
		return cards
	}
	// Only what the cards use is read: the calls of the recommendations'
	// genes, and, for advice that asks for another drug, the
	// recommendations that may advise against an alternative
	// (Alternatives.For).
	calls := snap.PGx.CallsWhere(sample, func(gene string) bool {
		return slices.ContainsFunc(recs, func(r server.StoredRec) bool { return slices.Contains(r.Genes, gene) })
	})
	var against []server.StoredRec
	pops := snap.Populations
	for _, od := range drugs {
		for _, rec := range recs {
			if rec.Drug != od.Drug {
				continue
			}
			c := Card{UUID: uuid.NewString(), Summary: summary(rec, pops[rec.RuleID]), Indicator: Indicator(rec.Action, rec.Strength),
				Detail: detail(rec, calls, snap.PGx.DataVersion), Source: sources.get(snap.Rules, rec.Guideline)}
			var alts []Alternative
			if replaceable(rec.Action) {
				if against == nil {
					against = snap.PGx.RecsWhere(sample, func(r *server.StoredRec) bool { return advisesAgainst(r.Action) })
				}
				if alts = table.For(rec, against); len(alts) == 0 {
					c.Detail += noAlternativeNote(rec.Drug)
				}
			}
			c.Suggestions = suggestions(rec, od.Order, person, alts)
			if len(c.Suggestions) > 0 {
				c.SelectionBehavior = "at-most-one"
			}
			if c.Indicator != "info" {
				c.OverrideReasons = overrideReasons
			}
			cards = append(cards, c)
		}
	}
	return cards
}

// noResultCards say, for each drug with rules, that the patient has no
// PGx result on file: unknown is not normal.
func noResultCards(snap *server.Snapshot, drugs []orderDrug) []Card {
	var cards []Card
	for _, od := range drugs {
		genes := map[string]bool{}
		for _, info := range snap.Rules.DrugList() {
			if info.Drug == od.Drug {
				for _, g := range info.Genes {
					genes[g] = true
				}
			}
		}
		var gs []string
		for g := range genes {
			gs = append(gs, g)
		}
		slices.Sort(gs)
		cards = append(cards, Card{UUID: uuid.NewString(), Indicator: "warning",
			Summary: od.Drug + ": no pharmacogenomic result on file (" + strings.Join(gs, ", ") + ")",
			Detail:  "The patient has no annotated genotype in the biobank. Genotype-related risk for " + od.Drug + " is **unknown**, not normal; consider testing " + strings.Join(gs, ", ") + ".",
			Source:  Source{Label: "varamu PGx rules " + snap.Rules.DataVersion()}})
	}
	return cards
}

// patientViewCards summarise the patient's PGx results.
func patientViewCards(snap *server.Snapshot, person string) []Card {
	sample, ok := snap.PGx.Sample(person)
	calls := snap.PGx.Calls(sample)
	if !ok || calls == nil {
		return []Card{{UUID: uuid.NewString(), Indicator: "info", Summary: "No pharmacogenomic results on file",
			Source: Source{Label: "varamu PGx rules " + snap.Rules.DataVersion()}}}
	}
	var b strings.Builder
	uncertain := 0
	for _, c := range calls {
		dip := strings.Join(c.Diplotypes, " or ")
		if dip == "" {
			dip = "not determined"
		}
		b.WriteString("- **" + c.Gene + "**: " + dip + ", " + orUnknown(c.Phenotype))
		if c.Uncertain || !c.Called {
			b.WriteString(" (uncertain)")
			uncertain++
		}
		b.WriteString("\n")
	}
	sum := "Pharmacogenomic results on file for " + itoa(len(calls)) + " genes"
	if uncertain > 0 {
		sum += ", " + itoa(uncertain) + " uncertain"
	}
	return []Card{{UUID: uuid.NewString(), Indicator: "info", Summary: sum, Detail: b.String(),
		Source: Source{Label: "varamu annotate " + snap.PGx.DataVersion}}}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Feedback is a CDS Hooks feedback request.
type Feedback struct {
	Feedback []struct {
		Card                string            `json:"card"`
		Outcome             string            `json:"outcome"`
		AcceptedSuggestions []json.RawMessage `json:"acceptedSuggestions,omitempty"`
		OverrideReason      json.RawMessage   `json:"overrideReason,omitempty"`
		OutcomeTimestamp    string            `json:"outcomeTimestamp"`
	} `json:"feedback"`
}

// DecodeFeedback reads a feedback request.
func DecodeFeedback(r *http.Request) (*Feedback, error) { return decodeFeedback(r.Body) }

func decodeFeedback(r io.Reader) (*Feedback, error) {
	var f Feedback
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, &RequestError{Field: "$", Msg: jsonMsg(err)}
	}
	if len(f.Feedback) == 0 {
		return nil, &RequestError{Field: "feedback", Msg: "required"}
	}
	for i, fb := range f.Feedback {
		if _, err := uuid.Parse(fb.Card); err != nil {
			return nil, &RequestError{Field: "feedback[" + itoa(i) + "].card", Msg: "want a card uuid"}
		}
		if fb.Outcome != "accepted" && fb.Outcome != "overridden" {
			return nil, &RequestError{Field: "feedback[" + itoa(i) + "].outcome", Msg: "want accepted or overridden"}
		}
	}
	return &f, nil
}

func (h *handler) feedback(w http.ResponseWriter, r *http.Request) {
	snap := h.s.Snapshot()
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/cds-services/"), "/feedback")
	if _, err := h.s.Identity().CDSSystem(r, h.audiences(r, id), snap.Register, h.s.Now()()); err != nil {
		h.s.LogUnauthenticated(r.Context(), snap, "", err)
		server.WriteError(w, r, http.StatusUnauthorized, server.AuthMessage(err), err)
		return
	}
	f, err := DecodeFeedback(r)
	if err != nil {
		writeDecodeError(w, r, err)
		return
	}
	for _, fb := range f.Feedback {
		h.s.Metrics().Feedback.WithLabelValues(fb.Outcome).Inc()
		h.s.Logger().Info("cds feedback", "service", id, "card", fb.Card, "outcome", fb.Outcome)
	}
	server.WriteJSON(w, "application/json", map[string]any{})
}
