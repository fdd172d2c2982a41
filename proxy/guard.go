package proxy

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// specialPurpose lists the IANA special-purpose address blocks (IPv4 and
// IPv6) that a proxy on the public internet must never connect to:
// loopback, private and shared address space, link-local (which holds
// cloud metadata services), documentation and benchmarking ranges,
// multicast and reserved space, and the IPv6 forms that embed an IPv4
// address (IPv4-mapped, NAT64, 6to4, Teredo).
var specialPurpose = mustPrefixes(
	// IPv4
	"0.0.0.0/8",       // "this network"; 0.0.0.0 connects to the local host on Linux
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // shared address space (carrier-grade NAT)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata (169.254.169.254)
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // TEST-NET-1
	"192.31.196.0/24", // AS112-v4
	"192.52.193.0/24", // AMT
	"192.88.99.0/24",  // deprecated 6to4 relay anycast
	"192.168.0.0/16",  // private
	"192.175.48.0/24", // direct delegation AS112
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2
	"203.0.113.0/24",  // TEST-NET-3
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and 255.255.255.255
	// IPv6
	"::/128",         // unspecified
	"::1/128",        // loopback
	"::ffff:0:0/96",  // IPv4-mapped (unmapped and checked as IPv4 first)
	"::/96",          // deprecated IPv4-compatible
	"64:ff9b::/96",   // NAT64 well-known prefix
	"64:ff9b:1::/48", // local-use NAT64
	"100::/64",       // discard-only
	"2001::/23",      // IETF protocol assignments, includes Teredo 2001::/32
	"2001:db8::/32",  // documentation
	"2002::/16",      // 6to4, embeds an IPv4 address
	"3fff::/20",      // documentation
	"5f00::/16",      // segment routing SIDs
	"fc00::/7",       // unique-local, includes fd00::/8
	"fe80::/10",      // link-local
	"fec0::/10",      // deprecated site-local
	"ff00::/8",       // multicast
)

func mustPrefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// IsSpecialPurpose reports whether ip is in one of the IANA special-purpose
// ranges the proxy refuses by default. IPv4-mapped IPv6 addresses are
// judged as the IPv4 address they carry, and addresses with a zone are
// always special.
func IsSpecialPurpose(ip netip.Addr) bool {
	if !ip.IsValid() || ip.Zone() != "" {
		return true
	}
	ip = ip.Unmap()
	for _, p := range specialPurpose {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// A guard decides which addresses and ports the proxy may connect to. It
// runs for every connection attempt, after DNS and before connect.
type guard struct {
	allowPrivate []netip.Prefix
	allowPorts   map[int]bool
	resolver     Resolver
	dialer       net.Dialer
	// testHook, set only by tests, sees every address that passed the
	// checks, just before connect; an error stops the connection.
	testHook func(netip.AddrPort) error
}

// errBlocked is returned (wrapped in a *proxyError) when the guard refuses
// an address.
var errBlocked = errors.New("address not allowed")

// addrAllowed reports whether the proxy may connect to ip.
func (g *guard) addrAllowed(ip netip.Addr) bool {
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	ip = ip.Unmap()
	for _, p := range g.allowPrivate {
		if p.Contains(ip) {
			return true
		}
	}
	return !IsSpecialPurpose(ip)
}

func (g *guard) portAllowed(port int) bool {
	return g.allowPorts[port]
}

// control is the net.Dialer Control function: the last line of defence,
// which sees the exact address the kernel is asked to connect to.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &proxyError{class: classBlocked, err: errBlocked}
	}
	if !g.addrAllowed(ap.Addr()) || !g.portAllowed(int(ap.Port())) {
		return &proxyError{class: classBlocked, err: errBlocked}
	}
	if g.testHook != nil {
		return g.testHook(ap)
	}
	return nil
}

// dialContext resolves the host with the configured resolver, drops every
// address the guard refuses, and dials the rest in order. The dialer's
// Control checks each connection attempt again.
func (g *guard) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &proxyError{class: classBadTarget, err: err}
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 || !g.portAllowed(port) {
		return nil, &proxyError{class: classBlocked, err: errBlocked}
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		ips, err = g.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &proxyError{class: classDNS, err: err}
		}
	}
	allowed := ips[:0:0]
	for _, ip := range ips {
		if g.addrAllowed(ip) {
			allowed = append(allowed, ip)
		}
	}
	// Like net.Dialer with several addresses: each attempt gets an equal
	// share of the time left (at least 2 s), so that one blackholed
	// address does not use up the whole dial timeout.
	deadline := time.Now().Add(g.dialer.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	var firstErr error
	tried := 0
	for i, ip := range allowed {
		tried++
		share := time.Until(deadline) / time.Duration(len(allowed)-i)
		if share < 2*time.Second {
			share = min(2*time.Second, time.Until(deadline))
		}
		actx, cancel := context.WithTimeout(ctx, share)
		conn, err := g.dialer.DialContext(actx, network, netip.AddrPortFrom(ip.Unmap(), uint16(port)).String())
		cancel()
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if tried == 0 {
		if len(ips) == 0 {
			return nil, &proxyError{class: classDNS, err: errors.New("no addresses")}
		}
		return nil, &proxyError{class: classBlocked, err: errBlocked}
	}
	return nil, firstErr
}

func newGuard(c *Config) *guard {
	g := &guard{
		allowPrivate: c.AllowPrivate,
		allowPorts:   map[int]bool{80: true, 443: true},
		resolver:     c.Resolver,
	}
	for _, p := range c.AllowPorts {
		g.allowPorts[p] = true
	}
	if g.resolver == nil {
		g.resolver = net.DefaultResolver
	}
	g.dialer = net.Dialer{
		Timeout:   c.DialTimeout,
		KeepAlive: 30 * time.Second,
		Control:   g.control,
	}
	return g
}
