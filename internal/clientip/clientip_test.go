package clientip

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	ps, err := Parse(" 10.0.0.0/8, 192.0.2.7,fd00::/8 ,, ::ffff:172.16.0.0/108, 10.1.2.3/8, ")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "fd00::/8", "172.16.0.0/12", "10.0.0.0/8"}
	if len(ps) != len(want) {
		t.Fatalf("Parse = %v, want %v", ps, want)
	}
	for i, p := range ps {
		if p.String() != want[i] {
			t.Errorf("entry %d = %s, want %s", i, p, want[i])
		}
	}
	if ps, err := Parse(""); err != nil || len(ps) != 0 {
		t.Errorf(`Parse("") = %v, %v; want none`, ps, err)
	}
	for _, bad := range []string{"10.0.0.300", "10.0.0.0/33", "proxy.example", "fe80::1%eth0", "10.0.0.1:8080", "*", "::ffff:10.0.0.0/8"} {
		_, err := Parse("10.0.0.1, " + bad)
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("Parse(%q) error = %v, want one naming the entry", bad, err)
		}
	}
}

func TestClientIP(t *testing.T) {
	ps, err := Parse("10.0.0.0/8, 2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"direct, no header", "198.51.100.9:4711", nil, "198.51.100.9"},
		{"spoofed header from an untrusted peer", "198.51.100.9:4711", []string{"1.2.3.4"}, "198.51.100.9"},
		{"a trusted proxy's own request", "10.0.0.2:4711", nil, "10.0.0.2"},
		{"one trusted proxy", "10.0.0.2:4711", []string{"203.0.113.5"}, "203.0.113.5"},
		{"two trusted proxies", "10.0.0.2:4711", []string{"203.0.113.5, 10.9.9.9"}, "203.0.113.5"},
		{"two trusted proxies, two header lines", "10.0.0.2:4711", []string{"203.0.113.5", "10.9.9.9"}, "203.0.113.5"},
		{"a client's spoofed entries left of its own", "10.0.0.2:4711", []string{"1.2.3.4, 10.7.7.7, 203.0.113.5, 10.9.9.9"}, "203.0.113.5"},
		{"every entry trusted", "10.0.0.2:4711", []string{"10.3.3.3, 10.9.9.9"}, "10.3.3.3"},
		{"garbage from the client, left of its address", "10.0.0.2:4711", []string{"<script>, 203.0.113.5"}, "203.0.113.5"},
		{"garbage where the client should be", "10.0.0.2:4711", []string{"203.0.113.5, unknown, 10.9.9.9"}, "10.9.9.9"},
		{"garbage right away", "10.0.0.2:4711", []string{"not an address"}, "10.0.0.2"},
		{"empty header", "10.0.0.2:4711", []string{""}, "10.0.0.2"},
		{"entry with a port", "10.0.0.2:4711", []string{"203.0.113.5:5555"}, "203.0.113.5"},
		{"IPv6", "[2001:db8::2]:4711", []string{"[2001:db8:1::9]:80, 2001:db8::3"}, "2001:db8:1::9"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.2]:4711", []string{"203.0.113.5"}, "203.0.113.5"},
		{"peer that is not host:port", "pipe", []string{"203.0.113.5"}, "pipe"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ps.ClientIP(r); got != tc.want {
			t.Errorf("%s: ClientIP = %q, want %q", tc.name, got, tc.want)
		}
	}

	// Trusting none, the header is never read.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:4711"
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	if got := Proxies(nil).ClientIP(r); got != "127.0.0.1" {
		t.Errorf("no trusted proxies: ClientIP = %q, want the peer", got)
	}
}
