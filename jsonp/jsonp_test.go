package jsonp

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestValidateCallback(t *testing.T) {
	long := strings.Repeat("a", 128)
	cases := []struct {
		cb string
		ok bool
	}{
		{"cb", true},
		{"_", true},
		{"$", true},
		{"jQuery3600123_1690000000", true},
		{"angular.callbacks._0", true},
		{"a.b.c.d", true},
		{"$jsonp.done", true},
		{long, true},
		{long + "a", false},
		{"", false},
		{"a.b.c.d.e", false},
		{"1abc", false},
		{"a.1b", false},
		{"a..b", false},
		{".a", false},
		{"a.", false},
		{"a[0]", false},
		{"a['b']", false},
		{"opener.document.forms[0].submit", false},
		{"alert(1);//", false},
		{"alert(1)", false},
		{"a b", false},
		{"a\nb", false},
		{"a;b", false},
		{"a-b", false},
		{"a/*", false},
		{"</script>", false},
		{"CWSMIKI0hCD0Up0IZUnnnnnnnnnnnnnnnnnnnUU5nnnnnn3Snn7iiudIbEAt", true}, // alphanumeric, harmless after the prefix
		{"café", false},
		{"a\u2028", false},
		{"new", false},
		{"this.x", false},
		{"x.delete", false},
		{"typeof", false},
		{"eval", false},
		{"window.eval", false},
		{"setTimeout", false},
		{"x.constructor.constructor", false},
		{"Function", false},
		{"a.__proto__", false},
		{"evaluate", true},
		{"newItems", true},
	}
	for _, tc := range cases {
		err := ValidateCallback(tc.cb, DefaultMaxCallbackLength)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateCallback(%q) = %v, want ok %v", tc.cb, err, tc.ok)
		}
		var ce *CallbackError
		if err != nil && (!errors.As(err, &ce) || ce.Reason == "") {
			t.Errorf("ValidateCallback(%q): %T %v without a reason", tc.cb, err, err)
		}
	}
}

// api is a JSON handler like the ones a Responder wraps.
func api(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = io.WriteString(w, body)
	})
}

func serve(t *testing.T, j *Responder, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	j.Handler(h).ServeHTTP(w, r)
	return w
}

func mustNew(t *testing.T, c Config) *Responder {
	t.Helper()
	j, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestWrapped(t *testing.T) {
	j := mustNew(t, Config{})
	w := serve(t, j, api(`{"user":"ann","note":"a\u2028b </script> & <"}`+"\n"), "GET", "/data?callback=show")
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	want := `/**/ typeof show === 'function' && show({"user":"ann","note":"a\u2028b \u003c/script\u003e \u0026 \u003c"});`
	if got := w.Body.String(); got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
	for k, v := range map[string]string{
		"Content-Type":                 "text/javascript; charset=utf-8",
		"X-Content-Type-Options":       "nosniff",
		"Content-Disposition":          "attachment; filename=f.txt",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"Cache-Control":                "max-age=60", // the handler's own headers stay
		"Content-Length":               strconv.Itoa(len(want)),
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestRawLineSeparatorsEscaped(t *testing.T) {
	// A handler whose JSON encoder leaves U+2028 and U+2029 raw, which is
	// valid JSON but ended a JavaScript string literal before ES2019.
	j := mustNew(t, Config{})
	w := serve(t, j, api("[\"a\u2028b\u2029c\"]"), "GET", "/?callback=cb")
	if got, want := w.Body.String(), `/**/ typeof cb === 'function' && cb(["a\u2028b\u2029c"]);`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestRequests(t *testing.T) {
	j := mustNew(t, Config{})
	cases := []struct {
		name   string
		method string
		target string
		header []string
		status int
	}{
		{"GET", "GET", "/?callback=cb", nil, 200},
		{"HEAD", "HEAD", "/?callback=cb", nil, 200},
		{"POST", "POST", "/?callback=cb", nil, 405},
		{"PUT", "PUT", "/?callback=cb", nil, 405},
		{"bracket", "GET", "/?callback=a%5B0%5D", nil, 400},
		{"code", "GET", "/?callback=alert(1)%3B%2F%2F", nil, 400},
		{"reserved", "GET", "/?callback=delete", nil, 400},
		{"empty", "GET", "/?callback=", nil, 400},
		{"no value", "GET", "/?callback", nil, 400},
		{"twice", "GET", "/?callback=a&callback=b", nil, 400},
		{"too long", "GET", "/?callback=" + strings.Repeat("a", 129), nil, 400},
		{"bad escape", "GET", "/?callback=%zz", nil, 400},
		{"escaped name", "GET", "/?call%62ack=x%28", nil, 400},
		{"cookie", "GET", "/?callback=cb", []string{"Cookie", "s=1"}, 403},
		{"authorization", "GET", "/?callback=cb", []string{"Authorization", "Bearer x"}, 403},
		{"as a plugin", "GET", "/?callback=cb", []string{"Sec-Fetch-Dest", "object"}, 403},
		{"as an embed", "GET", "/?callback=cb", []string{"Sec-Fetch-Dest", "embed"}, 403},
		{"as a script", "GET", "/?callback=cb", []string{"Sec-Fetch-Dest", "script"}, 200},
		{"as a document (allowed by default)", "GET", "/?callback=cb", []string{"Sec-Fetch-Dest", "document"}, 200},
		{"other parameters", "GET", "/?a=1&callback=cb&b=2", nil, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(t, j, api(`{"a":1}`), tc.method, tc.target, tc.header...)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.status != 200 {
				if !strings.HasPrefix(w.Body.String(), "jsonp: ") || strings.Contains(w.Body.String(), `{"a":1}`) {
					t.Fatalf("refusal body %q", w.Body)
				}
				if w.Header().Get("X-Content-Type-Options") != "nosniff" {
					t.Fatal("refusal without nosniff")
				}
			}
			if tc.status == 405 && w.Header().Get("Allow") != "GET, HEAD" {
				t.Fatalf("Allow = %q", w.Header().Get("Allow"))
			}
			if tc.method == "HEAD" && w.Body.Len() != 0 {
				t.Fatalf("HEAD with a body: %q", w.Body)
			}
		})
	}
}

func TestPassThrough(t *testing.T) {
	j := mustNew(t, Config{})
	// Without the parameter: untouched, whatever the method or credentials.
	for _, m := range []string{"GET", "POST"} {
		w := serve(t, j, api(`{"a":1}`), m, "/?other=1", "Cookie", "s=1")
		if w.Code != 200 || w.Body.String() != `{"a":1}` || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s without callback: %d %q %q", m, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
	}
	// With the parameter, a response that is not JSON passes through.
	html := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "<p>missing</p>")
	})
	w := serve(t, j, html, "GET", "/?callback=cb")
	if w.Code != 404 || w.Body.String() != "<p>missing</p>" || w.Header().Get("Content-Type") != "text/html" {
		t.Fatalf("non-JSON: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	// A compressed JSON response cannot be wrapped and passes through.
	gz := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write([]byte{0x1f, 0x8b})
	})
	if w := serve(t, j, gz, "GET", "/?callback=cb"); w.Header().Get("Content-Encoding") != "gzip" || w.Body.Len() != 2 {
		t.Fatalf("gzip: %q %q", w.Header(), w.Body)
	}
}

func TestJSONStatusKept(t *testing.T) {
	j := mustNew(t, Config{})
	notFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"title":"not found"}`)
	})
	w := serve(t, j, notFound, "GET", "/?callback=cb")
	if w.Code != 404 || !strings.HasSuffix(w.Body.String(), `cb({"title":"not found"});`) {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
}

func TestBadJSONRefused(t *testing.T) {
	j := mustNew(t, Config{})
	for _, body := range []string{`{"a":1}); alert(1); ({`, `1);alert(1`, ``, `{"a":`} {
		w := serve(t, j, api(body), "GET", "/?callback=cb")
		if w.Code != 500 || strings.Contains(w.Body.String(), "alert") {
			t.Errorf("body %q: %d %q", body, w.Code, w.Body)
		}
	}
}

func TestTooLarge(t *testing.T) {
	j := mustNew(t, Config{MaxResponseBytes: 16})
	var werr error
	big := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[1,2,3,`)
		_, werr = io.WriteString(w, `4,5,6,7,8,9,10]`)
	})
	w := serve(t, j, big, "GET", "/?callback=cb")
	if w.Code != 500 || strings.Contains(w.Body.String(), "[1") {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	if werr == nil {
		t.Fatal("the handler's write over the cap did not fail")
	}
	if w := serve(t, j, api(`[1,2,3]`), "GET", "/?callback=cb"); w.Code != 200 {
		t.Fatalf("small response: %d", w.Code)
	}
}

func TestCredentialedCallers(t *testing.T) {
	j := mustNew(t, Config{CredentialedCallers: []string{"https://App.example.com:443"}})
	cases := []struct {
		name   string
		header []string
		status int
	}{
		{"listed caller", []string{"Cookie", "s=1", "Referer", "https://app.example.com/page?x=1"}, 200},
		{"listed caller, origin-only Referer", []string{"Authorization", "Basic eA==", "Referer", "https://app.example.com/"}, 200},
		{"other caller", []string{"Cookie", "s=1", "Referer", "https://evil.example/"}, 403},
		{"http caller", []string{"Cookie", "s=1", "Referer", "http://app.example.com/"}, 403},
		{"no Referer", []string{"Cookie", "s=1"}, 403},
		{"junk Referer", []string{"Cookie", "s=1", "Referer", "::"}, 403},
		{"no credentials, any caller", []string{"Referer", "https://evil.example/"}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if w := serve(t, j, api(`{}`), "GET", "/?callback=cb", tc.header...); w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
		})
	}
}

func TestRequireScriptDest(t *testing.T) {
	j := mustNew(t, Config{RequireScriptDest: true})
	for dest, status := range map[string]int{"script": 200, "": 403, "document": 403, "iframe": 403, "empty": 403} {
		var h []string
		if dest != "" {
			h = []string{"Sec-Fetch-Dest", dest}
		}
		if w := serve(t, j, api(`{}`), "GET", "/?callback=cb", h...); w.Code != status {
			t.Errorf("Sec-Fetch-Dest %q: %d, want %d", dest, w.Code, status)
		}
	}
}

func TestParam(t *testing.T) {
	j := mustNew(t, Config{Param: "jsonp", MaxCallbackLength: 4})
	if w := serve(t, j, api(`1`), "GET", "/?jsonp=abcd"); w.Code != 200 || !strings.Contains(w.Body.String(), "abcd(1);") {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	if w := serve(t, j, api(`1`), "GET", "/?jsonp=abcde"); w.Code != 400 {
		t.Fatalf("over the length cap: %d", w.Code)
	}
	if w := serve(t, j, api(`1`), "GET", "/?callback=x("); w.Code != 200 || w.Body.String() != "1" {
		t.Fatalf("other parameter name: %d %q", w.Code, w.Body)
	}
}

func TestCallbacksAllowlist(t *testing.T) {
	j := mustNew(t, Config{Callbacks: []string{"app.onWeather", "legacyCb"}})
	for target, status := range map[string]int{
		"/?callback=app.onWeather": 200,
		"/?callback=legacyCb":      200,
		"/?callback=other":         400,
		"/?callback=app":           400,
		"/?callback=a%5B0%5D":      400,
	} {
		if w := serve(t, j, api(`1`), "GET", target); w.Code != status {
			t.Errorf("%s: %d, want %d", target, w.Code, status)
		}
	}
	if _, err := New(Config{Callbacks: []string{"ok", "a[0]", "new"}}); err == nil || strings.Count(err.Error(), "Callbacks") != 2 {
		t.Errorf("invalid Callbacks: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{
		Param:               "call back",
		MaxCallbackLength:   -1,
		MaxResponseBytes:    -5,
		CredentialedCallers: []string{"https://*.example.com", "null", "https://a.example.com/x", "example.com", "https://ok.example.com"},
	})
	if err == nil {
		t.Fatal("bad config accepted")
	}
	errs := err.(interface{ Unwrap() []error }).Unwrap()
	if len(errs) != 7 {
		t.Fatalf("%d errors, want 7: %v", len(errs), err)
	}
	for _, e := range errs {
		var ce *ConfigError
		if !errors.As(e, &ce) || ce.Field == "" || ce.Problem == "" || ce.Fix == "" {
			t.Errorf("%T %v", e, e)
		}
	}
	if _, err := New(Config{MaxCallbackLength: 2000}); err == nil {
		t.Error("MaxCallbackLength 2000 accepted")
	}
}

func TestFlushPassThrough(t *testing.T) {
	j := mustNew(t, Config{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
	})
	w := serve(t, j, h, "GET", "/?callback=cb")
	if !w.Flushed || w.Body.String() != "data: 1\n\n" {
		t.Fatalf("flushed %v, body %q", w.Flushed, w.Body)
	}
}
