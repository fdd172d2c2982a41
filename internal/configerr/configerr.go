// Package configerr is the one shape of configuration error of the module.
// Every package that takes a Config (origin patterns aside, see below:
// cors, csrf, jsonp, proxy, scan) validates it in its constructor and
// returns every problem at once, each an *Error, joined with errors.Join.
// Each package exports the type under its own name,
//
//	type ConfigError = configerr.Error
//
// so that callers write
//
//	var ce *cors.ConfigError
//	if errors.As(err, &ce) { ... ce.Field, ce.Value, ce.Problem, ce.Fix ... }
//
// errors.As finds the first problem; the joined error's Unwrap() []error
// method returns all of them. Error returns one line:
//
//	cors: Origins "null": the null origin is never safe to allow: ... (fix: serve the page ...)
//	package: Field "value": problem (fix: fix)
//
// with the quoted value left out when the field as a whole is wrong, and
// the parenthesis when there is no fix. Field is the Go name of the Config
// field ("Origins", "RequestHeaders"), never a command-line flag: the CLI
// translates fields to its flags.
//
// origin.Error is not a configuration error and keeps its own shape
// (Input, Reason, Hint): origin.Parse and origin.ParsePattern report with
// it that a value is not an origin, whether the value came from a Config
// or from a request's Origin header. A package that parses origins of its
// Config wraps it: Value is the Input, Problem the Reason, Fix the Hint,
// and Unwrap returns the *origin.Error.
package configerr

import (
	"errors"
	"strconv"
)

// Error is one problem of a Config.
type Error struct {
	Package string // the package whose Config it is, such as "cors"
	Field   string // the Config field, such as "Origins"
	Value   string // the offending value as given; empty when the field as a whole is wrong
	Problem string // what is wrong, in words a web developer understands
	Fix     string // how to fix it; may be empty
	Err     error  // the underlying error, such as an *origin.Error; may be nil
}

// Error returns the problem in one line: package, field, quoted value,
// problem and fix.
func (e *Error) Error() string {
	s := e.Package + ": " + e.Field
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	s += ": " + e.Problem
	if e.Fix != "" {
		s += " (fix: " + e.Fix + ")"
	}
	return s
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// List collects the problems of one Config, in the order they are found.
// The zero List has no package name; use New.
type List struct {
	pkg  string
	errs []error
}

// New returns an empty List for the Config of package pkg.
func New(pkg string) *List { return &List{pkg: pkg} }

// Add records a problem of field.
func (l *List) Add(field, value, problem, fix string) {
	l.errs = append(l.errs, &Error{Package: l.pkg, Field: field, Value: value, Problem: problem, Fix: fix})
}

// Wrap records a problem of field caused by err.
func (l *List) Wrap(field, value, problem, fix string, err error) {
	l.errs = append(l.errs, &Error{Package: l.pkg, Field: field, Value: value, Problem: problem, Fix: fix, Err: err})
}

// Append records e, which becomes a problem of this List's package.
func (l *List) Append(e *Error) {
	e.Package = l.pkg
	l.errs = append(l.errs, e)
}

// Len returns the number of problems recorded.
func (l *List) Len() int { return len(l.errs) }

// Err returns every problem joined with errors.Join, or nil if there is
// none.
func (l *List) Err() error { return errors.Join(l.errs...) }

// All returns the errors joined in err, or err alone, as a slice: the
// problems a constructor returned.
func All(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
