package demo

import (
	"errors"
	"time"

	"github.com/crossorigin/crossorigin/cors"
)

// Policy is the API's CORS policy as the page edits it: the fields of
// cors.Config that the composer shows.
type Policy struct {
	Origins        []string `json:"origins"`
	Credentials    bool     `json:"credentials"`
	Methods        []string `json:"methods"`
	RequestHeaders []string `json:"requestHeaders"`
	ExposedHeaders []string `json:"exposedHeaders"`
	MaxAge         int      `json:"maxAge"` // seconds; 0 omits the header, negative sends 0
}

// maxPolicyEntries bounds the lists a page may send.
const maxPolicyEntries = 100

func (p Policy) config() cors.Config {
	return cors.Config{
		Origins:        p.Origins,
		Credentials:    p.Credentials,
		Methods:        p.Methods,
		RequestHeaders: p.RequestHeaders,
		ExposedHeaders: p.ExposedHeaders,
		MaxAge:         time.Duration(p.MaxAge) * time.Second,
	}
}

// check returns every problem of p, as cors.New finds them.
func (p Policy) check() error {
	if len(p.Origins)+len(p.Methods)+len(p.RequestHeaders)+len(p.ExposedHeaders) > maxPolicyEntries {
		return errors.New("policy: more than 100 entries in all")
	}
	_, err := cors.New(p.config())
	return err
}
