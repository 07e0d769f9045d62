package audit

import "github.com/varamu/varamu/internal/jsonappend"

// appendLeaf appends e's leaf, the bytes json.Marshal writes for it, without
// reflection: every access decision is encoded on the request's path. It
// reports false (having appended nothing) for an entry whose times
// encoding/json would refuse, which Leaf then leaves to encoding/json.
// TestAppendLeafLikeMarshal and FuzzAppendLeaf compare it with
// json.Marshal.
func (e *Entry) appendLeaf(b []byte) ([]byte, bool) {
	start := len(b)
	b = append(b, '{')
	if e.Kind != "" {
		b = append(b, `"kind":`...)
		b = jsonappend.String(b, e.Kind)
		b = append(b, ',')
	}
	b = append(b, `"logged":`...)
	var ok bool
	if b, ok = jsonappend.Time(b, e.Logged); !ok {
		return b[:start], false
	}
	b = append(b, `,"time":`...)
	if b, ok = jsonappend.Time(b, e.Time); !ok {
		return b[:start], false
	}
	b = optString(b, `,"actor":`, e.Actor)
	b = optString(b, `,"actor_sealed":`, e.ActorSealed)
	b = append(b, `,"role":`...)
	b = jsonappend.String(b, e.Role)
	b = optString(b, `,"licence":`, e.Licence)
	b = optString(b, `,"subject":`, e.Subject)
	b = optString(b, `,"purpose":`, e.Purpose)
	b = optString(b, `,"reason":`, e.Reason)
	b = optString(b, `,"use":`, e.Use)
	b = append(b, `,"allowed":`...)
	b = jsonappend.Bool(b, e.Allowed)
	b = optString(b, `,"rule":`, e.Rule)
	b = optString(b, `,"text_sealed":`, e.TextSealed)
	if e.Flagged {
		b = append(b, `,"flagged":true`...)
	}
	if r := e.Record; r != nil {
		b = append(b, `,"record":{"type":`...)
		b = jsonappend.String(b, r.Type)
		b = append(b, `,"id":`...)
		b = jsonappend.String(b, r.ID)
		b = optString(b, `,"version":`, r.Version)
		b = append(b, `,"sha256":`...)
		b = jsonappend.String(b, r.SHA256)
		b = append(b, '}')
	}
	return append(b, '}'), true
}

// optString appends an omitempty string member (key with its comma and
// colon) when v is not empty.
func optString(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, key...)
	return jsonappend.String(b, v)
}
