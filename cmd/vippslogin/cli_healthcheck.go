package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/server"
)

// healthcheckTimeout bounds the whole probe: an orchestrator's own timeout
// is usually a few seconds longer.
const healthcheckTimeout = 5 * time.Second

// runHealthcheck asks the server that this configuration starts whether it
// is ready: GET /readyz on its own listener, exit status 0 for a 200 and 1
// otherwise. It is for a container's HEALTHCHECK, which runs a command in
// the image, and the distroless image has no curl. The configuration is
// resolved exactly as serve (or dev) resolves it, from the same flags,
// environment and config file, so the probe finds the address, the base
// URL's path and the TLS listener the server has.
func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	mode := config.Serve
	if len(args) > 0 && (args[0] == config.Dev || args[0] == config.Serve) {
		mode, args = args[0], args[1:]
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintf(stderr, "Usage: vippslogin healthcheck [serve|dev] [the server's flags]\n\n"+
			"Sends GET /readyz to the server the same configuration runs (serve's unless dev is\n"+
			"given) and exits 0 if it answers 200, 1 if not: for a container's HEALTHCHECK.\n"+
			"It reads the flags, environment and config file serve reads:\n\nFlags:\n")
		config.PrintFlags(stderr, mode)
		return errHelp
	}
	cfg, err := config.Parse(mode, args, getenv, io.Discard)
	if err != nil {
		return usagef("%v", err)
	}
	target, client, err := readyProbe(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("no answer from %s: %w", target, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", target, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdout, "ready: %s\n", target)
	return nil
}

// readyProbe is the URL of /readyz on the listener cfg describes, and the
// client to send it with. A listener on every interface is probed on
// loopback. Over TLS the server's own certificate is the only root the
// client trusts, for the base URL's host: the probe verifies it without a
// CA, and sends nothing secret anyway.
func readyProbe(cfg config.Config) (string, *http.Client, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return "", nil, fmt.Errorf("--addr %q: %w", cfg.Addr, err)
	}
	switch ip := net.ParseIP(host); {
	case host == "" || (ip != nil && ip.IsUnspecified() && ip.To4() != nil):
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: server.BasePath(cfg.BaseURL) + "/readyz"}
	client := &http.Client{Timeout: healthcheckTimeout}
	if cfg.TLSCert == "" {
		return u.String(), client, nil
	}
	u.Scheme = "https"
	roots, err := certPool(cfg.TLSCert)
	if err != nil {
		return "", nil, err
	}
	name := "localhost"
	if b, err := url.Parse(cfg.BaseURL); err == nil && b.Hostname() != "" {
		name = b.Hostname()
	}
	client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: name, MinVersion: tls.VersionTLS12}}
	return u.String(), client, nil
}

// certPool holds every certificate of a PEM file (the leaf and its chain).
func certPool(file string) (*x509.CertPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert: %w", err)
	}
	pool := x509.NewCertPool()
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert %s: %w", file, err)
		}
		pool.AddCert(c)
	}
	return pool, nil
}
