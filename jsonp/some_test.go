package jsonp

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// TestSameOriginMethodExecutionGadgetsRefused is the regression test of
// issue 11, bug 9: callbacks such as document.write, location.assign and
// opener.document.body.click were accepted, and a page could make the
// endpoint's script call them in the endpoint's origin.
func TestSameOriginMethodExecutionGadgetsRefused(t *testing.T) {
	j := mustNew(t, Config{})
	for _, cb := range []string{
		// Rooted at an object that reaches windows, the document or navigation.
		"document.write",
		"location.assign",
		"location.replace",
		"opener.document.body.click",
		"window.opener.close",
		"self.close",
		"top.location.reload",
		"parent.postMessage",
		"frames.close",
		"globalThis.print",
		"history.back",
		"navigation.reload",
		"localStorage.clear",
		"cookieStore.delete_", // any member: the root decides
		"navigator.sendBeacon",
		"document",
		"opener",
		// Bare methods of the window.
		"close", "stop", "print", "open", "focus", "blur", "alert",
		"confirm", "prompt", "postMessage", "scroll", "scrollTo",
		"scrollBy", "moveTo", "resizeTo", "find", "requestAnimationFrame",
		"reportError", "fetch", "dispatchEvent",
		// Actions on an element reached by its id, a global name.
		"deleteAccount.click",
		"transferForm.submit",
		"transferForm.requestSubmit",
		"app.dialog.showModal",
		"frame.contentWindow.close",
	} {
		t.Run(cb, func(t *testing.T) {
			err := ValidateCallback(cb, DefaultMaxCallbackLength)
			var ce *CallbackError
			if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "Same-Origin Method Execution") {
				t.Fatalf("ValidateCallback(%q) = %v, want a Same-Origin Method Execution refusal", cb, err)
			}
			w := serve(t, j, api(`{"a":1}`), "GET", "/?callback="+url.QueryEscape(cb))
			if w.Code != http.StatusBadRequest || strings.Contains(w.Header().Get("Content-Type"), "javascript") {
				t.Fatalf("served %q: %d %s %q", cb, w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			if !strings.Contains(w.Body.String(), "Same-Origin Method Execution") {
				t.Fatalf("refusal does not say why: %q", w.Body)
			}
		})
	}
	// Names that only look like gadgets stay valid.
	for _, cb := range []string{
		"onClose", "closeDialog", "printer", "windowLoaded", "documentReady",
		"app.print", "app.open.done", "console.log", "myWindow", "jQuery360_1",
		"angular.callbacks._0", "app.click.count",
	} {
		if err := ValidateCallback(cb, DefaultMaxCallbackLength); err != nil {
			t.Errorf("ValidateCallback(%q) = %v, want nil", cb, err)
		}
	}
}

func TestCallbackPattern(t *testing.T) {
	j := mustNew(t, Config{CallbackPattern: `jQuery[0-9]+_[0-9]+`})
	for target, status := range map[string]int{
		"/?callback=jQuery360_1700000000":   200,
		"/?callback=jQuery1_2.x":            400, // anchored at the end
		"/?callback=x.jQuery1_2":            400, // anchored at the start
		"/?callback=jQuery1":                400,
		"/?callback=alert(1)//jQuery1_2":    400, // invalid before the pattern is asked
		"/?callback=" + "cb":                400,
		"/?other=1":                         200, // pass-through
		"/?callback=jQuery1_2%0AjQuery3_4":  400,
		"/?callback=jQuery1_2&callback=cb":  400,
		"/?callback=jQuery000_000000000000": 200,
	} {
		if w := serve(t, j, api(`1`), "GET", target); w.Code != status {
			t.Errorf("%s: %d, want %d (%s)", target, w.Code, status, w.Body)
		}
	}

	// An alternation cannot escape the anchors.
	j = mustNew(t, Config{CallbackPattern: `a|b`})
	for target, status := range map[string]int{"/?callback=a": 200, "/?callback=b": 200, "/?callback=ab": 400, "/?callback=xb": 400} {
		if w := serve(t, j, api(`1`), "GET", target); w.Code != status {
			t.Errorf("a|b %s: %d, want %d", target, w.Code, status)
		}
	}

	// The pattern never widens ValidateCallback: gadgets stay refused.
	j = mustNew(t, Config{CallbackPattern: `.*`})
	for _, cb := range []string{"opener.document.body.click", "close", "a[0]"} {
		if w := serve(t, j, api(`1`), "GET", "/?callback="+url.QueryEscape(cb)); w.Code != 400 {
			t.Errorf(".* let %q through: %d", cb, w.Code)
		}
	}

	// With Callbacks, listed or matching is enough.
	j = mustNew(t, Config{Callbacks: []string{"legacy.done"}, CallbackPattern: `cb[0-9]+`})
	for target, status := range map[string]int{"/?callback=legacy.done": 200, "/?callback=cb7": 200, "/?callback=cb": 400, "/?callback=legacy": 400} {
		if w := serve(t, j, api(`1`), "GET", target); w.Code != status {
			t.Errorf("both %s: %d, want %d", target, w.Code, status)
		}
	}

	for _, p := range []string{`a)|(b`, `(`, `[z-a]`, `a{2000}`, `\`} {
		_, err := New(Config{CallbackPattern: p})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "CallbackPattern" {
			t.Errorf("CallbackPattern %q: %v, want a CallbackPattern error", p, err)
		}
	}
}

// TestZeroResponder: the zero Responder works as New(Config{}) does,
// instead of refusing every callback as longer than 0 bytes and every
// response as larger than 0 bytes (issue 11, zero values).
func TestZeroResponder(t *testing.T) {
	var zero Responder
	made := mustNew(t, Config{})
	for _, target := range []string{"/?callback=cb", "/?callback=" + strings.Repeat("a", 128), "/?callback=" + strings.Repeat("a", 129), "/?=cb", "/?callback=close", "/?x=1"} {
		got := serve(t, &zero, api(`{"a":1}`), "GET", target)
		want := serve(t, made, api(`{"a":1}`), "GET", target)
		if got.Code != want.Code || got.Body.String() != want.Body.String() {
			t.Errorf("%s: zero value %d %q, New(Config{}) %d %q", target, got.Code, got.Body, want.Code, want.Body)
		}
	}
	if w := serve(t, &zero, api(`{"a":1}`), "GET", "/?callback=cb"); w.Code != 200 || !strings.HasPrefix(w.Body.String(), "/**/ typeof cb") {
		t.Fatalf("zero value: %d %q", w.Code, w.Body)
	}
	// The empty parameter name of the zero Config means "callback".
	j := mustNew(t, Config{Param: ""})
	if w := serve(t, j, api(`1`), "GET", "/?callback=cb"); w.Code != 200 {
		t.Fatalf("empty Param: %d", w.Code)
	}
}

func TestNilResponderPanicsClearly(t *testing.T) {
	for name, f := range map[string]func(){
		"nil Responder": func() { (*Responder)(nil).Handler(http.NotFoundHandler()) },
		"nil handler":   func() { (&Responder{}).Handler(nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "jsonp: ") {
					t.Fatalf("panic %q, want a jsonp: message at construction", msg)
				}
			}()
			f()
		})
	}
}

// TestGadgetListsDocumented keeps ValidateCallback's documentation, which
// lists every gadget name, in step with the tables.
func TestGadgetListsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "callback.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "ValidateCallback" {
			doc = fd.Doc.Text()
		}
	}
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(doc, func(r rune) bool { return !(r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)) }) {
		words[w] = true
	}
	for name, table := range map[string]map[string]bool{"gadgetRoots": gadgetRoots, "windowMethods": windowMethods, "gadgetActions": gadgetActions} {
		for k := range table {
			if !words[k] {
				t.Errorf("%s holds %q, which ValidateCallback's documentation does not list", name, k)
			}
		}
	}
}
