package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// syncHist is the server's histogram of audit journal fdatasyncs
// (varamu_audit_journal_sync_seconds) at one moment: the count at or
// below each bucket's bound, their number and their total time.
type syncHist struct {
	le    map[float64]uint64
	count uint64
	sum   float64
}

const syncMetric = "varamu_audit_journal_sync_seconds"

// readSyncs reads the histogram from the server's /metrics.
func readSyncs(url string, cfg *tls.Config) (syncHist, error) {
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get(url + "/metrics")
	if err != nil {
		return syncHist{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return syncHist{}, fmt.Errorf("%s/metrics: %s", url, resp.Status)
	}
	return parseSyncs(resp.Body)
}

// parseSyncs reads the histogram's lines from Prometheus' text format.
func parseSyncs(r io.Reader) (syncHist, error) {
	h := syncHist{le: map[float64]uint64{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.HasPrefix(name, syncMetric) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return h, fmt.Errorf("metrics: %q: %w", sc.Text(), err)
		}
		switch {
		case name == syncMetric+"_sum":
			h.sum = v
		case name == syncMetric+"_count":
			h.count = uint64(v)
		case strings.HasPrefix(name, syncMetric+`_bucket{le="`):
			bound := strings.TrimSuffix(strings.TrimPrefix(name, syncMetric+`_bucket{le="`), `"}`)
			if b, err := strconv.ParseFloat(bound, 64); err == nil { // +Inf is the count
				h.le[b] = uint64(v)
			}
		}
	}
	return h, sc.Err()
}

// since says how many fdatasyncs the run between before and h made, their
// mean and how many took longer than 10, 50 and 100 ms.
func (h syncHist) since(before syncHist) string {
	n := h.count - before.count
	if n == 0 {
		return "audit journal fdatasyncs: none"
	}
	over := func(b float64) uint64 { return n - (h.le[b] - before.le[b]) }
	return fmt.Sprintf("audit journal fdatasyncs: %d, mean %.2f ms, over 10 ms %d, over 50 ms %d, over 100 ms %d",
		n, (h.sum-before.sum)/float64(n)*1000, over(.01), over(.05), over(.1))
}
