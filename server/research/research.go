// Package research is the research API of `varamu serve` (issue 12):
// members of approved research projects, proven by their ID-card client
// certificate, ask cohort questions, download the pseudonymised consented
// extract as Parquet and ask a GA4GH Beacon v2 (v2.0.0) g_variants
// endpoint, all over the project's consented participants only and
// through package research's one disclosure-control layer.
//
// Routes, {project} being an approved project's id:
//
//	POST /research/{project}/cohorts              cohort definition (JSON) → counts, frequencies, cross-tab
//	POST /research/{project}/extract?table=NAME   one table of the consented extract as Parquet
//	GET  /research/{project}/beacon/g_variants    Beacon v2 query parameters
//	POST /research/{project}/beacon/g_variants    Beacon v2 request body
//
// Every request is decided by package access and logged before anything
// is read: the project decision (member, dates, ethics approval) and each
// person's research consent for the project's use (package research). A
// caller whose certificate does not verify is refused with 401 and the
// refusal is logged as a denied project decision.
//
// Errors (JSON {"error": ...}; Beacon paths answer a Beacon error
// response): 400 malformed request, 401 not authenticated, 403 not an
// approved project open to the caller, 404 no such extract table, 409
// refused for differencing, 413 body too large, 503 the store is being
// written (Retry-After), 500 anything else (nothing returned).
package research

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/varamu/varamu/identity"
	study "github.com/varamu/varamu/research"
	"github.com/varamu/varamu/research/cohort"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/store"
)

// answerTimeout bounds writing one research answer, from the start of
// the request: building a project's consented extract over 20,000 people
// takes about 20 s on a quiet machine, and an extract streams a whole
// table.
const answerTimeout = 10 * time.Minute

// ParquetType is the media type of an extract.
const ParquetType = "application/vnd.apache.parquet"

// Register adds the research routes to s, answered by svc.
func Register(s *server.Server, svc *study.Service) {
	h := &handler{s: s, svc: svc}
	project := map[string]string{"project": "path"}
	s.Handle("POST /research/{project}/cohorts", http.HandlerFunc(h.cohorts), server.PathDoc{Path: "/research/{project}/cohorts", Method: "post",
		Summary: "Counts, frequencies and cross-tabs of a cohort over the project's consented participants, disclosure-controlled", Tag: "research",
		Params: project, Body: "application/json", Response: "application/json"})
	s.Handle("POST /research/{project}/extract", http.HandlerFunc(h.extract), server.PathDoc{Path: "/research/{project}/extract", Method: "post",
		Summary: "One table of the project's pseudonymised consented extract as Parquet", Tag: "research",
		Params: map[string]string{"project": "path", "table": "query"}, Response: ParquetType})
	s.Handle("GET /research/{project}/beacon/g_variants", http.HandlerFunc(h.beaconGet), server.PathDoc{Path: "/research/{project}/beacon/g_variants", Method: "get",
		Summary: "GA4GH Beacon v2 genomic variant query (boolean or count) over the project's consented participants", Tag: "research",
		Params:   map[string]string{"project": "path", "referenceName": "query", "start": "query", "referenceBases": "query", "alternateBases": "query", "assemblyId": "query", "requestedGranularity": "query"},
		Response: "application/json"})
	s.Handle("POST /research/{project}/beacon/g_variants", http.HandlerFunc(h.beaconPost), server.PathDoc{Path: "/research/{project}/beacon/g_variants", Method: "post",
		Summary: "GA4GH Beacon v2 genomic variant query, request body form", Tag: "research",
		Params: project, Body: "application/json", Response: "application/json"})
}

type handler struct {
	s   *server.Server
	svc *study.Service
}

// researcher verifies the caller's client certificate and returns their
// personal code; on failure it logs the refusal (audit log: a denied
// project decision) and writes 401.
func (h *handler) researcher(w http.ResponseWriter, r *http.Request, writeErr errWriter) (string, bool) {
	// The first answer of a project builds its consented extract, which
	// at biobank size outlasts the server's write timeout.
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(answerTimeout)); err != nil {
		h.s.Logger().Warn("research: could not extend the write deadline", "err", err)
	}
	snap := h.s.Snapshot()
	caller, err := h.s.Identity().Certificate(r, snap.Register, h.s.Now()())
	if err == nil && caller.Isikukood == "" {
		err = identity.ErrSubject
	}
	if err != nil {
		h.s.Logger().Info("research: unauthenticated", "err", err)
		if lerr := h.svc.RefuseUnverified(r.Context(), r.PathValue("project")); lerr != nil {
			h.s.Logger().Error("research: could not log a refused attempt", "err", lerr)
		}
		writeErr(w, r, http.StatusUnauthorized, server.AuthMessage(err), err)
		return "", false
	}
	return caller.Isikukood, true
}

// errWriter writes an error response.
type errWriter func(w http.ResponseWriter, r *http.Request, status int, msg string, cause error)

func (h *handler) cohorts(w http.ResponseWriter, r *http.Request) {
	who, ok := h.researcher(w, r, server.WriteError)
	if !ok {
		return
	}
	def, err := cohort.Decode("request body", r.Body)
	if err != nil {
		server.WriteError(w, r, http.StatusBadRequest, err.Error(), err)
		return
	}
	a, err := h.svc.Ask(r.Context(), who, r.PathValue("project"), def)
	if err != nil {
		h.fail(w, r, err, server.WriteError)
		return
	}
	server.WriteJSON(w, "application/json", a)
}

func (h *handler) extract(w http.ResponseWriter, r *http.Request) {
	who, ok := h.researcher(w, r, server.WriteError)
	if !ok {
		return
	}
	table := r.URL.Query().Get("table")
	if table == "" {
		server.WriteError(w, r, http.StatusBadRequest, "name the table: ?table=NAME (persons, conditions, medications, pgx_phenotypes, ...)", nil)
		return
	}
	w.Header().Set("Content-Type", ParquetType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("project")+"-"+table+`.parquet"`)
	lw := &lazyWriter{w: w}
	_, err := h.svc.Extract(r.Context(), who, r.PathValue("project"), table, lw)
	if err != nil {
		if lw.wrote {
			h.s.Logger().Error("research: extract failed while streaming", "err", err)
			panic(http.ErrAbortHandler) // the Parquet file was already streaming: cut it
		}
		w.Header().Del("Content-Disposition")
		h.fail(w, r, err, server.WriteError)
	}
}

// lazyWriter records whether anything was written, so that an error
// before the first byte still gets its status.
type lazyWriter struct {
	w     http.ResponseWriter
	wrote bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	l.wrote = true
	return l.w.Write(p)
}

func (h *handler) beaconGet(w http.ResponseWriter, r *http.Request) {
	who, ok := h.researcher(w, r, writeBeaconError)
	if !ok {
		return
	}
	req, err := decodeBeaconQuery(r.URL.Query())
	if err != nil {
		writeBeaconError(w, r, http.StatusBadRequest, err.Error(), err)
		return
	}
	h.beacon(w, r, who, req)
}

func (h *handler) beaconPost(w http.ResponseWriter, r *http.Request) {
	who, ok := h.researcher(w, r, writeBeaconError)
	if !ok {
		return
	}
	req, err := decodeBeaconBody(r.Body)
	if err != nil {
		writeBeaconError(w, r, http.StatusBadRequest, err.Error(), err)
		return
	}
	h.beacon(w, r, who, req)
}

func (h *handler) beacon(w http.ResponseWriter, r *http.Request, who string, req variantRequest) {
	a, err := h.svc.CountVariant(r.Context(), who, r.PathValue("project"), req.Variant)
	if err != nil {
		h.fail(w, r, err, writeBeaconError)
		return
	}
	server.WriteJSON(w, "application/json", beaconResponse(req, a))
}

// fail maps a research error to its status, in one place.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error, writeErr errWriter) {
	var de *cohort.DecodeError
	switch {
	case errors.Is(err, study.ErrDenied):
		writeErr(w, r, http.StatusForbidden, "access denied: not a member of an approved project open today", err)
	case errors.Is(err, study.ErrRefused):
		writeErr(w, r, http.StatusConflict, "refused: the answer differs from an earlier answer of this project by fewer people than its threshold", err)
	case errors.Is(err, study.ErrNoTable):
		writeErr(w, r, http.StatusNotFound, err.Error(), err)
	case errors.As(err, &de), errors.Is(err, cohort.ErrDefinition), errors.Is(err, study.ErrVariant):
		writeErr(w, r, http.StatusBadRequest, err.Error(), err)
	case errors.Is(err, store.ErrLocked), errors.Is(err, study.ErrViewReplaced):
		w.Header().Set("Retry-After", "1")
		writeErr(w, r, http.StatusServiceUnavailable, "the store is being written; ask again", err)
	default:
		h.s.Logger().Error("research: request failed", "err", err)
		writeErr(w, r, http.StatusInternalServerError, "the request could not be answered; nothing was returned", err)
	}
}

// writeBeaconError writes a Beacon v2 error response
// (beaconErrorResponse) with the HTTP status.
func writeBeaconError(w http.ResponseWriter, r *http.Request, status int, msg string, cause error) {
	var mbe *http.MaxBytesError
	if errors.As(cause, &mbe) {
		status, msg = http.StatusRequestEntityTooLarge, "request body too large"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"meta":  beaconMeta(r.PathValue("project"), variantRequest{Granularity: granBoolean}),
		"error": map[string]any{"errorCode": status, "errorMessage": msg},
	})
}
