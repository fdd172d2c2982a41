package jsonp

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// identChain is an independent statement of what ValidateCallback may
// accept (it also refuses reserved words).
var identChain = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*){0,3}$`)

func FuzzValidateCallback(f *testing.F) {
	for _, s := range []string{"cb", "a.b", "jQuery123_456", "a[0]", "alert(1)//", "new", "a..b", "", "$", "x.constructor", "\u2028", strings.Repeat("a", 129)} {
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
		for _, seg := range strings.Split(cb, ".") {
			if reserved[seg] || dangerous[seg] {
				t.Fatalf("accepted %q with %q", cb, seg)
			}
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
	j, err := New(Config{MaxResponseBytes: 4096})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query, body string) {
		h := j.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}))
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = query
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
			if w.Code == 200 && w.Body.String() != body {
				t.Fatalf("pass-through changed the body: %q", w.Body)
			}
			return
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
		if ValidateCallback(cb, DefaultMaxCallbackLength) != nil {
			t.Fatalf("invalid callback %q in output", cb)
		}
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
	})
}
