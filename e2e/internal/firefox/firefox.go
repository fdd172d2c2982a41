// Package firefox drives Debian's headless Firefox (package firefox-esr)
// through its Marionette protocol, for the few end-to-end tests that must
// hold in Firefox too. It speaks just enough of the protocol: a session,
// navigation and script execution.
//
// Marionette frames every message as "length:json". A command is
// [0, id, name, params]; its response is [1, id, error, result].
package firefox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Path returns the Firefox binary the tests use: $FIREFOX, or Debian's
// firefox-esr.
func Path() (string, error) {
	if p := os.Getenv("FIREFOX"); p != "" {
		return p, nil
	}
	for _, name := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("firefox: not found; install Debian's package: apt-get install -y firefox-esr (or set FIREFOX=/path/to/firefox)")
}

// prefs keep a test profile off the network and quiet.
const prefs = `user_pref("marionette.port", 0);
user_pref("app.update.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("browser.newtabpage.enabled", false);
`

// Browser is one running headless Firefox with one Marionette session.
type Browser struct {
	cmd  *exec.Cmd
	dir  string
	conn net.Conn
	r    *bufio.Reader
	mu   sync.Mutex
	id   int
}

// Start launches Firefox with a fresh profile and opens a session.
func Start() (*Browser, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "crossorigin-firefox-")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "user.js"), []byte(prefs), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "--headless", "--marionette", "--no-remote", "--profile", dir)
	cmd.Env = append(os.Environ(), "MOZ_HEADLESS=1")
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("firefox: starting %s: %w", path, err)
	}
	b := &Browser{cmd: cmd, dir: dir}
	// With marionette.port 0, Firefox picks a free port and writes it to
	// MarionetteActivePort in the profile.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "MarionetteActivePort")); err == nil {
			if port, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && port > 0 {
				if b.conn, err = net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
					break
				}
			}
		}
		if time.Now().After(deadline) {
			b.Close()
			return nil, errors.New("firefox: Marionette did not start within 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.r = bufio.NewReader(b.conn)
	if _, err := b.read(); err != nil { // the server's greeting
		b.Close()
		return nil, fmt.Errorf("firefox: greeting: %w", err)
	}
	if _, err := b.call("WebDriver:NewSession", map[string]any{}); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Close ends the browser and removes its profile.
func (b *Browser) Close() {
	if b.conn != nil {
		b.conn.Close()
	}
	b.cmd.Process.Kill()
	b.cmd.Wait()
	os.RemoveAll(b.dir)
}

// Navigate loads url in the session's window and waits for it to load.
func (b *Browser) Navigate(url string) error {
	_, err := b.call("WebDriver:Navigate", map[string]any{"url": url})
	return err
}

// Execute runs script as the body of a function in the page and decodes
// its return value into out (which may be nil).
func (b *Browser) Execute(script string, out any) error {
	res, err := b.call("WebDriver:ExecuteScript", map[string]any{"script": script, "args": []any{}})
	if err != nil || out == nil {
		return err
	}
	var v struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(res, &v); err != nil {
		return err
	}
	return json.Unmarshal(v.Value, out)
}

func (b *Browser) call(name string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.id++
	msg, err := json.Marshal([]any{0, b.id, name, params})
	if err != nil {
		return nil, err
	}
	b.conn.SetDeadline(time.Now().Add(2 * time.Minute))
	if _, err := fmt.Fprintf(b.conn, "%d:%s", len(msg), msg); err != nil {
		return nil, err
	}
	for {
		raw, err := b.read()
		if err != nil {
			return nil, fmt.Errorf("firefox: %s: %w", name, err)
		}
		var resp []json.RawMessage
		if err := json.Unmarshal(raw, &resp); err != nil || len(resp) != 4 {
			return nil, fmt.Errorf("firefox: %s: malformed response %.200s", name, raw)
		}
		var id int
		if json.Unmarshal(resp[1], &id); id != b.id {
			continue // a response to an earlier command that timed out
		}
		if s := string(resp[2]); s != "null" {
			return nil, fmt.Errorf("firefox: %s: %s", name, s)
		}
		return resp[3], nil
	}
}

// read reads one "length:json" frame.
func (b *Browser) read() ([]byte, error) {
	s, err := b.r.ReadString(':')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, ":"))
	if err != nil || n < 0 || n > 64<<20 {
		return nil, fmt.Errorf("bad frame length %q", s)
	}
	buf := make([]byte, n)
	_, err = io.ReadFull(b.r, buf)
	return buf, err
}
