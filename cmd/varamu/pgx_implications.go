package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// implication is the part of a therapeutic-implication Observation the
// table shows.
type implication struct {
	Component []struct {
		Code struct {
			Coding []struct{ Code string } `json:"coding"`
		} `json:"code"`
		ValueCodeableConcept struct {
			Text string `json:"text"`
		} `json:"valueCodeableConcept"`
		ValueString string `json:"valueString"`
	} `json:"component"`
	Interpretation []struct {
		Text string `json:"text"`
	} `json:"interpretation"`
	Extension []struct {
		ValueReference struct {
			Display string `json:"display"`
		} `json:"valueReference"`
	} `json:"extension"`
}

// writeImplications prints the therapeutic implications of a
// $find-subject-tx-implications answer as a table.
func writeImplications(w io.Writer, body []byte) error {
	var params struct {
		ResourceType string `json:"resourceType"`
		Parameter    []struct {
			Part []struct {
				Name     string      `json:"name"`
				Resource implication `json:"resource"`
			} `json:"part"`
		} `json:"parameter"`
	}
	if err := json.Unmarshal(body, &params); err != nil || params.ResourceType != "Parameters" {
		return fmt.Errorf("server answer is not FHIR Parameters: %v", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DRUG\tACTION\tSTRENGTH\tGUIDELINE\tBASED ON\tRECOMMENDATION")
	n := 0
	for _, p := range params.Parameter {
		for _, part := range p.Part {
			if part.Name != "implication" {
				continue
			}
			n++
			fmt.Fprintln(tw, implicationRow(part.Resource))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(w, "(no recommendation for these drugs)")
	}
	return nil
}

// implicationRow is one table row: drug, action, strength, guideline,
// phenotypes, text (components by LOINC or tbd code).
func implicationRow(o implication) string {
	var drug, pheno, text, strength, action, guideline string
	for _, c := range o.Component {
		if len(c.Code.Coding) == 0 {
			continue
		}
		switch c.Code.Coding[0].Code {
		case "51963-7":
			drug = c.ValueCodeableConcept.Text
		case "53040-2":
			pheno = c.ValueCodeableConcept.Text
		case "conclusion-string":
			text = c.ValueString
		case "93044-6":
			strength = c.ValueCodeableConcept.Text
		}
	}
	if len(o.Interpretation) > 0 {
		action = o.Interpretation[0].Text
	}
	if len(o.Extension) > 0 {
		guideline = o.Extension[0].ValueReference.Display
	}
	return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", escape(drug), escape(action), escape(strength), escape(guideline), escape(pheno), escape(text))
}
