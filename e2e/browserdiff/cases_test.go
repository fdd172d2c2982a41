package browserdiff

import (
	"strconv"
	"strings"
	"time"
)

// allCases is the table of the differential test. Each case names the
// page its fetch runs in, its fetch steps and the server's scripted answers.
// Names are unique and become part of the URL, so that no case shares a
// preflight cache entry, an HTTP cache entry or a server log with another.
func allCases() []*tcase {
	var cs []*tcase
	add := func(c ...*tcase) { cs = append(cs, c...) }
	long := func(n int) string { return strings.Repeat("a", n) }

	// The CORS check of a simple GET: Access-Control-Allow-Origin forms.
	for _, c := range []struct{ name, acao string }{
		{"acao-exact", O},
		{"acao-star", "*"},
		{"acao-star-space", " * "},
		{"acao-other-origin", "{other}"},
		{"acao-upper-case", "HTTP://APP.EXAMPLE.TEST:{port}"},
		{"acao-upper-host", "http://App.Example.Test:{port}"},
		{"acao-trailing-slash", "{origin}/"},
		{"acao-with-path", "{origin}/x"},
		{"acao-empty", ""},
		{"acao-null", "null"},
		{"acao-no-port", "http://app.example.test"},
		{"acao-https", "https://app.example.test:{port}"},
		{"acao-host-only", "app.example.test:{port}"},
		{"acao-list", "{origin}, {other}"},
		{"acao-list-same", "{origin}, {origin}"},
		{"acao-star-and-origin", "*, {origin}"},
		{"acao-garbage", "not an origin"},
		{"acao-space-padded", "  {origin}  "},
		{"acao-quoted", `"{origin}"`},
		{"acao-trailing-comma", "{origin},"},
		{"acao-tab-padded", "\t{origin}\t"},
		{"acao-star-tab", "\t*"},
		{"acao-inner-space", "http:// app.example.test:{port}"},
	} {
		add(&tcase{Name: c.name, Routes: act(R(200, ACAO, c.acao))})
	}
	add(
		&tcase{Name: "acao-missing", Routes: act(R(200))},
		&tcase{Name: "acao-repeated-lines", Routes: act(R(200, ACAO, O, ACAO, O))},
		&tcase{Name: "acao-repeated-star", Routes: act(R(200, ACAO, "*", ACAO, "*"))},
		&tcase{Name: "acao-repeated-empty", Routes: act(R(200, ACAO, O, ACAO, ""))},
		&tcase{Name: "status-404-acao", Routes: act(R(404, ACAO, O))},
		&tcase{Name: "status-500-no-acao", Routes: act(R(500))},
		&tcase{Name: "status-204-acao", Routes: act(R(204, ACAO, O))},
		&tcase{Name: "status-299-acao", Routes: act(R(299, ACAO, "*"))},
	)

	// Credentials on a simple GET.
	inc := one(step{Credentials: "include"})
	for _, c := range []struct {
		name string
		r    *reply
	}{
		{"cred-ok", R(200, ACAO, O, ACAC, "true")},
		{"cred-no-acac", R(200, ACAO, O)},
		{"cred-acac-upper", R(200, ACAO, O, ACAC, "True")},
		{"cred-acac-false", R(200, ACAO, O, ACAC, "false")},
		{"cred-acac-empty", R(200, ACAO, O, ACAC, "")},
		{"cred-acac-one", R(200, ACAO, O, ACAC, "1")},
		{"cred-acac-padded", R(200, ACAO, O, ACAC, " true ")},
		{"cred-acac-repeated", R(200, ACAO, O, ACAC, "true", ACAC, "true")},
		{"cred-acac-list", R(200, ACAO, O, ACAC, "true, true")},
		{"cred-acac-tab", R(200, ACAO, O, ACAC, "\ttrue\t")},
		{"cred-acac-quoted", R(200, ACAO, O, ACAC, `"true"`)},
		{"cred-star-acac", R(200, ACAO, "*", ACAC, "true")},
		{"cred-star-no-acac", R(200, ACAO, "*")},
		{"cred-missing-acao", R(200, ACAC, "true")},
		{"cred-mismatch-acac", R(200, ACAO, "{other}", ACAC, "true")},
		{"cred-404", R(404, ACAO, O, ACAC, "true")},
	} {
		add(&tcase{Name: c.name, Steps: inc, Routes: act(c.r)})
	}
	add(
		&tcase{Name: "cred-omit-star-acac", Steps: one(step{Credentials: "omit"}), Routes: act(R(200, ACAO, "*", ACAC, "true"))},
		&tcase{Name: "cred-omit-acac-garbage", Steps: one(step{Credentials: "omit"}), Routes: act(R(200, ACAO, O, ACAC, "yes"))},
		&tcase{Name: "cred-same-origin-star", Steps: one(step{Credentials: "same-origin"}), Routes: act(okStar)},
	)

	// Methods: normalization, safelisted or not, forbidden.
	for _, c := range []struct{ name, method, body string }{
		{"method-get-lower", "get", ""},
		{"method-head", "HEAD", ""},
		{"method-head-lower", "head", ""},
		{"method-post-lower", "post", "x"},
		{"method-put", "PUT", "x"},
		{"method-put-lower", "put", "x"},
		{"method-delete-lower", "delete", ""},
		{"method-options", "OPTIONS", ""},
		{"method-options-lower", "options", ""},
		{"method-patch", "PATCH", "x"},
		{"method-patch-lower", "patch", "x"},
		{"method-get-mixed", "Get", ""},
		{"method-delete-mixed", "Delete", ""},
		{"method-patch-mixed", "pAtCh", ""},
		{"method-get-with-body", "GET", "x"},
		{"method-head-with-body", "HEAD", "x"},
		{"method-custom", "CUSTOM", ""},
		{"method-custom-mixed", "Custom", ""},
		{"method-connect", "CONNECT", ""},
		{"method-trace-lower", "trace", ""},
		{"method-track", "TRACK", ""},
		{"method-invalid-token", "GE T", ""},
	} {
		add(&tcase{Name: c.name, Steps: one(step{Method: c.method, Body: c.body}), Routes: permissive()})
	}

	// Request headers: which are safelisted, with their value rules and
	// length limits; the rest need a preflight that lists them.
	for _, c := range []struct {
		name   string
		method string
		h      [][2]string
	}{
		{"hdr-accept", "", H("Accept", "application/json")},
		{"hdr-accept-unsafe-byte", "", H("Accept", `a"b`)},
		{"hdr-accept-128", "", H("Accept", long(128))},
		{"hdr-accept-129", "", H("Accept", long(129))},
		{"hdr-accept-repeated-long", "", H("Accept", long(100), "Accept", long(100))},
		{"hdr-accept-empty", "", H("Accept", "")},
		{"hdr-accept-language", "", H("Accept-Language", "en-US,en;q=0.5")},
		{"hdr-accept-language-bad", "", H("Accept-Language", "en_US")},
		{"hdr-accept-language-129", "", H("Accept-Language", strings.Repeat("e", 129))},
		{"hdr-content-language", "", H("Content-Language", "de")},
		{"hdr-content-language-bad", "", H("Content-Language", "de/at")},
		{"ct-text-plain", "POST", H("Content-Type", "text/plain")},
		{"ct-form", "POST", H("Content-Type", "application/x-www-form-urlencoded")},
		{"ct-multipart", "POST", H("Content-Type", "multipart/form-data; boundary=x")},
		{"ct-json", "POST", H("Content-Type", "application/json")},
		{"ct-charset", "POST", H("Content-Type", "text/plain;charset=utf-8")},
		{"ct-upper", "POST", H("Content-Type", "TEXT/PLAIN")},
		{"ct-space-before-semicolon", "POST", H("Content-Type", "text/plain ; charset=x")},
		{"ct-no-slash", "POST", H("Content-Type", "text")},
		{"ct-quoted-param", "POST", H("Content-Type", `text/plain; a="b"`)},
		{"ct-list", "POST", H("Content-Type", "text/plain, application/json")},
		{"ct-repeated", "POST", H("Content-Type", "text/plain", "Content-Type", "text/plain")},
		{"ct-129", "POST", H("Content-Type", "text/plain; a="+long(116))},
		{"ct-html", "POST", H("Content-Type", "text/html")},
		{"ct-empty", "POST", H("Content-Type", "")},
		{"ct-on-get-json", "", H("Content-Type", "application/json")},
		{"range-bytes", "", H("Range", "bytes=0-10")},
		{"range-open", "", H("Range", "bytes=5-")},
		{"range-suffix", "", H("Range", "bytes=-5")},
		{"range-multi", "", H("Range", "bytes=0-1,3-4")},
		{"range-reversed", "", H("Range", "bytes=5-1")},
		{"range-upper", "", H("Range", "BYTES=0-1")},
		{"range-spaces", "", H("Range", "bytes = 0-1")},
		{"range-not-bytes", "", H("Range", "items=0-1")},
		{"hdr-custom", "", H("X-A", "1")},
		{"hdr-two-custom-sorted", "", H("X-B", "1", "X-A", "2")},
		{"hdr-custom-and-safe", "", H("X-A", "1", "Accept", "text/plain")},
		{"hdr-custom-and-unsafe-accept", "", H("X-A", "1", "Accept", long(200))},
		{"hdr-custom-mixed-case", "", H("X-MiXeD-Case", "1")},
		{"hdr-custom-empty-value", "", H("X-A", "")},
		{"hdr-custom-repeated", "", H("X-A", "1", "X-A", "2")},
		{"hdr-custom-repeated-case", "", H("X-A", "1", "x-a", "2")},
		{"hdr-many-custom", "", H("X-C", "1", "X-A", "1", "X-B", "1", "Authorization", "t", "X-D", "1")},
		{"hdr-accept-with-comma", "", H("Accept", "text/plain, application/json")},
		{"hdr-authorization", "", H("Authorization", "Bearer t")},
		{"hdr-forbidden-cookie", "", H("Cookie", "a=b")},
		{"hdr-forbidden-host", "", H("Host", "evil.test")},
		{"hdr-forbidden-sec", "", H("Sec-Foo", "1")},
		{"hdr-forbidden-proxy", "", H("Proxy-Foo", "1")},
		{"hdr-forbidden-origin", "", H("Origin", "http://evil.test")},
		{"hdr-forbidden-referer", "", H("Referer", "http://evil.test/")},
		{"hdr-forbidden-acrm", "", H("Access-Control-Request-Method", "PUT")},
		{"hdr-forbidden-keep-alive", "", H("Keep-Alive", "1")},
		{"hdr-method-override-trace", "", H("X-HTTP-Method-Override", "TRACE")},
		{"hdr-method-override-put", "", H("X-HTTP-Method-Override", "PUT")},
		{"hdr-user-agent", "", H("User-Agent", "test")},
		{"hdr-invalid-name", "", H("X A", "1")},
		{"hdr-invalid-value", "", H("X-A", "a\x00b")},
		{"hdr-accept-padded", "", H("Accept", "  text/plain  ")},
		{"hdr-accept-tab", "", H("Accept", "\ttext/plain")},
		{"hdr-accept-colon", "", H("Accept", "a:b")},
		{"hdr-accept-brace", "", H("Accept", "{a}")},
		{"hdr-accept-upper-name", "", H("ACCEPT", "text/plain")},
		{"hdr-accept-language-star", "", H("Accept-Language", "*")},
		{"hdr-content-language-empty", "", H("Content-Language", "")},
		{"hdr-custom-padded", "", H("X-A", "  1  ")},
		{"ct-padded", "POST", H("Content-Type", "  text/plain  ")},
		{"ct-trailing-semicolon", "POST", H("Content-Type", "text/plain;")},
		{"ct-form-charset", "POST", H("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")},
		{"ct-multipart-mixed", "POST", H("Content-Type", "multipart/mixed")},
		{"ct-text-plain-plus", "POST", H("Content-Type", "text/plain+json")},
		{"range-padded", "", H("Range", " bytes=0-1 ")},
		{"range-trailing-comma", "", H("Range", "bytes=0-1,")},
		{"range-letters", "", H("Range", "bytes=a-b")},
		{"range-empty-start-end", "", H("Range", "bytes=-")},
		{"hdr-forbidden-accept-charset", "", H("Accept-Charset", "utf-8")},
		{"hdr-forbidden-accept-encoding", "", H("Accept-Encoding", "br")},
		{"hdr-forbidden-connection", "", H("Connection", "close")},
		{"hdr-forbidden-content-length", "", H("Content-Length", "0")},
		{"hdr-forbidden-date", "", H("Date", "x")},
		{"hdr-forbidden-dnt", "", H("DNT", "1")},
		{"hdr-forbidden-expect", "", H("Expect", "x")},
		{"hdr-forbidden-te", "", H("TE", "trailers")},
		{"hdr-forbidden-trailer", "", H("Trailer", "x")},
		{"hdr-forbidden-transfer-encoding", "", H("Transfer-Encoding", "x")},
		{"hdr-forbidden-upgrade", "", H("Upgrade", "x")},
		{"hdr-forbidden-via", "", H("Via", "x")},
		{"hdr-forbidden-cookie2", "", H("Cookie2", "x")},
		{"hdr-forbidden-acrh", "", H("Access-Control-Request-Headers", "x-a")},
		{"hdr-acrpn-script", "", H("Access-Control-Request-Private-Network", "true")},
		{"hdr-set-cookie", "", H("Set-Cookie", "a=b")},
		{"hdr-x-http-method-connect", "", H("X-HTTP-Method", "connect")},
		{"hdr-x-method-override-track", "", H("X-Method-Override", "Track")},
		{"hdr-method-override-list", "", H("X-HTTP-Method-Override", "GET, TRACE")},
		{"x-hdr-intervention", "", H("Intervention", "<https://x>; level=warning")},
		{"x-hdr-ect", "", H("ECT", "4g")},
		{"x-hdr-ect-bad", "", H("ECT", "5g")},
		{"x-hdr-width", "", H("Width", "100")},
		{"x-hdr-width-decimal", "", H("Width", "1.5")},
		{"x-hdr-viewport-width", "", H("Viewport-Width", "100")},
		{"x-hdr-device-memory", "", H("Device-Memory", "0.5")},
		{"x-hdr-rtt", "", H("RTT", "50")},
		{"x-hdr-downlink", "", H("Downlink", "1.5")},
		{"x-hdr-dpr-bad", "", H("DPR", "2x")},
		{"x-hdr-save-data-off", "", H("Save-Data", "off")},
		{"x-hdr-save-data-upper", "", H("Save-Data", "ON")},
		{"x-ct-space-in-type", "POST", H("Content-Type", "text /plain")},
		{"x-ct-space-after-slash", "POST", H("Content-Type", "text/ plain")},
		{"x-ct-leading-space", "POST", H("Content-Type", "  text/plain")},
		{"x-ct-tab-param", "POST", H("Content-Type", "text/plain;\tcharset=x")},
		{"x-total-1024", "", H("Accept", long(128), "Accept-Language", strings.Repeat("e", 128), "Content-Language", strings.Repeat("d", 128), "Intervention", long(128), "DPR", strings.Repeat("1", 128), "Width", strings.Repeat("1", 128), "Viewport-Width", strings.Repeat("1", 128), "RTT", strings.Repeat("1", 128))},
		{"x-total-1025", "", H("Accept", long(128), "Accept-Language", strings.Repeat("e", 128), "Content-Language", strings.Repeat("d", 128), "Intervention", long(128), "DPR", strings.Repeat("1", 128), "Width", strings.Repeat("1", 128), "Viewport-Width", strings.Repeat("1", 128), "RTT", strings.Repeat("1", 128), "Downlink", "1")},
		{"x-hdr-method-override-list", "", H("X-Method-Override", "GET, Track")},
		{"x-hdr-proxy-ish", "", H("Proxyfoo", "1")},
		{"hdr-value-newline", "", H("X-A", "a\nb")},
		{"hdr-value-trailing-newline", "", H("X-A", "a\n")},
		{"hdr-empty-name", "", H("", "1")},
		{"hdr-dpr", "", H("DPR", "2")},
		{"hdr-dpr-bad", "", H("DPR", "x")},
		{"hdr-viewport-width", "", H("Viewport-Width", "800")},
		{"hdr-downlink", "", H("Downlink", "1.5")},
		{"hdr-device-memory", "", H("Device-Memory", "8")},
		{"hdr-width", "", H("Width", "100")},
		{"hdr-rtt", "", H("RTT", "50")},
		{"hdr-ect", "", H("ECT", "4g")},
		{"hdr-ect-bad", "", H("ECT", "5g")},
		{"hdr-save-data-bad", "", H("Save-Data", "yes")},
		{"hdr-viewport-width-bad", "", H("Viewport-Width", "-1")},
		{"hdr-save-data", "", H("Save-Data", "on")},
	} {
		s := step{Method: c.method, Header: c.h}
		if c.method == "POST" {
			s.Body = "x"
		}
		add(&tcase{Name: c.name, Steps: one(s), Routes: permissive()})
	}

	// Preflight statuses and the CORS check of the preflight.
	put := one(step{Method: "PUT", Body: "x"})
	putInc := one(step{Method: "PUT", Body: "x", Credentials: "include"})
	for _, c := range []struct {
		name string
		r    *reply
	}{
		{"pre-200", R(200, ACAO, O, ACAM, "PUT")},
		{"pre-204", R(204, ACAO, O, ACAM, "PUT")},
		{"pre-206", R(206, ACAO, O, ACAM, "PUT")},
		{"pre-299", R(299, ACAO, O, ACAM, "PUT")},
		{"pre-301", R(301, ACAO, O, ACAM, "PUT", "Location", "{path}/b")},
		{"pre-302", R(302, ACAO, O, ACAM, "PUT", "Location", "{path}/b")},
		{"pre-307", R(307, ACAO, O, ACAM, "PUT", "Location", "{path}/b")},
		{"pre-304", R(304, ACAO, O, ACAM, "PUT")},
		{"pre-400", R(400, ACAO, O, ACAM, "PUT")},
		{"pre-403", R(403, ACAO, O, ACAM, "PUT")},
		{"pre-404-no-acao", R(404)},
		{"pre-500", R(500, ACAO, O, ACAM, "PUT")},
		{"pre-503-no-acao", R(503)},
		{"pre-no-acao", R(204, ACAM, "PUT")},
		{"pre-acao-mismatch", R(204, ACAO, "{other}", ACAM, "PUT")},
		{"pre-acao-star", R(204, ACAO, "*", ACAM, "PUT")},
		{"pre-acao-multiple", R(204, ACAO, O, ACAO, O, ACAM, "PUT")},
		{"pre-acao-empty", R(204, ACAO, "", ACAM, "PUT")},
		{"pre-acao-invalid", R(204, ACAO, "foo", ACAM, "PUT")},
		{"pre-500-no-acao", R(500, ACAM, "PUT")},
	} {
		add(&tcase{Name: c.name, Steps: put, Routes: map[string]route{"a": {Pre: c.r, Act: okO}, "b": {Pre: preAll, Act: okO}}})
	}
	for _, c := range []struct {
		name string
		r    *reply
	}{
		{"pre-cred-ok", R(204, ACAO, O, ACAC, "true", ACAM, "PUT")},
		{"pre-cred-star", R(204, ACAO, "*", ACAC, "true", ACAM, "PUT")},
		{"pre-cred-no-acac", R(204, ACAO, O, ACAM, "PUT")},
		{"pre-cred-acac-upper", R(204, ACAO, O, ACAC, "TRUE", ACAM, "PUT")},
		{"pre-cred-acac-repeated", R(204, ACAO, O, ACAC, "true", ACAC, "true", ACAM, "PUT")},
	} {
		add(&tcase{Name: c.name, Steps: putInc, Routes: pre(c.r, okOCred)})
	}
	add(
		&tcase{Name: "pre-ok-actual-no-acao", Steps: put, Routes: pre(R(204, ACAO, O, ACAM, "PUT"), R(200))},
		&tcase{Name: "pre-ok-actual-500", Steps: put, Routes: pre(R(204, ACAO, O, ACAM, "PUT"), R(500, ACAO, O))},
		&tcase{Name: "pre-ok-actual-mismatch", Steps: put, Routes: pre(R(204, ACAO, O, ACAM, "PUT"), R(200, ACAO, "{other}"))},
		&tcase{Name: "pre-cred-ok-actual-no-acac", Steps: putInc, Routes: pre(R(204, ACAO, O, ACAC, "true", ACAM, "PUT"), R(200, ACAO, O))},
		&tcase{Name: "pre-acao-null", Steps: put, Routes: pre(R(204, ACAO, "null", ACAM, "PUT"), okO)},
		&tcase{Name: "pre-star-actual-origin", Steps: put, Routes: pre(R(204, ACAO, "*", ACAM, "PUT"), okO)},
	)

	// Access-Control-Allow-Methods.
	for _, c := range []struct {
		name, method, cred string
		acam               []string // one header line each
	}{
		{"acam-missing", "PUT", "", nil},
		{"acam-star", "PUT", "", []string{"*"}},
		{"acam-star-cred", "PUT", "include", []string{"*"}},
		{"acam-star-and-put-cred", "PUT", "include", []string{"*, PUT"}},
		{"acam-lower", "PUT", "", []string{"put"}},
		{"acam-lower-for-patch", "PATCH", "", []string{"patch"}},
		{"acam-upper-for-lower-patch", "patch", "", []string{"PATCH"}},
		{"acam-spaces", "PUT", "", []string{" GET ,  PUT "}},
		{"acam-stray-commas", "PUT", "", []string{",PUT,,"}},
		{"acam-repeated-lines", "PUT", "", []string{"GET", "PUT"}},
		{"acam-tabs", "PUT", "", []string{"GET\t,\tPUT"}},
		{"acam-only-commas", "PUT", "", []string{",,"}},
		{"acam-invalid-token", "PUT", "", []string{"PUT;"}},
		{"acam-invalid-space", "PUT", "", []string{"P UT"}},
		{"acam-empty", "PUT", "", []string{""}},
		{"acam-other-method", "PUT", "", []string{"DELETE"}},
		{"acam-custom", "CUSTOM", "", []string{"CUSTOM"}},
		{"acam-custom-star", "CUSTOM", "", []string{"*"}},
		{"acam-post-not-needed", "POST", "", nil},
		{"acam-delete", "DELETE", "", []string{"DELETE"}},
	} {
		p := R(204, ACAO, O, ACAH, "*")
		a := okO
		if c.cred == "include" {
			p = R(204, ACAO, O, ACAC, "true")
			a = okOCred
		}
		for _, v := range c.acam {
			p.Header = append(p.Header, [2]string{ACAM, v})
		}
		s := step{Method: c.method, Credentials: c.cred}
		if c.method == "POST" {
			s.Header = H("X-A", "1")
			p.Header = append(p.Header, [2]string{ACAH, "x-a"})
		}
		add(&tcase{Name: c.name, Steps: one(s), Routes: pre(p, a)})
	}

	// Access-Control-Allow-Headers.
	for _, c := range []struct {
		name string
		cred string
		h    [][2]string
		acah []string
	}{
		{"acah-missing", "", H("X-A", "1"), nil},
		{"acah-exact", "", H("X-A", "1"), []string{"X-A"}},
		{"acah-case", "", H("X-A", "1"), []string{"x-A"}},
		{"acah-star", "", H("X-A", "1"), []string{"*"}},
		{"acah-star-cred", "include", H("X-A", "1"), []string{"*"}},
		{"acah-star-and-name-cred", "include", H("X-A", "1"), []string{"*, X-A"}},
		{"acah-named-cred", "include", H("X-A", "1"), []string{"X-A"}},
		{"acah-star-authorization", "", H("Authorization", "t"), []string{"*"}},
		{"acah-star-and-authorization", "", H("Authorization", "t"), []string{"*, Authorization"}},
		{"acah-authorization-cred", "include", H("Authorization", "t"), []string{"authorization"}},
		{"acah-spaces", "", H("X-A", "1", "X-B", "2"), []string{"  x-a ,  x-b  "}},
		{"acah-empty-elements", "", H("X-A", "1", "X-B", "2"), []string{"x-a,,x-b,"}},
		{"acah-repeated-lines", "", H("X-A", "1", "X-B", "2"), []string{"x-a", "x-b"}},
		{"acah-tabs", "", H("X-A", "1", "X-B", "2"), []string{"x-a\t,\tx-b"}},
		{"acah-both-authorization-and-custom-star", "", H("Authorization", "t", "X-A", "1"), []string{"*"}},
		{"acah-partial", "", H("X-A", "1", "X-B", "2"), []string{"x-a"}},
		{"acah-invalid-token", "", H("X-A", "1"), []string{"x-a, x b"}},
		{"acah-invalid-slash", "", H("X-A", "1"), []string{"x-a/1"}},
		{"acah-empty", "", H("X-A", "1"), []string{""}},
		{"acah-unsafe-accept-missing", "", H("Accept", long(200)), nil},
		{"acah-unsafe-accept-listed", "", H("Accept", long(200)), []string{"Accept"}},
		{"acah-range-suffix-missing", "", H("Range", "bytes=-5"), nil},
		{"acah-range-suffix-star", "", H("Range", "bytes=-5"), []string{"*"}},
		{"acah-safe-accept-not-needed", "", H("Accept", "text/plain", "X-A", "1"), []string{"x-a"}},
		{"acah-json-missing", "", nil, nil},
		{"acah-json-listed", "", nil, []string{"Content-Type"}},
	} {
		s := step{Method: "PUT", Body: "x", Header: c.h, Credentials: c.cred}
		if strings.HasPrefix(c.name, "acah-json") {
			s = step{Method: "POST", Body: "{}", Header: H("Content-Type", "application/json")}
		}
		p := R(204, ACAO, O, ACAM, "PUT")
		a := okO
		if c.cred == "include" {
			p = R(204, ACAO, O, ACAC, "true", ACAM, "PUT")
			a = okOCred
		}
		for _, v := range c.acah {
			p.Header = append(p.Header, [2]string{ACAH, v})
		}
		add(&tcase{Name: c.name, Steps: one(s), Routes: pre(p, a)})
	}

	// Access-Control-Expose-Headers: which response headers script reads.
	extra := []string{"X-A", "1", "X-B", "2", "Set-Cookie", "sc=1; Path=/x/none", "Server-Timing", "t;dur=1",
		"Content-Language", "en", "Expires", "0", "Pragma", "no-cache", "Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT", "Date", "Mon, 02 Jan 2006 15:04:05 GMT"}
	for _, c := range []struct {
		name, cred string
		aceh       []string
	}{
		{"expose-none", "", nil},
		{"expose-one", "", []string{"X-A"}},
		{"expose-case", "", []string{"x-a"}},
		{"expose-list", "", []string{"X-A, X-B"}},
		{"expose-repeated-lines", "", []string{"X-A", "X-B"}},
		{"expose-spaces-commas", "", []string{" ,X-A ,, X-B , "}},
		{"expose-tabs", "", []string{"X-A\t,\tX-B"}},
		{"expose-star", "", []string{"*"}},
		{"expose-star-cred", "include", []string{"*"}},
		{"expose-star-and-name-cred", "include", []string{"*, X-B"}},
		{"expose-set-cookie", "", []string{"Set-Cookie, X-A"}},
		{"expose-set-cookie-cred", "include", []string{"Set-Cookie"}},
		{"expose-invalid-token", "", []string{"X-A, b@d"}},
		{"expose-date", "", []string{"Date"}},
		{"expose-empty", "", []string{""}},
	} {
		hs := []string{ACAO, O}
		if c.cred == "include" {
			hs = append(hs, ACAC, "true")
		}
		hs = append(hs, extra...)
		for _, v := range c.aceh {
			hs = append(hs, ACEH, v)
		}
		add(&tcase{Name: c.name, Steps: one(step{Credentials: c.cred}), Routes: act(R(200, hs...))})
	}
	add(
		&tcase{Name: "expose-head", Steps: one(step{Method: "HEAD"}), Routes: act(R(200, ACAO, O, "X-A", "1", ACEH, "X-A"))},
		&tcase{Name: "expose-options-method", Steps: one(step{Method: "OPTIONS"}), Routes: pre(R(204, ACAO, O, ACAM, "OPTIONS"), R(200, ACAO, O, "X-A", "1", ACEH, "X-A"))},
		&tcase{Name: "expose-empty-value", Routes: act(R(200, ACAO, O, "X-A", "", ACEH, "X-A"))},
		&tcase{Name: "expose-repeated-values", Routes: act(R(200, ACAO, O, "X-A", "1", "X-A", "2", ACEH, "X-A"))},
		&tcase{Name: "expose-same-origin", Page: pageSame, Routes: act(R(200, extra...))},
		&tcase{Name: "expose-star-origin", Routes: act(R(200, append([]string{ACAO, "*", ACEH, "*"}, extra...)...))},
	)

	// A gzip-compressed body: script sees the headers as the server sent
	// them, Content-Length of the compressed body included.
	gz := func(r *reply) *reply { r.Gzip = true; return r }
	add(
		&tcase{Name: "gzip-cors", Routes: act(gz(R(200, ACAO, O)))},
		&tcase{Name: "gzip-expose-star", Routes: act(gz(R(200, ACAO, O, ACEH, "*")))},
		&tcase{Name: "gzip-expose-encoding", Routes: act(gz(R(200, ACAO, O, ACEH, "Content-Encoding")))},
		&tcase{Name: "gzip-same-origin", Page: pageSame, Routes: act(gz(R(200)))},
		&tcase{Name: "gzip-nocors", Steps: one(step{Mode: "no-cors"}), Routes: act(gz(R(200)))},
	)

	// The preflight cache: Max-Age and the cache key (URL, method,
	// headers, credentials). Every case fetches more than once.
	twice := []step{{Method: "PUT", Body: "x"}, {Method: "PUT", Body: "y"}}
	for _, c := range []struct{ name, maxAge string }{
		{"cache-absent", ""},
		{"cache-0", "0"},
		{"cache-negative", "-1"},
		{"cache-garbage", "abc"},
		{"cache-600", "600"},
		{"cache-huge", "86400000"},
		{"cache-fraction", "1.5"},
		{"cache-plus", "+600"},
		{"cache-repeated", "600, 600"},
		{"cache-empty", " "},
	} {
		p := R(204, ACAO, O, ACAM, "PUT")
		if c.maxAge != "" {
			p.Header = append(p.Header, [2]string{ACMA, c.maxAge})
		}
		add(&tcase{Name: c.name, Steps: twice, Routes: pre(p, okO)})
	}
	app, evil := pageCross, pageSite
	p600 := func(kv ...string) *reply { return R(204, append([]string{ACAO, O, ACMA, "600"}, kv...)...) }
	add(
		&tcase{Name: "cache-key-url", Steps: []step{{Method: "PUT"}, {Method: "PUT", Hop: "b"}},
			Routes: hops("a", route{Pre: p600(ACAM, "PUT"), Act: okO}, "b", route{Pre: p600(ACAM, "PUT"), Act: okO})},
		&tcase{Name: "cache-key-method-covered", Steps: []step{{Method: "PUT"}, {Method: "DELETE"}},
			Routes: pre(p600(ACAM, "PUT, DELETE"), okO)},
		&tcase{Name: "cache-key-method-not-covered", Steps: []step{{Method: "PUT"}, {Method: "DELETE"}},
			Routes: pre(p600(ACAM, "PUT"), okO)},
		&tcase{Name: "cache-key-header-covered", Steps: []step{{Method: "PUT", Header: H("X-A", "1")}, {Method: "PUT", Header: H("X-B", "1")}},
			Routes: pre(p600(ACAM, "PUT", ACAH, "x-a, x-b"), okO)},
		&tcase{Name: "cache-key-header-not-covered", Steps: []step{{Method: "PUT", Header: H("X-A", "1")}, {Method: "PUT", Header: H("X-B", "1")}},
			Routes: pre(p600(ACAM, "PUT", ACAH, "x-a"), okO)},
		&tcase{Name: "cache-key-omit-then-include", Steps: []step{{Method: "PUT", Credentials: "omit"}, {Method: "PUT", Credentials: "include"}},
			Routes: pre(p600(ACAM, "PUT", ACAC, "true"), okOCred)},
		&tcase{Name: "cache-key-omit-then-include-no-acac", Steps: []step{{Method: "PUT", Credentials: "omit"}, {Method: "PUT", Credentials: "include"}},
			Routes: pre(p600(ACAM, "PUT"), okOCred)},
		&tcase{Name: "cache-key-include-then-omit", Steps: []step{{Method: "PUT", Credentials: "include"}, {Method: "PUT", Credentials: "omit"}},
			Routes: pre(p600(ACAM, "PUT", ACAC, "true"), okOCred)},
		&tcase{Name: "cache-star-then-cred", Steps: []step{{Method: "PUT", Header: H("X-A", "1")}, {Method: "PUT", Header: H("X-A", "1"), Credentials: "include"}},
			Routes: pre(R(204, ACAO, O, ACAC, "true", ACMA, "600", ACAM, "*", ACAH, "*"), okOCred)},
		&tcase{Name: "cache-failed-not-cached", Steps: twice,
			Routes: pre(p600(ACAM, "DELETE"), okO)},
		&tcase{Name: "cache-then-safelisted", Steps: []step{{Method: "PUT"}, {}},
			Routes: pre(p600(ACAM, "PUT"), okO)},
		&tcase{Name: "cache-new-preflight-replaces-methods", Steps: []step{{Method: "PUT"}, {Method: "DELETE"}, {Method: "PUT"}},
			Routes: pre(p600(ACAM, "{acrm}"), okO)},
		&tcase{Name: "cache-new-preflight-replaces-headers", Steps: []step{{Method: "PUT", Header: H("X-A", "1")}, {Method: "PUT", Header: H("X-B", "1")}, {Method: "PUT", Header: H("X-A", "1")}},
			Routes: pre(p600(ACAM, "PUT", ACAH, "{acrh}"), okO)},
		&tcase{Name: "cache-credentials-upgrade", Steps: []step{{Method: "PUT", Credentials: "omit"}, {Method: "PUT", Credentials: "include"}, {Method: "PUT", Credentials: "omit"}},
			Routes: pre(p600(ACAM, "PUT", ACAC, "true"), okOCred)},
		&tcase{Name: "cache-null-origin", Page: pageNull, Steps: twice,
			Routes: pre(R(204, ACAO, "null", ACAM, "PUT", ACMA, "600"), R(200, ACAO, "null"))},
		&tcase{Name: "cache-max-age-7200", Steps: twice, Routes: pre(p600(ACAM, "PUT", ACMA, "7200"), okO)},
		&tcase{Name: "x-cache-star-then-authorization", Steps: []step{{Method: "PUT", Header: H("X-A", "1")}, {Method: "PUT", Header: H("Authorization", "t")}},
			Routes: pre(p600(ACAM, "PUT", ACAH, "*"), okO)},
		&tcase{Name: "x-cache-star-authorization-twice", Steps: []step{{Method: "PUT", Header: H("Authorization", "t")}, {Method: "PUT", Header: H("Authorization", "t")}},
			Routes: pre(p600(ACAM, "PUT", ACAH, "*"), okO)},
		&tcase{Name: "cache-1-expires", Steps: []step{{Method: "PUT"}, {Method: "PUT", Wait: 2 * time.Second}},
			Routes: pre(R(204, ACAO, O, ACAM, "PUT", ACMA, "1"), okO)},
		&tcase{Name: "cache-3-holds", Steps: []step{{Method: "PUT"}, {Method: "PUT", Wait: time.Second}},
			Routes: pre(R(204, ACAO, O, ACAM, "PUT", ACMA, "3"), okO)},
		&tcase{Name: "cache-absent-expires-after-5s", Steps: []step{{Method: "PUT"}, {Method: "PUT", Wait: 6 * time.Second}},
			Routes: pre(R(204, ACAO, O, ACAM, "PUT"), okO)},
		&tcase{Name: "cache-key-query", Steps: []step{{Method: "PUT", Hop: "a?x=1"}, {Method: "PUT", Hop: "a?x=2"}, {Method: "PUT", Hop: "a?x=1"}},
			Routes: pre(p600(ACAM, "PUT"), okO)},
		&tcase{Name: "cache-key-fragment", Steps: []step{{Method: "PUT", Hop: "a#one"}, {Method: "PUT", Hop: "a#two"}},
			Routes: pre(p600(ACAM, "PUT"), okO)},
		&tcase{Name: "cache-key-origin", Steps: []step{{Method: "PUT"}, {Method: "PUT", From: &evil}, {Method: "PUT", From: &app}},
			Routes: pre(R(204, ACAO, "{reqorigin}", ACAM, "PUT", ACMA, "600"), R(200, ACAO, "{reqorigin}"))},
		&tcase{Name: "cache-key-origin-star", Steps: []step{{Method: "PUT"}, {Method: "PUT", From: &evil}},
			Routes: pre(R(204, ACAO, "*", ACAM, "PUT", ACMA, "600"), okStar)},
		&tcase{Name: "cache-key-origin-null-then-app", Page: pageNull, Steps: []step{{Method: "PUT"}, {Method: "PUT", From: &app}},
			Routes: pre(R(204, ACAO, "*", ACAM, "PUT", ACMA, "600"), okStar)},
		&tcase{Name: "cache-three-methods", Steps: []step{{Method: "PUT"}, {Method: "PATCH"}, {Method: "PUT"}},
			Routes: pre(p600(ACAM, "PUT, PATCH"), okO)},
	)

	nc := func(s step) []step { s.Mode = "no-cors"; return one(s) }
	nc0 := func() []step { return nc(step{}) }
	so := func(s step) []step { s.Mode = "same-origin"; return one(s) }

	// Redirects of the actual request.
	to := func(status int, loc string, kv ...string) *reply {
		return R(status, append([]string{"Location", loc}, kv...)...)
	}
	for _, code := range []int{301, 302, 303, 307, 308} {
		add(&tcase{Name: "redir-" + itoa(code) + "-same-api", Routes: hops(
			"a", route{Act: to(code, "{api}{path}/b", ACAO, O)},
			"b", route{Act: okO})})
		add(&tcase{Name: "redir-" + itoa(code) + "-post", Steps: one(step{Method: "POST", Body: "x"}), Routes: hops(
			"a", route{Act: to(code, "{api}{path}/b", ACAO, O)},
			"b", route{Act: okO})})
	}
	add(
		&tcase{Name: "redir-no-acao-on-redirect", Routes: hops(
			"a", route{Act: to(302, "{path}/b")},
			"b", route{Act: okO})},
		&tcase{Name: "redir-relative-location", Routes: hops(
			"a", route{Act: to(302, "b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "redir-target-no-acao", Routes: hops(
			"a", route{Act: to(302, "{path}/b", ACAO, O)},
			"b", route{Act: R(200)})},
		&tcase{Name: "redir-put-307-preflights-again", Steps: put, Routes: hops(
			"a", route{Pre: R(204, ACAO, O, ACAM, "PUT"), Act: to(307, "{path}/b", ACAO, O)},
			"b", route{Pre: R(204, ACAO, O, ACAM, "PUT"), Act: okO})},
		&tcase{Name: "redir-put-303-becomes-get", Steps: put, Routes: hops(
			"a", route{Pre: R(204, ACAO, O, ACAM, "PUT"), Act: to(303, "{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "redir-put-307-to-other", Steps: put, Routes: hops(
			"a", route{Pre: R(204, ACAO, O, ACAM, "PUT"), Act: to(307, "{other}{path}/b", ACAO, O)},
			"b", route{Pre: R(204, ACAO, "null", ACAM, "PUT"), Act: R(200, ACAO, "null")})},
		&tcase{Name: "redir-json-307-preflights-again", Steps: one(step{Method: "POST", Body: "{}", Header: H("Content-Type", "application/json")}), Routes: hops(
			"a", route{Pre: R(204, ACAO, O, ACAH, "content-type"), Act: to(307, "{path}/b", ACAO, O)},
			"b", route{Pre: R(204, ACAO, O, ACAH, "content-type"), Act: okO})},
		&tcase{Name: "redir-json-302-becomes-simple-get", Steps: one(step{Method: "POST", Body: "{}", Header: H("Content-Type", "application/json")}), Routes: hops(
			"a", route{Pre: R(204, ACAO, O, ACAH, "content-type"), Act: to(302, "{path}/b", ACAO, O)},
			"b", route{Pre: R(204, ACAO, O, ACAH, "content-type"), Act: okO})},
		&tcase{Name: "redir-star-with-cred", Steps: inc, Routes: hops(
			"a", route{Act: to(302, "{path}/b", ACAO, "*", ACAC, "true")},
			"b", route{Act: okOCred})},
		&tcase{Name: "redir-custom-header-307", Steps: one(step{Header: H("X-A", "1")}), Routes: hops(
			"a", route{Pre: R(204, ACAO, O, ACAH, "x-a"), Act: to(307, "{path}/b", ACAO, O)},
			"b", route{Pre: R(204, ACAO, O), Act: okO})},
		&tcase{Name: "redir-to-other-origin-acao-origin", Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "redir-to-other-origin-acao-null", Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b", ACAO, O)},
			"b", route{Act: R(200, ACAO, "null")})},
		&tcase{Name: "redir-to-other-origin-acao-star", Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b", ACAO, O)},
			"b", route{Act: okStar})},
		&tcase{Name: "redir-to-other-origin-cred-null", Steps: inc, Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b", ACAO, O, ACAC, "true")},
			"b", route{Act: R(200, ACAO, "null", ACAC, "true")})},
		&tcase{Name: "redir-back-to-page-no-acao", Routes: hops(
			"a", route{Act: to(302, "{app}{path}/b", ACAO, O)},
			"b", route{Act: R(200)})},
		&tcase{Name: "redir-back-to-page-acao-origin", Routes: hops(
			"a", route{Act: to(302, "{app}{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "redir-back-to-page-acao-null", Routes: hops(
			"a", route{Act: to(302, "{app}{path}/b", ACAO, O)},
			"b", route{Act: R(200, ACAO, "null")})},
		&tcase{Name: "redir-back-to-page-acao-star", Routes: hops(
			"a", route{Act: to(302, "{app}{path}/b", ACAO, O)},
			"b", route{Act: okStar})},
		&tcase{Name: "redir-credentials-in-location", Routes: hops(
			"a", route{Act: to(302, "http://u:p@"+apiHost+":{port}{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "redir-username-in-location", Routes: hops(
			"a", route{Act: to(302, "http://u@"+apiHost+":{port}{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "redir-credentials-same-origin-page", Page: pageSame, Routes: hops(
			"a", route{Act: to(302, "http://u:p@"+apiHost+":{port}{path}/b")},
			"b", route{Act: R(200)})},
		&tcase{Name: "redir-mode-error", Steps: one(step{Redirect: "error"}), Routes: hops(
			"a", route{Act: to(302, "{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "redir-mode-manual", Steps: one(step{Redirect: "manual"}), Routes: hops(
			"a", route{Act: to(302, "{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "redir-mode-manual-no-acao", Steps: one(step{Redirect: "manual"}), Routes: hops(
			"a", route{Act: to(302, "{path}/b")},
			"b", route{Act: okO})},
		&tcase{Name: "redir-mode-manual-same-origin-page", Page: pageSame, Steps: one(step{Redirect: "manual"}), Routes: hops(
			"a", route{Act: to(302, "{path}/b")},
			"b", route{Act: R(200)})},
		&tcase{Name: "redir-loop", Routes: hops(
			"a", route{Act: to(302, "{path}/a", ACAO, O)})},
		&tcase{Name: "redir-no-location", Routes: act(R(302, ACAO, O))},
		&tcase{Name: "redir-bad-location", Routes: act(to(302, "http://[::1", ACAO, O))},
		&tcase{Name: "redir-to-data-url", Routes: act(to(302, "data:text/plain,hi", ACAO, O))},
		&tcase{Name: "redir-cred-include-ok", Steps: inc, Routes: hops(
			"a", route{Act: to(302, "{path}/b", ACAO, O, ACAC, "true")},
			"b", route{Act: okOCred})},
		&tcase{Name: "redir-cred-include-no-acac-on-redirect", Steps: inc, Routes: hops(
			"a", route{Act: to(302, "{path}/b", ACAO, O)},
			"b", route{Act: okOCred})},
		&tcase{Name: "redir-same-origin-page-to-other", Page: pageSame, Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b")},
			"b", route{Act: okO})},
		&tcase{Name: "redir-same-origin-page-to-other-no-acao", Page: pageSame, Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b")},
			"b", route{Act: R(200)})},
		&tcase{Name: "redir-same-origin-page-to-self", Page: pageSame, Routes: hops(
			"a", route{Act: to(302, "{path}/b")},
			"b", route{Act: R(200, "X-A", "1")})},
		&tcase{Name: "redir-same-origin-page-round-trip", Page: pageSame, Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b")},
			"b", route{Act: to(302, "{api}{path}/c", ACAO, O)},
			"c", route{Act: R(200, ACAO, "null")})},
	)

	// The redirect limit: 20 redirects are followed, the 21st fails.
	for _, n := range []int{20, 21} {
		rs := map[string]route{"z": {Act: okO}}
		for i := 0; i < n; i++ {
			from, next := "r"+itoa(i), "r"+itoa(i+1)
			if i == 0 {
				from = "a"
			}
			if i == n-1 {
				next = "z"
			}
			rs[from] = route{Act: to(302, "{path}/"+next, ACAO, O)}
		}
		add(&tcase{Name: "redir-chain-" + itoa(n), Routes: rs})
	}
	add(
		&tcase{Name: "redir-fragment-location", Routes: hops(
			"a", route{Act: to(302, "{path}/b#frag", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "redir-scheme-relative-location", Routes: hops(
			"a", route{Act: to(302, "//"+otherHost+":{port}{path}/b", ACAO, O)},
			"b", route{Act: okStar})},
		&tcase{Name: "redir-307-post-to-other", Steps: one(step{Method: "POST", Body: "x"}), Routes: hops(
			"a", route{Act: to(307, "{other}{path}/b", ACAO, O)},
			"b", route{Act: okStar})},
		&tcase{Name: "redir-manual-same-origin-page-to-other", Page: pageSame, Steps: one(step{Redirect: "manual"}), Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b")},
			"b", route{Act: okStar})},
		&tcase{Name: "redir-error-same-origin-page", Page: pageSame, Steps: one(step{Redirect: "error"}), Routes: hops(
			"a", route{Act: to(302, "{path}/b")},
			"b", route{Act: R(200)})},
		&tcase{Name: "redir-cred-to-other-no-cookie", Steps: inc, Routes: hops(
			"a", route{Act: to(307, "{other}{path}/b", ACAO, O, ACAC, "true")},
			"b", route{Act: R(200, ACAO, "null", ACAC, "true")})},
		&tcase{Name: "redir-304-not-followed", Routes: act(to(304, "{path}/b", ACAO, O))},
		&tcase{Name: "redir-300-not-followed", Routes: act(to(300, "{path}/b", ACAO, O))},
		&tcase{Name: "redir-nocors-same-origin", Steps: nc0(), Routes: hops(
			"a", route{Act: to(302, "{path}/b")},
			"b", route{Act: R(200)})},
	)

	// URLs with credentials, and fragments, in what the script fetches.
	add(
		&tcase{Name: "url-with-credentials", Steps: one(step{UserInfo: "u:p"}), Routes: act(okO)},
		&tcase{Name: "url-with-username", Steps: one(step{UserInfo: "u"}), Routes: act(okO)},
		&tcase{Name: "url-with-credentials-same-origin-page", Page: pageSame, Steps: one(step{UserInfo: "u:p"}), Routes: act(R(200))},
		&tcase{Name: "url-fragment-not-sent", Steps: one(step{Hop: "a#frag"}), Routes: act(okO)},
		&tcase{Name: "url-query-sent", Steps: one(step{Hop: "a?q=1&r=%20"}), Routes: act(okO)},
	)

	// Origins that differ by port alone, and a page fetching another
	// origin of its own site.
	add(
		&tcase{Name: "port-same-page-other-port", Page: pageSame, Steps: one(step{Target: "api2"}), Routes: act(okO)},
		&tcase{Name: "port-same-page-other-port-no-acao", Page: pageSame, Steps: one(step{Target: "api2"}), Routes: act(R(200))},
		&tcase{Name: "port-same-page-other-port-cookie-default", Page: pageSame, Steps: one(step{Target: "api2"}), Routes: act(R(200, ACAO, O))},
		&tcase{Name: "port-same-page-other-port-cookie-include", Page: pageSame, Steps: one(step{Target: "api2", Credentials: "include"}), Routes: act(R(200, ACAO, O, ACAC, "true"))},
		&tcase{Name: "port-same-page-other-port-put", Page: pageSame, Steps: one(step{Target: "api2", Method: "PUT"}), Routes: pre(R(204, ACAO, O, ACAM, "PUT"), okO)},
		&tcase{Name: "port-redirect-to-other-port", Page: pageSame, Routes: hops(
			"a", route{Act: to(302, "{api2}{path}/b")},
			"b", route{Act: okO})},
		&tcase{Name: "port-redirect-to-other-port-and-back", Page: pageSame, Routes: hops(
			"a", route{Act: to(302, "{api2}{path}/b")},
			"b", route{Act: to(302, "{api}{path}/c", ACAO, O)},
			"c", route{Act: R(200, "X-A", "1")})},
		&tcase{Name: "port-redirect-to-other-port-and-back-null", Page: pageSame, Routes: hops(
			"a", route{Act: to(302, "{api2}{path}/b")},
			"b", route{Act: to(302, "{api}{path}/c", ACAO, O)},
			"c", route{Act: R(200, ACAO, "null", "X-A", "1")})},
		&tcase{Name: "port-app-page-to-api2", Steps: one(step{Target: "api2"}), Routes: act(okO)},
		&tcase{Name: "other-host-from-app", Steps: one(step{Target: "other", Credentials: "include"}), Routes: act(okOCred)},
		&tcase{Name: "other-host-cache-separate", Steps: []step{{Method: "PUT"}, {Method: "PUT", Target: "other"}},
			Routes: pre(p600(ACAM, "PUT"), okO)},
		&tcase{Name: "same-page-sameorigin-mode-other-port", Page: pageSame, Steps: so(step{Target: "api2"}), Routes: act(okO)},
	)

	add(
		&tcase{Name: "x-redir-put-307-cross-preflight-null", Steps: one(step{Method: "PUT", Body: "x"}), Routes: hops(
			"a", route{Pre: R(204, ACAO, O, ACAM, "PUT"), Act: to(307, "{other}{path}/b", ACAO, O)},
			"b", route{Pre: R(204, ACAO, "null", ACAM, "PUT"), Act: R(200, ACAO, "null")})},
		&tcase{Name: "x-redir-head-303", Steps: one(step{Method: "HEAD"}), Routes: hops(
			"a", route{Act: to(303, "{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "x-redir-head-301", Steps: one(step{Method: "HEAD"}), Routes: hops(
			"a", route{Act: to(301, "{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "x-redir-308-post-body", Steps: one(step{Method: "POST", Body: "x", Header: H("Content-Type", "text/plain")}), Routes: hops(
			"a", route{Act: to(308, "{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "x-redir-303-post-drops-ct", Steps: one(step{Method: "POST", Body: "x", Header: H("Content-Type", "text/plain", "Content-Language", "de")}), Routes: hops(
			"a", route{Act: to(303, "{path}/b", ACAO, O)},
			"b", route{Act: okO})},
		&tcase{Name: "x-redir-cred-cross-origin-cookie", Steps: inc, Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b", ACAO, O, ACAC, "true")},
			"b", route{Act: R(200, ACAO, "null", ACAC, "true")})},
		&tcase{Name: "x-redir-expose-final", Routes: hops(
			"a", route{Act: to(302, "{path}/b", ACAO, O, "X-A", "1", ACEH, "X-A")},
			"b", route{Act: R(200, ACAO, O, "X-B", "2", ACEH, "X-B")})},
		&tcase{Name: "x-same-page-put-307-to-other", Page: pageSame, Steps: one(step{Method: "PUT", Body: "x"}), Routes: hops(
			"a", route{Act: to(307, "{other}{path}/b")},
			"b", route{Pre: R(204, ACAO, "{api}", ACAM, "PUT"), Act: R(200, ACAO, "{api}")})},
		&tcase{Name: "x-nocors-post-text-plain", Steps: one(step{Mode: "no-cors", Method: "POST", Body: "x", Header: H("Content-Type", "text/plain", "Accept", "a/b", "Accept-Language", "de")}), Routes: act(R(200))},
		&tcase{Name: "x-nocors-same-page-to-other", Page: pageSame, Steps: one(step{Mode: "no-cors"}), Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b")},
			"b", route{Act: R(200, "X-A", "1")})},
		&tcase{Name: "x-null-custom-method-star", Page: pageNull, Steps: one(step{Method: "FOO"}), Routes: pre(R(204, ACAO, "null", ACAM, "*"), R(200, ACAO, "null"))},
		&tcase{Name: "x-pre-star-omit-acac-garbage", Steps: one(step{Method: "PUT", Credentials: "omit"}), Routes: pre(R(204, ACAO, "*", ACAC, "nope", ACAM, "PUT"), okStar)},
		&tcase{Name: "x-pre-acah-list-authorization-cred", Steps: one(step{Method: "PUT", Credentials: "include", Header: H("Authorization", "t", "X-A", "1")}), Routes: pre(R(204, ACAO, O, ACAC, "true", ACAM, "PUT", ACAH, "x-a"), okOCred)},
		&tcase{Name: "x-cache-include-then-omit-star", Steps: []step{{Method: "PUT", Credentials: "include", Header: H("X-A", "1")}, {Method: "PUT", Header: H("X-B", "1")}},
			Routes: pre(R(204, ACAO, O, ACAC, "true", ACAM, "PUT", ACAH, "*, x-a", ACMA, "600"), okOCred)},
		&tcase{Name: "x-redir-307-preflight-cached-per-url", Steps: []step{{Method: "PUT", Body: "x"}, {Method: "PUT", Body: "x", Hop: "b"}}, Routes: hops(
			"a", route{Pre: R(204, ACAO, O, ACAM, "PUT", ACMA, "600"), Act: to(307, "{path}/b", ACAO, O)},
			"b", route{Pre: R(204, ACAO, O, ACAM, "PUT", ACMA, "600"), Act: okO})},
		&tcase{Name: "x-acao-tab-padded", Routes: act(R(200, ACAO, "\t{origin}\t"))},
		&tcase{Name: "x-status-199-ish-304", Routes: act(R(304, ACAO, O))},
		&tcase{Name: "x-pre-204-acam-lower-custom", Steps: one(step{Method: "Foo"}), Routes: pre(R(204, ACAO, O, ACAM, "Foo"), okO)},
		&tcase{Name: "x-max-age-plus", Steps: []step{{Method: "PUT"}, {Method: "PUT"}}, Routes: pre(R(204, ACAO, O, ACAM, "PUT", ACMA, "+0"), okO)},
		&tcase{Name: "x-max-age-neg-zero", Steps: []step{{Method: "PUT"}, {Method: "PUT"}}, Routes: pre(R(204, ACAO, O, ACAM, "PUT", ACMA, "-0"), okO)},
		&tcase{Name: "x-max-age-space-inside", Steps: []step{{Method: "PUT"}, {Method: "PUT"}}, Routes: pre(R(204, ACAO, O, ACAM, "PUT", ACMA, "1 0"), okO)},
	)
	// The opaque origin of a sandboxed page.
	add(
		&tcase{Name: "null-acao-null", Page: pageNull, Routes: act(R(200, ACAO, "null"))},
		&tcase{Name: "null-acao-star", Page: pageNull, Routes: act(okStar)},
		&tcase{Name: "null-acao-app", Page: pageNull, Routes: act(R(200, ACAO, "{app}"))},
		&tcase{Name: "null-acao-missing", Page: pageNull, Routes: act(R(200))},
		&tcase{Name: "null-acao-upper", Page: pageNull, Routes: act(R(200, ACAO, "NULL"))},
		&tcase{Name: "null-cred-acao-null", Page: pageNull, Steps: inc, Routes: act(R(200, ACAO, "null", ACAC, "true"))},
		&tcase{Name: "null-cred-acao-star", Page: pageNull, Steps: inc, Routes: act(R(200, ACAO, "*", ACAC, "true"))},
		&tcase{Name: "null-put-preflight", Page: pageNull, Steps: put, Routes: pre(R(204, ACAO, "null", ACAM, "PUT"), R(200, ACAO, "null"))},
		&tcase{Name: "null-put-preflight-star", Page: pageNull, Steps: put, Routes: pre(R(204, ACAO, "*", ACAM, "PUT"), okStar)},
		&tcase{Name: "null-redirect-acao-null", Page: pageNull, Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b", ACAO, "null")},
			"b", route{Act: R(200, ACAO, "null")})},
	)

	// Cookies: which responses may set them (Set-Cookie scoped to the
	// case's path) and which requests carry them afterwards.
	setc := "c2=1; Path={path}"
	incS, omitS, defS := step{Credentials: "include"}, step{Credentials: "omit"}, step{}
	add(
		&tcase{Name: "cookie-set-include-then-include", Steps: []step{incS, incS},
			Routes: act(R(200, ACAO, O, ACAC, "true", "Set-Cookie", setc))},
		&tcase{Name: "cookie-set-omit-then-include", Steps: []step{omitS, incS},
			Routes: act(R(200, ACAO, O, ACAC, "true", "Set-Cookie", setc))},
		&tcase{Name: "cookie-set-default-then-include", Steps: []step{defS, incS},
			Routes: act(R(200, ACAO, O, ACAC, "true", "Set-Cookie", setc))},
		&tcase{Name: "cookie-set-cors-blocked-then-include", Steps: []step{incS, incS},
			Routes: act(R(200, ACAO, O, "Set-Cookie", setc))},
		&tcase{Name: "cookie-set-nocors-then-include", Steps: []step{{Mode: "no-cors", Credentials: "include"}, incS},
			Routes: act(R(200, ACAO, O, ACAC, "true", "Set-Cookie", setc))},
		&tcase{Name: "cookie-set-by-preflight", Steps: []step{{Method: "PUT", Credentials: "include"}, {Method: "PUT", Credentials: "include"}},
			Routes: pre(R(204, ACAO, O, ACAC, "true", ACAM, "PUT", ACMA, "0", "Set-Cookie", "c3=1; Path={path}"), okOCred)},
		&tcase{Name: "cookie-set-on-redirect", Steps: []step{incS}, Routes: hops(
			"a", route{Act: to(302, "{path}/b", ACAO, O, ACAC, "true", "Set-Cookie", setc)},
			"b", route{Act: okOCred})},
		&tcase{Name: "cookie-set-same-origin-page", Page: pageSame, Steps: []step{defS, defS},
			Routes: act(R(200, "Set-Cookie", setc))},
		&tcase{Name: "cookie-set-same-origin-page-omit", Page: pageSame, Steps: []step{omitS, defS},
			Routes: act(R(200, "Set-Cookie", setc))},
		&tcase{Name: "cookie-set-null-page", Page: pageNull, Steps: []step{incS, incS},
			Routes: act(R(200, ACAO, "null", ACAC, "true", "Set-Cookie", setc))},
		&tcase{Name: "cookie-set-none-secure-ignored", Steps: []step{incS, incS},
			Routes: act(R(200, ACAO, O, ACAC, "true", "Set-Cookie", setc+"; SameSite=None; Secure"))},
		&tcase{Name: "cookie-set-strict", Steps: []step{incS, incS},
			Routes: act(R(200, ACAO, O, ACAC, "true", "Set-Cookie", setc+"; SameSite=Strict"))},
		&tcase{Name: "cookie-set-other-path", Steps: []step{incS, {Credentials: "include", Hop: "b"}}, Routes: hops(
			"a", route{Act: R(200, ACAO, O, ACAC, "true", "Set-Cookie", "c2=1; Path={path}/a")},
			"b", route{Act: okOCred})},
	)

	// A page of another site: cookies are SameSite=Lax by default, so a
	// cross-site fetch carries none, even with credentials.
	add(
		&tcase{Name: "site-get", Page: pageSite, Routes: act(okO)},
		&tcase{Name: "site-cred-include", Page: pageSite, Steps: inc, Routes: act(okOCred)},
		&tcase{Name: "site-cred-star", Page: pageSite, Steps: inc, Routes: act(R(200, ACAO, "*", ACAC, "true"))},
		&tcase{Name: "site-put-preflight", Page: pageSite, Steps: putInc, Routes: pre(R(204, ACAO, O, ACAC, "true", ACAM, "PUT"), okOCred)},
		&tcase{Name: "site-nocors-cred", Page: pageSite, Steps: nc(step{Credentials: "include"}), Routes: act(R(200))},
		&tcase{Name: "site-cookie-set-then-include", Page: pageSite, Steps: []step{incS, incS},
			Routes: act(R(200, ACAO, O, ACAC, "true", "Set-Cookie", setc))},
		&tcase{Name: "site-redirect-to-page-site", Page: pageSite, Routes: hops(
			"a", route{Act: to(302, "http://"+siteHost+":{port}{path}/b", ACAO, O)},
			"b", route{Act: R(200, ACAO, "null")})},
		&tcase{Name: "site-acao-app", Page: pageSite, Routes: act(R(200, ACAO, "{app}"))},
	)

	// no-cors mode: opaque responses, only safelisted methods and headers.
	add(
		&tcase{Name: "nocors-get", Steps: nc(step{}), Routes: act(R(200, "X-A", "1"))},
		&tcase{Name: "nocors-get-acao", Steps: nc(step{}), Routes: act(okO)},
		&tcase{Name: "nocors-post", Steps: nc(step{Method: "POST", Body: "x"}), Routes: act(R(200))},
		&tcase{Name: "nocors-put", Steps: nc(step{Method: "PUT", Body: "x"}), Routes: act(R(200))},
		&tcase{Name: "nocors-custom-header-dropped", Steps: nc(step{Header: H("X-A", "1")}), Routes: permissive()},
		&tcase{Name: "nocors-json-dropped", Steps: nc(step{Method: "POST", Body: "{}", Header: H("Content-Type", "application/json")}), Routes: permissive()},
		&tcase{Name: "nocors-cred-include", Steps: nc(step{Credentials: "include"}), Routes: act(R(200))},
		&tcase{Name: "nocors-redirect", Steps: nc(step{}), Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b")},
			"b", route{Act: R(200)})},
		&tcase{Name: "nocors-redirect-manual", Steps: nc(step{Redirect: "manual"}), Routes: hops(
			"a", route{Act: to(302, "{path}/b")},
			"b", route{Act: R(200)})},
		&tcase{Name: "nocors-head", Steps: nc(step{Method: "HEAD"}), Routes: act(R(200))},
		&tcase{Name: "nocors-post-json-dropped-cred", Steps: nc(step{Method: "POST", Body: "{}", Header: H("Content-Type", "application/json"), Credentials: "include"}), Routes: act(R(200))},
		&tcase{Name: "nocors-safe-headers-kept", Steps: nc(step{Header: H("Accept", "text/plain", "Content-Language", "de", "X-A", "1")}), Routes: act(R(200))},
		&tcase{Name: "nocors-500", Steps: nc(step{}), Routes: act(R(500))},
		&tcase{Name: "nocors-same-origin-page", Page: pageSame, Steps: nc(step{}), Routes: act(R(200, "X-A", "1"))},
		&tcase{Name: "nocors-null-page", Page: pageNull, Steps: nc(step{}), Routes: act(R(200))},
	)

	// same-origin mode, and same-origin requests from a page on the API's
	// origin.
	add(
		&tcase{Name: "sameorigin-mode-cross", Steps: so(step{}), Routes: act(okO)},
		&tcase{Name: "sameorigin-mode-same", Page: pageSame, Steps: so(step{}), Routes: act(R(200, "X-A", "1"))},
		&tcase{Name: "sameorigin-mode-redirect-cross", Page: pageSame, Steps: so(step{}), Routes: hops(
			"a", route{Act: to(302, "{other}{path}/b")},
			"b", route{Act: okStar})},
		&tcase{Name: "sameorigin-mode-redirect-same", Page: pageSame, Steps: so(step{}), Routes: hops(
			"a", route{Act: to(302, "{path}/b")},
			"b", route{Act: R(200)})},
		&tcase{Name: "same-get", Page: pageSame, Routes: act(R(200, "X-A", "1"))},
		&tcase{Name: "same-put-no-preflight", Page: pageSame, Steps: put, Routes: act(R(200))},
		&tcase{Name: "same-post-json", Page: pageSame, Steps: one(step{Method: "POST", Body: "{}", Header: H("Content-Type", "application/json")}), Routes: act(R(200))},
		&tcase{Name: "same-custom-header", Page: pageSame, Steps: one(step{Header: H("X-A", "1")}), Routes: act(R(200))},
		&tcase{Name: "same-cred-omit", Page: pageSame, Steps: one(step{Credentials: "omit"}), Routes: act(R(200))},
		&tcase{Name: "same-cred-include", Page: pageSame, Steps: inc, Routes: act(R(200))},
		&tcase{Name: "sameorigin-mode-null", Page: pageNull, Steps: so(step{}), Routes: act(R(200, ACAO, "*"))},
		&tcase{Name: "same-404", Page: pageSame, Routes: act(R(404))},
		&tcase{Name: "same-forbidden-method", Page: pageSame, Steps: one(step{Method: "TRACE"}), Routes: act(R(200))},
	)
	for _, c := range cs {
		c.Note = departures[c.Name]
	}
	return cs
}

// departures notes the cases where Chromium departs from the Fetch
// standard, as this suite observed it.
var departures = map[string]string{
	"hdr-user-agent":                     "Chromium silently drops a User-Agent set by script (crbug.com/571722); the standard no longer forbids the header, so it would be sent and need a preflight (`user-agent` is not safelisted).",
	"hdr-dpr":                            clientHints,
	"hdr-save-data":                      clientHints,
	"hdr-viewport-width":                 clientHints,
	"hdr-downlink":                       clientHints,
	"hdr-device-memory":                  clientHints,
	"hdr-width":                          clientHints,
	"hdr-rtt":                            clientHints,
	"hdr-ect":                            clientHints,
	"acah-star-authorization":            "Chromium lets `Access-Control-Allow-Headers: *` cover Authorization; the standard makes Authorization a CORS non-wildcard request-header name, which must be listed by name.",
	"cache-negative":                     "Chromium does not cache a preflight whose Access-Control-Max-Age is negative; in the standard `-1` is a parse failure, which means the 5 second default, so the second fetch would use the cache.",
	"cache-null-origin":                  "Chromium never reuses a preflight made from an opaque origin (the sandboxed page's network partition is transient), so every fetch preflights again; the standard caches under the serialized origin \"null\".",
	"redir-credentials-same-origin-page": "Chromium fails a same-origin fetch redirected to a same-origin URL with credentials in it (net::ERR_ABORTED, no CORS error); the standard refuses credentials in Location only when the request's origin is not same origin with the new URL.",
}

// clientHints is the departure of the client-hint request headers.
const clientHints = "Chromium treats the client hints a script may set (DPR, Save-Data, Viewport-Width, Width, Downlink, Device-Memory, RTT, ECT) as CORS-safelisted when their values parse, so they need no preflight (hdr-dpr-bad, hdr-ect-bad, hdr-save-data-bad, hdr-viewport-width-bad show that an unparsable value does); the standard safelists only Accept, Accept-Language, Content-Language, Content-Type and Range."

func itoa(n int) string { return strconv.Itoa(n) }
