// Package lna measures Local Network Access in the three engines and
// checks browser.Transport's model of it: a page in a less private
// address space (public) calls one in a more private space (loopback).
//
// A data: document has no address of its own. Chromium treats it as
// public and blocks its request to loopback before sending anything;
// Firefox and WebKit send it, with Origin: null. Firefox 153 also ships
// its own Local Network Access (network.lna.*), which this package
// measures from a page Firefox is told is public
// (network.lna.address_space.public.override).
package lna

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/crossorigin/crossorigin/browser"
	"github.com/crossorigin/crossorigin/e2e/internal/firefox"
	"github.com/crossorigin/crossorigin/e2e/internal/headless"
	"github.com/crossorigin/crossorigin/e2e/internal/webkit"
)

func skipWithout(t *testing.T, path func() (string, error)) {
	if _, err := path(); err != nil && os.Getenv("CI") == "" && os.Getenv("CROSSORIGIN_SKIP_BROWSER") == "1" {
		t.Skip(err)
	}
}

// target is a loopback API that allows every origin and logs the Origin
// of what reaches it.
type target struct {
	url  string
	mu   sync.Mutex
	seen []string
}

func startTarget(t *testing.T) *target {
	tg := &target{}
	port := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.mu.Lock()
		tg.seen = append(tg.seen, r.Header.Get("Origin"))
		tg.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_, _ = fmt.Fprint(w, "ok")
	}))
	tg.url = fmt.Sprintf("http://127.0.0.1:%d/api", port)
	return tg
}

func (tg *target) origins() []string {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]string(nil), tg.seen...)
}

func serve(t *testing.T, h http.Handler) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// fetchJS fetches the URL and gives up after 5 seconds (a permission
// prompt nobody answers would otherwise hang it).
const fetchJS = `(async () => {
	const ac = new AbortController();
	const timer = setTimeout(() => ac.abort(), 5000);
	try {
		const r = await fetch(%q, {signal: ac.signal});
		return "ok " + r.status + " " + await r.text();
	} catch (e) {
		return e.name + ": " + e.message;
	} finally {
		clearTimeout(timer);
	}
})()`

const dataPage = "data:text/html,<!doctype html><title>data</title>"

// model runs the same fetch through the model of engine e, from a page of
// origin page whose address space is public.
func model(e browser.Engine, page, url string) (sent bool, err error) {
	tr := &browser.Transport{Origin: page, PageAddressSpace: browser.PublicSpace, Engine: e}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err == nil {
		_ = resp.Body.Close()
		return true, nil
	}
	return false, err
}

func TestDataPageToLoopbackChromium(t *testing.T) {
	skipWithout(t, headless.Path)
	b, err := headless.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tg := startTarget(t)
	ctx := b.NewTab(t, time.Minute)
	var mu sync.Mutex
	var failed []*network.EventLoadingFailed
	var console []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventLoadingFailed:
			failed = append(failed, ev)
		case *log.EventEntryAdded:
			if ev.Entry != nil {
				console = append(console, ev.Entry.Text)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, log.Enable, cdp.Empty{})
		return err
	}), chromedp.Navigate(dataPage))
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(fetchJS, tg.url), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	var why []string
	for _, f := range failed {
		s := f.ErrorText
		if f.CorsErrorStatus != nil {
			s += " " + string(f.CorsErrorStatus.CorsError)
		}
		why = append(why, s)
	}
	mu.Unlock()
	t.Logf("Chromium, data: page to loopback: %s; DevTools: %q; console %q; server saw %q", got, why, console, tg.origins())
	if strings.HasPrefix(got, "ok") || len(tg.origins()) != 0 {
		t.Errorf("Chromium sent a data: page's request to loopback: %s, server saw %q", got, tg.origins())
	}
	if len(why) != 1 || why[0] != "net::ERR_FAILED InsecureLocalNetwork" {
		t.Errorf("DevTools reports %q, want net::ERR_FAILED InsecureLocalNetwork", why)
	}
	sent, err := model(browser.Chromium, "null", tg.url)
	var be *browser.Error
	if sent || !errors.As(err, &be) || be.Reason != browser.InsecureLocalNetwork || be.ReachedServer {
		t.Fatalf("the model of Chromium: sent %v, %v", sent, err)
	}
	var msg string
	for _, c := range console {
		if strings.Contains(c, "CORS policy") {
			msg = strings.ReplaceAll(c, tg.url, "URL")
		}
	}
	if want := strings.ReplaceAll(be.Message, tg.url, "URL"); msg != want {
		t.Errorf("console message\n\t%q\nmodel's\n\t%q", msg, want)
	}
}

func TestDataPageToLoopbackFirefoxAndWebKit(t *testing.T) {
	for _, e := range []browser.Engine{browser.Firefox, browser.WebKit} {
		t.Run(e.String(), func(t *testing.T) {
			var navigate func(string) error
			var eval func(string) (string, error)
			switch e {
			case browser.Firefox:
				skipWithout(t, firefox.Path)
				b, err := firefox.Start()
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				navigate = b.Navigate
				eval = func(js string) (string, error) {
					var s string
					err := b.ExecuteAsync("const done = arguments[arguments.length-1]; "+js+".then(done);", nil, &s)
					return s, err
				}
			default:
				skipWithout(t, webkit.Path)
				b, err := webkit.Start(webkit.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				navigate = b.Navigate
				eval = func(js string) (string, error) {
					var s string
					err := b.ExecuteAsync("const done = arguments[arguments.length-1]; "+js+".then(done);", nil, &s)
					return s, err
				}
			}
			tg := startTarget(t)
			if err := navigate(dataPage); err != nil {
				t.Fatal(err)
			}
			got, err := eval(fmt.Sprintf(fetchJS, tg.url))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%v, data: page to loopback: %s; server saw %q", e, got, tg.origins())
			if !strings.HasPrefix(got, "ok 200") || strings.Join(tg.origins(), ",") != "null" {
				t.Errorf("%v: %s, server saw Origin %q; want it sent with Origin: null", e, got, tg.origins())
			}
			if sent, err := model(e, "null", tg.url); !sent {
				t.Errorf("the model of %v blocks it: %v", e, err)
			}
		})
	}
}

// TestSecurePublicPageToLoopbackChromium measures Chromium's Local Network
// Access from a secure public page: Chromium is told that the page's
// server is public (--ip-address-space-overrides) and that its origin is
// secure (--unsafely-treat-insecure-origin-as-secure); headless Chromium
// answers no permission prompt.
func TestSecurePublicPageToLoopbackChromium(t *testing.T) {
	skipWithout(t, headless.Path)
	tg := startTarget(t)
	pagePort := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = fmt.Fprint(w, "<!doctype html><title>public</title>")
	}))
	page := fmt.Sprintf("http://127.0.0.1:%d", pagePort)
	b, err := headless.Start(
		chromedp.Flag("ip-address-space-overrides", fmt.Sprintf("127.0.0.1:%d=public", pagePort)),
		chromedp.Flag("unsafely-treat-insecure-origin-as-secure", page),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := b.Open(t, page+"/", time.Minute)
	var mu sync.Mutex
	var why, console []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventLoadingFailed:
			s := ev.ErrorText
			if ev.CorsErrorStatus != nil {
				s += " " + string(ev.CorsErrorStatus.CorsError)
			}
			why = append(why, s)
		case *log.EventEntryAdded:
			if ev.Entry != nil && strings.Contains(ev.Entry.Text, "CORS policy") {
				console = append(console, ev.Entry.Text)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, log.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	var secure bool
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(fetchJS, tg.url), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	secure, _ = chromedp.Run(ctx, chromedp.Evaluate[bool]("window.isSecureContext"))
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	t.Logf("Chromium, secure (%v) public page to loopback: %s; DevTools %q; console %q; server saw %q", secure, got, why, console, tg.origins())
	if !secure || strings.HasPrefix(got, "ok") || len(tg.origins()) != 0 {
		t.Fatalf("Chromium sent it (secure context %v): %s, server saw %q", secure, got, tg.origins())
	}
	if len(why) != 1 || why[0] != "net::ERR_FAILED LocalNetworkAccessPermissionDenied" {
		t.Errorf("DevTools reports %q, want net::ERR_FAILED LocalNetworkAccessPermissionDenied", why)
	}
	// The model, told the page is public: refused without the
	// permission, sent with it.
	tr := &browser.Transport{Origin: "https://app.example", PageAddressSpace: browser.PublicSpace}
	req, _ := http.NewRequest(http.MethodGet, tg.url, nil)
	_, err = (&http.Client{Transport: tr}).Do(req)
	var be *browser.Error
	if !errors.As(err, &be) || be.Reason != browser.LocalNetworkAccessPermissionDenied {
		t.Fatalf("the model: %v", err)
	}
	if len(console) == 1 {
		want := strings.NewReplacer(tg.url, "URL", "https://app.example", "PAGE").Replace(be.Message)
		if got := strings.NewReplacer(tg.url, "URL", page, "PAGE").Replace(console[0]); got != want {
			t.Errorf("console message\n\t%q\nmodel's\n\t%q", got, want)
		}
	} else {
		t.Errorf("console %q, want one CORS message", console)
	}
	tr.LocalNetworkAccess = true
	if resp, err := (&http.Client{Transport: tr}).Do(req); err != nil {
		t.Errorf("the model with the permission: %v", err)
	} else {
		_ = resp.Body.Close()
	}
}

// TestPublicPageToLoopbackFirefox measures Firefox's own Local Network
// Access: a page on a server Firefox is told is public fetches loopback.
func TestPublicPageToLoopbackFirefox(t *testing.T) {
	skipWithout(t, firefox.Path)
	tg := startTarget(t)
	pagePort := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = fmt.Fprint(w, "<!doctype html><title>public</title>")
	}))
	b, err := firefox.Start(firefox.Pref{Name: "network.lna.address_space.public.override", Value: "127.0.0.1:" + strconv.Itoa(pagePort)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Navigate(fmt.Sprintf("http://127.0.0.1:%d/", pagePort)); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := b.ExecuteAsync("const done = arguments[arguments.length-1]; "+fmt.Sprintf(fetchJS, tg.url)+".then(done);", nil, &got); err != nil {
		t.Fatal(err)
	}
	t.Logf("Firefox, public page to loopback: %s; server saw %q", got, tg.origins())
	// Firefox holds the request at a permission prompt that nobody
	// answers: the test's own timeout aborts it, unsent.
	if !strings.HasPrefix(got, "AbortError") || len(tg.origins()) != 0 {
		t.Errorf("Firefox: %s, server saw %q; want the request held unsent", got, tg.origins())
	}
	page := fmt.Sprintf("http://127.0.0.1:%d", pagePort)
	if sent, err := model(browser.Firefox, page, tg.url); sent {
		t.Errorf("the model of Firefox sends it")
	} else if be := new(browser.Error); !errors.As(err, &be) || be.Reason != browser.LocalNetworkAccessPermissionDenied {
		t.Errorf("the model of Firefox: %v", err)
	}
	// With the permission, the model sends it.
	tr := &browser.Transport{Origin: page, PageAddressSpace: browser.PublicSpace, Engine: browser.Firefox, LocalNetworkAccess: true}
	req, _ := http.NewRequest(http.MethodGet, tg.url, nil)
	if resp, err := (&http.Client{Transport: tr}).Do(req); err != nil {
		t.Errorf("with the permission: %v", err)
	} else {
		_ = resp.Body.Close()
	}
}
