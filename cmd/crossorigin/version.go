package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// runVersion prints the module version and the VCS revision the binary
// was built from, as the Go toolchain recorded them.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	cl := newCmdLine("version", "Usage: crossorigin version\n\nPrints the module version and the VCS revision the binary was built from.", "")
	pos, help := cl.Parse(args)
	if help {
		cl.Help(stdout)
		return 0
	}
	for _, a := range pos {
		cl.Problem(fmt.Sprintf("unexpected argument %q: version takes none", a))
	}
	if code, failed := cl.Failed(stderr); failed {
		return code
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(stderr, "crossorigin version: no build information in this binary")
		return 2
	}
	fmt.Fprintln(stdout, versionLine(info))
	return 0
}

// versionLine formats the build information in one line, such as
//
//	crossorigin v1.2.0 (revision 1a2b3c4d5e6f, 2026-12-08T01:00:00Z) go1.26.0
//
// A binary built from a checkout has the version (devel) and the revision
// of the checkout, marked "modified" when the tree had changes.
func versionLine(info *debug.BuildInfo) string {
	s := "crossorigin " + info.Main.Version
	var rev, at, modified string
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.time":
			at = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " (revision " + rev
		if at != "" {
			s += ", " + at
		}
		s += modified + ")"
	}
	return s + " " + info.GoVersion
}
