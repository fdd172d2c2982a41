package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testFlagSet() (*flag.FlagSet, *[]string, *bool, *time.Duration, *string, *int64) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	hosts := listFlag(fs, "deny-host", "")
	fwd := fs.Bool("forwarded-for", false, "")
	timeout := fs.Duration("timeout", time.Second, "")
	rate := fs.String("rate-ip", "", "")
	size := sizeFlag(fs, "cache-size", 0, "")
	fs.Bool("check-config", false, "")
	return fs, hosts, fwd, timeout, rate, size
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "proxy.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigFileSetsFlags(t *testing.T) {
	fs, hosts, fwd, timeout, rate, size := testFlagSet()
	path := writeFile(t, `# comment
deny-host = ["a.example", "b.example"]
forwarded-for = true
timeout = "30s"
"rate-ip" = "60/1m"
cache-size = "64MiB"
`)
	if _, err := applyConfigFile(fs, path, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Join(*hosts, ",") != "a.example,b.example" || !*fwd || *timeout != 30*time.Second || *rate != "60/1m" || *size != 64<<20 {
		t.Errorf("got hosts %v, forwarded-for %v, timeout %v, rate %q, size %d", *hosts, *fwd, *timeout, *rate, *size)
	}
}

func TestConfigFileFlagsOverride(t *testing.T) {
	fs, _, _, _, rate, _ := testFlagSet()
	if err := fs.Parse([]string{"--rate-ip", "5/1s"}); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, `rate-ip = "60/1m"`)
	if _, err := applyConfigFile(fs, path, map[string]bool{"rate-ip": true}); err != nil {
		t.Fatal(err)
	}
	if *rate != "5/1s" {
		t.Errorf("rate-ip = %q, want the command line's 5/1s", *rate)
	}
}

// TestConfigFileReportsEveryProblem: unknown keys, wrong types and bad
// values are all listed, each with its line.
func TestConfigFileReportsEveryProblem(t *testing.T) {
	fs, _, _, _, _, _ := testFlagSet()
	path := writeFile(t, `deny-hots = ["a.example"]
forwarded-for = "yes"
timeout = "soon"
rate-ip = ["60/1m"]
check-config = true

[tls]
cert = "x"
`)
	_, err := applyConfigFile(fs, path, nil)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		path + `:1: deny-hots: unknown key (did you mean "deny-host"?)`,
		path + `:2: forwarded-for: "yes": write true or false, without quotes`,
		path + `:3: timeout: "soon": want a duration such as 30s, 1m or 2h`,
		path + `:4: rate-ip: takes one value, not a list`,
		path + `:5: check-config: unknown key`,
		path + `:7: tls: is a table`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

func TestConfigFileSyntaxErrorHasALine(t *testing.T) {
	fs, _, _, _, _, _ := testFlagSet()
	path := writeFile(t, "timeout = \"1s\"\nrate-ip = = 3\n")
	_, err := applyConfigFile(fs, path, nil)
	if err == nil || !strings.HasPrefix(err.Error(), path+":2: ") {
		t.Errorf("error %v, want one at line 2", err)
	}
}

// TestMaxAgeTakesSeconds: --max-age 600 is what Access-Control-Max-Age
// itself says; it used to be a parse error that printed the whole help.
func TestMaxAgeTakesSeconds(t *testing.T) {
	for in, want := range map[string]time.Duration{"600": 10 * time.Minute, "10m": 10 * time.Minute, "0": 0, "-1": -time.Second, "90s": 90 * time.Second} {
		var d seconds
		if err := d.Set(in); err != nil || time.Duration(d) != want {
			t.Errorf("Set(%q) = %v, %v; want %v", in, time.Duration(d), err, want)
		}
	}
	var d seconds
	if err := d.Set("ten minutes"); err == nil {
		t.Error("Set accepted \"ten minutes\"")
	}
}
