package firefox

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestFetchThroughProxy loads a page of a .test host through the test's
// own server as the HTTP proxy, runs a cross-origin fetch that CORS
// blocks, and finds Firefox's console message for it, with its key.
func TestFetchThroughProxy(t *testing.T) {
	if _, err := Path(); err != nil && os.Getenv("CI") == "" && os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" {
		t.Skip(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "app.example.test" {
			_, _ = fmt.Fprint(w, "<!doctype html><title>app</title>")
			return
		}
		_, _ = fmt.Fprint(w, "api")
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	b, err := Start(ProxyPrefs(ln.Addr().(*net.TCPAddr).Port)...)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Navigate("http://app.example.test/"); err != nil {
		t.Fatal(err)
	}
	var got string
	err = b.ExecuteAsync(`const done = arguments[arguments.length-1];
		fetch(arguments[0]).then((r) => done("ok " + r.status), (e) => done(e.name + ": " + e.message));`,
		[]any{"http://api.example.test/x"}, &got)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "TypeError: NetworkError") {
		t.Errorf("fetch gave %q, want TypeError: NetworkError...", got)
	}
	// Firefox logs the message a little after fetch() rejects.
	var msgs []ConsoleMessage
	for deadline := time.Now().Add(5 * time.Second); len(msgs) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if msgs, _, err = b.ConsoleCORS(0); err != nil {
			t.Fatal(err)
		}
	}
	if len(msgs) != 1 || msgs[0].Key != "CORSMissingAllowOrigin2" {
		t.Errorf("console = %q, want one CORSMissingAllowOrigin2", msgs)
	}
}
