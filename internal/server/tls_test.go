package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeCert makes a self-signed certificate for 127.0.0.1 named cn, writes
// it and its key as PEM files in dir, and returns it.
func writeCert(t *testing.T, dir, cn string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{"cert.pem": {Type: "CERTIFICATE", Bytes: der}, "key.pem": {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestHTTPSAndReload: the server answers HTTPS with the certificate from
// the files; after new files and a reload the next handshake gets the new
// certificate, and a reload from broken files keeps it.
func TestHTTPSAndReload(t *testing.T) {
	dir := t.TempDir()
	first := writeCert(t, dir, "first")
	cert, err := LoadCertificate(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s, _ := newServer(t, "https://127.0.0.1", &logs)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, tls.NewListener(ln, cert.TLSConfig()), s.Handler(), s.Logger) }()
	t.Cleanup(func() { cancel(); <-done })

	// get fetches /healthz trusting only trusted, on a new connection, and
	// returns the certificate the server showed.
	get := func(trusted *x509.Certificate) (*x509.Certificate, error) {
		pool := x509.NewCertPool()
		pool.AddCert(trusted)
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
		resp, err := c.Get("https://" + ln.Addr().String() + "/healthz")
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("healthz over HTTPS = %d", resp.StatusCode)
		}
		return resp.TLS.PeerCertificates[0], nil
	}
	if got, err := get(first); err != nil || !got.Equal(first) {
		t.Fatalf("HTTPS with the first certificate: %v", err)
	}

	second := writeCert(t, dir, "second")
	if err := cert.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, err := get(second); err != nil || !got.Equal(second) {
		t.Fatalf("after the reload the server did not show the new certificate: %v", err)
	}

	if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cert.Reload(); err == nil {
		t.Error("Reload of a broken key succeeded")
	}
	if got, err := get(second); err != nil || !got.Equal(second) {
		t.Errorf("a failed reload changed the certificate in use: %v", err)
	}
}
