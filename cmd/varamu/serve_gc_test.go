package main

import "testing"

// TestGCPercentFor: at least 4 GiB of headroom, never under GOGC 200,
// never over 2,000.
func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 200}, {2800 << 20, 200}, {2 << 30, 200}, {1 << 30, 400}, {400 << 20, 1024}, {200 << 20, 2000}, {16 << 30, 200},
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}
