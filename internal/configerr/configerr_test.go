package configerr_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crossorigin/crossorigin/cors"
	"github.com/crossorigin/crossorigin/csrf"
	"github.com/crossorigin/crossorigin/internal/configerr"
	"github.com/crossorigin/crossorigin/jsonp"
	"github.com/crossorigin/crossorigin/origin"
	"github.com/crossorigin/crossorigin/proxy"
	"github.com/crossorigin/crossorigin/scan"
)

func TestErrorText(t *testing.T) {
	for _, tt := range []struct {
		e    configerr.Error
		want string
	}{
		{configerr.Error{Package: "cors", Field: "Origins", Value: "null", Problem: "never safe", Fix: "list a real origin"},
			`cors: Origins "null": never safe (fix: list a real origin)`},
		{configerr.Error{Package: "cors", Field: "Origins", Problem: "no origin is allowed"},
			`cors: Origins: no origin is allowed`},
		{configerr.Error{Package: "scan", Field: "Header", Value: "a\nb", Problem: "has LF", Fix: "remove it"},
			`scan: Header "a\nb": has LF (fix: remove it)`},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestList(t *testing.T) {
	l := configerr.New("x")
	if l.Err() != nil || l.Len() != 0 {
		t.Fatalf("empty List: %v, %d", l.Err(), l.Len())
	}
	cause := errors.New("cause")
	l.Add("A", "1", "bad", "fix")
	l.Wrap("B", "2", "worse", "", cause)
	l.Append(&configerr.Error{Field: "C", Problem: "worst"})
	err := l.Err()
	all := configerr.All(err)
	if l.Len() != 3 || len(all) != 3 {
		t.Fatalf("%d problems, All returns %d", l.Len(), len(all))
	}
	for _, e := range all {
		var ce *configerr.Error
		if !errors.As(e, &ce) || ce.Package != "x" {
			t.Errorf("%v: not an *Error of package x", e)
		}
	}
	if !errors.Is(err, cause) {
		t.Error("errors.Is does not reach the wrapped cause")
	}
	if got := configerr.All(nil); got != nil {
		t.Errorf("All(nil) = %v", got)
	}
	if got := configerr.All(cause); len(got) != 1 || got[0] != cause {
		t.Errorf("All(one error) = %v", got)
	}
}

// TestOneShape checks that every package that takes a Config reports its
// problems in the one shape: each joined problem is a *configerr.Error of
// that package, errors.As finds it through the package's own name, and its
// text starts with the package and the field.
func TestOneShape(t *testing.T) {
	for _, tt := range []struct {
		pkg  string
		err  error
		as   func(error) bool
		want int // problems
	}{
		{"cors", errorOnly(cors.New(cors.Config{Origins: []string{"null"}, MaxAge: 48 * time.Hour})),
			func(err error) bool { var ce *cors.ConfigError; return errors.As(err, &ce) }, 2},
		{"csrf", errorOnly(csrf.New(csrf.Config{TrustedOrigins: []string{"https://*.example.com", "not an origin"}})),
			func(err error) bool { var ce *csrf.ConfigError; return errors.As(err, &ce) }, 2},
		{"jsonp", errorOnly(jsonp.New(jsonp.Config{Param: "a&b", CredentialedCallers: []string{"x:"}})),
			func(err error) bool { var ce *jsonp.ConfigError; return errors.As(err, &ce) }, 2},
		{"proxy", errorOnly(proxy.New(proxy.Config{Origins: []string{"https://*.com"}, AllowPorts: []int{0}})),
			func(err error) bool { var ce *proxy.ConfigError; return errors.As(err, &ce) }, 2},
		{"scan", errorOnly(scan.New(scan.Config{Method: "A B", Concurrency: -1})),
			func(err error) bool { var ce *scan.ConfigError; return errors.As(err, &ce) }, 2},
	} {
		all := configerr.All(tt.err)
		if len(all) != tt.want {
			t.Errorf("%s: %d problems, want %d: %v", tt.pkg, len(all), tt.want, tt.err)
		}
		if !tt.as(tt.err) {
			t.Errorf("%s: errors.As does not find the package's ConfigError in %v", tt.pkg, tt.err)
		}
		for _, e := range all {
			var ce *configerr.Error
			if !errors.As(e, &ce) {
				t.Errorf("%s: %T is not a ConfigError: %v", tt.pkg, e, e)
				continue
			}
			if ce.Package != tt.pkg || ce.Field == "" || ce.Problem == "" {
				t.Errorf("%s: incomplete %#v", tt.pkg, ce)
			}
			if !strings.HasPrefix(e.Error(), tt.pkg+": "+ce.Field) {
				t.Errorf("%s: text %q does not start with the package and field", tt.pkg, e)
			}
			if strings.Contains(e.Error(), "--") {
				t.Errorf("%s: text %q names a command-line flag", tt.pkg, e)
			}
		}
	}
}

// TestOriginErrorWrapped checks that an origin that does not parse keeps
// its *origin.Error behind the ConfigError.
func TestOriginErrorWrapped(t *testing.T) {
	for _, err := range []error{
		errorOnly(cors.New(cors.Config{Origins: []string{"https://*.com"}})),
		errorOnly(csrf.New(csrf.Config{TrustedOrigins: []string{"https://a.example/path"}})),
		errorOnly(jsonp.New(jsonp.Config{CredentialedCallers: []string{"https://a.example/path"}})),
		errorOnly(proxy.New(proxy.Config{Origins: []string{"https://*.com"}})),
	} {
		var oe *origin.Error
		if !errors.As(err, &oe) {
			t.Errorf("no *origin.Error behind %v", err)
		}
	}
}

func errorOnly[T any](_ T, err error) error { return err }
