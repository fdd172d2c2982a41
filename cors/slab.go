package cors

import "sync/atomic"

// Response header values are handed out in fresh slices, never shared ones:
// a handler (or an outer middleware) may modify the slices of its response
// headers in place, and a slice shared between responses would then change
// other responses and race with them (rs/cors#198).
//
// Allocating a slice per request costs an allocation per request. Instead,
// slices are carved from blocks of slabSize strings by bumping an atomic
// index: every element of a block is handed out at most once, so no two
// responses ever share one, and a block is allocated once every few hundred
// requests. A block stays in memory while any response still refers to a
// part of it.

// slabSize is the number of strings in a block: 16 KiB on 64-bit machines.
const slabSize = 1024

type block struct {
	next atomic.Int64 // index of the first free element; may overshoot slabSize
	_    [56]byte     // keeps next on its own cache line, away from vals
	vals [slabSize]string
}

// current is the block being carved; it is never nil.
var current atomic.Pointer[block]

func init() { current.Store(new(block)) }

// carve returns a fresh slice of n (at most slabSize) empty strings, with
// capacity n, so that an append by its user cannot reach a neighbour's
// elements. The fast path is small enough to be inlined.
func carve(n int) []string {
	b := current.Load()
	if end := int(b.next.Add(int64(n))); end <= slabSize {
		return b.vals[end-n : end : end]
	}
	return carveSlow(n)
}

// carveSlow installs a new block, or uses the one another request just
// installed.
func carveSlow(n int) []string {
	for {
		b := current.Load()
		if end := int(b.next.Add(int64(n))); end <= slabSize {
			return b.vals[end-n : end : end]
		}
		nb := new(block)
		nb.next.Store(int64(n))
		if current.CompareAndSwap(b, nb) {
			return nb.vals[:n:n]
		}
	}
}
