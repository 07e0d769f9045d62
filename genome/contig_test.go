package genome

import "testing"

func TestContigNames(t *testing.T) {
	for _, tt := range []struct {
		name              string
		primary, assembly bool
	}{
		{"chr1", true, false}, {"chr22", true, false}, {"chrX", true, false}, {"chrM", true, false},
		{"chr23", false, false}, {"chr0", false, false}, {"chr01", false, false}, {"chrZZ", false, false}, {"chr", false, false},
		{"chr1_KI270706v1_random", false, true}, {"chrUn_KI270302v1", false, true}, {"chr1_KI270762v1_alt", false, true},
		{"chr1_KN196472v1_fix", false, true}, {"chrUn_JTFH01000001v1_decoy", false, true}, {"chrEBV", false, true},
		{"chrHLA-A*01:01:01:01", false, true}, {"chrGL000207.1", false, true}, {"chrhs37d5", false, true}, {"chrNC_007605", false, true},
	} {
		if got := IsPrimary(tt.name); got != tt.primary {
			t.Errorf("IsPrimary(%q) = %v", tt.name, got)
		}
		if got := IsAssemblyContig(tt.name); got != tt.assembly {
			t.Errorf("IsAssemblyContig(%q) = %v", tt.name, got)
		}
	}
}
