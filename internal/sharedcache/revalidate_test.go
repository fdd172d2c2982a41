package sharedcache

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// validatingOrigin serves one representation with a validator and answers
// conditional requests that match it with 304 Not Modified.
type validatingOrigin struct {
	*httptest.Server
	full, notModified atomic.Int64
	version           atomic.Int64 // bumped to change the representation
}

func newValidatingOrigin(t *testing.T, clk *clock, validator string) *validatingOrigin {
	o := &validatingOrigin{}
	modified := clk.now().Add(-time.Hour).Format(http.TimeFormat)
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		etag := fmt.Sprintf(`"v%d"`, o.version.Load())
		w.Header().Set("Date", clk.now().Format(http.TimeFormat))
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("X-Checked", clk.now().Format(time.TimeOnly))
		matches := false
		switch validator {
		case "etag":
			w.Header().Set("Etag", etag)
			matches = r.Header.Get("If-None-Match") == etag
		case "last-modified":
			w.Header().Set("Last-Modified", modified)
			matches = r.Header.Get("If-Modified-Since") == modified && o.version.Load() == 0
		}
		if matches {
			o.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		o.full.Add(1)
		_, _ = io.WriteString(w, "body "+etag)
	}))
	t.Cleanup(o.Close)
	return o
}

// TestStaleEntryIsRevalidated is the regression test for a stale entry
// being fetched again in full although it had a validator: the cache now
// asks with If-None-Match (or If-Modified-Since), serves the stored body on
// 304 with the 304's fields, and is fresh again for the 304's lifetime.
func TestStaleEntryIsRevalidated(t *testing.T) {
	for _, validator := range []string{"etag", "last-modified"} {
		t.Run(validator, func(t *testing.T) {
			clk := start()
			o := newValidatingOrigin(t, clk, validator)
			c := newCache(t, clk, 1<<20)
			get(t, c, "GET", o.URL)
			clk.add(61 * time.Second) // stale
			status, body, age := get(t, c, "GET", o.URL)
			if status != 200 || body != `body "v0"` || age != "0" {
				t.Errorf("revalidated: %d %q Age %q, want 200, the stored body, Age 0", status, body, age)
			}
			if o.full.Load() != 1 || o.notModified.Load() != 1 {
				t.Errorf("upstream sent %d full responses and %d 304s, want 1 and 1", o.full.Load(), o.notModified.Load())
			}
			clk.add(30 * time.Second) // fresh again from the 304
			if _, _, age := get(t, c, "GET", o.URL); age != "30" || o.notModified.Load()+o.full.Load() != 2 {
				t.Errorf("after the 304: Age %q and %d upstream requests, want 30 and 2", age, o.notModified.Load()+o.full.Load())
			}
			if s := c.Stats(); s.Revalidated != 1 {
				t.Errorf("stats %+v, want 1 revalidated", s)
			}
		})
	}
}

// TestRevalidationGetsNewRepresentation checks that a changed resource
// (200 to the conditional request) replaces the stored one.
func TestRevalidationGetsNewRepresentation(t *testing.T) {
	clk := start()
	o := newValidatingOrigin(t, clk, "etag")
	c := newCache(t, clk, 1<<20)
	get(t, c, "GET", o.URL)
	o.version.Add(1)
	clk.add(61 * time.Second)
	if _, body, _ := get(t, c, "GET", o.URL); body != `body "v1"` {
		t.Errorf("after the change: %q", body)
	}
	if _, body, _ := get(t, c, "GET", o.URL); body != `body "v1"` || o.full.Load() != 2 {
		t.Errorf("stored after the change: %q, %d full responses", body, o.full.Load())
	}
}

// TestCallersConditionalPassesThrough checks that a caller's own
// conditional request is sent as it is and its 304 returned to it.
func TestCallersConditionalPassesThrough(t *testing.T) {
	clk := start()
	o := newValidatingOrigin(t, clk, "etag")
	c := newCache(t, clk, 1<<20)
	get(t, c, "GET", o.URL)
	clk.add(61 * time.Second)
	if status, _, _ := get(t, c, "GET", o.URL, "If-None-Match", `"v0"`); status != http.StatusNotModified {
		t.Errorf("caller's conditional: status %d, want its 304", status)
	}
	if s := c.Stats(); s.Revalidated != 0 {
		t.Errorf("stats %+v: the caller's 304 counted as the cache's", s)
	}
}
