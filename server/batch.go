package server

import (
	"context"
	"errors"
	"time"

	"github.com/varamu/varamu/access"
)

// maxBatch bounds how many requests' decisions share one audit append.
const maxBatch = 512

// errClosed is returned for a decision asked after Close.
var errClosed = errors.New("server: closed")

type decideReq struct {
	dec  *access.Decider
	reqs []access.Request
	out  chan decideRes
}

type decideRes struct {
	ds  []access.Decision
	err error
}

// decideLoop is the server's group commit: the decisions of all requests
// waiting while the previous audit append was being made durable are
// decided and logged with one DecideAll (one fsync), and each request gets
// its own decisions back only after they are in the log.
func (s *Server) decideLoop() {
	for {
		var first decideReq
		select {
		case first = <-s.decideCh:
		case <-s.quit:
			return
		}
		batch := []decideReq{first}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-s.decideCh:
				batch = append(batch, r)
			default:
				break more
			}
		}
		s.decideBatch(batch)
	}
}

func (s *Server) decideBatch(batch []decideReq) {
	t0 := time.Now()
	defer func() {
		s.metrics.appendSec.Observe(time.Since(t0).Seconds())
		s.metrics.batchSize.Observe(float64(len(batch)))
	}()
	groups := map[*access.Decider][]int{}
	for i, b := range batch {
		groups[b.dec] = append(groups[b.dec], i)
	}
	for dec, idx := range groups {
		var all []access.Request
		for _, i := range idx {
			all = append(all, batch[i].reqs...)
		}
		// Not the requests' contexts: a decision is logged even when its
		// caller has gone.
		ds, err := dec.DecideAll(context.Background(), all)
		off := 0
		for _, i := range idx {
			n := len(batch[i].reqs)
			if err != nil {
				batch[i].out <- decideRes{err: err}
			} else {
				batch[i].out <- decideRes{ds: ds[off : off+n]}
			}
			off += n
		}
	}
}

// decideAll decides reqs with dec through the group commit.
func (s *Server) decideAll(ctx context.Context, dec *access.Decider, reqs []access.Request) ([]access.Decision, error) {
	out := make(chan decideRes, 1)
	select {
	case s.decideCh <- decideReq{dec: dec, reqs: reqs, out: out}:
	case <-s.quit:
		return nil, errClosed
	}
	select {
	case r := <-out:
		return r.ds, r.err
	case <-s.quit:
		return nil, errClosed
	}
}
