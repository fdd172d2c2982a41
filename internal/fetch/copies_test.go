package fetch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// copyRules say when a file holds a copy of one of this package's tables:
// as many distinct string literals that the predicate accepts as the
// threshold. Literals are compared as written, so that "Connection" in a
// list of hop-by-hop headers (canonical case, another list) does not count,
// while a lower-case copy of the forbidden list does.
var copyRules = []struct {
	table     string
	match     func(string) bool
	threshold int
}{
	{"forbidden request-header names", func(s string) bool {
		return forbiddenRequestHeaders[s] || s == "proxy-" || s == "sec-"
	}, 3},
	{"method-override header names", func(s string) bool {
		return s == "x-http-method" || s == "x-http-method-override" || s == "x-method-override"
	}, 1},
	{"forbidden methods", func(s string) bool { return IsForbiddenMethod(s) && s == strings.ToUpper(s) }, 2},
	{"normalized methods", func(s string) bool { return slices.Contains(normalizedMethods[:], s) }, len(normalizedMethods)},
	{"CORS-safelisted response-header names", func(s string) bool {
		return IsCORSSafelistedResponseHeaderName(s) && s == strings.ToLower(s)
	}, 4},
	{"CORS-safelisted request-header names", func(s string) bool {
		return IsCORSSafelistedRequestHeaderName(s) && s == strings.ToLower(s)
	}, 4},
	{"request-body-header names", func(s string) bool {
		return IsRequestBodyHeaderName(s) && s == strings.ToLower(s) && s != "content-type" && s != "content-language"
	}, 2},
	{"token characters", func(s string) bool {
		// The characters themselves, not a sentence that lists them.
		return s == "!#$%&'*+-.^_`|~" || strings.Contains(s, `"(),/:;<=>?@[\]{}`)
	}, 1},
}

// TestNoCopies fails when a non-test Go file of the module outside this
// package holds its own copy of one of the Fetch tables: they are kept
// here once, so that they cannot drift apart again (they did: csrf and
// cors once disagreed on Access-Control-Request-Private-Network).
func TestNoCopies(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	self, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || path == self) {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module: e2e, bench, adapters
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		rel, _ := filepath.Rel(root, path)
		for _, c := range copiedTables(t, path) {
			t.Errorf("%s holds a copy of the Fetch standard's %s (%s); use package internal/fetch", rel, c.table, strings.Join(c.literals, ", "))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("only %d files examined: the walk missed the module", files)
	}
}

type copied struct {
	table    string
	literals []string
}

// copiedTables returns the tables that the file at path copies.
func copiedTables(t *testing.T, path string) []copied {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var lits []string
	ast.Inspect(f, func(n ast.Node) bool {
		if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING {
			if s, err := strconv.Unquote(b.Value); err == nil && !slices.Contains(lits, s) {
				lits = append(lits, s)
			}
		}
		return true
	})
	var out []copied
	for _, r := range copyRules {
		var hits []string
		for _, s := range lits {
			if r.match(s) {
				hits = append(hits, strconv.Quote(s))
			}
		}
		if len(hits) >= r.threshold {
			out = append(out, copied{r.table, hits})
		}
	}
	return out
}

// TestCopiedTables checks that the rules catch the copies they are for.
func TestCopiedTables(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		src  string
		want string
	}{
		{`var forbidden = []string{"cookie", "host", "keep-alive"}`, "forbidden request-header names"},
		{`func f(s string) bool { return strings.HasPrefix(s, "proxy-") || strings.HasPrefix(s, "sec-") || s == "via" }`, "forbidden request-header names"},
		{`var m = []string{"CONNECT", "TRACE", "TRACK"}`, "forbidden methods"},
		{`var m = []string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}`, "normalized methods"},
		{`var m = map[string]bool{"cache-control": true, "expires": true, "last-modified": true, "pragma": true}`, "CORS-safelisted response-header names"},
		{`var m = []string{"accept", "accept-language", "content-language", "content-type", "range"}`, "CORS-safelisted request-header names"},
		{`const d = "\"(),/:;<=>?@[\\]{}"`, "token characters"},
		{`var hop = []string{"Connection", "Keep-Alive", "Upgrade", "TE"}`, ""},
		{`var m = []string{"GET", "HEAD", "OPTIONS"}`, ""},
	} {
		path := filepath.Join(dir, "x.go")
		if err := os.WriteFile(path, []byte("package x\n"+tt.src+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got := ""
		if c := copiedTables(t, path); len(c) > 0 {
			got = c[0].table
		}
		if got != tt.want {
			t.Errorf("%s: found %q, want %q", tt.src, got, tt.want)
		}
	}
}
