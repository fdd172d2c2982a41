package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// devtoolsCurl is what Chromium's DevTools "Copy as cURL (bash)" writes for
// a PUT with a JSON body and an API key from https://app.example.com.
const devtoolsCurl = `curl 'http://API/items/1' \
  -X 'PUT' \
  -H 'accept: */*' \
  -H 'accept-language: en-US,en;q=0.9' \
  -H 'content-type: application/json' \
  -b 'session=s3cret; theme=dark' \
  -H 'origin: https://app.example.com' \
  -H 'priority: u=1, i' \
  -H 'referer: https://app.example.com/' \
  -H 'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24"' \
  -H 'sec-fetch-mode: cors' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64)' \
  -H 'x-api-key: k' \
  --data-raw $'{"name":"it\'s","n":1}\n' \
  --compressed`

func TestParseCurl(t *testing.T) {
	in, err := parseCurl(devtoolsCurl)
	if err != nil {
		t.Fatal(err)
	}
	if in.URL != "http://API/items/1" || in.Method != "PUT" || in.Origin != "https://app.example.com" || in.Cookie != "session=s3cret; theme=dark" {
		t.Errorf("input = %+v", in)
	}
	if in.Body == nil || *in.Body != "{\"name\":\"it's\",\"n\":1}\n" {
		t.Errorf("body = %q", *in.Body)
	}
	want := [][2]string{{"accept", "*/*"}, {"content-type", "application/json"}, {"x-api-key", "k"}}
	if !slices.Equal(in.Headers, want) {
		t.Errorf("headers = %q, want %q", in.Headers, want)
	}
	if len(in.Notes) != 1 || !strings.Contains(in.Notes[0], "sec-ch-ua") || !strings.Contains(in.Notes[0], "user-agent") {
		t.Errorf("notes = %q", in.Notes)
	}
}

func TestParseCurlErrors(t *testing.T) {
	for _, cmd := range []string{
		"",
		"wget http://x/",
		"curl",
		"curl 'http://x/",
		`curl "http://$HOST/"`,
		"curl http://x/ | sh",
		"curl http://x/ http://y/",
		"curl http://x/ -H",
		"curl http://x/ -H nocolon",
		"curl http://x/ --upload-file f",
		`curl http://x/ --data-raw $'\x'`,
		"curl http://x/ \\",
	} {
		if in, err := parseCurl(cmd); err == nil {
			t.Errorf("parseCurl(%q) = %+v, want an error", cmd, in)
		}
	}
}

func TestShellWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`a 'b c' "d \"e\" \$f" g\ h`, []string{"a", "b c", `d "e" $f`, "g h"}},
		{"a \\\n  b", []string{"a", "b"}},
		{`$'\u00e9\x41\t'`, []string{"éA\t"}},
		{`'a'"b"c`, []string{"abc"}},
		{`''`, []string{""}},
	} {
		got, err := shellWords(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("shellWords(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// FuzzParseCurl: no panic on any input, and what parses has a URL.
func FuzzParseCurl(f *testing.F) {
	f.Add(devtoolsCurl)
	f.Add(`curl $'\u12' "a\\" -d x -d y`)
	f.Add("curl 'x' -X")
	f.Fuzz(func(t *testing.T, s string) {
		in, err := parseCurl(s)
		if err == nil && in.URL == "" {
			t.Fatalf("parseCurl(%q) has no URL", s)
		}
	})
}

const harSample = `{"log": {"version": "1.2", "entries": [
 {"_resourceType": "document", "request": {"method": "GET", "url": "https://app.example.com/", "headers": []}},
 {"_resourceType": "preflight", "request": {"method": "OPTIONS", "url": "http://API/items/1", "headers": [
   {"name": "Access-Control-Request-Method", "value": "PUT"}, {"name": "Origin", "value": "https://app.example.com"}]}},
 {"_resourceType": "fetch", "request": {"method": "PUT", "url": "http://API/items/1", "headers": [
   {"name": ":authority", "value": "api"}, {"name": "Origin", "value": "https://app.example.com"},
   {"name": "Content-Type", "value": "application/json"}, {"name": "X-Api-Key", "value": "k"},
   {"name": "User-Agent", "value": "Mozilla"}, {"name": "Content-Length", "value": "2"}],
   "postData": {"mimeType": "application/json", "text": "{}"}}},
 {"_resourceType": "xhr", "request": {"method": "GET", "url": "http://API/public", "headers": [
   {"name": "Origin", "value": "https://app.example.com"}]}},
 {"_resourceType": "fetch", "request": {"method": "GET", "url": "https://app.example.com/same", "headers": [
   {"name": "Origin", "value": "https://app.example.com"}]}}
]}}`

func TestParseHAR(t *testing.T) {
	ins, err := parseHAR(strings.NewReader(harSample), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].Method != "PUT" || ins[1].URL != "http://API/public" {
		t.Fatalf("inputs = %+v", ins)
	}
	want := [][2]string{{"Content-Type", "application/json"}, {"X-Api-Key", "k"}}
	if !slices.Equal(ins[0].Headers, want) || ins[0].Body == nil || *ins[0].Body != "{}" || ins[0].Origin != "https://app.example.com" {
		t.Errorf("input = %+v", ins[0])
	}
	ins, err = parseHAR(strings.NewReader(harSample), regexp.MustCompile(`/public$`), "")
	if err != nil || len(ins) != 1 {
		t.Errorf("--url-match: %v, %v", ins, err)
	}
	if _, err := parseHAR(strings.NewReader(`{"log": `), nil, ""); err == nil {
		t.Error("a truncated HAR parses")
	}
}

// FuzzParseHAR: no panic on any input; every input it returns is
// cross-origin with an origin.
func FuzzParseHAR(f *testing.F) {
	f.Add(harSample)
	f.Add(`{"log":{"entries":[{"_resourceType":"fetch","request":{"url":"%","headers":[{"name":"origin","value":"x"}]}}]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		ins, err := parseHAR(strings.NewReader(s), nil, "")
		if err != nil {
			return
		}
		for _, in := range ins {
			if in.Origin == "" || in.URL == "" {
				t.Fatalf("input %+v", in)
			}
		}
	})
}

// writeHAR writes the sample HAR with API replaced by host.
func writeHAR(t *testing.T, host string) string {
	p := filepath.Join(t.TempDir(), "page.har")
	if !json.Valid([]byte(harSample)) {
		t.Fatal("the sample HAR is not JSON")
	}
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(harSample, "http://API", host)), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
