#!/usr/bin/python3
"""bench/vcfzarr.py VCF.gz OUT.zarr: write the genotypes of a VCF as a VCF
Zarr store (https://github.com/sgkit-dev/vcf-zarr-spec), for the storage
comparison in bench/run.

Arrays and codecs as the specification and bio2zarr's vcf2zarr write them
by default: call_genotype int8 (variants, samples, ploidy) with -1 for a
missing allele and -2 for the padding of a haploid call, call_genotype_phased
bool (variants, samples), variant_contig, variant_position, variant_allele;
chunks of 10,000 variants x 1,000 samples; Blosc zstd level 7 with
bit-shuffle for the genotype arrays (Czech et al., GigaScience 2025).
Needs Debian's python3-zarr (zarr 2) and python3-numcodecs.
"""
import subprocess
import sys

import numpy as np
import numcodecs
import zarr

VARIANTS_CHUNK, SAMPLES_CHUNK = 10_000, 1_000


def main(vcf, out):
    samples = subprocess.run(["bcftools", "query", "-l", vcf], check=True,
                             capture_output=True, text=True).stdout.split()
    n = len(samples)
    q = subprocess.Popen(["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n", vcf],
                         stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    blosc = numcodecs.Blosc(cname="zstd", clevel=7, shuffle=numcodecs.Blosc.BITSHUFFLE)
    root = zarr.open_group(out, mode="w")
    root.attrs["vcf_zarr_version"] = "0.4"
    root.array("sample_id", np.array(samples, dtype=object), object_codec=numcodecs.VLenUTF8())
    gt = root.zeros("call_genotype", shape=(0, n, 2), chunks=(VARIANTS_CHUNK, SAMPLES_CHUNK, 2),
                    dtype="i1", compressor=blosc)
    ph = root.zeros("call_genotype_phased", shape=(0, n), chunks=(VARIANTS_CHUNK, SAMPLES_CHUNK),
                    dtype=bool, compressor=blosc)
    contigs, pos, alleles = [], [], []
    cache = {}
    buf_gt, buf_ph = [], []

    def flush():
        if buf_gt:
            gt.append(np.stack(buf_gt))
            ph.append(np.stack(buf_ph))
            buf_gt.clear()
            buf_ph.clear()

    for line in q.stdout:
        f = line.rstrip("\n").split("\t")
        contigs.append(f[0])
        pos.append(int(f[1]))
        alleles.append([f[2]] + f[3].split(","))
        row = np.empty((n, 2), dtype="i1")
        phased = np.empty(n, dtype=bool)
        for i, g in enumerate(f[4:]):
            v = cache.get(g)
            if v is None:
                v = cache[g] = parse(g)
            row[i, 0], row[i, 1], phased[i] = v
        buf_gt.append(row)
        buf_ph.append(phased)
        if len(buf_gt) == VARIANTS_CHUNK:
            flush()
    flush()
    if q.wait() != 0:
        sys.exit("bcftools query failed")
    names = sorted(set(contigs), key=contigs.index)
    root.array("contig_id", np.array(names, dtype=object), object_codec=numcodecs.VLenUTF8())
    root.array("variant_contig", np.array([names.index(c) for c in contigs], dtype="i1"),
               chunks=VARIANTS_CHUNK, compressor=blosc)
    root.array("variant_position", np.array(pos, dtype="i4"), chunks=VARIANTS_CHUNK, compressor=blosc)
    width = max(len(a) for a in alleles)
    va = np.array([a + [""] * (width - len(a)) for a in alleles], dtype=object)
    root.array("variant_allele", va, chunks=(VARIANTS_CHUNK, width), object_codec=numcodecs.VLenUTF8())


def parse(g):
    """Alleles and phase of one GT value: "0|1", "1/.", "1" (haploid)."""
    phased = "|" in g
    parts = g.replace("|", "/").split("/")
    a = [-1 if p == "." else int(p) for p in parts]
    if len(a) == 1:
        a.append(-2)
    return a[0], a[1], phased


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
