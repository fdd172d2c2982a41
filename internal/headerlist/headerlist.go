// Package headerlist parses comma-separated lists of HTTP header names, such
// as Access-Control-Request-Headers, Access-Control-Allow-Headers and
// Access-Control-Expose-Headers, with strictly bounded work.
//
// Browsers send these lists lower-case, sorted, without spaces and on one
// field line. Other clients and intermediaries do not: they add optional
// whitespace, use upper case, or split the list over several field lines
// (some API gateways do). Both forms are accepted. What is not accepted is a
// list longer than the caller can possibly need: the total length of the
// field lines is checked against a budget before a single byte is scanned, so
// a hostile megabyte of commas costs as much as a rejected short list.
package headerlist

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/crossorigin/crossorigin/internal/fetch"
)

// MaxLines is the largest number of field lines a list may span. Browsers
// send one; gateways that split lists send a few.
const MaxLines = 16

// slack is the number of bytes a Set's budget grants each name beyond its
// length: one comma and optional whitespace on either side.
const slack = 6

// strays is the budget, in bytes, for empty elements (stray commas) that
// RFC 9110 asks recipients to tolerate.
const strays = 16

// WildcardBudget is the longest list, in bytes, that a wildcard Set
// accepts. A wildcard accepts unknown names, so the budget cannot be derived
// from the names; 4 KiB is far beyond what a real page requests.
const WildcardBudget = 4096

// ErrTooLong reports a list beyond the caller's budget.
var ErrTooLong = errors.New("headerlist: list too long")

// ErrInvalid reports an element that is not a valid header name.
var ErrInvalid = errors.New("headerlist: invalid header name")

// Parse returns the elements of the lists in lines, lower-cased, with
// optional whitespace trimmed and empty elements dropped, in order and with
// duplicates kept. It fails with ErrTooLong, before scanning, if lines span
// more than MaxLines field lines or more than limit bytes in total, and with
// ErrInvalid if an element is not a token.
func Parse(lines []string, limit int) ([]string, error) {
	if !fits(lines, limit) {
		return nil, ErrTooLong
	}
	var names []string
	for _, line := range lines {
		for elem := range strings.SplitSeq(line, ",") {
			elem = strings.Trim(elem, " \t")
			if elem == "" {
				continue
			}
			if !fetch.IsToken(elem) {
				return nil, fmt.Errorf("%w: %q", ErrInvalid, elem)
			}
			names = append(names, strings.ToLower(elem))
		}
	}
	return names, nil
}

// fits reports whether lines are at most MaxLines lines of at most limit
// bytes in total. Its cost does not depend on the length of the lines.
func fits(lines []string, limit int) bool {
	if len(lines) > MaxLines {
		return false
	}
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	return n <= limit
}

// Set is an immutable set of header names compared case-insensitively, as
// a server configures them; it answers whether a requested list is allowed.
// The zero Set is empty and allows only empty field lines.
type Set struct {
	names    []string // lower case, sorted, unique
	maxLen   int      // longest name
	budget   int      // longest list Allows scans
	wildcard bool     // "*": any name except those that must be listed
}

// NewSet returns the set of the given names. The name "*" makes the set a
// wildcard: it then allows any valid name except Authorization, which a
// wildcard never covers (Fetch standard, CORS-preflight fetch) and must be
// listed by name. Names that are not tokens are ignored; callers validate
// them first with fetch.IsToken.
func NewSet(names ...string) Set {
	var s Set
	for _, n := range names {
		if n == "*" {
			s.wildcard = true
			continue
		}
		if !fetch.IsToken(n) {
			continue
		}
		s.names = append(s.names, strings.ToLower(n))
	}
	slices.Sort(s.names)
	s.names = slices.Compact(s.names)
	for _, n := range s.names {
		s.maxLen = max(s.maxLen, len(n))
		s.budget += len(n) + slack
	}
	s.budget += strays
	if s.wildcard {
		s.budget = max(s.budget, WildcardBudget)
	}
	return s
}

// Len returns the number of names in s, not counting a wildcard.
func (s Set) Len() int { return len(s.names) }

// IsWildcard reports whether s was built with "*".
func (s Set) IsWildcard() bool { return s.wildcard }

// Names returns the names of s, lower-cased and sorted, without "*".
func (s Set) Names() []string { return slices.Clone(s.names) }

// Budget returns the longest list, in bytes over all field lines, that
// Allows examines; longer lists are refused unread.
func (s Set) Budget() int { return s.budget }

// Contains reports whether name, compared case-insensitively, is listed in
// s by name. It ignores the wildcard.
func (s Set) Contains(name string) bool {
	if len(name) > s.maxLen {
		return false
	}
	_, ok := s.search(name)
	return ok
}

// search looks name up by binary search, folding name's ASCII upper case.
func (s Set) search(name string) (int, bool) {
	lo, hi := 0, len(s.names)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := compareFold(s.names[m], name); {
		case c == 0:
			return m, true
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return lo, false
}

// Allows reports whether every element of the lists in lines is allowed by
// s: listed by name or, for a wildcard set, a valid name other than
// Authorization. Empty lists are allowed.
//
// The work is bounded by s, not by the input: lines beyond MaxLines field
// lines or Budget bytes are refused before they are read, and each element
// is compared only if it is no longer than the longest name of s. Allows
// does not allocate.
func (s Set) Allows(lines []string) bool {
	if !fits(lines, s.budget) {
		return false
	}
	cur := 0 // see allowsName
	for _, line := range lines {
		for line != "" {
			if line = s.skipSorted(line, &cur); line == "" {
				break
			}
			// Split at the next comma, the way RFC 9110 lists are split,
			// and trim optional whitespace. A name that is not a token is
			// never in the set; allowsName checks it for wildcards.
			// Names are short: a plain loop beats strings.IndexByte.
			i := 0
			for i < len(line) && line[i] != ',' {
				i++
			}
			name := line[:i]
			if i < len(line) {
				i++
			}
			line = line[i:]
			name = trimOWS(name)
			if name == "" {
				continue // RFC 9110 empty element
			}
			if !s.allowsName(name, &cur) {
				return false
			}
		}
	}
	return true
}

// FirstRefused returns the first element of the lists in lines that s
// does not allow, as it was sent (not lower-cased), so that a refusal can
// name it. It reads at most Budget bytes: if every element within them is
// allowed and the lines go on, or span more than MaxLines field lines, it
// returns "" and false. It returns "" and true if s allows the lists. It
// does not allocate.
func (s Set) FirstRefused(lines []string) (name string, ok bool) {
	if len(lines) > MaxLines {
		return "", false
	}
	left := s.budget
	cur := 0
	for _, line := range lines {
		cut := len(line) > left
		if cut {
			line = line[:left]
		}
		left -= len(line)
		for line != "" {
			i := strings.IndexByte(line, ',')
			if i < 0 {
				if cut {
					return "", false // the budget ends inside this element
				}
				i = len(line)
			}
			name := trimOWS(line[:i])
			line = line[min(i+1, len(line)):]
			if name != "" && !s.allowsName(name, &cur) {
				return name, false
			}
		}
	}
	return "", fits(lines, s.budget)
}

// skipSorted consumes from the front of line the names that come in the
// form browsers send: lower case, in the order of s.names, separated by
// bare commas. That is a prefix comparison per name, without splitting the
// list first. It returns the rest of line, from the first element not in
// that form, for the general path; cur is the cursor of allowsName.
func (s Set) skipSorted(line string, cur *int) string {
	c := *cur
	for line != "" && c < len(s.names) {
		n := s.names[c]
		if n[0] < line[0] {
			c++ // n sorts before the element, whatever follows its first byte
			continue
		}
		if len(line) < len(n) || line[:len(n)] != n || len(line) > len(n) && line[len(n)] != ',' {
			break
		}
		line = line[min(len(n)+1, len(line)):]
		c++
	}
	*cur = c
	return line
}

// allowsName reports whether the token name is allowed, using and
// advancing the sorted-order cursor cur.
func (s Set) allowsName(name string, cur *int) bool {
	if len(name) <= s.maxLen {
		// Fast path: browsers send lower-case names in sorted order, so a
		// cursor moving forward with plain comparisons finds each one.
		c := *cur
		for c < len(s.names) && s.names[c] != name && s.names[c] < name {
			c++
		}
		if c < len(s.names) && s.names[c] == name {
			*cur = c + 1
			return true
		}
		// Upper case, or out of order.
		if _, ok := s.search(name); ok {
			return true
		}
	}
	return s.wildcard && fetch.IsToken(name) && !equalFold(name, "authorization")
}

// trimOWS trims optional whitespace (spaces and tabs) from both ends of s.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// compareFold compares lower, which is lower case, with s folded to lower
// case, like strings.Compare.
func compareFold(lower, s string) int {
	n := min(len(lower), len(s))
	for i := 0; i < n; i++ {
		a, b := lower[i], toLower(s[i])
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(lower) < len(s):
		return -1
	case len(lower) > len(s):
		return 1
	}
	return 0
}

// equalFold reports whether s folded to lower case equals lower.
func equalFold(s, lower string) bool {
	return len(s) == len(lower) && compareFold(lower, s) == 0
}

func toLower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
