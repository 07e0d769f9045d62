package clinical

import "testing"

func TestIngredient(t *testing.T) {
	// Names as Synthea and RxNorm write them.
	tests := map[string]string{
		"Clopidogrel 75 MG Oral Tablet":                                                                                     "clopidogrel",
		"Warfarin Sodium 5 MG Oral Tablet":                                                                                  "warfarin",
		"Simvastatin 20 MG Oral Tablet":                                                                                     "simvastatin",
		"24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet":                                                 "metformin",
		"24 HR metoprolol succinate 100 MG Extended Release Oral Tablet [Toprol]":                                           "metoprolol",
		"Acetaminophen 325 MG / oxyCODONE Hydrochloride 5 MG Oral Tablet":                                                   "acetaminophen / oxycodone",
		"Acetaminophen 21.7 MG/ML / Dextromethorphan Hydrobromide 1 MG/ML / doxylamine succinate 0.417 MG/ML Oral Solution": "acetaminophen / dextromethorphan / doxylamine",
		"60 ACTUAT Fluticasone propionate 0.25 MG/ACTUAT / salmeterol 0.05 MG/ACTUAT Dry Powder Inhaler":                    "fluticasone / salmeterol",
		"Acetaminophen/Hydrocodone":                                                                                         "acetaminophen / hydrocodone",
		"3 ML Amiodarone hydrocholoride 50 MG/ML Prefilled Syringe":                                                         "amiodarone",
		"ferrous sulfate 325 MG Oral Tablet":                                                                                "ferrous sulfate",
		"Sertraline 100MG":                                                                                                  "sertraline",
		"Lasix 40mg":                                                                                                        "lasix",
		"Penicillin V Potassium 500 MG Oral Tablet":                                                                         "penicillin v",
		"Alendronic acid 10 MG Oral Tablet":                                                                                 "alendronic acid",
		"codeine":                                                                                                           "codeine",
		"":                                                                                                                  "",
		"  Tramadol   HCl 50 mg ":                                                                                           "tramadol",
	}
	for in, want := range tests {
		if got := Ingredient(in); got != want {
			t.Errorf("Ingredient(%q) = %q, want %q", in, got, want)
		}
	}
	if got := NormalizeText("  Warfarin  Sodium\t5 MG "); got != "warfarin sodium 5 mg" {
		t.Errorf("NormalizeText: %q", got)
	}
}
