package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"
)

// A config file is TOML whose keys are the long flag names of the command,
// exactly as spelled on the command line, without the dashes:
//
//	origin = ["https://app.example.com"]   # repeatable flags take lists
//	deny-host = ["internal.example"]
//	rate-ip = "60/1m"
//	max-age = 600                          # numbers and booleans as such
//	forwarded-for = true
//
// The file is applied after the command line and the environment, to the
// flags neither of them set: flags override the file.

// fileFlags are flags that make no sense inside a config file.
var fileFlags = map[string]bool{"config": true, "check-config": true}

// applyConfigFile sets every flag of fs named in the TOML file at path,
// except those in set (given on the command line or in the environment).
// Every problem is reported, each as "path:line: key: problem". It returns
// where each flag it set was written, as "path:line: key", so that later
// problems with those values can point at the file.
func applyConfigFile(fs *flag.FlagSet, path string, set map[string]bool) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var values map[string]any
	if _, err := toml.Decode(string(data), &values); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %s", path, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	lines := keyLines(data)
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return lines[keys[i]] < lines[keys[j]] })
	var errs []error
	sources := map[string]string{}
	for _, k := range keys {
		if set[k] {
			continue
		}
		if err := applyKey(fs, k, values[k]); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %v", path, lines[k], k, err))
			continue
		}
		sources[k] = fmt.Sprintf("%s:%d: %s", path, lines[k], k)
	}
	return sources, errors.Join(errs...)
}

// applyKey sets flag k from one decoded TOML value.
func applyKey(fs *flag.FlagSet, k string, v any) error {
	if _, ok := v.(map[string]any); ok {
		return errors.New("is a table; write key = value at the top level")
	}
	f := fs.Lookup(k)
	if f == nil || fileFlags[k] {
		if s := closestFlag(fs, k); s != "" {
			return fmt.Errorf("unknown key (did you mean %q?)", s)
		}
		return errors.New("unknown key; keys are the long flag names, see --help")
	}
	_, isList := f.Value.(repeatable)
	if list, ok := v.([]any); ok {
		if !isList {
			return errors.New("takes one value, not a list")
		}
		for _, item := range list {
			if err := setFromTOML(f, item); err != nil {
				return err
			}
		}
		return nil
	}
	return setFromTOML(f, v)
}

func setFromTOML(f *flag.Flag, v any) error {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case int64:
		s = strconv.FormatInt(v, 10)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(v)
	case map[string]any:
		return errors.New("is a table; write key = value at the top level")
	default:
		return fmt.Errorf("has a value of type %T, which no flag takes", v)
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		if _, isBool := v.(bool); !isBool {
			return fmt.Errorf("%q: write true or false, without quotes", s)
		}
	}
	if err := f.Value.Set(s); err != nil {
		return fmt.Errorf("%q: %v", s, valueHint(f, err))
	}
	return nil
}

// valueHint replaces the flag package's bare "parse error" with what the
// flag wants.
func valueHint(f *flag.Flag, err error) error {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return err
	}
	switch g.Get().(type) {
	case time.Duration:
		return errors.New("want a duration such as 30s, 1m or 2h")
	case int, int64, uint, uint64:
		return errors.New("want a whole number")
	case float64:
		return errors.New("want a number")
	}
	return err
}

var keyLineRE = regexp.MustCompile(`^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*=|^\s*\[+\s*([^\]]+?)\s*\]`)

// keyLines maps each top-level key (and table header) of a TOML file to
// the line where it first appears, for error messages; the decoder keeps
// positions to itself.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	s := bufio.NewScanner(bytes.NewReader(data))
	s.Buffer(nil, 1<<20)
	for n := 1; s.Scan(); n++ {
		m := keyLineRE.FindStringSubmatch(s.Text())
		if m == nil {
			continue
		}
		k := m[1] + m[2] + m[3] + m[4]
		if _, ok := lines[k]; !ok {
			lines[k] = n
		}
	}
	return lines
}

// closestFlag suggests the flag name nearest to k (edit distance at most
// 2), or "".
func closestFlag(fs *flag.FlagSet, k string) string {
	best, bestDist := "", 3
	fs.VisitAll(func(f *flag.Flag) {
		if fileFlags[f.Name] {
			return
		}
		if d := editDistance(k, f.Name); d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
