package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/crossorigin/crossorigin/internal/fetch"
)

// fetchInput is one fetch() to check: what the script asked for and what
// the browser adds on its own (the page's origin, the user's cookies).
type fetchInput struct {
	URL     string
	Method  string // "" means GET, or POST with a body
	Headers [][2]string
	Body    *string
	Cookie  string // the browser's cookies for the URL, "" when none
	Origin  string // the page's origin, "" when the input does not say
	Notes   []string
}

// maxCurlInput bounds the text of a curl command line.
const maxCurlInput = 1 << 20

// browserAdded reports the request headers that Chromium adds itself and
// that DevTools' "Copy as cURL" copies along with the script's: the
// forbidden ones, and a few a script could set but did not. They are not
// the script's, so they are not checked as if it had set them.
func browserAdded(lower string) bool {
	switch lower {
	case "accept-language", "priority", "upgrade-insecure-requests", "user-agent",
		"cache-control", "pragma": // DevTools' "Disable cache"
		return true
	}
	return fetch.IsForbiddenRequestHeaderName(lower)
}

// parseCurl reads a curl command line as DevTools' "Copy as cURL (bash)"
// writes it: curl 'URL' -X 'M' -H 'name: value' ... -b 'cookies'
// --data-raw 'body' --compressed. The Origin header names the page's
// origin; headers the browser adds itself are left out, with a note.
func parseCurl(cmd string) (*fetchInput, error) {
	if len(cmd) > maxCurlInput {
		return nil, fmt.Errorf("the curl command is longer than %d bytes", maxCurlInput)
	}
	words, err := shellWords(cmd)
	if err != nil {
		return nil, err
	}
	return curlArgs(words)
}

// curlValueOptions are the curl options that take a value and that check
// ignores.
var curlValueOptions = map[string]bool{
	"-o": true, "--output": true, "-m": true, "--max-time": true, "--connect-timeout": true,
	"-w": true, "--write-out": true, "-x": true, "--proxy": true, "--resolve": true,
}

// curlFlagOptions are the curl options without a value that check ignores.
var curlFlagOptions = map[string]bool{
	"--compressed": true, "-s": true, "--silent": true, "-S": true, "--show-error": true,
	"-i": true, "--include": true, "-v": true, "--verbose": true, "-L": true, "--location": true,
	"-k": true, "--insecure": true, "-g": true, "--globoff": true, "--http1.1": true, "--http2": true,
	"-f": true, "--fail": true,
}

// curlArgs interprets the words of a curl command line, "curl" first.
func curlArgs(words []string) (*fetchInput, error) {
	if len(words) == 0 || words[0] != "curl" {
		return nil, errors.New("not a curl command: it must start with curl")
	}
	in := &fetchInput{}
	var dropped []string
	for i := 1; i < len(words); i++ {
		w := words[i]
		switch {
		case !strings.HasPrefix(w, "-") || w == "-":
			if err := in.setURL(w); err != nil {
				return nil, err
			}
			continue
		case curlFlagOptions[w]:
			continue
		case i+1 >= len(words):
			return nil, fmt.Errorf("curl option %s needs a value", w)
		}
		i++
		d, err := in.curlOption(w, words[i])
		if err != nil {
			return nil, err
		}
		dropped = append(dropped, d...)
	}
	if in.URL == "" {
		return nil, errors.New("the curl command has no URL")
	}
	if len(dropped) > 0 {
		in.Notes = append(in.Notes, "Headers the browser adds itself were left out of the check: "+strings.Join(dropped, ", ")+".")
	}
	return in, nil
}

func (in *fetchInput) setURL(u string) error {
	if in.URL != "" {
		return fmt.Errorf("the curl command has two URLs: %q and %q", in.URL, u)
	}
	in.URL = u
	return nil
}

// curlOption applies curl option opt with value v, and returns the names
// of the browser's own headers it left out.
func (in *fetchInput) curlOption(opt, v string) ([]string, error) {
	switch opt {
	case "--url":
		return nil, in.setURL(v)
	case "-X", "--request":
		in.Method = v
	case "-H", "--header":
		return in.curlHeader(v)
	case "-b", "--cookie":
		in.Cookie = v
	case "-d", "--data", "--data-raw", "--data-binary", "--data-ascii":
		if in.Body != nil {
			v = *in.Body + "&" + v // curl joins several with &
		}
		in.Body = &v
	case "-A", "--user-agent", "-e", "--referer":
		return []string{strings.TrimLeft(opt, "-")}, nil
	default:
		if !curlValueOptions[opt] {
			return nil, fmt.Errorf("curl option %s is not one that DevTools' Copy as cURL writes, and check does not know it", opt)
		}
	}
	return nil, nil
}

// curlHeader applies one -H 'name: value'.
func (in *fetchInput) curlHeader(v string) ([]string, error) {
	name, val, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return nil, fmt.Errorf("curl -H %q: want 'name: value'", v)
	}
	val = strings.TrimSpace(val)
	lower := strings.ToLower(name)
	switch {
	case lower == "origin":
		in.Origin = val
	case lower == "cookie":
		in.Cookie = val
	case browserAdded(lower):
		return []string{lower}, nil
	default:
		in.Headers = append(in.Headers, [2]string{name, val})
	}
	return nil, nil
}

// shellWords splits a command line into words as bash does for the quoting
// DevTools uses: 'single', "double" (with \", \\, \$ and \` escapes),
// $'ANSI-C' (with \n, \t, \r, \\, \', \", \xHH, \uHHHH), backslash escapes
// and backslash-newline continuations. Nothing is expanded.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
			i++
			continue
		}
		n, word, err := shellToken(s[i:], &cur)
		if err != nil {
			return nil, err
		}
		inWord, i = inWord || word, i+n
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// shellToken copies the quoted string, escape or byte at the start of s
// (not a blank) into b, and returns how many bytes it took and whether it
// is part of a word (a continuation line is not).
func shellToken(s string, b *strings.Builder) (int, bool, error) {
	switch c := s[0]; {
	case c == '\\':
		switch {
		case len(s) < 2:
			return 0, false, errors.New("the command ends in a backslash")
		case s[1] == '\n':
			return 2, false, nil // a continuation line
		case strings.HasPrefix(s[1:], "\r\n"):
			return 3, false, nil
		}
		b.WriteByte(s[1])
		return 2, true, nil
	case c == '\'':
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return 0, false, errors.New("a single quote is not closed")
		}
		b.WriteString(s[1 : 1+end])
		return end + 2, true, nil
	case c == '$' && len(s) > 1 && s[1] == '\'':
		n, err := ansiC(s[2:], b)
		return n + 2, true, err
	case c == '"':
		n, err := doubleQuoted(s[1:], b)
		return n + 1, true, err
	case strings.IndexByte("|;&<>`()", c) >= 0:
		return 0, false, fmt.Errorf("the command has a shell operator %q; give one curl command", c)
	default:
		b.WriteByte(c)
		return 1, true, nil
	}
}

// doubleQuoted copies the inside of a "..." string that starts at s and
// returns how many bytes it took, the closing quote included.
func doubleQuoted(s string, b *strings.Builder) (int, error) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
				if s[i+1] != '\n' {
					b.WriteByte(s[i+1])
				}
				i++
				continue
			}
			b.WriteByte('\\')
		case '$', '`':
			return 0, errors.New("a double-quoted string expands $ or `; check does not run the shell")
		default:
			b.WriteByte(s[i])
		}
	}
	return 0, errors.New("a double quote is not closed")
}

// ansiC copies the inside of a $'...' string that starts at s and returns
// how many bytes it took, the closing quote included.
func ansiC(s string, b *strings.Builder) (int, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' {
			return i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			break
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\', '\'', '"', '?':
			b.WriteByte(e)
		case 'x', 'u', 'U':
			digits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			n, used := hexPrefix(s[i+1:], digits)
			if used == 0 {
				return 0, fmt.Errorf(`a $'...' string has \%c without hex digits`, e)
			}
			if e == 'x' {
				b.WriteByte(byte(n))
			} else {
				b.WriteRune(rune(n))
			}
			i += used
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return 0, errors.New("a $'...' string is not closed")
}

// hexPrefix reads up to max hex digits at the start of s.
func hexPrefix(s string, max int) (n uint32, used int) {
	for used < max && used < len(s) {
		c := s[used]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return n, used
		}
		n = n<<4 | uint32(d)
		used++
	}
	return n, used
}

// request builds the request the script makes, and returns it with the
// target URL.
func (in *fetchInput) request() (*http.Request, *url.URL, error) {
	target, err := url.Parse(in.URL)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, nil, fmt.Errorf("%q is not an http or https URL", in.URL)
	}
	if target.Path == "" {
		target.Path = "/" // the URL parser of browsers always has a path
	}
	m := in.Method
	if m == "" {
		m = http.MethodGet
		if in.Body != nil {
			m = http.MethodPost
		}
	}
	var body io.Reader
	if in.Body != nil {
		body = strings.NewReader(*in.Body)
	}
	// The method goes in afterwards: one that fetch() refuses is for the
	// check to report, not for net/http to reject here.
	req, err := http.NewRequest(http.MethodGet, target.String(), body)
	if err != nil {
		return nil, nil, err
	}
	req.Method = m
	for _, kv := range in.Headers {
		req.Header.Add(kv[0], kv[1])
	}
	if in.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8") // what fetch() sets for a string body
	}
	return req, target, nil
}
