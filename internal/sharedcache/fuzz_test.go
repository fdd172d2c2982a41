package sharedcache

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzLifetime feeds hostile Cache-Control, Expires, Age and Vary values to
// the storage rules: they never panic, never give a negative lifetime, and
// never give a positive one to a response a shared cache must not store.
func FuzzLifetime(f *testing.F) {
	for _, s := range []string{"max-age=60", `s-maxage="1", private`, "no-store,,max-age=9", `a="\"", max-age=1`, "max-age=99999999999999999999999"} {
		f.Add(s, "Tue, 08 Dec 2026 12:10:00 GMT", "5", "Origin")
	}
	f.Fuzz(func(t *testing.T, cc, expires, age, vary string) {
		h := http.Header{"Cache-Control": {cc}, "Expires": {expires}, "Age": {age}, "Vary": {vary}}
		resp := &http.Response{StatusCode: 200, Header: h}
		now := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
		life := lifetime(resp, now)
		if life < 0 {
			t.Fatalf("negative lifetime %v", life)
		}
		d := parseCacheControl(h)
		if life > 0 && (d.has("private") || d.has("no-store") || d.has("no-cache") || variesOnAll(vary)) {
			t.Fatalf("lifetime %v for Cache-Control %q Vary %q", life, cc, vary)
		}
		if initialAge(resp, now, now) < 0 {
			t.Fatal("negative age")
		}
	})
}

func variesOnAll(vary string) bool {
	for _, f := range strings.Split(vary, ",") {
		if strings.TrimSpace(f) == "*" {
			return true
		}
	}
	return false
}
