package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"

	"github.com/crossorigin/crossorigin/demo"
)

const demoSynopsis = `Usage: crossorigin demo [flags]

Start the two-origin playground: a page origin, an API origin with a live CORS
policy, and a CORS proxy in front of an upstream without CORS. Open the printed
URL, run a scenario, and compare what the browser did with what the browser
package predicted. Every server listens on loopback only. Ctrl-C stops it.`

// demoFields names the flag that sets each demo.Config port.
var demoFields = map[string]string{"PagePort": "page-port", "APIPort": "api-port", "ProxyPort": "proxy-port", "UpstreamPort": "upstream-port"}

// portOf returns the port of host:port.
func portOf(addr string) string {
	if _, p, err := net.SplitHostPort(addr); err == nil {
		return p
	}
	return addr
}

// runDemo starts the two-origin playground and serves it until ctx is
// cancelled (SIGINT or SIGTERM), then shuts it down gracefully.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cl := newCmdLine("demo", demoSynopsis, "Exit status: 0 stopped cleanly, 2 usage or runtime error.")
	fs := cl.FlagSet
	var cfg demo.Config
	fs.StringVar(&cfg.ListenHost, "listen-host", "127.0.0.1", "IPv4 loopback `ADDRESS` every server listens on, e.g. 127.0.0.2 (127.0.0.1 is addressed as localhost)")
	fs.IntVar(&cfg.PagePort, "page-port", 3000, "`PORT` of the page origin (http://localhost:PORT), e.g. 8000; 0 picks a free one")
	fs.IntVar(&cfg.APIPort, "api-port", 3001, "`PORT` of the API origin, e.g. 8001; 0 picks a free one")
	fs.IntVar(&cfg.ProxyPort, "proxy-port", 3002, "`PORT` of the CORS proxy, e.g. 8002; 0 picks a free one")
	fs.IntVar(&cfg.UpstreamPort, "upstream-port", 0, "`PORT` of the upstream without CORS behind the proxy, e.g. 8003; 0 picks a free one")
	pos, help := cl.Parse(args)
	if help {
		cl.Help(stdout)
		return 0
	}
	for _, a := range pos {
		cl.Problem(fmt.Sprintf("unexpected argument %q: demo takes only flags", a))
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"page-port", cfg.PagePort}, {"api-port", cfg.APIPort}, {"proxy-port", cfg.ProxyPort}, {"upstream-port", cfg.UpstreamPort}} {
		if p.v < 0 || p.v > 65535 {
			cl.Bad(p.name, strconv.Itoa(p.v), "want a port from 0 to 65535")
		}
	}
	if code, failed := cl.Failed(stderr); failed {
		return code
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	d, err := demo.Listen(cfg)
	var le *demo.ListenError
	if errors.As(err, &le) && le.InUse() {
		cl.Bad(demoFields[le.Field], portOf(le.Addr), "port "+portOf(le.Addr)+" for the "+le.Server+" server is already in use; pick another (or stop the program that holds it)")
		code, _ := cl.Failed(stderr)
		return code
	}
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
