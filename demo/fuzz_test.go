package demo

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// FuzzRequest feeds the JSON the page posts to /predict through decoding
// and validation: nothing panics, and an accepted request targets one of
// the demo's own servers.
func FuzzRequest(f *testing.F) {
	for _, s := range scenarios("http://localhost:3000", "http://127.0.0.1:4000") {
		b, _ := json.Marshal(s.Request)
		f.Add(string(b))
	}
	f.Add(`{"target":"api","path":"//evil.test/x","method":"GET","credentials":"omit","mode":"fetch"}`)
	f.Add(`{"target":"api","path":"/@evil.test","method":"GET","credentials":"omit","mode":"fetch"}`)
	f.Add(`{"target":"proxy","path":"/http://169.254.169.254/","method":"GET","credentials":"omit","mode":"fetch"}`)
	f.Add(`{"target":"api","path":"/a","method":"GET","headers":[{"name":"X","value":"a\nb"}],"credentials":"omit","mode":"fetch"}`)
	bases := map[string]string{"api": "http://localhost:3001", "proxy": "http://localhost:3002", "upstream": "http://127.0.0.1:4000"}
	f.Fuzz(func(t *testing.T, in string) {
		var r Request
		if json.Unmarshal([]byte(in), &r) != nil {
			return
		}
		u, err := r.validate(bases)
		if err != nil {
			return
		}
		if u.Host != strings.TrimPrefix(bases[r.Target], "http://") || u.User != nil {
			t.Fatalf("validate(%q) accepted %s, outside %s", in, u, bases[r.Target])
		}
		for _, h := range r.Headers {
			if strings.ContainsAny(h.Value, "\r\n") {
				t.Fatalf("header value with a line break accepted: %q", h.Value)
			}
		}
	})
}

// FuzzDiagram draws exchanges whose paths and headers an attacker chose:
// nothing panics and nothing they sent becomes markup.
func FuzzDiagram(f *testing.F) {
	f.Add("GET", "/api/echo", "http://localhost:3000", "x-demo", "", 200)
	f.Add("OPTIONS", "/<script>alert(1)</script>", `"><svg onload=alert(1)>`, "a&b", "csrf: <b>", 403)
	f.Add("", "", "", "", "\xff\xfe", 0)
	f.Fuzz(func(t *testing.T, method, path, origin, acrh, note string, status int) {
		ex := []Exchange{
			{Seq: 1, End: 2, Server: "api", Method: method, Path: path, Kind: "preflight", Status: status, Notes: []string{note},
				Request: map[string]string{"Origin": origin, "Access-Control-Request-Headers": acrh}},
			{Seq: 3, End: 6, Server: "proxy", Method: method, Path: path, Status: status},
			{Seq: 4, End: 5, Server: "upstream", Method: method, Path: path, Status: status},
		}
		svg := Diagram(ex, map[string]string{"browser": origin}, "blocked")
		// Well-formed XML whose elements and attributes are all ours.
		dec := xml.NewDecoder(strings.NewReader(svg))
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("diagram is not well-formed XML: %v\n%s", err, svg)
			}
			if se, ok := tok.(xml.StartElement); ok {
				if !svgElements[se.Name.Local] {
					t.Fatalf("unexpected element <%s>", se.Name.Local)
				}
				for _, a := range se.Attr {
					if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") || a.Name.Local == "href" {
						t.Fatalf("unexpected attribute %s", a.Name.Local)
					}
				}
			}
		}
	})
}

var svgElements = map[string]bool{
	"svg": true, "title": true, "desc": true, "style": true, "defs": true, "marker": true,
	"path": true, "rect": true, "text": true, "line": true,
}
