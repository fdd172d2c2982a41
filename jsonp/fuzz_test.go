package jsonp

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// identChain is an independent statement of what ValidateCallback may
// accept (it also refuses reserved words).
var identChain = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*){0,3}$`)

// someRoots and someMethods restate, independently of the package's
// tables, the Same-Origin Method Execution gadgets that issue 11 names:
// no accepted callback may start with a root or be a bare method.
var (
	someRoots   = []string{"window", "document", "location", "self", "top", "parent", "opener", "frames", "globalThis"}
	someMethods = []string{"close", "stop", "print", "open", "focus", "blur", "alert", "confirm", "prompt", "postMessage", "scroll", "scrollTo", "scrollBy", "moveTo", "resizeTo", "find", "requestAnimationFrame"}
)

func FuzzValidateCallback(f *testing.F) {
	for _, s := range []string{"cb", "a.b", "jQuery123_456", "a[0]", "alert(1)//", "new", "a..b", "", "$", "x.constructor", "\u2028", strings.Repeat("a", 129),
		"opener.document.body.click", "document.write", "location.assign", "close", "btn.click", "top", "app.print"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cb string) {
		err := ValidateCallback(cb, DefaultMaxCallbackLength)
		if err != nil {
			if _, ok := err.(*CallbackError); !ok {
				t.Fatalf("%T", err)
			}
			return
		}
		if !identChain.MatchString(cb) || len(cb) > DefaultMaxCallbackLength {
			t.Fatalf("accepted %q", cb)
		}
		segs := strings.Split(cb, ".")
		for _, seg := range segs {
			if reserved[seg] || dangerous[seg] {
				t.Fatalf("accepted %q with %q", cb, seg)
			}
		}
		if slices.Contains(someRoots, segs[0]) || gadgetRoots[segs[0]] {
			t.Fatalf("accepted %q, rooted at %s", cb, segs[0])
		}
		if len(segs) == 1 && (slices.Contains(someMethods, cb) || windowMethods[cb]) {
			t.Fatalf("accepted the window method %q", cb)
		}
		if last := segs[len(segs)-1]; len(segs) > 1 && (last == "click" || last == "submit" || gadgetActions[last]) {
			t.Fatalf("accepted %q, ending in the action %s", cb, last)
		}
	})
}

// FuzzHandler feeds arbitrary queries and handler bodies through a
// Responder and checks that whatever comes out as JavaScript is the fixed
// prefix, a valid callback and valid, escaped JSON.
func FuzzHandler(f *testing.F) {
	f.Add("callback=cb", `{"a":"b"}`)
	f.Add("callback=a.b&x=1", "[\"\u2028</script>\"]")
	f.Add("callback=a%5B0%5D", `1`)
	f.Add("callback=cb", `1);alert(1);(`)
	f.Add("callback=cb&callback=cb", `{}`)
	f.Add("x=1", `not json`)
	f.Add("callback=%", `{}`)
	f.Add("callback=opener.document.body.click", `{}`)
	f.Add("callback=cb12", `{}`)
	f.Add("callback=cb12.x", `{}`)
	j, err := New(Config{MaxResponseBytes: 4096})
	if err != nil {
		f.Fatal(err)
	}
	// pj answers only callbacks that match cb[0-9]+ whole.
	pj, err := New(Config{MaxResponseBytes: 4096, CallbackPattern: `cb[0-9]+`})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query, body string) {
		if cb, ok := fuzzServe(t, j, query, body); ok {
			if err := ValidateCallback(cb, DefaultMaxCallbackLength); err != nil {
				t.Fatalf("invalid callback %q in output: %v", cb, err)
			}
		}
		if cb, ok := fuzzServe(t, pj, query, body); ok {
			if len(cb) < 3 || cb[:2] != "cb" || strings.Trim(cb[2:], "0123456789") != "" {
				t.Fatalf("callback %q does not match the pattern cb[0-9]+", cb)
			}
		}
	})
}

// fuzzServe runs one request through j and checks the shape of what comes
// out as JavaScript: the fixed prefix, the callback asked for and valid,
// escaped JSON. It returns the callback, and false for a response that is
// not JavaScript.
func fuzzServe(t *testing.T, j *Responder, query, body string) (string, bool) {
	t.Helper()
	h := j.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.URL.RawQuery = query
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		if w.Code == 200 && w.Body.String() != body {
			t.Fatalf("pass-through changed the body: %q", w.Body)
		}
		return "", false
	}
	if w.Code != 200 {
		t.Fatalf("JavaScript with status %d", w.Code)
	}
	out := w.Body.Bytes()
	const prefix = "/**/ typeof "
	if !bytes.HasPrefix(out, []byte(prefix)) || !bytes.HasSuffix(out, []byte(");")) {
		t.Fatalf("shape: %q", out)
	}
	cb, _, _ := strings.Cut(string(out[len(prefix):]), " ")
	if vals, _ := url.ParseQuery(query); vals.Get("callback") != cb {
		t.Fatalf("callback %q is not the one asked for (%q)", cb, query)
	}
	call := prefix + cb + " === 'function' && " + cb + "("
	if !bytes.HasPrefix(out, []byte(call)) {
		t.Fatalf("shape: %q", out)
	}
	data := out[len(call) : len(out)-2]
	if !json.Valid(data) {
		t.Fatalf("not JSON: %q", data)
	}
	if bytes.ContainsAny(data, "<>&\u2028\u2029") {
		t.Fatalf("unescaped: %q", data)
	}
	return cb, true
}
