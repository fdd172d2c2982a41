package sharedcache

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// origin is a real loopback server whose every response is set by the
// test; it counts the requests it gets.
type origin struct {
	*httptest.Server
	hits   atomic.Int64
	header http.Header
	status int
	body   string
}

func newOrigin(t *testing.T, clk *clock, status int, body string, header ...string) *origin {
	o := &origin{header: http.Header{}, status: status, body: body}
	for i := 0; i+1 < len(header); i += 2 {
		o.header.Add(header[i], header[i+1])
	}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		w.Header().Set("Date", clk.now().Format(http.TimeFormat))
		for k, vs := range o.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(o.status)
		_, _ = io.WriteString(w, o.body+fmt.Sprint(o.hits.Load()))
	}))
	t.Cleanup(o.Close)
	return o
}

func newCache(t *testing.T, clk *clock, max int64) *Cache {
	t.Helper()
	c := New(http.DefaultTransport, Config{MaxBytes: max, Now: clk.now})
	if c == nil {
		t.Fatal("New returned nil")
	}
	return c
}

// get sends one request through c and returns its status, body and Age.
func get(t *testing.T, c *Cache, method, url string, header ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header.Get("Age")
}

func start() *clock { return &clock{t: time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)} }

func TestFreshResponseIsServedFromMemory(t *testing.T) {
	clk := start()
	o := newOrigin(t, clk, 200, "v", "Cache-Control", "max-age=60")
	c := newCache(t, clk, 1<<20)
	if _, body, _ := get(t, c, "GET", o.URL); body != "v1" {
		t.Fatalf("first body %q", body)
	}
	clk.add(30 * time.Second)
	_, body, age := get(t, c, "GET", o.URL)
	if body != "v1" || age != "30" {
		t.Errorf("second: body %q age %q, want v1 and 30", body, age)
	}
	if n := o.hits.Load(); n != 1 {
		t.Errorf("upstream saw %d requests, want 1", n)
	}
	clk.add(31 * time.Second) // 61 s old: stale
	if _, body, _ := get(t, c, "GET", o.URL); body != "v2" {
		t.Errorf("after expiry: body %q, want a fresh v2", body)
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 2 || s.Stores != 2 {
		t.Errorf("stats %+v", s)
	}
}

// TestLifetime follows RFC 9111 section 4.2.1's order: s-maxage, max-age,
// Expires, then the Last-Modified heuristic for the statuses that allow it.
func TestLifetime(t *testing.T) {
	date := "Tue, 08 Dec 2026 12:00:00 GMT"
	cases := []struct {
		name   string
		status int
		header []string
		want   time.Duration
	}{
		{"max-age", 200, []string{"Cache-Control", "max-age=60"}, time.Minute},
		{"s-maxage wins over max-age", 200, []string{"Cache-Control", "max-age=0, s-maxage=120"}, 2 * time.Minute},
		{"quoted value", 200, []string{"Cache-Control", `max-age="60"`}, time.Minute},
		{"upper-case directive", 200, []string{"Cache-Control", "MAX-AGE=60"}, time.Minute},
		{"two lines", 200, []string{"Cache-Control", "public", "Cache-Control", "max-age=5"}, 5 * time.Second},
		{"huge max-age is capped", 200, []string{"Cache-Control", "max-age=99999999999999999999"}, maxAgeSeconds * time.Second},
		{"Expires minus Date", 200, []string{"Date", date, "Expires", "Tue, 08 Dec 2026 12:10:00 GMT"}, 10 * time.Minute},
		{"max-age wins over Expires", 200, []string{"Date", date, "Expires", "Tue, 08 Dec 2026 12:10:00 GMT", "Cache-Control", "max-age=5"}, 5 * time.Second},
		{"heuristic 10% of Last-Modified", 200, []string{"Date", date, "Last-Modified", "Tue, 08 Dec 2026 02:00:00 GMT"}, time.Hour},
		{"heuristic capped at a day", 404, []string{"Date", date, "Last-Modified", "Sun, 08 Dec 2024 12:00:00 GMT"}, MaxHeuristic},
		{"public allows the heuristic on 500", 500, []string{"Date", date, "Cache-Control", "public", "Last-Modified", "Tue, 08 Dec 2026 02:00:00 GMT"}, time.Hour},
		{"explicit freshness on 500", 500, []string{"Cache-Control", "max-age=60"}, time.Minute},

		{"nothing said", 200, nil, 0},
		{"500 not heuristically cacheable", 500, []string{"Date", date, "Last-Modified", "Tue, 08 Dec 2026 02:00:00 GMT"}, 0},
		{"private", 200, []string{"Cache-Control", "private, max-age=60"}, 0},
		{"no-store", 200, []string{"Cache-Control", "max-age=60, no-store"}, 0},
		{"no-cache", 200, []string{"Cache-Control", "no-cache, max-age=60"}, 0},
		{"qualified no-cache", 200, []string{"Cache-Control", `no-cache="Set-Cookie", max-age=60`}, 0},
		{"must-understand", 200, []string{"Cache-Control", "must-understand, max-age=60"}, 0},
		{"Set-Cookie", 200, []string{"Cache-Control", "max-age=60", "Set-Cookie", "a=b"}, 0},
		{"Vary star", 200, []string{"Cache-Control", "max-age=60", "Vary", "Origin, *"}, 0},
		{"partial content", 206, []string{"Cache-Control", "max-age=60", "Content-Range", "bytes 0-1/10"}, 0},
		{"s-maxage=0 beats max-age", 200, []string{"Cache-Control", "s-maxage=0, max-age=60"}, 0},
		{"malformed max-age is stale", 200, []string{"Cache-Control", "max-age=abc"}, 0},
		{"negative max-age is stale", 200, []string{"Cache-Control", "max-age=-1"}, 0},
		{"conflicting max-age is stale", 200, []string{"Cache-Control", "max-age=60, max-age=120"}, 0},
		{"invalid Expires is expired", 200, []string{"Expires", "0"}, 0},
		{"Expires in the past", 200, []string{"Date", date, "Expires", "Tue, 08 Dec 2026 11:00:00 GMT"}, 0},
		{"a comma inside a quoted value", 200, []string{"Cache-Control", `community="a,private", max-age=60`}, time.Minute},
	}
	received := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
			for i := 0; i+1 < len(tc.header); i += 2 {
				resp.Header.Add(tc.header[i], tc.header[i+1])
			}
			if got := lifetime(resp, received); got != tc.want {
				t.Errorf("lifetime = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestNeverSharesCredentialedAnswers: a request with credentials is
// neither answered from the cache nor stored (RFC 9111 section 3.5).
func TestNeverSharesCredentialedAnswers(t *testing.T) {
	for _, h := range []string{"Authorization", "Cookie", "Proxy-Authorization", "X-Api-Key", "Range"} {
		t.Run(h, func(t *testing.T) {
			clk := start()
			o := newOrigin(t, clk, 200, "v", "Cache-Control", "public, max-age=60")
			c := newCache(t, clk, 1<<20)
			get(t, c, "GET", o.URL, h, "secret")          // not stored
			get(t, c, "GET", o.URL)                       // stored
			_, body, _ := get(t, c, "GET", o.URL, h, "x") // not served from the cache
			if body != "v3" || o.hits.Load() != 3 {
				t.Errorf("credentialed request got %q after %d upstream requests, want v3 after 3", body, o.hits.Load())
			}
		})
	}
}

func TestRequestDirectivesBypassTheCache(t *testing.T) {
	cases := []struct {
		name   string
		header []string
		served bool
	}{
		{"plain", nil, true},
		{"no-cache", []string{"Cache-Control", "no-cache"}, false},
		{"max-age=0", []string{"Cache-Control", "max-age=0"}, false},
		{"max-age above the age", []string{"Cache-Control", "max-age=20"}, true},
		{"max-age below the age", []string{"Cache-Control", "max-age=5"}, false},
		{"min-fresh satisfied", []string{"Cache-Control", "min-fresh=10"}, true},
		{"min-fresh not satisfied", []string{"Cache-Control", "min-fresh=100"}, false},
		{"Pragma no-cache", []string{"Pragma", "no-cache"}, false},
		{"Pragma ignored beside Cache-Control", []string{"Pragma", "no-cache", "Cache-Control", "max-age=30"}, true},
		{"no-store", []string{"Cache-Control", "no-store"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := start()
			o := newOrigin(t, clk, 200, "v", "Cache-Control", "max-age=60")
			c := newCache(t, clk, 1<<20)
			get(t, c, "GET", o.URL)
			clk.add(10 * time.Second)
			_, body, _ := get(t, c, "GET", o.URL, tc.header...)
			if served := body == "v1"; served != tc.served {
				t.Errorf("served from cache = %v (body %q), want %v", served, body, tc.served)
			}
		})
	}
}

func TestVarySelectsVariants(t *testing.T) {
	clk := start()
	o := newOrigin(t, clk, 200, "v", "Cache-Control", "max-age=60", "Vary", "Origin")
	c := newCache(t, clk, 1<<20)
	get(t, c, "GET", o.URL, "Origin", "https://a.example")
	get(t, c, "GET", o.URL, "Origin", "https://b.example")
	if _, body, _ := get(t, c, "GET", o.URL, "Origin", "https://a.example"); body != "v1" {
		t.Errorf("origin a got %q, want its own v1", body)
	}
	if _, body, _ := get(t, c, "GET", o.URL, "Origin", "https://b.example"); body != "v2" {
		t.Errorf("origin b got %q, want its own v2", body)
	}
	if _, body, _ := get(t, c, "GET", o.URL); body != "v3" {
		t.Errorf("no origin got %q, want a new v3", body)
	}
}

// TestContentCodingImpliesVary: gzip stored for one caller is not served
// to a caller that did not ask for it, even when the origin forgot Vary.
func TestContentCodingImpliesVary(t *testing.T) {
	clk := start()
	o := newOrigin(t, clk, 200, "v", "Cache-Control", "max-age=60", "Content-Encoding", "br")
	c := newCache(t, clk, 1<<20)
	get(t, c, "GET", o.URL, "Accept-Encoding", "br, zstd")
	if _, body, _ := get(t, c, "GET", o.URL, "Accept-Encoding", "br,zstd"); body != "v1" {
		t.Errorf("same Accept-Encoding, spelled differently: got %q, want v1", body)
	}
	if _, body, _ := get(t, c, "GET", o.URL); body != "v2" {
		t.Errorf("no Accept-Encoding: got %q, want v2 from upstream", body)
	}
}

func TestHeadIsAnsweredFromAStoredGet(t *testing.T) {
	clk := start()
	o := newOrigin(t, clk, 200, "v", "Cache-Control", "max-age=60")
	c := newCache(t, clk, 1<<20)
	get(t, c, "HEAD", o.URL) // a HEAD alone is not stored
	get(t, c, "GET", o.URL)
	if status, body, _ := get(t, c, "HEAD", o.URL); status != 200 || body != "" {
		t.Errorf("HEAD: %d %q", status, body)
	}
	if n := o.hits.Load(); n != 2 {
		t.Errorf("upstream saw %d requests, want 2", n)
	}
}

func TestUpstreamAgeCounts(t *testing.T) {
	clk := start()
	o := newOrigin(t, clk, 200, "v", "Cache-Control", "max-age=60", "Age", "50")
	c := newCache(t, clk, 1<<20)
	get(t, c, "GET", o.URL)
	clk.add(5 * time.Second)
	if _, body, age := get(t, c, "GET", o.URL); body != "v1" || age != "55" {
		t.Errorf("got %q with Age %q, want v1 with 55", body, age)
	}
	clk.add(10 * time.Second) // 65 s: stale although resident only 15 s
	if _, body, _ := get(t, c, "GET", o.URL); body != "v2" {
		t.Errorf("got %q, want v2", body)
	}
}

func TestUnsafeRequestInvalidates(t *testing.T) {
	clk := start()
	o := newOrigin(t, clk, 200, "v", "Cache-Control", "max-age=60")
	c := newCache(t, clk, 1<<20)
	get(t, c, "GET", o.URL)
	get(t, c, "POST", o.URL)
	if _, body, _ := get(t, c, "GET", o.URL); body != "v3" {
		t.Errorf("after POST got %q, want v3 from upstream", body)
	}
}

func TestBoundedByBytesLeastRecentlyUsedFirst(t *testing.T) {
	clk := start()
	o := newOrigin(t, clk, 200, strings.Repeat("x", 1000), "Cache-Control", "max-age=60")
	c := New(http.DefaultTransport, Config{MaxBytes: 4000, MaxEntryBytes: 2000, Now: clk.now}) // room for about three entries
	for i := range 4 {
		get(t, c, "GET", fmt.Sprintf("%s/%d", o.URL, i))
		if i == 2 {
			get(t, c, "GET", o.URL+"/0") // 0 is now recently used; 1 is the oldest
		}
	}
	s := c.Stats()
	if s.Bytes > 4000 || s.Evictions != 1 {
		t.Fatalf("stats %+v, want at most 4000 bytes after one eviction", s)
	}
	before := o.hits.Load()
	get(t, c, "GET", o.URL+"/0")
	get(t, c, "GET", o.URL+"/3")
	if o.hits.Load() != before {
		t.Error("a recently used entry was evicted")
	}
	get(t, c, "GET", o.URL+"/1")
	if o.hits.Load() != before+1 {
		t.Error("the least recently used entry was kept")
	}
}

func TestIncompleteOrLargeBodiesAreNotKept(t *testing.T) {
	clk := start()
	o := newOrigin(t, clk, 200, strings.Repeat("x", 5000), "Cache-Control", "max-age=60")
	c := New(http.DefaultTransport, Config{MaxBytes: 1 << 20, MaxEntryBytes: 1000, Now: clk.now})
	if _, body, _ := get(t, c, "GET", o.URL+"/large"); len(body) != 5001 {
		t.Fatalf("a body over the entry limit was cut: %d bytes", len(body))
	}
	o.body = "short"
	req, _ := http.NewRequest("GET", o.URL+"/early", nil)
	resp, err := c.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := resp.Body.Read(buf); err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.Stores != 0 || s.Entries != 0 {
		t.Errorf("stats %+v: a large or half-read body was stored", s)
	}
}

func TestNewWithoutSizeIsNoCache(t *testing.T) {
	if c := New(http.DefaultTransport, Config{}); c != nil {
		t.Error("New with MaxBytes 0 returned a cache")
	}
}

func TestConcurrentUse(t *testing.T) {
	clk := start()
	o := newOrigin(t, clk, 200, "v", "Cache-Control", "max-age=60", "Vary", "Origin")
	c := newCache(t, clk, 8000)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				get(t, c, "GET", fmt.Sprintf("%s/%d", o.URL, j%7), "Origin", fmt.Sprintf("https://%d.example", i%3))
				clk.add(time.Second)
			}
		})
	}
	wg.Wait()
	if s := c.Stats(); s.Hits == 0 || s.Bytes > 8000 {
		t.Errorf("stats %+v", s)
	}
}
