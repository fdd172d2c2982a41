package proxy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestSharedCacheServesManyCallersOnce: callers from different origins
// get one upstream fetch between them, each with CORS headers for its own
// origin; requests that could identify a caller bypass the cache.
func TestSharedCacheServesManyCallersOnce(t *testing.T) {
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		cc := "public, max-age=60"
		if r.URL.Path == "/private" {
			cc = "private, max-age=60"
		}
		w.Header().Set("Cache-Control", cc)
		_, _ = fmt.Fprintf(w, "answer %d", n)
	}))
	defer up.Close()
	p, ps := newTestProxy(t, Config{
		Origins:         []string{"https://a.example", "https://b.example"},
		CredentialHosts: []string{"127.0.0.1"},
		CacheBytes:      1 << 20,
	}, up)
	url := ps.URL + "/" + up.URL + "/data"

	for _, o := range []string{"https://a.example", "https://b.example", "https://a.example"} {
		resp, body := do(t, "GET", url, hdr("Origin", o), nil)
		if resp.StatusCode != 200 || body != "answer 1" {
			t.Fatalf("origin %s: %d %q, want the one stored answer", o, resp.StatusCode, body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != o {
			t.Errorf("origin %s: ACAO %q", o, got)
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("upstream saw %d requests, want 1", hits.Load())
	}
	for _, h := range []http.Header{
		hdr("Origin", "https://a.example", "Authorization", "Bearer t"),
		hdr("Origin", "https://a.example", "X-Api-Key", "k"),
		hdr("Origin", "https://a.example", "Cache-Control", "no-cache"),
	} {
		before := hits.Load()
		if _, body := do(t, "GET", url, h, nil); body == "answer 1" || hits.Load() != before+1 {
			t.Errorf("header %v: got %q from the cache", h, body)
		}
	}
	do(t, "GET", ps.URL+"/"+up.URL+"/private", hdr("Origin", "https://a.example"), nil)
	before := hits.Load()
	do(t, "GET", ps.URL+"/"+up.URL+"/private", hdr("Origin", "https://b.example"), nil)
	if hits.Load() != before+1 {
		t.Error("a private response was shared")
	}
	if s := p.CacheStats(); s.Hits != 2 || s.Entries != 1 {
		t.Errorf("CacheStats %+v, want 2 hits and 1 entry", s)
	}
}

func TestCacheBytesNegativeIsAConfigError(t *testing.T) {
	if _, err := New(Config{CacheBytes: -1}); err == nil {
		t.Fatal("New accepted CacheBytes -1")
	}
}
