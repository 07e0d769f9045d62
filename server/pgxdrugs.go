package server

// RecsOfDrug returns the precomputed recommendations of a sample for one
// drug, as RecsWhere with a filter on the drug would (nil when the sample
// was not annotated, else a non-nil slice in the sample's order), without
// calling a filter on each of the sample's ~150 entries: each table entry's
// drug is held as a small id beside the table (recDrug), so a card for a
// drug order compares ~150 integers. The slices of the recommendations are
// shared and MUST NOT be modified.
func (p *PGx) RecsOfDrug(sample, drug string) []StoredRec {
	sid, found := p.samples.ID(sample)
	idx := list(&p.recLists, p.sampleRecs, sid)
	if !found || idx == nil {
		return nil
	}
	out := []StoredRec{}
	id, known := p.drugIDs[drug]
	if !known {
		return out
	}
	for _, j := range idx {
		if p.recDrug[j] != id {
			continue
		}
		out = append(out, p.recOf(sid, j))
	}
	return out
}

// indexDrugs numbers the drugs of the recommendation table (drugIDs) and
// notes each entry's (recDrug).
func (p *PGx) indexDrugs() {
	p.drugIDs = map[string]uint32{}
	p.recDrug = make([]uint32, len(p.recTab))
	for j, r := range p.recTab {
		id, ok := p.drugIDs[r.Drug]
		if !ok {
			id = uint32(len(p.drugIDs))
			p.drugIDs[r.Drug] = id
		}
		p.recDrug[j] = id
	}
}
