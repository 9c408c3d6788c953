package sqlite

import (
	"encoding/json"
	"slices"
	"testing"
)

// FuzzPlainStrings checks the fast path of fromListJSON against
// json.Unmarshal: whatever it accepts, it decodes as json.Unmarshal does.
func FuzzPlainStrings(f *testing.F) {
	for _, s := range []string{`[]`, `[""]`, `["",""]`, `["openid","name"]`, `["a", "b"]`, `["a\"b"]`,
		`["<&>"]`, `["a","b"`, `null`, `["\u00e6"]`, `[1]`, `["a"],["b"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := plainStrings(s)
		if !ok {
			return
		}
		var want []string
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatalf("plainStrings(%q) = %q, but json.Unmarshal fails: %v", s, got, err)
		}
		if !slices.Equal(got, want) || got == nil {
			t.Fatalf("plainStrings(%q) = %#v, json.Unmarshal %#v", s, got, want)
		}
	})
}

// TestPlainStringsRoundTrip checks that the lists json.Marshal writes take
// the fast path unless they need an escape.
func TestPlainStringsRoundTrip(t *testing.T) {
	for _, l := range [][]string{{}, {""}, {"openid", "name", "phoneNumber"}, {"æøå", " , "}, {`"`}, {"<b>"}} {
		s, err := listJSON(l)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fromListJSON[string]("test", s)
		if err != nil || !slices.Equal(got, l) {
			t.Errorf("round trip of %q through %s = %q, %v", l, s, got, err)
		}
	}
	if _, ok := plainStrings(`["openid","name"]`); !ok {
		t.Error("plainStrings refused a plain list")
	}
}

// FuzzPlainJSON checks the fast path of listJSON against json.Marshal:
// whatever it encodes, it encodes as json.Marshal does.
func FuzzPlainJSON(f *testing.F) {
	for _, s := range []string{"", "openid", "a<b", "æøå", "\u2028", "\x15", "a\"b", "\xff"} {
		f.Add(s, "name")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, l := range [][]string{{}, {a}, {a, b}} {
			got, ok := plainJSON(l)
			if !ok {
				continue
			}
			want, err := json.Marshal(l)
			if err != nil || got != string(want) {
				t.Fatalf("plainJSON(%q) = %s, json.Marshal %s (%v)", l, got, want, err)
			}
		}
	})
}
