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
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
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

// lockedBuffer is a log destination the signal goroutine and the test
// share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitForLog waits until logs holds want, the signal having been handled.
func waitForLog(t *testing.T, logs *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q logged after SIGHUP; logs: %s", want, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSIGHUP: a real SIGHUP reloads the certificate from its files, and
// without a certificate it is logged and ignored; either way the process
// goes on (SIGHUP's default action ends a Go program, and systemctl reload
// sends it).
func TestSIGHUP(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, "first")
	cert, err := LoadCertificate(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cert *Certificate
		want string
	}{{"no certificate", nil, "nothing to reload"}, {"certificate", cert, "TLS certificate reloaded"}} {
		t.Run(c.name, func(t *testing.T) {
			if c.cert != nil {
				writeCert(t, dir, "second")
			}
			logs := &lockedBuffer{}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			c.cert.ReloadOnSIGHUP(ctx, slog.New(slog.NewTextHandler(logs, nil)))
			if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			waitForLog(t, logs, c.want)
			if c.cert != nil {
				hello, err := c.cert.GetCertificate(&tls.ClientHelloInfo{})
				if err != nil || hello.Leaf == nil && len(hello.Certificate) == 0 {
					t.Fatalf("GetCertificate: %v", err)
				}
				leaf, err := x509.ParseCertificate(hello.Certificate[0])
				if err != nil || leaf.Subject.CommonName != "second" {
					t.Errorf("after SIGHUP the certificate is %v (%v), want the second", leaf.Subject.CommonName, err)
				}
			}
		})
	}
}
