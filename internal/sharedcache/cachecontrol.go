package sharedcache

import (
	"net/http"
	"strconv"
	"strings"
)

// directives holds the Cache-Control directives of one message (RFC 9111
// section 5.2), names in lower case, values unquoted. A directive that
// appears more than once with different values is recorded as conflicting:
// section 4.2.1 says a cache should then treat the response as stale.
type directives struct {
	m         map[string]string
	conflicts map[string]bool
}

// maxDirectives bounds the work done on an attacker's Cache-Control header.
const maxDirectives = 32

func parseCacheControl(h http.Header) directives {
	d := directives{}
	n := 0
	for _, line := range h.Values("Cache-Control") {
		for line != "" && n < maxDirectives {
			var item string
			item, line = nextItem(line)
			name, value, hasValue := strings.Cut(item, "=")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			n++
			if hasValue {
				value = unquote(strings.TrimSpace(value))
			}
			d.set(name, value)
		}
	}
	return d
}

func (d *directives) set(name, value string) {
	if d.m == nil {
		d.m = make(map[string]string)
	}
	if old, ok := d.m[name]; ok && old != value {
		if d.conflicts == nil {
			d.conflicts = make(map[string]bool)
		}
		d.conflicts[name] = true
	}
	d.m[name] = value
}

// has reports whether the directive is present.
func (d directives) has(name string) bool {
	_, ok := d.m[name]
	return ok
}

// seconds returns a delta-seconds directive's value (RFC 9111 section
// 1.2.2). ok is false when the directive is absent; valid is false when it
// is present but malformed or conflicting, which makes a response stale.
func (d directives) seconds(name string) (secs int64, ok, valid bool) {
	v, ok := d.m[name]
	if !ok {
		return 0, false, false
	}
	if d.conflicts[name] || v == "" {
		return 0, true, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, true, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		// Section 1.2.2: a value too large is taken as the greatest one.
		return maxAgeSeconds, true, true
	}
	return n, true, true
}

// maxAgeSeconds is 2^31, the greatest delta-seconds RFC 9111 asks caches
// to honour.
const maxAgeSeconds = 1 << 31

// nextItem splits off the first comma-separated element of a list, leaving
// commas inside quoted strings alone.
func nextItem(s string) (item, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
