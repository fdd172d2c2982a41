package origin

import (
	"errors"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// A Matcher reports whether an origin belongs to a set of patterns. It is
// immutable and safe for concurrent use.
type Matcher struct {
	any      bool
	null     bool
	exact    map[string]struct{} // serialized origins, when there are many
	few      []string            // serialized origins, when there are at most maxFew
	anyPort  map[string]struct{} // "scheme://host" whose every port matches
	wild     []wildGroup
	patterns []Pattern
	// fastWild: the only patterns beyond exact origins are subdomain
	// patterns in small groups with a fixed port, over names: Match can
	// then compare the raw origin with each group's prefix and suffixes
	// and check only the labels in between (see matchWildFast).
	fastWild bool
}

// A wildGroup holds the subdomain patterns of one scheme and port.
type wildGroup struct {
	scheme  string
	port    int
	anyPort bool
	// dotBases holds "." + base domain while the group is small: a few
	// suffix comparisons beat a walk through the trie's maps.
	dotBases []string
	root     *labelNode
	// prefix is "scheme://" and suffixes are the dotBases followed by
	// ":port" when the port is not the default, for matchWildFast.
	prefix     string
	portSuffix string
	suffixes   []string
}

// maxFew is the number of exact origins up to which Match compares them one
// by one instead of looking them up in a map.
const maxFew = 4

// maxLinearBases is the group size up to which bases are compared one by
// one; larger groups use the trie, whose cost does not grow with the size.
const maxLinearBases = 8

// labelNode is a node of a trie of host labels, read from the right.
type labelNode struct {
	children map[string]*labelNode
	base     bool // a pattern's base domain ends here: subdomains of it match
}

// Compile parses patterns and compiles them into a Matcher. It reports every
// pattern that does not parse, joined with errors.Join.
func Compile(patterns ...string) (*Matcher, error) {
	ps := make([]Pattern, 0, len(patterns))
	var errs []error
	for _, s := range patterns {
		p, err := ParsePattern(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ps = append(ps, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return NewMatcher(ps...), nil
}

// NewMatcher compiles parsed patterns into a Matcher.
func NewMatcher(ps ...Pattern) *Matcher {
	m := &Matcher{
		exact:    make(map[string]struct{}),
		anyPort:  make(map[string]struct{}),
		patterns: append([]Pattern(nil), ps...),
	}
	for _, p := range ps {
		switch {
		case !p.valid:
		case p.any:
			m.any = true
		case p.origin.IsOpaque():
			m.null = true
		case p.subdomains:
			g := m.group(p.origin.Scheme, p.origin.Port, p.anyPort)
			g.dotBases = append(g.dotBases, "."+p.origin.Host)
			n := g.root
			labels := strings.Split(p.origin.Host, ".")
			for i := len(labels) - 1; i >= 0; i-- {
				next := n.children[labels[i]]
				if next == nil {
					next = &labelNode{}
					if n.children == nil {
						n.children = make(map[string]*labelNode)
					}
					n.children[labels[i]] = next
				}
				n = next
			}
			n.base = true
		case p.anyPort:
			m.anyPort[p.origin.Scheme+"://"+hostForHeader(p.origin.Host)] = struct{}{}
		default:
			m.exact[p.origin.String()] = struct{}{}
		}
	}
	if len(m.exact) <= maxFew {
		// A few comparisons beat hashing the origin.
		m.few = slices.Sorted(maps.Keys(m.exact))
		clear(m.exact)
	}
	m.fastWild = len(m.wild) > 0 && len(m.anyPort) == 0
	for i := range m.wild {
		g := &m.wild[i]
		g.prefix = g.scheme + "://"
		if g.port != 0 {
			g.portSuffix = ":" + strconv.Itoa(g.port)
		}
		for _, b := range g.dotBases {
			g.suffixes = append(g.suffixes, b+g.portSuffix)
			// A base whose last label is numeric would make some hosts
			// parse as IPv4 addresses, which the fast path does not check.
			m.fastWild = m.fastWild && !ParsesAsIPv4(b[1:])
		}
		m.fastWild = m.fastWild && !g.anyPort && len(g.dotBases) <= maxLinearBases
	}
	return m
}

func hostForHeader(h string) string {
	if strings.IndexByte(h, ':') >= 0 {
		return "[" + h + "]"
	}
	return h
}

func (m *Matcher) group(scheme string, port int, anyPort bool) *wildGroup {
	for i := range m.wild {
		g := &m.wild[i]
		if g.scheme == scheme && g.port == port && g.anyPort == anyPort {
			return g
		}
	}
	m.wild = append(m.wild, wildGroup{scheme: scheme, port: port, anyPort: anyPort, root: &labelNode{}})
	return &m.wild[len(m.wild)-1]
}

// MatchesAny reports whether the set contains "*".
func (m *Matcher) MatchesAny() bool { return m.any }

// Patterns returns the patterns the Matcher was compiled from.
func (m *Matcher) Patterns() []Pattern { return append([]Pattern(nil), m.patterns...) }

// Match reports whether origin, the raw value of an Origin header, is in
// the set. Only canonical serializations match, the form browsers send:
// "https://EXAMPLE.com" or "https://example.com:443" match nothing (except
// "*", which matches any value). Match does not allocate; its cost is
// independent of the number of exact origins and linear in len(origin).
func (m *Matcher) Match(origin string) bool {
	// The few exact origins first, in a function small enough to inline:
	// they are canonical, so an equal origin needs no other check.
	for _, o := range m.few {
		if o == origin {
			return true
		}
	}
	return m.match(origin)
}

// match is Match beyond the few exact origins.
func (m *Matcher) match(origin string) bool {
	if m.any {
		return true
	}
	if len(origin) > MaxLength {
		return false
	}
	if origin == "null" {
		return m.null
	}
	if len(m.exact) > 0 { // saves hashing origin when only patterns are set
		if _, ok := m.exact[origin]; ok {
			return true
		}
	}
	if len(m.anyPort) == 0 && len(m.wild) == 0 {
		return false
	}
	if m.fastWild {
		return m.matchWildFast(origin)
	}
	c, ok := splitCanonical(origin)
	if !ok {
		return false
	}
	if len(m.anyPort) > 0 {
		if _, ok := m.anyPort[origin[:c.hostEnd]]; ok {
			return true
		}
	}
	if c.bracketed {
		return false // no subdomain wildcards over IP addresses
	}
	scheme := origin[:c.schemeEnd]
	host := origin[c.schemeEnd+3 : c.hostEnd]
	for i := range m.wild {
		g := &m.wild[i]
		if g.scheme != scheme || !g.anyPort && g.port != c.port {
			continue
		}
		if len(g.dotBases) <= maxLinearBases {
			for _, b := range g.dotBases {
				// len(host) > len(b): at least one non-empty label is
				// left, since splitCanonical refused a leading dot.
				if len(host) > len(b) && strings.HasSuffix(host, b) {
					return true
				}
			}
		} else if g.root.matchSubdomain(host) {
			return true
		}
	}
	return false
}

// matchWildFast is Match for a fastWild Matcher. A group's prefix and one
// of its suffixes, which were canonical when compiled, bracket the labels
// that the subdomain wildcard stands for; what splitCanonical would check
// of the whole origin then comes down to those labels (host bytes, no
// empty label) and the host's length.
func (m *Matcher) matchWildFast(origin string) bool {
	for i := range m.wild {
		g := &m.wild[i]
		if !strings.HasPrefix(origin, g.prefix) {
			continue
		}
		rest := origin[len(g.prefix):]
		host := rest[:len(rest)-min(len(rest), len(g.portSuffix))]
		if len(host) > 254 || len(host) == 254 && host[253] != '.' {
			continue
		}
		for _, suf := range g.suffixes {
			if len(rest) > len(suf) && strings.HasSuffix(rest, suf) && validLabels(rest[:len(rest)-len(suf)]) {
				return true
			}
		}
	}
	return false
}

// validLabels reports whether s is one or more non-empty labels of a
// canonical host name, without a leading or trailing dot.
func validLabels(s string) bool {
	if s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	prev := uint8(0)
	for i := 0; i < len(s); i++ {
		cl := byteClass[s[i]]
		if cl&classHost == 0 || cl&prev&classDot != 0 {
			return false
		}
		prev = cl
	}
	return true
}

// matchSubdomain walks host's labels from the right and reports whether a
// base domain is reached with at least one label left over.
func (n *labelNode) matchSubdomain(host string) bool {
	end := len(host)
	for end > 0 && n != nil {
		i := strings.LastIndexByte(host[:end], '.')
		n = n.children[host[i+1:end]]
		if n == nil || i < 0 {
			return false
		}
		if n.base {
			return true // host[:i] is non-empty: splitCanonical refused empty labels
		}
		end = i
	}
	return false
}

// IsSerialized reports whether s is a tuple origin exactly as browsers
// serialize it in an Origin header: s parses and Parse(s).String() == s,
// and s is not "null". It does not allocate, and costs less than Parse.
func IsSerialized(s string) bool {
	if len(s) > MaxLength {
		return false
	}
	_, ok := splitCanonical(s)
	return ok
}

// canonical describes a canonically serialized tuple origin.
type canonical struct {
	schemeEnd int  // index of "://"
	hostEnd   int  // end of the host (start of ":port" or of nothing)
	port      int  // 0 when absent
	bracketed bool // IPv6 host
}

// Byte classes of the canonical serialization, for splitCanonical: one
// table load per byte instead of a chain of comparisons.
const (
	classScheme = 1 << iota // may follow the first letter of a scheme
	classHost               // may appear in a canonical host name
	classDot                // '.'
)

var byteClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = classScheme | classHost
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = classScheme | classHost
	}
	t['+'] = classScheme
	t['-'] = classScheme | classHost
	t['.'] = classScheme | classHost | classDot
	t['_'] = classHost
	return t
}()

// splitCanonical checks, without allocating, that s is exactly what
// Parse(s).String() would return, and splits it.
func splitCanonical(s string) (canonical, bool) {
	var c canonical
	// The scheme: a lower-case letter, then letters, digits, '+', '-' or
	// '.', up to the first "://" (':' is not a scheme byte).
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return c, false
	}
	i := 1
	for i < len(s) && byteClass[s[i]]&classScheme != 0 {
		i++
	}
	if len(s)-i < 3 || s[i] != ':' || s[i+1] != '/' || s[i+2] != '/' {
		return c, false
	}
	c.schemeEnd = i
	rest := s[i+3:]
	hostLen := 0
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return c, false
		}
		a, err := netip.ParseAddr(rest[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return c, false
		}
		var buf [48]byte
		if string(appendIPv6(buf[:0], a)) != rest[1:end] {
			return c, false
		}
		c.bracketed = true
		hostLen = end + 1
	} else {
		// One pass over the host name checks its bytes and finds where
		// it ends: ':' is not a host byte.
		var ok bool
		if hostLen, ok = scanName(rest); !ok {
			return c, false
		}
	}
	if hostLen < len(rest) {
		p := rest[hostLen:]
		if len(p) < 2 || p[0] != ':' || p[1] == '0' {
			return c, false
		}
		n, ok := parsePort(p[1:])
		if !ok || n == defaultPort(s[:i]) {
			return c, false
		}
		c.port = n
	}
	c.hostEnd = i + 3 + hostLen
	return c, true
}

// scanName scans the host name at the start of s, up to the end of s or a
// byte that cannot be part of one, and reports its length and whether it
// is in the form canonicalHost returns.
func scanName(s string) (int, bool) {
	prev := uint8(0)
	n := 0
	for n < len(s) {
		cl := byteClass[s[n]]
		if cl&classHost == 0 {
			break
		}
		if cl&prev&classDot != 0 {
			return n, false // empty label
		}
		prev = cl
		n++
	}
	h := s[:n]
	if h == "" || len(h) > 254 || len(h) == 254 && h[253] != '.' || h[0] == '.' {
		return n, false
	}
	return n, !ParsesAsIPv4(h) || isCanonicalIPv4(h)
}

// isCanonicalIPv4 reports whether s is a dotted-decimal IPv4 address with
// no leading zeros.
func isCanonicalIPv4(s string) bool {
	for part := 0; part < 4; part++ {
		if part > 0 {
			if s == "" || s[0] != '.' {
				return false
			}
			s = s[1:]
		}
		n, j := 0, 0
		for j < len(s) && isDigit(s[j]) && j < 3 {
			n = n*10 + int(s[j]-'0')
			j++
		}
		if j == 0 || n > 255 || j > 1 && s[0] == '0' {
			return false
		}
		s = s[j:]
	}
	return s == ""
}
