package flow

import "testing"

func TestNewQRID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewQRID()
		if !ValidQRID(id) || seen[id] {
			t.Fatalf("NewQRID() = %q (valid %v, seen before %v)", id, ValidQRID(id), seen[id])
		}
		seen[id] = true
	}
}

func TestQRIDFromURL(t *testing.T) {
	for raw, want := range map[string]string{
		"http://localhost:8080/qr/AbCd1234":       "AbCd1234",
		"https://login.example/base/qr/AbCd1234/": "AbCd1234",
		" AbCd1234 ":                               "AbCd1234",
		"https://login.example/qr/AbCd1234?x=1":    "AbCd1234",
		"https://login.example/qr/AbCd123":         "",
		"https://login.example/qr/AbCd1234/image":  "",
		"https://login.example/qrx/AbCd1234":       "",
		"https://login.example/AbCd1234":           "",
		"ftp://login.example/qr/AbCd1234":          "",
		"/qr/AbCd1234":                             "",
		"AbCd-234":                                 "",
		"https://login.example/qr/Ab%43d1234":      "AbCd1234",
		"https://login.example/qr/%E2%9C%93bCd123": "",
	} {
		got, ok := QRIDFromURL(raw)
		if got != want || ok != (want != "") {
			t.Errorf("QRIDFromURL(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
	if got, _ := QRIDFromURL(QRURL("http://localhost:8080/", "AbCd1234")); got != "AbCd1234" {
		t.Errorf("QRURL does not round-trip: %q", got)
	}
}
