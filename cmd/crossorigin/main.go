// Command crossorigin is the command-line face of the crossorigin toolkit:
//
//	crossorigin check URL --origin ORIGIN   explain what Chromium does with a request
//	crossorigin scan URL...                 find CORS misconfigurations
//	crossorigin proxy                       run the SSRF-safe CORS proxy
//	crossorigin demo                        start the two-origin playground
//	crossorigin version                     print the version and VCS revision
//
// Exit codes: 0 fine, 1 the finding the command exists to report (blocked,
// vulnerable), 2 usage or runtime error.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// A command runs one subcommand and returns its exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"check", "explain what Chromium does with a cross-origin request", runCheck},
	{"scan", "probe URLs for CORS misconfigurations", runScan},
	{"proxy", "run the SSRF-safe CORS proxy", runProxy},
	{"demo", "start the two-origin playground", runDemo},
	{"version", "print the module version and VCS revision", runVersion},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks the command to stop and report; once it has
	// been delivered, a second one kills the process as usual.
	context.AfterFunc(ctx, stop)
	ownProcess = true
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// ownProcess says that the command runs as its own process, not inside a
// test: process-wide runtime settings are its to make.
var ownProcess bool

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stderr)
		return 2
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		usage(stdout)
		return 0
	case args[0] == "--version":
		return runVersion(ctx, nil, stdout, stderr)
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "crossorigin: unknown command %q\nsee 'crossorigin --help'\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: crossorigin <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-7s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'crossorigin <command> --help' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 fine, 1 blocked or vulnerable, 2 usage or runtime error.")
}
