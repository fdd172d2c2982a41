package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/crossorigin/crossorigin/demo"
)

// runDemo starts the two-origin playground and serves it until ctx is
// cancelled (SIGINT or SIGTERM), then shuts it down gracefully.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg demo.Config
	fs.StringVar(&cfg.ListenHost, "listen-host", "127.0.0.1", "IPv4 loopback `address` every server listens on (127.0.0.1 is addressed as localhost)")
	fs.IntVar(&cfg.PagePort, "page-port", 3000, "`port` of the page origin (http://localhost:PORT); 0 picks a free one")
	fs.IntVar(&cfg.APIPort, "api-port", 3001, "`port` of the API origin; 0 picks a free one")
	fs.IntVar(&cfg.ProxyPort, "proxy-port", 3002, "`port` of the CORS proxy; 0 picks a free one")
	fs.IntVar(&cfg.UpstreamPort, "upstream-port", 0, "`port` of the upstream without CORS behind the proxy; 0 picks a free one")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crossorigin demo [flags]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Start the two-origin playground: a page origin, an API origin with a live CORS")
		fmt.Fprintln(stderr, "policy, and a CORS proxy in front of an upstream without CORS. Open the printed")
		fmt.Fprintln(stderr, "URL, run a scenario, and compare what the browser did with what the browser")
		fmt.Fprintln(stderr, "package predicted. Every server listens on loopback only. Ctrl-C stops it.")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Flags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "crossorigin demo: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"--page-port", cfg.PagePort}, {"--api-port", cfg.APIPort}, {"--proxy-port", cfg.ProxyPort}, {"--upstream-port", cfg.UpstreamPort}} {
		if p.v < 0 || p.v > 65535 {
			fmt.Fprintf(stderr, "crossorigin demo: %s %d: want a port from 0 to 65535\n", p.name, p.v)
			return 2
		}
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	d, err := demo.Listen(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "crossorigin", err)
		return 2
	}
	fmt.Fprintf(stdout, "crossorigin playground: open %s/\n", d.PageURL)
	fmt.Fprintf(stdout, "  page origin  %s\n  API origin   %s\n  CORS proxy   %s\n  upstream     %s (no CORS)\n", d.PageURL, d.APIURL, d.ProxyURL, d.UpstreamURL)
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	if err := d.Serve(ctx); err != nil {
		fmt.Fprintln(stderr, "crossorigin demo:", err)
		return 2
	}
	fmt.Fprintln(stdout, "crossorigin playground stopped.")
	return 0
}
