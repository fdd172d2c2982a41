// Package sharedcache is a small in-memory HTTP cache that follows the
// rules RFC 9111 sets for a shared cache, for the CORS proxy: many pages
// calling the same public API should reach the upstream once.
//
// It is deliberately conservative. It stores only complete responses to
// anonymous GET requests: requests with no header field beyond a fixed set
// that identifies nobody (Accept*, Origin, Referer, User-Agent, the
// forwarding fields, conditionals ...), so never one with Authorization,
// Cookie or an API key of its own. Stored responses need a positive
// freshness lifetime from s-maxage, max-age, Expires or, for heuristically
// cacheable statuses, Last-Modified.
// It never stores responses marked private, no-store, no-cache or
// must-understand, responses with Set-Cookie, partial content, or Vary: *.
// A stale entry with a validator (ETag, Last-Modified) is revalidated with
// a conditional request, and a 304 freshens it. Vary is
// honoured; a content-coded response without Vary: Accept-Encoding is
// treated as varying on it. Concurrent misses for one URL are collapsed
// into one upstream request. Unsafe requests that succeed invalidate the
// stored responses for their URL (section 4.4). Memory is bounded in bytes,
// least recently used entries going first.
package sharedcache

import (
	"bytes"
	"container/list"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Cache is an http.RoundTripper that answers from memory what it may and
// sends the rest to Base. Its zero value is not usable: build one with New.
type Cache struct {
	base     http.RoundTripper
	maxBytes int64
	maxEntry int64
	maxWait  time.Duration
	now      func() time.Time

	mu      sync.Mutex
	lru     list.List                  // of *entry, most recently used first
	byKey   map[string][]*list.Element // variants of one URL
	size    int64
	flights map[string]*flight   // cacheable GETs on their way upstream
	pass    map[string]time.Time // URLs whose last response was not stored, until when

	hits, misses, stores, evictions, collapsed, revalidations atomic.Int64
}

// A flight is a cacheable GET on its way to the upstream. Requests for the
// same URL that miss meanwhile wait for it and then look the cache up again
// (RFC 9111, section 4, allows a cache to collapse requests this way), so
// that a burst of pages calling one public URL reaches the upstream once.
type flight struct {
	done chan struct{}
	once sync.Once
}

// DefaultCollapseWait is Config.CollapseWait's default.
const DefaultCollapseWait = 5 * time.Second

// passFor is how long a URL whose response could not be stored is sent
// upstream without waiting for others (Varnish's "hit-for-pass"): without
// it, concurrent requests for an uncacheable URL would queue behind each
// other. maxPass bounds that memory.
const (
	passFor = 30 * time.Second
	maxPass = 10000
)

// maxVariants bounds how many variants of one URL are kept, so that a
// response that varies on a header the caller controls cannot crowd the
// cache with one URL.
const maxVariants = 16

// Config says how large a cache may grow.
type Config struct {
	// MaxBytes bounds the memory held by stored responses (bodies, header
	// fields and keys). It must be positive.
	MaxBytes int64
	// MaxEntryBytes bounds one stored response; larger ones are streamed
	// through and not kept. Zero means MaxBytes/8, at most 8 MiB.
	MaxEntryBytes int64
	// CollapseWait bounds how long a request waits for another caller's
	// response to the same URL before it goes upstream itself, so that a
	// slow body does not hold back every request behind it. Zero means
	// DefaultCollapseWait.
	CollapseWait time.Duration
	// Now is the clock, for tests; nil means time.Now.
	Now func() time.Time
}

// New returns a cache in front of base. It returns nil when c.MaxBytes is
// not positive: a caller that asks for no cache gets none.
func New(base http.RoundTripper, c Config) *Cache {
	if c.MaxBytes <= 0 {
		return nil
	}
	if c.MaxEntryBytes <= 0 {
		c.MaxEntryBytes = min(c.MaxBytes/8, 8<<20)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CollapseWait <= 0 {
		c.CollapseWait = DefaultCollapseWait
	}
	return &Cache{
		base:     base,
		maxBytes: c.MaxBytes,
		maxEntry: min(c.MaxEntryBytes, c.MaxBytes),
		maxWait:  c.CollapseWait,
		now:      c.Now,
		byKey:    make(map[string][]*list.Element),
		flights:  make(map[string]*flight),
		pass:     make(map[string]time.Time),
	}
}

// Stats counts what the cache did since it was built.
type Stats struct {
	Hits, Misses, Stores, Evictions int64
	// Collapsed counts the hits that waited for another request's
	// response to the same URL instead of going upstream (see flight).
	Collapsed int64
	// Revalidated counts the misses that the upstream answered 304 Not
	// Modified to a conditional request for a stale stored response,
	// which was then served (and kept) without its body being sent again.
	Revalidated int64
	Entries     int
	Bytes       int64
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	entries, size := c.lru.Len(), c.size
	c.mu.Unlock()
	return Stats{
		Hits: c.hits.Load(), Misses: c.misses.Load(), Stores: c.stores.Load(),
		Evictions: c.evictions.Load(), Collapsed: c.collapsed.Load(),
		Revalidated: c.revalidations.Load(), Entries: entries, Bytes: size,
	}
}

type entry struct {
	key        string
	fields     []string // Vary's field names
	selecting  []string // the request's values for them
	status     int
	statusLine string // "200 OK"
	header     http.Header
	body       []byte
	received   time.Time
	initAge    time.Duration
	lifetime   time.Duration
	size       int64
}

// RoundTrip answers req from the cache when a fresh stored response
// matches it, and otherwise sends it to the base transport, storing the
// response as it is read when the rules allow.
func (c *Cache) RoundTrip(req *http.Request) (*http.Response, error) {
	if !cacheableRequest(req) {
		resp, err := c.base.RoundTrip(req)
		if err == nil && !isSafe(req.Method) && resp.StatusCode < 400 {
			c.invalidate(key(req))
		}
		return resp, err
	}
	k := key(req)
	resp, stale := c.lookup(req, k)
	if resp != nil {
		c.hits.Add(1)
		return resp, nil
	}
	f, leader := c.join(k, req.Method == http.MethodGet)
	if f != nil && !leader {
		if c.wait(req, f) {
			if resp, stale = c.lookup(req, k); resp != nil {
				c.hits.Add(1)
				c.collapsed.Add(1)
				return resp, nil
			}
		}
		f = nil // another variant, not stored, or too slow: go alone
	}
	c.misses.Add(1)
	out := req
	if stale != nil && req.Method == http.MethodGet {
		if rv := revalidation(req, stale); rv != nil {
			out = rv
		}
	}
	sent := c.now()
	resp, err := c.base.RoundTrip(out)
	if err == nil && out != req && resp.StatusCode == http.StatusNotModified {
		return c.revalidated(req, k, f, stale, resp, sent), nil
	}
	if err != nil || req.Method != http.MethodGet {
		c.land(k, f, false)
		return resp, err
	}
	received := c.now()
	life := lifetime(resp, received)
	if life <= 0 || resp.ContentLength > c.maxEntry {
		c.land(k, f, true)
		return resp, nil
	}
	fields := varyFields(resp.Header)
	e := &entry{
		key:        k,
		fields:     fields,
		selecting:  selecting(req, fields),
		status:     resp.StatusCode,
		statusLine: strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode),
		header:     resp.Header.Clone(),
		received:   received,
		initAge:    initialAge(resp, sent, received),
		lifetime:   life,
	}
	resp.Body = &recorder{ReadCloser: resp.Body, c: c, e: e, f: f, want: resp.ContentLength}
	return resp, nil
}

// revalidated answers req with the stored response stale that the
// upstream's 304 nm has just validated, and stores the freshened entry.
func (c *Cache) revalidated(req *http.Request, k string, f *flight, stale *entry, nm *http.Response, sent time.Time) *http.Response {
	_, _ = io.Copy(io.Discard, io.LimitReader(nm.Body, 4<<10))
	_ = nm.Body.Close()
	fresh := stale.freshened(nm, sent, c.now())
	if fresh.lifetime > 0 {
		c.store(fresh)
	}
	c.revalidations.Add(1)
	c.land(k, f, false)
	return fresh.response(req, fresh.initAge)
}

// join returns the flight of k that is on its way (leader false) or, when
// there is none and lead is true, a new one that the caller leads. It
// returns nil when requests for k go upstream without waiting: no flight
// and lead false, or k's last response could not be stored.
func (c *Cache) join(k string, lead bool) (f *flight, leader bool) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if until, ok := c.pass[k]; ok {
		if now.Before(until) {
			return nil, false
		}
		delete(c.pass, k)
	}
	if f := c.flights[k]; f != nil {
		return f, false
	}
	if !lead {
		return nil, false
	}
	f = &flight{done: make(chan struct{})}
	c.flights[k] = f
	return f, true
}

// wait waits for f to land, for at most c.maxWait and as long as req's
// context lives. It reports whether f landed.
func (c *Cache) wait(req *http.Request, f *flight) bool {
	t := time.NewTimer(c.maxWait)
	defer t.Stop()
	select {
	case <-f.done:
		return true
	case <-t.C:
	case <-req.Context().Done():
	}
	return false
}

// land ends the flight f of k, if any, and lets its followers look the
// cache up. pass says that its response was not stored, so that requests
// for k do not wait for one another for a while.
func (c *Cache) land(k string, f *flight, pass bool) {
	if f == nil {
		return
	}
	f.once.Do(func() {
		c.mu.Lock()
		if c.flights[k] == f {
			delete(c.flights, k)
		}
		if pass {
			if len(c.pass) >= maxPass {
				clear(c.pass)
			}
			c.pass[k] = c.now().Add(passFor)
		}
		c.mu.Unlock()
		close(f.done)
	})
}

func isSafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// key is the cache key of section 2: the target URI. GET and HEAD share
// it, so that a HEAD can be answered from a stored GET.
func key(req *http.Request) string { return req.URL.String() }

// lookup returns the stored response that answers req, or nil. It also
// returns the stored variant that matches req but may not be served
// without validation, if it carries a validator (ETag or Last-Modified),
// so that the caller can revalidate it.
func (c *Cache) lookup(req *http.Request, k string) (*http.Response, *entry) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, el := range c.byKey[k] {
		e := el.Value.(*entry)
		if !equal(selecting(req, e.fields), e.selecting) {
			continue
		}
		age := e.initAge + now.Sub(e.received)
		if !mayServeStored(req, age, e.lifetime) {
			if hasValidator(e.header) {
				return nil, e
			}
			return nil, nil
		}
		c.lru.MoveToFront(el)
		return e.response(req, age), nil
	}
	return nil, nil
}

// hasValidator reports whether a stored response can be revalidated.
func hasValidator(h http.Header) bool {
	return h.Get("Etag") != "" || h.Get("Last-Modified") != ""
}

// conditionalHeaders are the request fields that make a request
// conditional; a caller's own conditional request is passed on as it is.
var conditionalHeaders = []string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range"}

// revalidation returns req asking the upstream whether the stored
// response e is still current (RFC 9111, section 4.3.1), or nil when req
// is itself conditional.
func revalidation(req *http.Request, e *entry) *http.Request {
	for _, name := range conditionalHeaders {
		if len(req.Header[name]) > 0 {
			return nil
		}
	}
	out := req.Clone(req.Context())
	if etag := e.header.Get("Etag"); etag != "" {
		out.Header.Set("If-None-Match", etag)
	}
	if lm := e.header.Get("Last-Modified"); lm != "" {
		out.Header.Set("If-Modified-Since", lm)
	}
	return out
}

// freshened returns e updated by the 304 Not Modified that validated it
// (RFC 9111, sections 3.2 and 4.3.4): the 304's header fields replace the
// stored ones, except Content-Length and hop-by-hop fields, and its
// freshness starts again from the 304.
func (e *entry) freshened(nm *http.Response, sent, received time.Time) *entry {
	h := e.header.Clone()
	for k, vs := range nm.Header {
		switch k {
		case "Content-Length", "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
			continue
		}
		h[k] = append([]string(nil), vs...)
	}
	n := *e
	n.header = h
	n.received = received
	n.initAge = initialAge(nm, sent, received)
	n.lifetime = lifetime(&http.Response{StatusCode: e.status, Header: h}, received)
	return &n
}

func (e *entry) response(req *http.Request, age time.Duration) *http.Response {
	h := e.header.Clone()
	h.Set("Age", strconv.FormatInt(int64(age/time.Second), 10))
	resp := &http.Response{
		Status:        e.statusLine,
		StatusCode:    e.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          http.NoBody,
		ContentLength: int64(len(e.body)),
		Request:       req,
	}
	if req.Method != http.MethodHead {
		sb := &storedBody{b: e.body}
		sb.Reset(e.body)
		resp.Body = sb
	}
	return resp
}

// storedBody is the body of a response from the cache.
type storedBody struct {
	bytes.Reader
	b []byte
}

func (*storedBody) Close() error { return nil }

// Stored returns the whole of body and true if it is the body of a response
// from the cache that nothing has read yet. The bytes are the cache's own:
// they must not be modified.
func Stored(body io.ReadCloser) ([]byte, bool) {
	sb, ok := body.(*storedBody)
	if !ok || sb.Len() != len(sb.b) {
		return nil, false
	}
	return sb.b, true
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// store keeps e, replacing a variant with the same selecting values and
// evicting least recently used entries beyond the byte budget.
func (c *Cache) store(e *entry) {
	e.size = int64(len(e.body) + len(e.key) + headerSize(e.header))
	if e.size > c.maxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	variants := c.byKey[e.key]
	for _, el := range variants {
		if old := el.Value.(*entry); equal(old.fields, e.fields) && equal(old.selecting, e.selecting) {
			c.remove(el)
			break
		}
	}
	if len(c.byKey[e.key]) >= maxVariants {
		c.remove(c.byKey[e.key][0])
	}
	c.byKey[e.key] = append(c.byKey[e.key], c.lru.PushFront(e))
	c.size += e.size
	c.stores.Add(1)
	for c.size > c.maxBytes {
		c.remove(c.lru.Back())
		c.evictions.Add(1)
	}
}

// remove drops one element; c.mu must be held.
func (c *Cache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*entry)
	c.size -= e.size
	variants := c.byKey[e.key]
	for i, v := range variants {
		if v == el {
			variants = append(variants[:i:i], variants[i+1:]...)
			break
		}
	}
	if len(variants) == 0 {
		delete(c.byKey, e.key)
	} else {
		c.byKey[e.key] = variants
	}
}

func (c *Cache) invalidate(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.byKey[k]) > 0 {
		c.remove(c.byKey[k][0])
	}
}

func headerSize(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// recorder keeps a copy of the body as the proxy streams it to its caller
// and stores the entry once the body has been read to its end. A body
// that grows past the entry limit, fails, or is closed early is not kept.
type recorder struct {
	io.ReadCloser
	c    *Cache
	e    *entry
	f    *flight // landed when the body ends, whatever way
	buf  bytes.Buffer
	want int64 // Content-Length, or -1
	done bool
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if !r.done {
		if int64(r.buf.Len()+n) > r.c.maxEntry {
			r.done, r.buf = true, bytes.Buffer{}
			r.c.land(r.e.key, r.f, true) // too large to keep, next time too
		} else {
			r.buf.Write(p[:n])
		}
	}
	if err == io.EOF && !r.done {
		r.done = true
		stored := r.want < 0 || int64(r.buf.Len()) == r.want
		if stored {
			r.e.body = r.buf.Bytes()
			r.c.store(r.e)
		}
		r.c.land(r.e.key, r.f, !stored)
	} else if err != nil {
		r.done = true
		r.c.land(r.e.key, r.f, false) // cut short: not kept
	}
	return n, err
}

// Close ends the body, and its flight if the body was not read to its end.
func (r *recorder) Close() error {
	r.c.land(r.e.key, r.f, false)
	return r.ReadCloser.Close()
}
