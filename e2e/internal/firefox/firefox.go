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

// defaultPrefs keep a test profile off the network and quiet.
const defaultPrefs = `user_pref("marionette.port", 0);
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

// Pref is a preference of the test profile, such as
// {"network.proxy.type", 1}. Value is a string, a bool or an int.
type Pref struct {
	Name  string
	Value any
}

// Start launches Firefox with a fresh profile, with prefs on top of the
// defaults, and opens a session.
func Start(prefs ...Pref) (*Browser, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "crossorigin-firefox-")
	if err != nil {
		return nil, err
	}
	userJS := defaultPrefs
	for _, p := range prefs {
		v, err := json.Marshal(p.Value)
		if err != nil {
			return nil, fmt.Errorf("firefox: pref %s: %w", p.Name, err)
		}
		userJS += fmt.Sprintf("user_pref(%q, %s);\n", p.Name, v)
	}
	if err := os.WriteFile(filepath.Join(dir, "user.js"), []byte(userJS), 0o600); err != nil {
		return nil, err
	}
	// System access lets Chrome run scripts in the browser's own context
	// (to read the console, which content scripts cannot).
	cmd := exec.Command(path, "--headless", "--marionette", "--remote-allow-system-access", "--no-remote", "--profile", dir)
	cmd.Env = append(os.Environ(), "MOZ_HEADLESS=1")
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
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
		_ = b.conn.Close()
	}
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
	_ = os.RemoveAll(b.dir)
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
	return decodeValue(res, out)
}

// ExecuteAsync runs script as the body of a function whose last argument
// is the callback that ends it, with args before it, and decodes the value
// passed to the callback into out.
func (b *Browser) ExecuteAsync(script string, args []any, out any) error {
	if args == nil {
		args = []any{}
	}
	res, err := b.call("WebDriver:ExecuteAsyncScript", map[string]any{"script": script, "args": args})
	if err != nil || out == nil {
		return err
	}
	return decodeValue(res, out)
}

// Chrome runs script like Execute, but in the browser's privileged
// context, where Services (the console service, string bundles) is
// available, and returns to the page's context afterwards.
func (b *Browser) Chrome(script string, out any) error {
	if _, err := b.call("Marionette:SetContext", map[string]any{"value": "chrome"}); err != nil {
		return err
	}
	err := b.Execute(script, out)
	if _, cerr := b.call("Marionette:SetContext", map[string]any{"value": "content"}); err == nil {
		err = cerr
	}
	return err
}

// decodeValue decodes the "value" of a command's result into out.
func decodeValue(res json.RawMessage, out any) error {
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
	_ = b.conn.SetDeadline(time.Now().Add(2 * time.Minute))
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
		if err := json.Unmarshal(resp[1], &id); err != nil || id != b.id {
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

// ProxyPrefs send every request, loopback's included, through the HTTP
// proxy on 127.0.0.1:port: the test's own server, which then answers for
// every host name, so that names under .test need not resolve.
func ProxyPrefs(port int) []Pref {
	return []Pref{
		{"network.proxy.type", 1},
		{"network.proxy.http", "127.0.0.1"},
		{"network.proxy.http_port", port},
		{"network.proxy.no_proxies_on", ""},
		{"network.proxy.allow_hijacking_localhost", true},
	}
}

// ConsoleMessage is one CORS message of Firefox's console: its text and
// the key of the string it was made from (security.properties names each
// CORS failure, such as "CORSAllowOriginNotMatchingOrigin").
type ConsoleMessage struct {
	Key, Text string
}

func (m ConsoleMessage) String() string { return m.Key + ": " + m.Text }

// consoleJS returns the console's CORS messages from the n-th message on,
// each with the security.properties key whose pattern it matches, and the
// total count of messages.
const consoleJS = `const n = arguments[0];
const bundle = Services.strings.createBundle("chrome://global/locale/security/security.properties");
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const pats = [];
for (const p of bundle.getSimpleEnumeration()) {
	if (p.key.startsWith("CORS")) {
		pats.push([p.key, new RegExp("^" + p.value.split(/%(?:\d+\$)?S/).map(esc).join("[^]*") + "$")]);
	}
}
const all = Services.console.getMessageArray() || [];
const out = [];
for (const m of all.slice(n)) {
	if (!(m instanceof Ci.nsIScriptError)) continue; // instanceof also gives the interface
	const hit = pats.find(([, re]) => re.test(m.errorMessage));
	if (hit) out.push({key: hit[0], text: m.errorMessage});
}
return {count: all.length, msgs: out};`

// ConsoleCORS returns the CORS messages of the browser's console after
// the first n console messages (of any kind), and how many messages the
// console holds now, to pass as n next time.
func (b *Browser) ConsoleCORS(n int) ([]ConsoleMessage, int, error) {
	var res struct {
		Count int `json:"count"`
		Msgs  []struct {
			Key  string `json:"key"`
			Text string `json:"text"`
		} `json:"msgs"`
	}
	if err := b.Chrome(fmt.Sprintf("arguments[0] = %d;\n", n)+consoleJS, &res); err != nil {
		return nil, n, err
	}
	out := make([]ConsoleMessage, len(res.Msgs))
	for i, m := range res.Msgs {
		out[i] = ConsoleMessage{m.Key, m.Text}
	}
	return out, res.Count, nil
}

// NewWindow opens a new tab and returns its handle; the session stays in
// the current one until SwitchTo.
func (b *Browser) NewWindow() (string, error) {
	res, err := b.call("WebDriver:NewWindow", map[string]any{"type": "tab"})
	if err != nil {
		return "", err
	}
	var v struct {
		Handle string `json:"handle"`
	}
	if err := json.Unmarshal(res, &v); err != nil {
		return "", err
	}
	return v.Handle, nil
}

// SwitchTo makes the window with handle the session's current one.
func (b *Browser) SwitchTo(handle string) error {
	_, err := b.call("WebDriver:SwitchToWindow", map[string]any{"handle": handle, "focus": false})
	return err
}

// Window returns the handle of the current window.
func (b *Browser) Window() (string, error) {
	res, err := b.call("WebDriver:GetWindowHandle", map[string]any{})
	if err != nil {
		return "", err
	}
	var v struct {
		Value string `json:"value"`
	}
	err = json.Unmarshal(res, &v)
	return v.Value, err
}

// CloseWindow closes the current window.
func (b *Browser) CloseWindow() error {
	_, err := b.call("WebDriver:CloseWindow", map[string]any{})
	return err
}
