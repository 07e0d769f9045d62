package query

// visibleVariantsSQL replaces a research extract's variants with what the
// visible samples alone show (issue 8 item 9): per ALT allele, AC, AN and
// AF recomputed over the extract's samples (as bcftools +fill-tags would on
// the extract's VCF), rows of ALT alleles no visible person carries
// dropped (gVCF reference blocks are kept: they carry no ALT), and INFO
// rebuilt from the recomputed values only (END for blocks): every other
// INFO value was computed over everyone, hidden people included, and is
// withheld. It runs after samples, _calls, _ploidy exist and before the
// genotypes view; _variants_all holds the store's rows.
//
// The counts start from each site's default genotype times the number of
// visible samples of its batch and correct for the samples that differ:
// their stored exceptions and, on sex chromosomes, the haploid form of the
// default (see the genotypes view); so the work grows with the exceptions,
// not with samples x sites.
var visibleVariantsSQL = []string{
	`CREATE TEMP MACRO _an(code) AS CASE WHEN (code & 33554432) <> 0 THEN 0 ELSE (gt_a1(code) >= 0)::INTEGER + coalesce((gt_a2(code) >= 0)::INTEGER, 0) END`,
	`CREATE TEMP MACRO _ac(code, k) AS CASE WHEN (code & 33554432) <> 0 THEN 0 ELSE (gt_a1(code) = k)::INTEGER + coalesce((gt_a2(code) = k)::INTEGER, 0) END`,
	`CREATE TEMP TABLE _variant_stats AS
WITH n AS (SELECT batch, count(*) AS n FROM samples GROUP BY batch),
exc AS (
	SELECT c.batch, c.site, c.sample_idx, c.code FROM _calls c),
hap AS (
	SELECT v.batch, v.site, p.sample_idx FROM (SELECT DISTINCT batch, site, chrom FROM _variants_all) v
	JOIN _ploidy p ON p.batch = v.batch AND p.chrom = v.chrom AND v.site >= p.from_site),
diff AS (
	SELECT batch, site, sample_idx, e.code, h.sample_idx IS NOT NULL AS haploid
	FROM exc e FULL JOIN hap h USING (batch, site, sample_idx)),
fix AS (
	SELECT v.batch, v.site, v.alt_index,
		sum(_an(coalesce(d.code, gt_haploid(v.default_gt))) - _an(v.default_gt)) AS an,
		sum(_ac(coalesce(d.code, gt_haploid(v.default_gt)), v.alt_index) - _ac(v.default_gt, v.alt_index)) AS ac
	FROM diff d JOIN _variants_all v USING (batch, site)
	GROUP BY ALL)
SELECT v.batch, v.site, v.alt_index,
	n.n * _an(v.default_gt) + coalesce(f.an, 0) AS an,
	n.n * _ac(v.default_gt, v.alt_index) + coalesce(f.ac, 0) AS ac
FROM _variants_all v JOIN n USING (batch) LEFT JOIN fix f USING (batch, site, alt_index)`,
	`CREATE TABLE variants AS
SELECT v.* REPLACE (
	CASE WHEN v.block THEN 'END=' || v."end"::VARCHAR
		ELSE 'AC=' || coalesce(st.ac, 0)::VARCHAR || ';AN=' || coalesce(st.an, 0)::VARCHAR ||
			';AF=' || CASE WHEN coalesce(st.an, 0) = 0 THEN '.' ELSE round(st.ac / st.an, 6)::VARCHAR END END AS info),
	coalesce(st.ac, 0)::INTEGER AS ac, coalesce(st.an, 0)::INTEGER AS an,
	CASE WHEN coalesce(st.an, 0) = 0 THEN NULL ELSE st.ac / st.an END AS af
FROM _variants_all v
LEFT JOIN _variant_stats st USING (batch, site, alt_index)
WHERE v.block OR coalesce(st.ac, 0) > 0`,
	`DROP TABLE _variant_stats`,
	`DROP TABLE _variants_all`,
	`DROP MACRO _an`,
	`DROP MACRO _ac`,
}
