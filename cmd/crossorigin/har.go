package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/crossorigin/crossorigin/origin"
)

// maxHAR bounds the HAR file check reads; a DevTools export of a busy page
// is a few megabytes.
const maxHAR = 64 << 20

// maxHAREntries bounds how many requests of a HAR check replays.
const maxHAREntries = 500

// harFile is the part of a HAR 1.2 file check reads.
type harFile struct {
	Log struct {
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harEntry struct {
	// ResourceType is Chromium's: "fetch", "xhr", "preflight", "document", ...
	ResourceType string `json:"_resourceType"`
	Request      struct {
		Method   string  `json:"method"`
		URL      string  `json:"url"`
		Headers  []harNV `json:"headers"`
		PostData *struct {
			Text string `json:"text"`
		} `json:"postData"`
	} `json:"request"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// parseHAR returns the cross-origin fetch and XMLHttpRequest requests of a
// HAR export whose URL matches match (nil: every one), as fetch inputs.
// pageOrigin, if not "", is the page's origin for entries without an
// Origin header. Entries that are not fetch/XHR, preflights, and requests
// to the page's own origin are skipped.
func parseHAR(r io.Reader, match *regexp.Regexp, pageOrigin string) ([]*fetchInput, error) {
	var f harFile
	dec := json.NewDecoder(io.LimitReader(r, maxHAR+1))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a HAR file: %w", err)
	}
	var out []*fetchInput
	for _, e := range f.Log.Entries {
		in := harInput(e, pageOrigin)
		if in == nil || match != nil && !match.MatchString(in.URL) {
			continue
		}
		if len(out) == maxHAREntries {
			return nil, fmt.Errorf("the HAR file has more than %d cross-origin fetch/XHR requests; narrow them with --url-match", maxHAREntries)
		}
		out = append(out, in)
	}
	return out, nil
}

// harInput turns one entry into a fetch input, or nil when check does not
// replay it.
func harInput(e harEntry, pageOrigin string) *fetchInput {
	switch e.ResourceType {
	case "fetch", "xhr":
	default:
		return nil
	}
	req := e.Request
	if strings.EqualFold(req.Method, "OPTIONS") {
		for _, h := range req.Headers {
			if strings.EqualFold(h.Name, "Access-Control-Request-Method") {
				return nil // a preflight: check sends its own
			}
		}
	}
	in := &fetchInput{URL: req.URL, Method: req.Method, Origin: pageOrigin}
	for _, h := range req.Headers {
		lower := strings.ToLower(h.Name)
		switch {
		case strings.HasPrefix(lower, ":"):
			// HTTP/2 pseudo-headers.
		case lower == "origin":
			in.Origin = h.Value
		case lower == "cookie":
			in.Cookie = h.Value
		case browserAdded(lower):
		default:
			in.Headers = append(in.Headers, [2]string{h.Name, h.Value})
		}
	}
	if req.PostData != nil {
		body := req.PostData.Text
		in.Body = &body
	}
	u, err := url.Parse(in.URL)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || in.Origin == "" {
		return nil
	}
	if o, err := origin.Parse(in.Origin); err == nil && origin.FromURL(u) == o {
		return nil // same-origin
	}
	return in
}
