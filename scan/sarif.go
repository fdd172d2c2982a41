package scan

import (
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"
)

// SARIF 2.1.0 (OASIS), the subset code-scanning dashboards read.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifHelp      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

// sarifLevel maps a severity to SARIF's three levels.
func sarifLevel(s Severity) string {
	switch {
	case s >= High:
		return "error"
	case s == Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score GitHub code scanning reads from
// the security-severity property.
var securitySeverity = map[Severity]string{Critical: "9.5", High: "8.0", Medium: "5.5", Low: "3.0", Info: "0.0"}

// cwe names the weakness of each class.
func cwe(c Class) []string {
	switch c {
	case MissingVaryOrigin:
		return []string{"CWE-524"}
	case JSONPCallbackReflected:
		return []string{"CWE-79"}
	case WildcardWithCredentials, InvalidAllowOrigin:
		return []string{"CWE-942"}
	}
	return []string{"CWE-942", "CWE-346"}
}

// WriteSARIF writes the report as a SARIF 2.1.0 log with one rule per
// class and one result per finding. GitHub code scanning accepts only
// repository paths as locations, so a result is located at the scanned
// URL written as a path (host, port as _port, path: api.example.com/me);
// the URL itself is the result's "url" property.
func (r *Report) WriteSARIF(w io.Writer) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "crossorigin",
			InformationURI: "https://github.com/crossorigin/crossorigin",
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: len(r.Errors()) == 0}},
		Results:     []sarifResult{},
	}
	for _, c := range classList {
		info := classes[c]
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               string(c),
			Name:             ruleName(c),
			ShortDescription: sarifText{info.title},
			FullDescription:  sarifText{info.help},
			Help: sarifHelp{
				Text:     info.help + "\n\nFix: " + info.fix,
				Markdown: mdText(info.help) + "\n\n**Fix:** " + mdText(info.fix),
			},
			DefaultConfiguration: sarifConfig{Level: "warning"},
			Properties: map[string]any{
				"tags":      append([]string{"security", "cors"}, cwe(c)...),
				"precision": "high",
				// The rule's score is its worst case; each result
				// carries its own.
				"security-severity": securitySeverity[worstCase(c)],
			},
		})
	}
	for _, t := range r.Errors() {
		run.Invocations[0].Notifications = append(run.Invocations[0].Notifications, sarifNotification{
			Level: "error", Message: sarifText{t.URL + ": " + t.Error},
		})
	}
	for _, f := range r.Findings {
		run.Results = append(run.Results, sarifResult{
			RuleID:    string(f.Class),
			RuleIndex: slices.Index(classList, f.Class),
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{f.Title + ": " + f.Description + " Fix: " + f.Fix},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: sarifPath(f.URL)}, Region: sarifRegion{StartLine: 1},
			}}},
			PartialFingerprints: map[string]string{
				"crossoriginFindingId/v1": f.ID,
			},
			Properties: map[string]any{
				"url":               f.URL,
				"severity":          f.Severity.String(),
				"security-severity": securitySeverity[f.Severity],
				"origin":            f.Origin,
				"credentials":       f.Credentials,
				"browsers":          f.Browsers,
				"evidence":          f.Evidence,
			},
		})
	}
	log := sarifLog{
		Schema:  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// worstCase is the highest severity a class can reach.
func worstCase(c Class) Severity {
	switch c {
	case ReflectAnyOrigin, NullOrigin, PrefixMatch, SuffixMatch, UnescapedDot, SubstringMatch, SpecialCharBypass, LocalhostOriginTrusted:
		return Critical
	case ThirdPartyOrigin:
		return High
	case HTTPOriginTrusted, AnySubdomainTrusted, HTTPSubdomainTrusted, WildcardOrigin, MissingVaryOrigin,
		PreflightReflectsOrigin, PreflightReflectsMethod, PreflightReflectsHeaders, JSONPCallbackReflected:
		return Medium
	case AnyPortTrusted:
		return Low
	}
	return Info
}

// ruleName turns an id such as null-origin into NullOrigin, SARIF's
// convention for rule names.
func ruleName(c Class) string {
	b := []byte(c)
	out := b[:0]
	up := true
	for _, ch := range b {
		if ch == '-' {
			up = true
			continue
		}
		if up && 'a' <= ch && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		up = false
		out = append(out, ch)
	}
	return string(out)
}

// sarifPath writes a URL as a relative path: its host, "_" and the port if
// any, and its escaped path; no scheme, query or fragment.
func sarifPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "unknown"
	}
	p := strings.ReplaceAll(u.Hostname(), ":", "_") // IPv6
	if port := u.Port(); port != "" {
		p += "_" + port
	}
	return p + strings.TrimSuffix(u.EscapedPath(), "/")
}
