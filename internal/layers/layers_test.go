package layers

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/crossorigin/crossorigin"

// layerOf returns the rank of a package of the module, given its path
// inside the module (0 is the top), or -1 for a package DESIGN.md does
// not place.
func layerOf(rel string) int {
	top, _, _ := strings.Cut(rel, "/")
	switch {
	case top == "cmd":
		return 0
	case top == "demo":
		return 1
	case top == "scan":
		return 2
	case strings.HasPrefix(rel, "proxy/"):
		return 3
	}
	for i, p := range []string{"proxy", "browser", "cors", "csrf", "jsonp", "origin", "internal"} {
		if top == p {
			return 4 + i
		}
	}
	return -1
}

// core are the packages that import only the standard library and
// golang.org/x (DESIGN.md, Dependencies); leaves under internal/ too.
var core = map[string]bool{"origin": true, "cors": true, "csrf": true, "jsonp": true, "browser": true, "scan": true}

// imports returns each package of the module (path inside the module)
// with its non-test imports, as go list gives them.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	s := bufio.NewScanner(bytes.NewReader(out))
	for s.Scan() {
		f := strings.Fields(s.Text())
		rel := strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/")
		pkgs[rel] = f[1:]
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	return pkgs
}

// isStd reports whether an import path is in the standard library: its
// first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func TestImportDirection(t *testing.T) {
	for pkg, imps := range imports(t) {
		rank := layerOf(pkg)
		if rank < 0 {
			t.Errorf("package %q has no place in DESIGN.md's table; add it there and to layerOf", pkg)
			continue
		}
		top, _, _ := strings.Cut(pkg, "/")
		for _, imp := range imps {
			rel, ours := strings.CutPrefix(imp, module+"/")
			switch {
			case ours && top == "internal" && !strings.HasPrefix(rel, "internal/"):
				t.Errorf("%s imports %s: leaves under internal/ import nothing of the module outside internal/", pkg, rel)
			case ours && top != "internal" && layerOf(rel) <= rank:
				t.Errorf("%s imports %s, which is not below it in DESIGN.md's table", pkg, rel)
			case !ours && !isStd(imp) && (core[top] || top == "internal") && !strings.HasPrefix(imp, "golang.org/x/"):
				t.Errorf("%s imports %s: core packages and internal leaves use only the standard library and golang.org/x", pkg, imp)
			}
		}
	}
}

// TestLayerOf checks the ranks against the table's order.
func TestLayerOf(t *testing.T) {
	order := []string{"cmd/crossorigin", "demo", "scan", "proxy/redislimit", "proxy", "browser", "cors", "csrf", "jsonp", "origin", "internal/fetch"}
	for i := 1; i < len(order); i++ {
		if layerOf(order[i-1]) >= layerOf(order[i]) {
			t.Errorf("%s is not above %s", order[i-1], order[i])
		}
	}
	if layerOf("newthing") != -1 {
		t.Error("an unknown package has a layer")
	}
	if layerOf("internal/headerlist") != layerOf("internal/fetch") {
		t.Error("internal leaves are one layer")
	}
}
