package cdshooks

import (
	"encoding/json"

	"github.com/varamu/varamu/internal/jsonappend"
)

// AppendJSON appends r's JSON encoding, the bytes encoding/json writes for
// it (members in field order, omitempty as tagged, HTML-safe escaping),
// without reflection: a hook's answer is encoded on every request. Maps
// (a suggestion's resource, a card's extension) are encoded by
// encoding/json. It fails only where encoding/json would.
func (r *Response) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"cards":`...)
	if r.Cards == nil {
		return append(b, "null}"...), nil
	}
	b = append(b, '[')
	for i := range r.Cards {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = r.Cards[i].appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, "]}"...), nil
}

func (c *Card) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"uuid":`...)
	b = jsonappend.String(b, c.UUID)
	b = append(b, `,"summary":`...)
	b = jsonappend.String(b, c.Summary)
	if c.Detail != "" {
		b = append(b, `,"detail":`...)
		b = jsonappend.String(b, c.Detail)
	}
	b = append(b, `,"indicator":`...)
	b = jsonappend.String(b, c.Indicator)
	b = append(b, `,"source":`...)
	b = c.Source.appendJSON(b)
	if len(c.Suggestions) > 0 {
		b = append(b, `,"suggestions":[`...)
		for i := range c.Suggestions {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = c.Suggestions[i].appendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if c.SelectionBehavior != "" {
		b = append(b, `,"selectionBehavior":`...)
		b = jsonappend.String(b, c.SelectionBehavior)
	}
	if len(c.OverrideReasons) > 0 {
		b = append(b, `,"overrideReasons":[`...)
		for i := range c.OverrideReasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.OverrideReasons[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	if len(c.Links) > 0 {
		b = append(b, `,"links":[`...)
		for i, l := range c.Links {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"label":`...)
			b = jsonappend.String(b, l.Label)
			b = append(b, `,"url":`...)
			b = jsonappend.String(b, l.URL)
			b = append(b, `,"type":`...)
			b = jsonappend.String(b, l.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(c.Extension) > 0 {
		b = append(b, `,"extension":`...)
		var err error
		if b, err = appendMarshal(b, c.Extension); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func (s *Source) appendJSON(b []byte) []byte {
	b = append(b, `{"label":`...)
	b = jsonappend.String(b, s.Label)
	if s.URL != "" {
		b = append(b, `,"url":`...)
		b = jsonappend.String(b, s.URL)
	}
	if s.Topic != nil {
		b = append(b, `,"topic":`...)
		b = s.Topic.appendJSON(b)
	}
	return append(b, '}')
}

func (c *Coding) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if c.System != "" {
		b = jsonappend.Key(b, "system")
		b = jsonappend.String(b, c.System)
	}
	if c.Code != "" {
		b = jsonappend.Key(b, "code")
		b = jsonappend.String(b, c.Code)
	}
	if c.Display != "" {
		b = jsonappend.Key(b, "display")
		b = jsonappend.String(b, c.Display)
	}
	return append(b, '}')
}

func (s *Suggestion) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"label":`...)
	b = jsonappend.String(b, s.Label)
	b = append(b, `,"uuid":`...)
	b = jsonappend.String(b, s.UUID)
	if s.IsRecommended {
		b = append(b, `,"isRecommended":true`...)
	}
	if len(s.Actions) > 0 {
		b = append(b, `,"actions":[`...)
		for i := range s.Actions {
			if i > 0 {
				b = append(b, ',')
			}
			b = s.Actions[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

func (a *Action) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = jsonappend.String(b, a.Type)
	b = append(b, `,"description":`...)
	b = jsonappend.String(b, a.Description)
	if a.Resource != nil {
		b = append(b, `,"resource":`...)
		b = a.Resource.appendJSON(b)
	}
	if len(a.ResourceID) > 0 {
		b = append(b, `,"resourceId":`...)
		b = jsonappend.Strings(b, a.ResourceID)
	}
	return append(b, '}')
}

func (o *DraftOrder) appendJSON(b []byte) []byte {
	b = append(b, `{"intent":`...)
	b = jsonappend.String(b, o.Intent)
	b = append(b, `,"medicationCodeableConcept":{"coding":`...)
	if o.Medication.Coding == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range o.Medication.Coding {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"code":`...)
			b = jsonappend.String(b, c.Code)
			b = append(b, `,"display":`...)
			b = jsonappend.String(b, c.Display)
			b = append(b, `,"system":`...)
			b = jsonappend.String(b, c.System)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"text":`...)
	b = jsonappend.String(b, o.Medication.Text)
	b = append(b, `},"resourceType":`...)
	b = jsonappend.String(b, o.ResourceType)
	b = append(b, `,"status":`...)
	b = jsonappend.String(b, o.Status)
	b = append(b, `,"subject":{"reference":`...)
	b = jsonappend.String(b, o.Subject.Reference)
	return append(b, "}}"...)
}

// appendMarshal appends encoding/json's encoding of v.
func appendMarshal(b []byte, v any) ([]byte, error) {
	m, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, m...), nil
}
