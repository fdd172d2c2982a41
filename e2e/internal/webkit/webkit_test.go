package webkit

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
)

// TestFetch loads a page of a .test host through the proxy option and
// runs a cross-origin fetch that CORS blocks: script sees a TypeError,
// and the console has WebKit's explanation.
func TestFetch(t *testing.T) {
	if _, err := Path(); err != nil && os.Getenv("CI") == "" && os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" {
		t.Skip(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Host {
		case "app.example.test":
			_, _ = fmt.Fprint(w, "<!doctype html><title>app</title>")
		default:
			w.Header().Set("X-Host", r.Host)
			_, _ = fmt.Fprint(w, "api")
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()

	b, err := Start(Options{Proxy: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Navigate("http://app.example.test/"); err != nil {
		t.Fatal(err)
	}
	var title string
	if err := b.Execute("return document.title", nil, &title); err != nil || title != "app" {
		t.Fatalf("title = %q, %v; want app", title, err)
	}
	var got string
	err = b.ExecuteAsync(`const done = arguments[arguments.length-1];
		fetch(arguments[0]).then((r) => done("ok " + r.status), (e) => done(e.name + ": " + e.message));`,
		[]any{"http://api.example.test/x"}, &got)
	if err != nil {
		t.Fatal(err)
	}
	// The API sends no Access-Control-Allow-Origin: WebKit refuses to
	// expose the response, in its own words.
	if got != "TypeError: Load failed" {
		t.Errorf("fetch gave %q, want TypeError: Load failed", got)
	}
}
