package cors

import "net/http"

// A refused preflight is answered 403 with a one-line text/plain body that
// names the first refused element, such as
//
//	cors: request header "x-api-key" is not allowed
//
// so that the browser's network panel shows why (its console only says
// that the preflight failed). Nothing else of the configuration is
// revealed: not what is allowed, not the other refused elements.

// bodies holds the bytes of refusal bodies. io.Writer implementations
// must not retain what they are given, but two requests must not write
// into the same bytes at the same time: carving keeps them apart without
// an allocation per refusal.
var bodies = newSlab[byte](16 << 10)

// maxQuoted is the longest request value, in bytes, that a refusal
// quotes; longer values are cut and marked with "...".
const maxQuoted = 128

// refuse answers a refused preflight.
func (cc *compiled) refuse(w http.ResponseWriter, r *http.Request, rs reason, origins, acrm, acrh []string) {
	if cc.omitRefusalReason {
		w.WriteHeader(failedPreflightStatus)
		return
	}
	what, value, quoted := cc.refused(rs, origins, acrm, acrh)
	n := len("cors: ") + len(what) + len("\n")
	clean := false
	if quoted {
		q, c := quotedLen(value)
		n += q + len(" is not allowed")
		clean = c
	}
	hint := hintOf(r)
	b := bodies.carve(hint, n)[:0]
	b = append(b, "cors: "...)
	b = append(b, what...)
	if quoted {
		b = appendQuoted(b, value, clean)
		b = append(b, " is not allowed"...)
	}
	b = append(b, '\n')
	ct := strs.carve(hint, 1)
	ct[0] = "text/plain; charset=utf-8"
	w.Header()["Content-Type"] = ct
	w.WriteHeader(failedPreflightStatus)
	_, _ = w.Write(b) // the client went away: nothing to do
}

// refused names what a preflight was refused for: a description and, if
// quoted, the refused value from the request that follows it.
func (cc *compiled) refused(rs reason, origins, acrm, acrh []string) (what, value string, quoted bool) {
	switch rs {
	case reasonManyOrigins:
		return "more than one Origin header", "", false
	case reasonOrigin:
		return "origin ", origins[0], true
	case reasonMethod:
		if len(acrm) != 1 {
			return "more than one Access-Control-Request-Method header", "", false
		}
		return "method ", acrm[0], true
	}
	if name, _ := cc.headers.FirstRefused(acrh); name != "" {
		return "request header ", name, true
	}
	return "Access-Control-Request-Headers is too long", "", false
}

// quotedWidth is the length of each byte in appendQuoted's output: 1 for
// printable ASCII, 2 for a quote or backslash, 4 (\xNN) for the rest.
var quotedWidth = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == '"' || c == '\\':
			t[c] = 2
		case c < 0x20 || c >= 0x7f:
			t[c] = 4
		default:
			t[c] = 1
		}
	}
	return t
}()

// quotedLen is the length of appendQuoted(nil, s, clean), and whether s
// is clean: nothing in it needs an escape.
func quotedLen(s string) (n int, clean bool) {
	n = 2
	if len(s) > maxQuoted {
		s = s[:maxQuoted]
		n += len("...")
	}
	var widths uint8 // the widths seen, or'ed: 1 if all are 1
	for i := 0; i < len(s); i++ {
		w := quotedWidth[s[i]]
		n += int(w)
		widths |= w
	}
	return n, widths <= 1
}

// appendQuoted appends s, cut to maxQuoted bytes, in double quotes, with
// quotes, backslashes and every byte outside printable ASCII escaped as in
// Go, so that the body stays one line of ASCII whatever the request sent.
// clean, from quotedLen, says that s needs no escape.
func appendQuoted(b []byte, s string, clean bool) []byte {
	const hex = "0123456789abcdef"
	cut := len(s) > maxQuoted
	if cut {
		s = s[:maxQuoted]
	}
	b = append(b, '"')
	if clean {
		b = append(b, s...)
	} else {
		for i := 0; i < len(s); i++ {
			switch c := s[i]; quotedWidth[c] {
			case 1:
				b = append(b, c)
			case 2:
				b = append(b, '\\', c)
			default:
				b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
			}
		}
	}
	b = append(b, '"')
	if cut {
		b = append(b, "..."...)
	}
	return b
}
