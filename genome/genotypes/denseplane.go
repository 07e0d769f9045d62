package genotypes

// The plane read of a dense site: its stored rows handed to the caller as
// they are (a block's 2-bit plane and its listed exceptions, with the
// dosage each plane value means), so that a scorer works on the planes
// directly, as plink2 does on a .pgen, instead of on per-sample lists.

// PlaneRow is one block's stored row of a site, read for one allele. The
// samples of the block are positions First … First+Width-1 among the
// samples asked for; each has Levels[0] (the site default's dosage) unless
// its plane value v (Words) is not 0, when it has Levels[v], or it is
// listed (Listed, Dosages), when it has its listed dosage. A row is valid
// only during the PlaneRows callback.
type PlaneRow struct {
	// First is the position of the block's first sample among the samples
	// asked for; Width is the block's number of samples.
	First, Width int32
	// Words is the plane: sample offset o's value is bits 2(o%32) and
	// 2(o%32)+1 of Words[o/32] (words past Width are 0). nil when the row
	// is a difference list only (every value 0).
	Words []int64
	// Levels are the dosages plane values 0-3 mean (values a row does not
	// use mean Levels[0]).
	Levels [4]Dosage
	// Listed are the block offsets of the samples the row lists (their
	// plane value is 0), in ascending order; Dosages their dosages.
	Listed  []int32
	Dosages []Dosage
}

// PlaneRows calls fn with each block's stored row of the site for allele
// (0: REF), in block order; the samples no row names have exp, the site
// default's dosage (so do blocks without a row: fn is not called for
// them). It costs the rows, not the samples. ok is false, and fn is not
// called, when the site cannot be read so: another batch holds the site
// too, the samples asked for are not whole blocks of one batch in order,
// or some are haploid at the site; Dosages reads every site.
func (s *DenseSite) PlaneRows(allele int, fn func(*PlaneRow)) (exp Dosage, ok bool) {
	if len(s.parts) != 1 {
		return 0, false
	}
	p := s.parts[0]
	db := p.db
	if !db.whole(s.n) || db.haploidAt(s.Chrom, db.sites[p.k]) != nil {
		return 0, false
	}
	exp = CodeDosage(p.def, allele)
	if db.bySite != nil {
		db.sitePlaneRow(db.siteRow(p.k), p.def, allele, exp, fn)
		return exp, true
	}
	rows := db.rows[p.k*len(db.blocks) : (p.k+1)*len(db.blocks)]
	var pr PlaneRow
	for bi, bw := range db.blocks {
		r := db.row(rows[bi])
		if r.words == nil && len(r.samples) == 0 {
			continue // no row: every sample has the default
		}
		pr.First, pr.Width, pr.Words = bw.whole, int32(len(bw.offs)), r.words
		pr.Levels = [4]Dosage{exp, exp, exp, exp}
		for l, c := range r.levels {
			pr.Levels[l+1] = CodeDosage(PhaseRelative(c, p.def), allele)
		}
		db.listed = db.listed[:0]
		for _, c := range r.codes {
			db.listed = append(db.listed, CodeDosage(PhaseRelative(c, p.def), allele))
		}
		pr.Listed, pr.Dosages = r.samples, db.listed
		fn(&pr)
	}
	return exp, true
}

// sitePlaneRow calls fn with a site's row from the batch's site-major
// table, when it has one: a single PlaneRow of all the batch's samples.
func (db *denseBatch) sitePlaneRow(r siteRow, def int32, allele int, exp Dosage, fn func(*PlaneRow)) {
	if r.words == nil && len(r.samples) == 0 {
		return
	}
	pr := PlaneRow{First: db.blocks[0].whole, Width: int32(db.b.b.Samples), Words: r.words,
		Levels: [4]Dosage{exp, exp, exp, exp}}
	for l, c := range r.levels {
		pr.Levels[l+1] = CodeDosage(PhaseRelative(c, def), allele)
	}
	// The row's few distinct listed codes are converted once each.
	db.dtab = db.dtab[:0]
	for _, c := range r.table {
		db.dtab = append(db.dtab, CodeDosage(PhaseRelative(c, def), allele))
	}
	db.listed = growLen(db.listed[:0], len(r.cix))
	for j, x := range r.cix {
		db.listed[j] = db.dtab[x]
	}
	pr.Listed, pr.Dosages = r.samples, db.listed
	fn(&pr)
}
