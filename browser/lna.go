package browser

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// AddressSpace is the IP address space of Local Network Access: where an
// address lives, from the least private to the most. The zero value is
// UnknownSpace.
type AddressSpace int

// The Local Network Access errors. Param is the target's address space.
const (
	// InsecureLocalNetwork: a page that is not a secure context (plain
	// http, a data: document) asked for a more private address space;
	// Chromium refuses it whatever the permission (measured: case
	// TestDataPageToLoopbackChromium of e2e/lna).
	InsecureLocalNetwork Reason = "InsecureLocalNetwork"
	// LocalNetworkAccessPermissionDenied: a secure page asked for a more
	// private address space without the local-network-access permission
	// (measured: TestSecurePublicPageToLoopbackChromium, with Chromium told
	// the page is public and secure).
	LocalNetworkAccessPermissionDenied Reason = "LocalNetworkAccessPermissionDenied"
)

// localNetworkFix says what to do about a Local Network Access error.
func localNetworkFix(reason Reason, space string) Fix {
	f := Fix{
		CORSConfig: "not a CORS setting: Local Network Access is the browser's, not the server's",
		Advice:     "A page from a less private address space may reach the " + space + " one only from a secure context (https) and with the user's local-network-access permission; serve the page from the same address space, or from https and ask for the permission.",
	}
	if reason == InsecureLocalNetwork {
		f.Advice = "The page is not a secure context, so Chromium never lets it reach the " + space + " address space: serve the page over https (and the user must grant local-network-access), or from the same address space as the API."
	}
	return f
}

// The address spaces.
const (
	UnknownSpace  AddressSpace = iota // not known: Local Network Access is not checked
	PublicSpace                       // the internet
	PrivateSpace                      // the local network: RFC 1918, link-local, unique local addresses
	LoopbackSpace                     // this machine: 127.0.0.0/8, ::1, localhost
)

func (s AddressSpace) String() string {
	switch s {
	case PublicSpace:
		return "public"
	case PrivateSpace:
		return "private"
	case LoopbackSpace:
		return "loopback"
	}
	return "unknown"
}

// privatePrefixes are the non-public, non-loopback ranges of the Private
// Network Access specification's table, which Local Network Access kept.
var privatePrefixes = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
}

// AddressSpaceOf returns the address space of an IP address (an
// IPv4-mapped IPv6 address counts as its IPv4 address).
func AddressSpaceOf(ip netip.Addr) AddressSpace {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return UnknownSpace
	}
	if ip.IsLoopback() {
		return LoopbackSpace
	}
	for _, p := range privatePrefixes {
		if p.Contains(ip) {
			return PrivateSpace
		}
	}
	return PublicSpace
}

// hostSpace returns the address space a host name or IP literal tells by
// itself: an IP address's, loopback for localhost and its subdomains,
// unknown for any other name.
func hostSpace(host string) AddressSpace {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return AddressSpaceOf(ip)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return LoopbackSpace
	}
	return UnknownSpace
}

// pageSpace is the page's address space: Transport.PageAddressSpace, or
// what the origin's host tells.
func (f *fetch) pageSpace() AddressSpace {
	if f.t.PageAddressSpace != UnknownSpace {
		return f.t.PageAddressSpace
	}
	if f.page.IsOpaque() {
		return UnknownSpace
	}
	return hostSpace(f.page.Host)
}

// targetSpace is the address space of the current URL's host: what the
// name tells, or where DNS says it is; a name that does not resolve
// counts as public, the least private space, so it is never blocked.
func (f *fetch) targetSpace() AddressSpace {
	host := f.url.Hostname()
	if s := hostSpace(host); s != UnknownSpace {
		return s
	}
	ctx, cancel := context.WithTimeout(f.req.Context(), 2*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return PublicSpace
	}
	return AddressSpaceOf(ips[0])
}

// lnaPolicy is an engine's Local Network Access.
type lnaPolicy int

const (
	// lnaNone: no Local Network Access (WebKit).
	lnaNone lnaPolicy = iota
	// lnaChromium: Chromium 156's. A page in a less private address
	// space than the target (public to private or loopback, private to
	// loopback) is refused before anything is sent: outright when it is
	// not a secure context (InsecureLocalNetwork), and without the
	// local-network-access permission otherwise. A data: document counts
	// as public (e2e/lna: TestDataPageToLoopbackChromium).
	lnaChromium
	// lnaFirefox: Firefox 153's (network.lna.enabled and .blocking are
	// on): a page whose address space Firefox knows from its server is
	// held at a permission prompt, which nobody answers in a test, when
	// it asks for a more private space (e2e/lna:
	// TestPublicPageToLoopbackFirefox); a private page may reach
	// loopback (network.lna.local-network-to-localhost.skip-checks); a
	// page of an opaque origin is not checked (a data: document reaches
	// loopback: TestDataPageToLoopbackFirefoxAndWebKit).
	lnaFirefox
)

// checkLocalNetworkAccess applies the engine's Local Network Access to
// the request about to go to the current URL.
func (f *fetch) checkLocalNetworkAccess() error {
	policy := f.rules.localNetworkAccess
	if policy == lnaNone {
		return nil
	}
	page := f.pageSpace()
	if page == UnknownSpace || page == LoopbackSpace || policy == lnaFirefox && f.page.IsOpaque() {
		return nil
	}
	target := f.targetSpace()
	if target <= page || policy == lnaFirefox && page == PrivateSpace {
		return nil
	}
	secure := !f.page.IsOpaque() && f.page.IsPotentiallyTrustworthy()
	reason := LocalNetworkAccessPermissionDenied
	switch {
	case policy == lnaChromium && !secure:
		reason = InsecureLocalNetwork
	case f.t.LocalNetworkAccess:
		return nil
	}
	rule := fmt.Sprintf("Local Network Access: a page in the %s address space asks for the %s one", page, target)
	if reason == InsecureLocalNetwork {
		rule += ", and the page is not a secure context"
	} else {
		rule += " without the local-network-access permission"
	}
	f.step(Step{Kind: StepBlocked, URL: f.url.String(), Rule: rule, Reason: reason})
	return f.corsError(newError(reason, target.String(), f.requestOrigin(), false))
}
