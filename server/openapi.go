package server

import (
	"net/http"
	"sort"
	"strings"
)

// PathDoc describes one operation for the OpenAPI description.
type PathDoc struct {
	Path, Method, Summary, Tag string
	// Params are path or query parameters: name -> "path" or "query".
	Params map[string]string
	// Body is the request body's media type ("" for none).
	Body string
	// Response is the success media type.
	Response string
	// Public means no client certificate or token is needed.
	Public bool
}

// OpenAPI returns the OpenAPI 3.1 description of the server's operations.
func (s *Server) OpenAPI() map[string]any {
	docs := append([]PathDoc{
		{Path: "/healthz", Method: "get", Summary: "Liveness and the store generation served", Tag: "serving", Response: "application/json", Public: true},
		{Path: "/metrics", Method: "get", Summary: "Prometheus metrics", Tag: "serving", Response: "text/plain", Public: true},
		{Path: "/openapi.json", Method: "get", Summary: "This description", Tag: "serving", Response: "application/json", Public: true},
	}, s.docs...)
	sort.SliceStable(docs, func(i, j int) bool { return docs[i].Path < docs[j].Path })
	paths := map[string]any{}
	for _, d := range docs {
		item, _ := paths[d.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[d.Path] = item
		}
		item[strings.ToLower(d.Method)] = operation(d)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "varamu serve", "version": "1",
			"description": "CDS Hooks 2.0 services and FHIR Genomics operations over HTTPS with ID-card style client certificates or CDS Hooks JWTs; every answer about a person is decided by access and logged."},
		"paths": paths,
		"components": map[string]any{"securitySchemes": map[string]any{
			"idcard":   map[string]any{"type": "mutualTLS", "description": "TLS client certificate, subject serialNumber PNOEE-<isikukood>"},
			"cdsHooks": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
		}},
	}
}

func operation(d PathDoc) map[string]any {
	op := map[string]any{"summary": d.Summary, "tags": []string{d.Tag}, "operationId": strings.Trim(strings.NewReplacer("/", "_", "{", "", "}", "", "$", "").Replace(d.Method+d.Path), "_")}
	var params []any
	names := make([]string, 0, len(d.Params))
	for n := range d.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		params = append(params, map[string]any{"name": n, "in": d.Params[n], "required": d.Params[n] == "path", "schema": map[string]any{"type": "string"}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if d.Body != "" {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{d.Body: map[string]any{"schema": map[string]any{"type": "object"}}}}
	}
	resp := map[string]any{"200": map[string]any{"description": "success", "content": map[string]any{d.Response: map[string]any{"schema": map[string]any{}}}}}
	if !d.Public {
		resp["401"] = map[string]any{"description": "caller not authenticated"}
		resp["403"] = map[string]any{"description": "access denied (logged)"}
		op["security"] = []any{map[string]any{"idcard": []string{}}, map[string]any{"cdsHooks": []string{}}}
	}
	if d.Body != "" {
		resp["400"] = map[string]any{"description": "malformed request"}
		resp["413"] = map[string]any{"description": "request body too large"}
	}
	op["responses"] = resp
	return op
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, "application/json", s.OpenAPI())
}
