package sharedcache

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowOrigin answers after a delay, counting requests and the most it
// served at once.
type slowOrigin struct {
	*httptest.Server
	hits, now, peak atomic.Int64
}

func newSlowOrigin(t *testing.T, delay time.Duration, cacheControl string) *slowOrigin {
	o := &slowOrigin{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		n := o.now.Add(1)
		defer o.now.Add(-1)
		for p := o.peak.Load(); n > p && !o.peak.CompareAndSwap(p, n); p = o.peak.Load() {
		}
		time.Sleep(delay)
		w.Header().Set("Cache-Control", cacheControl)
		_, _ = io.WriteString(w, "public data")
	}))
	t.Cleanup(o.Close)
	return o
}

// burst sends n concurrent GETs of url through c and returns their bodies.
func burst(t *testing.T, c *Cache, url string, n int) []string {
	t.Helper()
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, bodies[i], _ = get(t, c, "GET", url) })
	}
	wg.Wait()
	return bodies
}

// TestBurstReachesUpstreamOnce is the regression test for a burst of
// callers of one cacheable URL each going upstream while the first
// response was on its way (20 upstream requests for 20 callers).
func TestBurstReachesUpstreamOnce(t *testing.T) {
	o := newSlowOrigin(t, 200*time.Millisecond, "max-age=60")
	c := New(http.DefaultTransport, Config{MaxBytes: 1 << 20})
	for i, b := range burst(t, c, o.URL+"/data", 20) {
		if b != "public data" {
			t.Fatalf("caller %d got %q", i, b)
		}
	}
	if h := o.hits.Load(); h != 1 {
		t.Errorf("upstream got %d requests for a burst of 20, want 1", h)
	}
	if s := c.Stats(); s.Collapsed != 19 || s.Misses != 1 {
		t.Errorf("stats %+v, want 19 collapsed, 1 miss", s)
	}
}

// TestUncacheableBurstDoesNotQueue checks that requests for a URL whose
// responses cannot be stored do not wait for one another once that is
// known: after the first, a burst reaches the upstream concurrently.
func TestUncacheableBurstDoesNotQueue(t *testing.T) {
	o := newSlowOrigin(t, 100*time.Millisecond, "no-store")
	c := New(http.DefaultTransport, Config{MaxBytes: 1 << 20})
	burst(t, c, o.URL+"/private", 1)
	start := time.Now()
	burst(t, c, o.URL+"/private", 10)
	if o.hits.Load() != 11 || o.peak.Load() < 5 {
		t.Errorf("upstream got %d requests, at most %d at once; want 11, most of them at once", o.hits.Load(), o.peak.Load())
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("burst of 10 took %v: requests queued behind each other", d)
	}
}

// TestAbandonedFlightReleasesFollowers checks that a leader whose caller
// closes the body unread does not hold the requests that wait for it:
// they go upstream themselves at once.
func TestAbandonedFlightReleasesFollowers(t *testing.T) {
	o := newSlowOrigin(t, 100*time.Millisecond, "max-age=60")
	c := New(http.DefaultTransport, Config{MaxBytes: 1 << 20})
	req, _ := http.NewRequest("GET", o.URL+"/x", nil)
	resp, err := c.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	go func() { _, b, _ := get(t, c, "GET", o.URL+"/x"); done <- b }()
	time.Sleep(50 * time.Millisecond) // the follower waits for the leader's body
	_ = resp.Body.Close()
	select {
	case b := <-done:
		if b != "public data" {
			t.Errorf("follower got %q", b)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("follower still waits for an abandoned flight")
	}
}

// TestFollowerLeavesWithItsContext checks that a request waiting for
// another one's response ends when its own context does.
func TestFollowerLeavesWithItsContext(t *testing.T) {
	o := newSlowOrigin(t, time.Second, "max-age=60")
	c := New(http.DefaultTransport, Config{MaxBytes: 1 << 20})
	go burst(t, c, o.URL+"/slow", 1)
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", o.URL+"/slow", nil)
	start := time.Now()
	_, err := c.RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("RoundTrip = %v after %v, want the context's deadline within 1s", err, time.Since(start))
	}
}

// TestStalledLeaderDoesNotHoldFollowers is the hostile case: the first
// caller's upstream sends its headers and then trickles the body without
// end. The callers behind it wait at most CollapseWait and then go
// upstream themselves.
func TestStalledLeaderDoesNotHoldFollowers(t *testing.T) {
	release := make(chan struct{})
	var hits atomic.Int64
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		if hits.Add(1) == 1 {
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, "x")
			w.(http.Flusher).Flush()
			<-release // never more
			return
		}
		_, _ = io.WriteString(w, "public data")
	}))
	defer o.Close()
	defer close(release)
	c := New(http.DefaultTransport, Config{MaxBytes: 1 << 20, CollapseWait: 200 * time.Millisecond})
	req, _ := http.NewRequest("GET", o.URL+"/stall", nil)
	resp, err := c.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	start := time.Now()
	bodies := burst(t, c, o.URL+"/stall", 3)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("followers took %v behind a stalled leader", d)
	}
	for _, b := range bodies {
		if b != "public data" {
			t.Errorf("follower got %q", b)
		}
	}
}
