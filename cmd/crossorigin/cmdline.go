package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/crossorigin/crossorigin/internal/configerr"
)

// A cmdLine is the command line of one subcommand, with the conventions
// every subcommand shares:
//
//   - flags are written --name VALUE, --name=VALUE, or -name for the
//     one-letter ones (-H, -X), and may come before, between or after the
//     positional arguments; "--" ends the flags;
//   - --help and -h print the help to stdout and exit 0;
//   - every bad flag and value is reported at once, each by its flag name,
//     on stderr, followed by one line "see 'crossorigin CMD --help'", and
//     the command exits 2;
//   - each flag's help shows its value type and an example: its usage
//     names the type in backquotes, as package flag does ("`ORIGIN`"), and
//     gives an example after "e.g.".
//
// Define the flags on FlagSet, call Parse, then check what the flags
// cannot check alone with Bad and Config, and finish with Failed before
// doing any work.
type cmdLine struct {
	name string // the subcommand, such as "scan"

	// FlagSet holds the flags. Its own parsing and output are not used.
	FlagSet *flag.FlagSet

	// Synopsis is printed before the flags by --help: the usage lines and
	// what the command does.
	Synopsis string
	// Footer is printed after the flags: notes and the exit status.
	Footer string
	// Env, when set, names the environment variable of a flag, shown in
	// the help.
	Env func(flagName string) string

	// Source, when set, says where a flag's value was written when it did
	// not come from the command line, such as "proxy.toml:3: rate-ip":
	// problems with that value are reported there, not by flag name.
	Source map[string]string

	problems []string
}

// newCmdLine returns the command line of subcommand name.
func newCmdLine(name, synopsis, footer string) *cmdLine {
	fs := flag.NewFlagSet("crossorigin "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &cmdLine{name: name, FlagSet: fs, Synopsis: synopsis, Footer: footer}
}

// Parse sets the flags from args and returns the positional arguments. It
// reports help as true when --help or -h was given; problems with flags
// are kept for Failed.
func (c *cmdLine) Parse(args []string) (positional []string, help bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(positional, args[i+1:]...), help
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a) // "-" is standard input
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		f := c.FlagSet.Lookup(name)
		switch {
		case f == nil && (name == "h" || name == "help"):
			help = true
			continue
		case f == nil || strings.HasPrefix(a, "---"):
			c.unknown(a, name)
			continue
		}
		if isBoolFlag(f) {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 == len(args) {
				c.Bad(name, "", "needs a value: "+typeHint(f))
				continue
			}
			i++
			value = args[i]
		}
		if err := c.FlagSet.Set(name, value); err != nil {
			c.Bad(name, value, setProblem(f, err))
		}
	}
	return positional, help
}

// unknown records a flag that does not exist, with the closest one.
func (c *cmdLine) unknown(arg, name string) {
	if i := strings.IndexByte(arg, '='); i >= 0 {
		arg = arg[:i]
	}
	p := "unknown flag " + arg
	if s := closestFlag(c.FlagSet, name); s != "" {
		p += " (did you mean " + flagLabel(s) + "?)"
	}
	c.problems = append(c.problems, p)
}

// Bad records a problem with the value of a flag; value may be empty when
// the flag as a whole is wrong.
func (c *cmdLine) Bad(flagName, value, problem string) {
	p := flagLabel(flagName)
	if src, ok := c.Source[flagName]; ok {
		p = src
	}
	if value != "" {
		p += " " + strconv.Quote(value)
	}
	c.problems = append(c.problems, p+": "+problem)
}

// Problem records a problem that no single flag owns, such as a missing
// argument.
func (c *cmdLine) Problem(problem string) {
	c.problems = append(c.problems, problem)
}

// Config records the problems of a library's configuration error (the
// *ConfigError values that constructors join), naming the flag that sets
// each Config field: fields maps field names to flag names. A field
// without a flag is reported as the library wrote it.
func (c *cmdLine) Config(err error, fields map[string]string) {
	for _, e := range configerr.All(err) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			c.Config(errors.Join(j.Unwrap()...), fields) // nested errors.Join
			continue
		}
		var ce *configerr.Error
		flagName, ok := "", false
		if errors.As(e, &ce) {
			flagName, ok = fields[ce.Field]
		}
		if !ok {
			c.problems = append(c.problems, e.Error())
			continue
		}
		p := ce.Problem
		if ce.Fix != "" {
			p += " (fix: " + ce.Fix + ")"
		}
		c.Bad(flagName, ce.Value, p)
	}
}

// Err returns the problems recorded so far, joined, or nil.
func (c *cmdLine) Err() error {
	var errs []error
	for _, p := range c.problems {
		errs = append(errs, errors.New(p))
	}
	return errors.Join(errs...)
}

// Failed writes every problem recorded, one a line, and the line that
// points at --help to stderr, and returns the exit code 2 and true; with
// no problem it writes nothing and returns 0 and false.
func (c *cmdLine) Failed(stderr io.Writer) (int, bool) {
	if len(c.problems) == 0 {
		return 0, false
	}
	for _, p := range c.problems {
		fmt.Fprintf(stderr, "crossorigin %s: %s\n", c.name, p)
	}
	fmt.Fprintf(stderr, "see 'crossorigin %s --help'\n", c.name)
	return 2, true
}

// Help writes the help: the synopsis, every flag with its value type,
// usage and default, and the footer.
func (c *cmdLine) Help(w io.Writer) {
	fmt.Fprint(w, strings.TrimRight(c.Synopsis, "\n")+"\n\nFlags:\n")
	var flags []*flag.Flag
	c.FlagSet.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	sort.Slice(flags, func(i, j int) bool {
		return strings.ToLower(flags[i].Name) < strings.ToLower(flags[j].Name)
	})
	for _, f := range flags {
		typ, usage := flag.UnquoteUsage(f)
		head := "  " + flagLabel(f.Name)
		if !isBoolFlag(f) {
			head += " " + typ
		}
		if d := defaultText(f); d != "" {
			usage += " (default " + d + ")"
		}
		if c.Env != nil {
			usage += " [" + c.Env(f.Name) + "]"
		}
		fmt.Fprintf(w, "%s\n%s\n", head, wrap(usage, "        ", 80))
	}
	if c.Footer != "" {
		fmt.Fprint(w, "\n"+strings.TrimRight(c.Footer, "\n")+"\n")
	}
}

// flagLabel writes a flag's name as it is typed: -H, --origin.
func flagLabel(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// isBoolFlag reports whether f takes no value, as package flag decides.
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// typeHint describes what a flag takes: its type and, from its usage, the
// example.
func typeHint(f *flag.Flag) string {
	typ, usage := flag.UnquoteUsage(f)
	if _, ex, ok := strings.Cut(usage, "e.g. "); ok {
		ex, _, _ = strings.Cut(ex, " ")
		return typ + ", e.g. " + strings.TrimRight(ex, ",;)")
	}
	return typ
}

// setProblem turns the error of a flag's Set into words (package flag's
// own values only say "parse error"), with the type and example the flag's
// help gives.
func setProblem(f *flag.Flag, err error) string {
	if msg := err.Error(); !strings.Contains(msg, "parse error") && !strings.Contains(msg, "out of range") {
		return msg // the flag's own words
	}
	if isBoolFlag(f) {
		return "want true or false"
	}
	return valueHint(f, err).Error() + " (" + typeHint(f) + ")"
}

// defaultText returns a flag's default as the help shows it, or "" when
// the default is the zero value and needs no mention.
func defaultText(f *flag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "0s", "[]":
		return ""
	}
	return f.DefValue
}

// wrap fills s into lines of at most width bytes, each after indent,
// keeping the line breaks s has.
func wrap(s, indent string, width int) string {
	var b strings.Builder
	for i, para := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteString("\n")
		}
		line := indent
		for _, word := range strings.Fields(para) {
			if line != indent && len(line)+1+len(word) > width {
				b.WriteString(line + "\n")
				line = indent
			}
			if line != indent {
				line += " "
			}
			line += word
		}
		b.WriteString(line)
	}
	return b.String()
}
