package headerlist

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/crossorigin/crossorigin/internal/fetch"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		lines []string
		want  []string
		err   error
	}{
		{nil, nil, nil},
		{[]string{""}, nil, nil},
		{[]string{"content-type,x-foo"}, []string{"content-type", "x-foo"}, nil},
		{[]string{"X-Foo, Content-Type"}, []string{"x-foo", "content-type"}, nil},
		{[]string{" a ,\tb\t", "c", ",,d,"}, []string{"a", "b", "c", "d"}, nil},
		{[]string{"a,a"}, []string{"a", "a"}, nil},
		{[]string{"a b"}, nil, ErrInvalid},
		{[]string{"a;b"}, nil, ErrInvalid},
		{[]string{strings.Repeat("a,", 100)}, nil, ErrTooLong},
		{make([]string, MaxLines+1), nil, ErrTooLong},
	} {
		got, err := Parse(tt.lines, 100)
		if !errors.Is(err, tt.err) {
			t.Errorf("Parse(%q) error = %v, want %v", tt.lines, err, tt.err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q) = %q, want %q", tt.lines, got, tt.want)
		}
	}
}

func TestNewSet(t *testing.T) {
	s := NewSet("X-Foo", "content-type", "x-foo", "bad name", "*", "Authorization")
	if got, want := s.Names(), []string{"authorization", "content-type", "x-foo"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	if !s.IsWildcard() || s.Len() != 3 {
		t.Errorf("IsWildcard, Len = %v, %d; want true, 3", s.IsWildcard(), s.Len())
	}
	if s.Budget() != WildcardBudget {
		t.Errorf("Budget() = %d, want %d", s.Budget(), WildcardBudget)
	}
	if !s.Contains("X-FOO") || s.Contains("x-bar") || s.Contains("*") {
		t.Error("Contains disagrees with the names")
	}
	n := NewSet("a", "bb")
	if want := 1 + slack + 2 + slack + strays; n.Budget() != want {
		t.Errorf("Budget() = %d, want %d", n.Budget(), want)
	}
}

func TestAllows(t *testing.T) {
	set := NewSet("Content-Type", "X-Requested-With", "X-Foo", "Authorization")
	wild := NewSet("*")
	wildAuth := NewSet("*", "authorization")
	hostile := strings.Repeat("a,", 1<<19)
	for _, tt := range []struct {
		name  string
		set   Set
		lines []string
		want  bool
	}{
		{"no header", set, nil, true},
		{"empty line", set, []string{""}, true},
		{"browser form", set, []string{"authorization,content-type,x-foo"}, true},
		{"one name", set, []string{"x-requested-with"}, true},
		{"unsorted", set, []string{"x-foo,content-type"}, true},
		{"upper case and spaces", set, []string{"X-Foo, Content-Type"}, true},
		{"tabs", set, []string{"\tx-foo\t,\tcontent-type\t"}, true},
		{"several lines", set, []string{"content-type", "x-foo"}, true},
		{"stray commas", set, []string{",content-type,,x-foo,"}, true},
		{"duplicates", set, []string{"x-foo,x-foo"}, true},
		{"not allowed", set, []string{"content-type,x-bar"}, false},
		{"prefix of a name", set, []string{"x-fo"}, false},
		{"extension of a name", set, []string{"x-fooo"}, false},
		{"longer than any name", set, []string{"x-requested-with-and-more"}, false},
		{"space inside", set, []string{"x foo"}, false},
		{"missing comma", set, []string{"x-foo content-type"}, false},
		{"not a token", set, []string{"x-foo;"}, false},
		{"non-ASCII", set, []string{"x-föo"}, false},
		{"empty set", Set{}, []string{"x-foo"}, false},
		{"empty set, empty list", NewSet(), []string{" , "}, true},
		{"zero set, empty line", Set{}, []string{""}, true},
		{"too many lines", set, make([]string, MaxLines+1), false},
		{"hostile 1 MB", set, []string{hostile}, false},
		{"hostile spaces", set, []string{strings.Repeat(" ", 4096) + "x-foo"}, false},
		{"wildcard any name", wild, []string{"x-anything,content-type"}, true},
		{"wildcard not authorization", wild, []string{"authorization,x-foo"}, false},
		{"wildcard upper authorization", wild, []string{"Authorization"}, false},
		{"wildcard authorization listed", wildAuth, []string{"authorization,x-foo"}, true},
		{"wildcard invalid name", wild, []string{"x-foo,a b"}, false},
		{"wildcard hostile", wild, []string{hostile}, false},
	} {
		if got := tt.set.Allows(tt.lines); got != tt.want {
			t.Errorf("%s: Allows(%.40q) = %v, want %v", tt.name, tt.lines, got, tt.want)
		}
	}
}

func TestFirstRefused(t *testing.T) {
	set := NewSet("Content-Type", "X-Foo")
	for _, tt := range []struct {
		lines []string
		name  string
		ok    bool
	}{
		{nil, "", true},
		{[]string{"content-type,x-foo"}, "", true},
		{[]string{"content-type,x-api-key,x-other"}, "x-api-key", false},
		{[]string{"Content-Type, X-Api-Key"}, "X-Api-Key", false},
		{[]string{"content-type", "x-b"}, "x-b", false},
		{[]string{strings.Repeat("a,", 1<<19)}, "a", false},
		{[]string{strings.Repeat("x-foo,", 1<<10)}, "", false},                     // too long, nothing refused within the budget
		{[]string{strings.Repeat(",", set.Budget()-4) + "x-foo,x-bar"}, "", false}, // the budget ends inside x-foo
		{make([]string, MaxLines+1), "", false},
	} {
		name, ok := set.FirstRefused(tt.lines)
		if name != tt.name || ok != tt.ok {
			t.Errorf("FirstRefused(%.40q) = %q, %v, want %q, %v", tt.lines, name, ok, tt.name, tt.ok)
		}
	}
	hostile := []string{strings.Repeat("x-foo,", 1<<17)}
	if a := testing.AllocsPerRun(100, func() { set.FirstRefused(hostile) }); a != 0 {
		t.Errorf("FirstRefused allocates %v times", a)
	}
}

// TestAllowsBoundedWork checks that a hostile value does not allocate, and
// that its cost does not depend on its length: a 1 MB list is refused after
// as many steps as a 4 KB one (the length check reads only len of each line).
func TestAllowsBoundedWork(t *testing.T) {
	set := NewSet("content-type", "x-foo")
	for _, n := range []int{4 << 10, 1 << 20} {
		lines := []string{strings.Repeat("a,", n/2)}
		if a := testing.AllocsPerRun(100, func() { set.Allows(lines) }); a != 0 {
			t.Errorf("%d bytes: %v allocs, want 0", n, a)
		}
	}
}

// reference is a slow, obviously correct model of Allows without budget.
func reference(s Set, lines []string) bool {
	for _, line := range lines {
		for _, elem := range strings.Split(line, ",") {
			elem = strings.Trim(elem, " \t")
			if elem == "" {
				continue
			}
			if !fetch.IsToken(elem) {
				return false
			}
			lower := strings.ToLower(elem)
			if slices.Contains(s.names, lower) {
				continue
			}
			if !s.wildcard || lower == "authorization" {
				return false
			}
		}
	}
	return true
}

func FuzzAllows(f *testing.F) {
	for _, seed := range []string{
		"", "content-type", "authorization,content-type,x-foo", "X-Foo, Content-Type",
		",,x-foo,", "x-foo\ncontent-type", "a b", "x-föo", "\tx-foo\t", "x-fooo",
		"authorization", strings.Repeat("a,", 50),
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, in string, wildcard bool) {
		names := []string{"content-type", "X-Foo", "authorization", "a"}
		if wildcard {
			names = []string{"*", "x-foo"}
		}
		s := NewSet(names...)
		lines := strings.Split(in, "\n")
		got, want := s.Allows(lines), reference(s, lines)
		if got && !want {
			t.Fatalf("Allows(%q) = true, reference says false", lines)
		}
		if want && !got && fits(lines, s.Budget()) {
			t.Fatalf("Allows(%q) = false within budget, reference says true", lines)
		}
		parsed, err := Parse(lines, s.Budget())
		if err == nil {
			for _, p := range parsed {
				if !fetch.IsToken(p) || p != strings.ToLower(p) {
					t.Fatalf("Parse(%q) returned %q", lines, p)
				}
			}
		}
		if name, ok := s.FirstRefused(lines); ok != got || ok && name != "" || name != "" && (reference(s, []string{name}) || !strings.Contains(in, name)) {
			t.Fatalf("FirstRefused(%q) = %q, %v; Allows = %v", lines, name, ok, got)
		}
		if err == nil && got != allIn(s, parsed) {
			t.Fatalf("Allows(%q) = %v, but Parse gives %q", lines, got, parsed)
		}
	})
}

func allIn(s Set, names []string) bool {
	for _, n := range names {
		if !s.Contains(n) && (!s.wildcard || n == "authorization") {
			return false
		}
	}
	return true
}

func ExampleSet_Allows() {
	s := NewSet("Content-Type", "X-Request-Id")
	fmt.Println(s.Allows([]string{"content-type,x-request-id"}))  // as browsers send it
	fmt.Println(s.Allows([]string{"X-Request-Id, Content-Type"})) // as some clients do
	fmt.Println(s.Allows([]string{"content-type", "x-request-id"}))
	fmt.Println(s.Allows([]string{"content-type,x-other"}))
	fmt.Println(s.Allows([]string{strings.Repeat("a,", 1<<19)})) // refused unread
	// Output:
	// true
	// true
	// true
	// false
	// false
}

func ExampleParse() {
	names, err := Parse([]string{"X-Foo, Content-Type", "x-bar"}, 1024)
	fmt.Println(names, err)
	_, err = Parse([]string{"x-foo, bad name"}, 1024)
	fmt.Println(err)
	// Output:
	// [x-foo content-type x-bar] <nil>
	// headerlist: invalid header name: "bad name"
}

func BenchmarkAllows(b *testing.B) {
	set := NewSet("accept", "authorization", "content-type", "x-a", "x-b", "x-c", "x-d", "x-e", "x-f", "x-g")
	for _, bc := range []struct{ name, list string }{
		{"1", "content-type"},
		{"10", "accept,authorization,content-type,x-a,x-b,x-c,x-d,x-e,x-f,x-g"},
		{"hostile4K", strings.Repeat("a,", 2048)},
	} {
		lines := []string{bc.list}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				set.Allows(lines)
			}
		})
	}
}
