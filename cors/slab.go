package cors

import (
	"net/http"
	"sync/atomic"
)

// Response header values are handed out in fresh slices, never shared ones:
// a handler (or an outer middleware) may modify the slices of its response
// headers in place, and a slice shared between responses would then change
// other responses and race with them (rs/cors#198). The same holds for the
// ResponseWriter wrapper of actual requests (see varyWriter).
//
// Allocating per request costs an allocation per request. Instead, values
// are carved from blocks by bumping an atomic index: every element of a
// block is handed out at most once, so no two responses ever share one, and
// a block is allocated once every few dozen or hundred requests. A block
// stays in memory while any response still refers to a part of it.
//
// There are several blocks in use at a time, so that cores serving requests
// in parallel seldom contend for the same counter. A request picks its
// block by the last digit of its client's port: concurrent requests mostly
// come from different connections, hence different ports, and the choice
// costs nothing (a random number would cost more than the carving).

// stripes is the number of blocks in use at a time; a power of two.
const stripes = 8

// A slab hands out fresh elements of type T, each at most once.
type slab[T any] struct {
	size    int // elements per block
	stripes [stripes]stripe[T]
}

type block[T any] struct {
	next atomic.Int64 // index of the first free element; may overshoot len(vals)
	vals []T
}

// stripe holds the block being carved; the padding keeps stripes on
// separate cache lines.
type stripe[T any] struct {
	cur atomic.Pointer[block[T]]
	_   [56]byte
}

// newSlab returns a slab whose blocks hold size elements. Its stripes
// start on an empty block, so that the first carve of each allocates a
// real one: a program that links the package but serves no CORS request
// keeps no blocks.
func newSlab[T any](size int) *slab[T] {
	s := &slab[T]{size: size}
	empty := new(block[T])
	for i := range s.stripes {
		s.stripes[i].cur.Store(empty)
	}
	return s
}

// strs holds header values: 256 strings (4 KiB on 64-bit machines) a block.
var strs = newSlab[string](256)

// writers holds the ResponseWriter wrappers of actual requests.
var writers = newSlab[varyWriter](256)

// roomyWriters holds the wrappers of allowed actual requests that get
// Access-Control-Allow-Credentials or -Expose-Headers.
var roomyWriters = newSlab[roomyWriter](256)

// carve returns a fresh slice of n (at most 256) empty strings, with
// capacity n, so that an append by its user cannot reach a neighbour's
// elements. r picks the block.
func carve(r *http.Request, n int) []string { return strs.carve(hintOf(r), n) }

// hintOf picks r's stripe: the last digit of the client's port.
func hintOf(r *http.Request) byte {
	if a := r.RemoteAddr; a != "" {
		return a[len(a)-1]
	}
	return 0
}

// carve returns n fresh zero elements, with capacity n, from the stripe
// that hint picks.
func (s *slab[T]) carve(hint byte, n int) []T {
	st := &s.stripes[hint%stripes]
	b := st.cur.Load()
	if end := int(b.next.Add(int64(n))); end <= len(b.vals) {
		return b.vals[end-n : end : end]
	}
	return st.carveSlow(s.size, n)
}

// carveSlow installs a new block, or uses the one another request just
// installed.
func (st *stripe[T]) carveSlow(size, n int) []T {
	for {
		b := st.cur.Load()
		if end := int(b.next.Add(int64(n))); end <= len(b.vals) {
			return b.vals[end-n : end : end]
		}
		nb := &block[T]{vals: make([]T, size)}
		nb.next.Store(int64(n))
		if st.cur.CompareAndSwap(b, nb) {
			return nb.vals[:n:n]
		}
	}
}
