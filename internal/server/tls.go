package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// Certificate holds the HTTPS listener's certificate, loaded from two PEM
// files and reloaded from them on request (SIGHUP), so that a renewed
// certificate is served without a restart. Handshakes read it through
// GetCertificate; a reload that fails keeps the certificate in use.
type Certificate struct {
	certFile, keyFile string
	cert              atomic.Pointer[tls.Certificate]
}

// LoadCertificate loads the pair of PEM files, the chain and its key.
func LoadCertificate(certFile, keyFile string) (*Certificate, error) {
	c := &Certificate{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again; on an error the old certificate stays.
func (c *Certificate) Reload() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("load TLS certificate %s and key %s: %w", c.certFile, c.keyFile, err)
	}
	c.cert.Store(&cert)
	return nil
}

// GetCertificate is tls.Config.GetCertificate: the certificate of the
// moment.
func (c *Certificate) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.cert.Load(), nil
}

// TLSConfig is the listener's configuration: TLS 1.2 and up, the
// certificate from c.
func (c *Certificate) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate}
}

// ReloadOnSIGHUP reloads the certificate each time the process gets
// SIGHUP, until ctx is done, logging the outcome. It takes the signal
// before it returns and handles it in a goroutine of its own. On a nil
// Certificate (no --tls-cert) it only says that there is nothing to
// reload: an operator's reload, such as systemctl reload, must not end the
// server, as SIGHUP's default action would.
func (c *Certificate) ReloadOnSIGHUP(ctx context.Context, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				c.reloadLogged(logger)
			}
		}
	}()
}

// reloadLogged is one SIGHUP's reload, and its log line.
func (c *Certificate) reloadLogged(logger *slog.Logger) {
	if c == nil {
		logger.Info("SIGHUP: nothing to reload (the server has no --tls-cert)")
		return
	}
	if err := c.Reload(); err != nil {
		logger.Error("TLS certificate not reloaded; still serving the previous one", "err", err)
		return
	}
	logger.Info("TLS certificate reloaded", "cert", c.certFile)
}
