package cors

import (
	"net/http"
	"sync/atomic"
)

// Response header values are handed out in fresh slices, never shared ones:
// a handler (or an outer middleware) may modify the slices of its response
// headers in place, and a slice shared between responses would then change
// other responses and race with them (rs/cors#198).
//
// Allocating a slice per request costs an allocation per request. Instead,
// slices are carved from blocks of blockSize strings by bumping an atomic
// index: every element of a block is handed out at most once, so no two
// responses ever share one, and a block is allocated once every hundred
// requests or so. A block stays in memory while any response still refers
// to a part of it.
//
// There are several blocks in use at a time, so that cores serving requests
// in parallel seldom contend for the same counter. A request picks its
// block by the last digit of its client's port: concurrent requests mostly
// come from different connections, hence different ports, and the choice
// costs nothing (a random number would cost more than the carving).

// blockSize is the number of strings in a block: 4 KiB on 64-bit machines.
const blockSize = 256

// stripes is the number of blocks in use at a time; a power of two.
const stripes = 8

type block struct {
	next atomic.Int64 // index of the first free element; may overshoot blockSize
	vals [blockSize]string
}

// stripe holds the block being carved; the padding keeps stripes on
// separate cache lines.
type stripe struct {
	cur atomic.Pointer[block]
	_   [56]byte
}

var current [stripes]stripe

func init() {
	for i := range current {
		current[i].cur.Store(new(block))
	}
}

// carve returns a fresh slice of n (at most blockSize) empty strings, with
// capacity n, so that an append by its user cannot reach a neighbour's
// elements. r picks the block.
func carve(r *http.Request, n int) []string {
	var hint byte
	if a := r.RemoteAddr; a != "" {
		hint = a[len(a)-1]
	}
	s := &current[hint%stripes]
	b := s.cur.Load()
	if end := int(b.next.Add(int64(n))); end <= blockSize {
		return b.vals[end-n : end : end]
	}
	return s.carveSlow(n)
}

// carveSlow installs a new block, or uses the one another request just
// installed.
func (s *stripe) carveSlow(n int) []string {
	for {
		b := s.cur.Load()
		if end := int(b.next.Add(int64(n))); end <= blockSize {
			return b.vals[end-n : end : end]
		}
		nb := new(block)
		nb.next.Store(int64(n))
		if s.cur.CompareAndSwap(b, nb) {
			return nb.vals[:n:n]
		}
	}
}
