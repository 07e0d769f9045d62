package fhir

import "strings"

// SplitReference splits a literal reference into resource type and id.
// It accepts relative ("Patient/123"), versioned ("Patient/123/_history/2")
// and absolute ("https://host/fhir/Patient/123") references. It reports
// false for "urn:uuid:" and "urn:oid:" references (resolved through a
// Bundle's fullUrls), contained references ("#id") and anything else.
func SplitReference(ref string) (typ, id string, ok bool) {
	if ref == "" || strings.HasPrefix(ref, "urn:") || strings.HasPrefix(ref, "#") {
		return "", "", false
	}
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	j := strings.LastIndexByte(ref, '/')
	if j <= 0 || j == len(ref)-1 {
		return "", "", false
	}
	id = ref[j+1:]
	rest := ref[:j]
	typ = rest[strings.LastIndexByte(rest, '/')+1:]
	if !isTypeName(typ) {
		return "", "", false
	}
	return typ, id, true
}

// isTypeName reports whether s looks like a FHIR resource type name.
func isTypeName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
