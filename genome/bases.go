package genome

// Bases reports whether s is made of the nucleotide letters A, C, G, T and
// N only, in either case (true for an empty s: callers that need a base
// check for it themselves). VCF REF and ALT alleles, SPDI sequences and
// generated alleles are checked with it.
func Bases[S ~string | ~[]byte](s S) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A', 'C', 'G', 'T', 'N', 'a', 'c', 'g', 't', 'n':
		default:
			return false
		}
	}
	return true
}
