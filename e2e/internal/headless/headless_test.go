package headless_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
)

var browser *headless.Browser

func TestMain(m *testing.M) { os.Exit(headless.Run(m, &browser)) }

// TestTestHostsResolveToLoopback checks that a page named app.test reaches
// a server listening on 127.0.0.1.
func TestTestHostsResolveToLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, "<title>host %s</title>", r.Host)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	port := ln.Addr().(*net.TCPAddr).Port
	ctx := browser.NewTab(t, 30*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("http://app.test:%d/", port))); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("host app.test:%d", port); !strings.EqualFold(title, want) {
		t.Fatalf("title = %q, want %q", title, want)
	}
}
