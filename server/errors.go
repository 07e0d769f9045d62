package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Error mapping, in one place:
//
//	identity failure              401 (WWW-Authenticate: Bearer for CDS Hooks)
//	access denied                 403
//	unknown person or resource    404
//	malformed request             400
//	body over Config.MaxBody      413
//	decision not made or logged   500 (nothing returned)
//	store not loaded              503
//
// FHIR paths (/fhir/...) answer with an OperationOutcome; every other path
// with {"error": message}. Messages never carry request data.

// WriteError writes an error response of status for r.
func WriteError(w http.ResponseWriter, r *http.Request, status int, msg string, cause error) {
	var mbe *http.MaxBytesError
	if errors.As(cause, &mbe) {
		status, msg = http.StatusRequestEntityTooLarge, "request body too large"
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="varamu"`)
	}
	if strings.HasPrefix(r.URL.Path, "/fhir") {
		writeOutcome(w, status, msg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": msg, "status": status})
}

// fhirIssueCode maps a status to a FHIR issue-type code.
func fhirIssueCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "login"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not-found"
	case http.StatusRequestEntityTooLarge:
		return "too-costly"
	case http.StatusBadRequest:
		return "invalid"
	}
	return "exception"
}

func writeOutcome(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"resourceType": "OperationOutcome",
		"issue":        []any{map[string]any{"severity": "error", "code": fhirIssueCode(status), "diagnostics": msg}},
	})
}

// WriteBody writes b, an encoded body of contentType, with status 200
// and its Content-Length, in one write: net/http neither chunks it nor
// splits it over more TLS records than its size needs.
func WriteBody(w http.ResponseWriter, contentType string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// WriteJSON writes v with status 200.
func WriteJSON(w http.ResponseWriter, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	json.NewEncoder(w).Encode(v) // compact: indenting cost ~10% of a card response's CPU
}
