package scan

import (
	"fmt"
	"strings"
)

// Severity ranks a finding. The zero value is Info.
type Severity int

// Severities from least to most serious.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name used in every output format.
func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) {
	if s < Info || s > Critical {
		return nil, fmt.Errorf("scan: invalid severity %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes a name written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses a severity name: info, low, medium, high or
// critical, in any case.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("scan: unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// lower returns s one step less severe, never below Info.
func (s Severity) lower(steps int) Severity {
	s -= Severity(steps)
	if s < Info {
		return Info
	}
	return s
}
