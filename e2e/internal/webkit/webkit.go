// Package webkit drives Debian's WebKitGTK (package webkit2gtk-driver) for
// end-to-end tests: WebKitWebDriver, which starts WebKitGTK's MiniBrowser,
// on a private Xvfb display (package xvfb). It speaks just enough of the
// W3C WebDriver protocol over HTTP: a session, navigation and script
// execution.
//
// MiniBrowser is started with --proxy pointing at the test's own server
// when Options.Proxy is set, so that host names under .test reach
// loopback.
//
// What the tests cannot see: WebKit's CORS errors are console messages,
// and script sees only "TypeError: Load failed". MiniBrowser's setting
// that writes console messages to standard output does not reach the web
// views of an automation session, and classic WebDriver has no log
// endpoint, so a test of WebKit sees the verdict and the server's log,
// not the console.
//
// Known automation artefact: WebKit's automation session has no HTTP
// cache, so tests must not rely on one.
package webkit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// miniBrowser is where Debian puts WebKitGTK's MiniBrowser.
const miniBrowser = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"

// Path returns the WebKitWebDriver binary the tests use:
// $WEBKIT_WEBDRIVER, or Debian's.
func Path() (string, error) {
	if p := os.Getenv("WEBKIT_WEBDRIVER"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("WebKitWebDriver"); err == nil {
		if _, err := exec.LookPath("Xvfb"); err != nil {
			return "", errors.New("webkit: Xvfb not found; install Debian's package: apt-get install -y xvfb xauth")
		}
		return p, nil
	}
	return "", errors.New("webkit: WebKitWebDriver not found; install Debian's packages: apt-get install -y webkit2gtk-driver xvfb xauth (or set WEBKIT_WEBDRIVER=/path/to/WebKitWebDriver)")
}

// Options configure the browser.
type Options struct {
	// Proxy, if set, is the host:port of an HTTP proxy for every request,
	// such as the test's own server: host names then need not resolve.
	Proxy string
	// CookiesPolicy is MiniBrowser's: "always", "never" or
	// "no-third-party" (the default, like Safari's).
	CookiesPolicy string
}

// Browser is one WebKitWebDriver with one session, on its own display.
type Browser struct {
	xvfb, driver *exec.Cmd
	base         string // the session's URL
	version      string
	client       *http.Client
}

// Start launches Xvfb on a free display, WebKitWebDriver on a free port,
// and opens a session.
func Start(opts Options) (*Browser, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	b := &Browser{client: &http.Client{Timeout: 2 * time.Minute}}
	display, err := b.startXvfb()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		b.Close()
		return nil, err
	}
	b.driver = exec.Command(path, "--port="+strconv.Itoa(port))
	b.driver.Env = append(os.Environ(), "DISPLAY="+display)
	// Its own process group, so that Close ends MiniBrowser too.
	b.driver.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.driver.Start(); err != nil {
		b.Close()
		return nil, fmt.Errorf("webkit: starting %s: %w", path, err)
	}
	root := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(b.client, root); err != nil {
		b.Close()
		return nil, err
	}
	args := []string{"--automation"}
	if opts.Proxy != "" {
		args = append(args, "--proxy=http://"+opts.Proxy)
	}
	if opts.CookiesPolicy != "" {
		args = append(args, "--cookies-policy="+opts.CookiesPolicy)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"webkitgtk:browserOptions": map[string]any{"binary": miniBrowser, "args": args},
	}}}
	var sess struct {
		SessionID    string `json:"sessionId"`
		Capabilities struct {
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	if err := b.do(http.MethodPost, root+"/session", caps, &sess); err != nil {
		b.Close()
		return nil, err
	}
	b.base = root + "/session/" + sess.SessionID
	b.version = sess.Capabilities.BrowserVersion
	return b, nil
}

// startXvfb starts Xvfb on a display it picks itself and returns the
// display's name.
func (b *Browser) startXvfb() (string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer func() { _ = r.Close() }()
	b.xvfb = exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	b.xvfb.ExtraFiles = []*os.File{w}
	err = b.xvfb.Start()
	_ = w.Close()
	if err != nil {
		b.xvfb = nil
		return "", fmt.Errorf("webkit: starting Xvfb: %w", err)
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			return ":" + strconv.Itoa(n), nil
		}
		return "", fmt.Errorf("webkit: Xvfb did not name its display (%q)", s)
	case <-time.After(30 * time.Second):
		return "", errors.New("webkit: Xvfb did not start within 30 s")
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the driver's /status until it answers.
func waitReady(c *http.Client, root string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get(root + "/status")
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webkit: WebKitWebDriver did not answer within 30 s: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Close ends the session, the driver, MiniBrowser and Xvfb.
func (b *Browser) Close() {
	if b.base != "" {
		_ = b.do(http.MethodDelete, b.base, nil, nil)
	}
	if b.driver != nil && b.driver.Process != nil {
		_ = syscall.Kill(-b.driver.Process.Pid, syscall.SIGKILL)
		_ = b.driver.Wait()
	}
	if b.xvfb != nil {
		_ = b.xvfb.Process.Kill()
		_ = b.xvfb.Wait()
	}
}

// Version returns WebKitGTK's version, such as "2.50.6".
func (b *Browser) Version() string { return b.version }

// Navigate loads url and waits for it to load.
func (b *Browser) Navigate(url string) error {
	return b.do(http.MethodPost, b.base+"/url", map[string]any{"url": url}, nil)
}

// Execute runs script as the body of a function in the page, with args,
// and decodes its return value into out (which may be nil).
func (b *Browser) Execute(script string, args []any, out any) error {
	return b.exec("/execute/sync", script, args, out)
}

// ExecuteAsync runs script as the body of a function whose last argument
// is the callback that ends it, and decodes the value passed to the
// callback into out.
func (b *Browser) ExecuteAsync(script string, args []any, out any) error {
	return b.exec("/execute/async", script, args, out)
}

func (b *Browser) exec(endpoint, script string, args []any, out any) error {
	if args == nil {
		args = []any{}
	}
	return b.do(http.MethodPost, b.base+endpoint, map[string]any{"script": script, "args": args}, out)
}

// do sends one WebDriver command and decodes the "value" of its answer
// into out.
func (b *Browser) do(method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("webkit: %s %s: %w", method, url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	var v struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("webkit: %s %s: malformed answer %.200s", method, url, data)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(v.Value, &e)
		return fmt.Errorf("webkit: %s %s: %d %s: %s", method, url, resp.StatusCode, e.Error, e.Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(v.Value, out)
}

// NewWindow opens a new window and returns its handle; the session stays
// in the current one until SwitchTo.
func (b *Browser) NewWindow() (string, error) {
	var v struct {
		Handle string `json:"handle"`
	}
	err := b.do(http.MethodPost, b.base+"/window/new", map[string]any{}, &v)
	return v.Handle, err
}

// SwitchTo makes the window with handle the session's current one.
func (b *Browser) SwitchTo(handle string) error {
	return b.do(http.MethodPost, b.base+"/window", map[string]any{"handle": handle}, nil)
}

// Window returns the handle of the current window.
func (b *Browser) Window() (string, error) {
	var h string
	err := b.do(http.MethodGet, b.base+"/window", nil, &h)
	return h, err
}

// CloseWindow closes the current window.
func (b *Browser) CloseWindow() error {
	return b.do(http.MethodDelete, b.base+"/window", nil, nil)
}
