// Package risk computes polygenic scores from the genome store (package
// genome/genotypes) with PGS Catalog scoring files (package risk/pgs), the way
// `plink2 --score` does after pgsc_calc has matched the variants:
//
//   - Matching by position and alleles: effect allele on ALT or REF
//     (swapped), strand flips (reverse complement), multi-allelic sites
//     (the effect allele's own index), strand-ambiguous A/T and C/G SNPs
//     dropped unless the scoring file's effect allele frequency and the
//     cohort's frequency, both away from 0.5, tell the strands apart.
//   - Per sample the SUM of weight × effect allele dosage (dominant:
//     min(dosage, 1); recessive: max(dosage − 1, 0)); a missing or partly
//     missing genotype is mean-imputed as ploidy × the cohort's effect allele
//     frequency (plink2's default; Config.NoMeanImputation drops it instead)
//     and counted; AVG is SUM over the number of alleles scored (plink2's
//     DENOM).
//   - Within a reference cohort the z-score and the mid-rank percentile,
//     or an abstention that says why the percentile would mislead.
//
// Many scores are computed in one pass over the genotypes, site by site
// (one site-major read, genome/genotypes DenseSitesAt, in windows of
// positions bounded by a memory budget, scored in parallel lanes merged in
// a fixed order), so each site's cohort frequency is known
// before its dosages are added. Each record allele is decoded once per
// pass, however many scores use it, into a baseline dosage and the samples
// that differ from it; a score then costs the differing samples only.
// Results are written as the store
// tables risk_scores and risk_matches, versioned by score id and scoring
// file checksum; Run writes each score's risk_matches rows as the windows
// before them are done, in file order, instead of holding a match per
// variant to the end (Score and Write hold them). RunFiles does what Run
// does but reads the scoring files themselves a segment at a time
// (pgs.Stream) while the genotypes are scored, the next segment read
// while one is scored, dropping each file's variants once their matches
// are written: for files sorted by position (PGS Catalog's), the
// variants held are a segment's and a chunk of matches' per score, not
// the files'; the windows, lanes and sums are those of one pass over the
// whole files, so the results are Run's. A file found not sorted makes
// RunFiles start again with it sorted on disk (pgs.SortFile: an external
// sort in parts of the budget's share, the runs merged, every check and
// error of pgs.ReadFile kept) and streamed in locus order, its matches
// held on disk as they become final and written in file order at the
// end, as Run writes them: memory stays bounded for files in any order.
// Person-level results are person data: callers MUST decide
// access (package access) before showing them.
package risk
