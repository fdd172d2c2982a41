package browser

import (
	"net/http"
	"strings"
	"testing"
	"time"

	fetchspec "github.com/crossorigin/crossorigin/internal/fetch"
)

func FuzzParseAllowList(f *testing.F) {
	for _, s := range []string{"", "GET", "GET, PUT", " , ,", "*", "bad value", "X-A,\tX-B", "\"GET,PUT\"", "a,,b", strings.Repeat("a,", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, ok := parseAllowList(&s, true)
		if !ok {
			if set != nil {
				t.Fatal("invalid list returned elements")
			}
			return
		}
		if len(set) > len(s) {
			t.Fatalf("%d elements from %d bytes", len(set), len(s))
		}
		for e := range set {
			if !fetchspec.IsToken(e) || strings.ToLower(e) != e {
				t.Fatalf("element %q is not a lower-case token", e)
			}
		}
	})
}

func FuzzParseMaxAge(f *testing.F) {
	for _, s := range []string{"", "0", "-1", "+5", "600", "7200", "99999999999999999999", "1.5", "600, 600", " 5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := parseMaxAge(&s)
		if d < 0 || d > MaxMaxAge {
			t.Fatalf("parseMaxAge(%q) = %v", s, d)
		}
		if d%time.Second != 0 {
			t.Fatalf("parseMaxAge(%q) = %v, not whole seconds", s, d)
		}
		for _, e := range Engines() {
			d := e.parseMaxAge(&s)
			if d < 0 || d > e.MaxAgeCap() || d%time.Second != 0 {
				t.Fatalf("%v.parseMaxAge(%q) = %v", e, s, d)
			}
			// Firefox takes all digits or nothing; the others parse as
			// Chromium does, under their own cap.
			if e == WebKit && d != min(parseMaxAge(&s), e.MaxAgeCap()) {
				t.Fatalf("WebKit.parseMaxAge(%q) = %v", s, d)
			}
		}
	})
}

func FuzzParseExposeHeaders(f *testing.F) {
	for _, s := range []string{"", "*", "X-A", "X-A, X-B", "X-A,", ",X-A", "X-A, , X-B", "X/A", "set-cookie"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set := parseExposeHeaders(&s)
		for e := range set {
			if !fetchspec.IsToken(e) {
				t.Fatalf("element %q is not a token", e)
			}
		}
		h := http.Header{"Access-Control-Expose-Headers": {s}, "Set-Cookie": {"a=b"}, "X-A": {"1"}}
		for _, cred := range []bool{false, true} {
			if r := ReadableHeaders(cred, h); r.Get("Set-Cookie") != "" {
				t.Fatal("Set-Cookie readable")
			}
		}
	})
}

func FuzzCheckResponse(f *testing.F) {
	f.Add("https://app.test", "https://app.test", "true", true)
	f.Add("https://app.test", "*", "", false)
	f.Add("null", "null", "true", true)
	f.Add("https://app.test", "https://app.test, https://x.test", "", false)
	f.Add("https://app.test", "", "True", true)
	f.Fuzz(func(t *testing.T, origin, acao, acac string, cred bool) {
		h := http.Header{"Access-Control-Allow-Origin": {acao}, "Access-Control-Allow-Credentials": {acac}}
		e := CheckResponse(origin, cred, h)
		allowed := (acao == "*" && !cred) || (acao == origin && (!cred || acac == "true"))
		if allowed != (e == nil) {
			t.Fatalf("CheckResponse(%q, %v, %q, %q) = %v, want allowed=%v", origin, cred, acao, acac, e, allowed)
		}
		if e != nil && (e.Reason == "" || e.Message == "") {
			t.Fatalf("error without reason or message: %+v", e)
		}
	})
}

func FuzzCheckPreflight(f *testing.F) {
	f.Add("PUT, DELETE", "X-A, Authorization", "600", "PUT", "x-a", 204, false)
	f.Add("*", "*", "-1", "patch", "authorization", 200, false)
	f.Add("bad value", "", "", "PUT", "", 200, true)
	f.Fuzz(func(t *testing.T, acam, acah, acma, method, name string, status int, cred bool) {
		h := http.Header{
			"Access-Control-Allow-Origin":      {app},
			"Access-Control-Allow-Credentials": {"true"},
			"Access-Control-Allow-Methods":     {acam},
			"Access-Control-Allow-Headers":     {acah},
			"Access-Control-Max-Age":           {acma},
		}
		var names []string
		if name != "" {
			names = []string{strings.ToLower(name)}
		}
		e := CheckPreflight(app, cred, method, names, status, h)
		if e != nil && (!e.Preflight || e.Reason == "") {
			t.Fatalf("bad error %+v", e)
		}
		if e == nil && !isOK(status) {
			t.Fatalf("status %d passed", status)
		}
		// Firefox names every preflight failure by a console key of its
		// own, with a message; the verdict is the same in every engine.
		ff := Firefox.CheckPreflight(app, cred, method, names, status, h)
		if (ff == nil) != (e == nil) || ff != nil && (ff.Reason != e.Reason || ff.EngineReason == "" || ff.EngineMessage == "") {
			t.Fatalf("Firefox: %+v, Chromium: %+v", ff, e)
		}
	})
}

func FuzzCacheRange(f *testing.F) {
	for _, s := range []string{"bytes=0-1", "BYTES = 0 - 1", "bytes=0-1,", "bytes=-5", "bytes=0-1,3-4", "bytes=5-3", "x", "bytes=99999999999999999999-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := cacheRange(s)
		if got != s && !fetchspec.IsCORSSafelistedRequestHeader("range", got) && !strings.HasPrefix(got, "bytes=-") {
			t.Fatalf("cacheRange(%q) = %q, not canonical", s, got)
		}
		if again := cacheRange(got); again != got {
			t.Fatalf("cacheRange not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}
