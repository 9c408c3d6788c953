package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vippslogin/vippslogin/internal/debugger"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParseDefaults(t *testing.T) {
	cfg, err := Parse(Dev, nil, env(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Mode: Dev, Addr: "127.0.0.1:8080", DB: ".vippslogin/vippslogin.db", AdminToken: DevAdminToken, LogFormat: LogText, LogLevel: "info", EventsRetention: DefaultEventsRetention, AccessLog: AccessLogOn}
	if cfg != want {
		t.Errorf("dev defaults = %+v, want %+v", cfg, want)
	}
}

func TestParsePrecedence(t *testing.T) {
	e := env("VIPPSLOGIN_ADDR", "127.0.0.1:9000", "VIPPSLOGIN_DB", "from-env.db", "VIPPSLOGIN_ADMIN_TOKEN", "env-token-0123456789",
		"VIPPSLOGIN_KEY_ENCRYPTION_KEY", strings.Repeat("ab", 32))
	cfg, err := Parse(Serve, []string{"--db", "from-flag.db"}, e, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9000" || cfg.DB != "from-flag.db" || cfg.AdminToken != "env-token-0123456789" {
		t.Errorf("got %+v: want env over default and flag over env", cfg)
	}
}

func TestParseHelp(t *testing.T) {
	var out strings.Builder
	_, err := Parse(Dev, []string{"-h"}, env(), &out)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "VIPPSLOGIN_BASE_URL") {
		t.Errorf("Parse(-h) = %v, output %q", err, out.String())
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Mode: Serve, Addr: "127.0.0.1:0", DB: "x.db", AdminToken: "0123456789abcdef",
		KeyEncryptionKey: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", LogFormat: LogJSON, LogLevel: "info", AccessLog: AccessLogOn}
	// okKEKInHex is ok's key-encryption key written another way.
	okKEKInHex := hex.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" for valid; else a prefix of the error
	}{
		{"valid", func(c *Config) {}, ""},
		{"postgres url", func(c *Config) { c.DB = "postgres://u@127.0.0.1:5432/db?sslmode=disable" }, ""},
		{"https base url with path", func(c *Config) { c.BaseURL = "https://login.example.com/vipps" }, ""},
		{"any port", func(c *Config) { c.Addr = ":8080" }, ""},
		{"bad mode", func(c *Config) { c.Mode = "prod" }, "mode must be"},
		{"addr without port", func(c *Config) { c.Addr = "localhost" }, "--addr \"localhost\" is not host:port"},
		{"addr bad port", func(c *Config) { c.Addr = "127.0.0.1:99999" }, "--addr \"127.0.0.1:99999\" has a bad port"},
		{"metrics addr", func(c *Config) { c.MetricsAddr = "127.0.0.1:9090" }, ""},
		{"metrics addr without port", func(c *Config) { c.MetricsAddr = "localhost" }, "--metrics-addr \"localhost\" is not host:port"},
		{"base url not a url", func(c *Config) { c.BaseURL = "localhost:8080" }, "--base-url \"localhost:8080\" must start with http"},
		{"base url ftp", func(c *Config) { c.BaseURL = "ftp://example.com" }, "--base-url"},
		{"base url no host", func(c *Config) { c.BaseURL = "https://" }, "--base-url \"https://\" has no host"},
		{"base url query", func(c *Config) { c.BaseURL = "https://example.com/?a=b" }, "--base-url \"https://example.com/?a=b\" must not have a query"},
		{"base url fragment", func(c *Config) { c.BaseURL = "https://example.com/#x" }, "--base-url"},
		{"db empty", func(c *Config) { c.DB = "" }, "--db is required"},
		{"db mysql", func(c *Config) { c.DB = "mysql://root@localhost/db" }, "--db has scheme \"mysql\""},
		{"db directory", func(c *Config) { c.DB = "data/" }, "--db \"data/\" is a directory"},
		{"serve without token", func(c *Config) { c.AdminToken = "" }, "--admin-token is required in serve mode"},
		{"serve short token", func(c *Config) { c.AdminToken = "short" }, "--admin-token must be at least 16"},
		{"token with space", func(c *Config) { c.AdminToken = "0123456789 abcdef" }, "--admin-token must not contain white space"},
		{"dev short token is fine", func(c *Config) { c.Mode = Dev; c.AdminToken = "x" }, ""},
		{"serve without key-encryption key", func(c *Config) { c.KeyEncryptionKey = "" }, "--key-encryption-key is required in serve mode"},
		{"dev without key-encryption key", func(c *Config) { c.Mode = Dev; c.KeyEncryptionKey = "" }, ""},
		{"hex key-encryption key", func(c *Config) { c.KeyEncryptionKey = strings.Repeat("0f", 32) }, ""},
		{"short key-encryption key", func(c *Config) { c.KeyEncryptionKey = "MDEyMzQ1Njc4OWFiY2RlZg==" }, "--key-encryption-key is 16 bytes; want 32"},
		{"previous key-encryption key", func(c *Config) { c.PreviousKeyEncryptionKey = strings.Repeat("0f", 32) }, ""},
		{"short previous key-encryption key", func(c *Config) { c.PreviousKeyEncryptionKey = "MDEyMzQ1Njc4OWFiY2RlZg==" }, "--previous-key-encryption-key is 16 bytes; want 32"},
		{"garbled previous key-encryption key", func(c *Config) { c.PreviousKeyEncryptionKey = "not a key!" }, "--previous-key-encryption-key is neither"},
		{"previous key-encryption key the same", func(c *Config) { c.PreviousKeyEncryptionKey = okKEKInHex }, "--previous-key-encryption-key is the same key as --key-encryption-key"},
		{"dev previous key-encryption key alone", func(c *Config) { c.Mode, c.KeyEncryptionKey, c.PreviousKeyEncryptionKey = Dev, "", okKEKInHex }, ""},
		{"text logs", func(c *Config) { c.LogFormat = LogText }, ""},
		{"debug logs", func(c *Config) { c.LogLevel = "debug" }, ""},
		{"bad log format", func(c *Config) { c.LogFormat = "logfmt" }, `--log-format must be text or json, not "logfmt"`},
		{"empty log format", func(c *Config) { c.LogFormat = "" }, `--log-format must be text or json, not ""`},
		{"bad log level", func(c *Config) { c.LogLevel = "verbose" }, `--log-level must be debug, info, warn or error, not "verbose"`},
		{"access log off", func(c *Config) { c.AccessLog = AccessLogOff }, ""},
		{"access log errors-only", func(c *Config) { c.AccessLog = AccessLogErrors }, ""},
		{"bad access log", func(c *Config) { c.AccessLog = "errors" }, `--access-log must be on, off or errors-only, not "errors"`},
		{"empty access log", func(c *Config) { c.AccessLog = "" }, `--access-log must be on, off or errors-only, not ""`},
		{"upper-case log level", func(c *Config) { c.LogLevel = "INFO" }, `--log-level must be debug, info, warn or error`},
		{"tls cert without key", func(c *Config) { c.TLSCert = "cert.pem" }, "--tls-cert needs --tls-key"},
		{"tls key without cert", func(c *Config) { c.TLSKey = "key.pem" }, "--tls-cert is missing"},
		{"tls files missing", func(c *Config) { c.TLSCert, c.TLSKey = "/nonexistent/cert.pem", "/nonexistent/key.pem" }, "--tls-cert and --tls-key do not load as a pair"},
		{"pprof on", func(c *Config) { c.Pprof, c.MetricsAddr = "on", "127.0.0.1:9090" }, ""},
		{"pprof true", func(c *Config) { c.Pprof, c.MetricsAddr = "TRUE", "127.0.0.1:9090" }, ""},
		{"pprof without a metrics listener", func(c *Config) { c.Pprof = "on" }, "--pprof needs --metrics-addr"},
		{"pprof garbled", func(c *Config) { c.Pprof = "yes please" }, "--pprof is \"yes please\""},
		{"trusted proxies", func(c *Config) { c.TrustedProxies = "10.0.0.0/8, 192.0.2.7, fd00::/8" }, ""},
		{"seed missing", func(c *Config) { c.Seed = "/nonexistent/seed.yaml" }, "--seed cannot be read: stat /nonexistent/seed.yaml: no such file"},
		{"seed a directory", func(c *Config) { c.Seed = "." }, `--seed "." is not a file`},
		{"seed a file", func(c *Config) { c.Seed = "config.go" }, ""},
		{"trusted proxies garbled", func(c *Config) { c.TrustedProxies = "10.0.0.0/8, proxy.internal" }, `--trusted-proxies entry "proxy.internal" is not an IP address or CIDR prefix`},
		{"trusted proxies bad prefix", func(c *Config) { c.TrustedProxies = "10.0.0.0/40" }, `--trusted-proxies entry "10.0.0.0/40" is not a CIDR prefix`},
		{"garbled key-encryption key", func(c *Config) { c.Mode = Dev; c.KeyEncryptionKey = "not a key!" }, "--key-encryption-key is neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error starting %q", err, tt.want)
			case err != nil && strings.Contains(err.Error(), "\n"):
				t.Errorf("Validate() = %q: want one line", err)
			}
		})
	}
}

func TestParseKeyEncryptionKey(t *testing.T) {
	raw := make([]byte, KeyEncryptionKeySize)
	rand.Read(raw)
	for _, s := range []string{
		hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw), " " + base64.StdEncoding.EncodeToString(raw) + "\n",
	} {
		got, err := ParseKeyEncryptionKey(s)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("ParseKeyEncryptionKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "short", base64.StdEncoding.EncodeToString(raw[:16]), hex.EncodeToString(raw)[:63] + "g"} {
		if _, err := ParseKeyEncryptionKey(s); err == nil {
			t.Errorf("ParseKeyEncryptionKey(%q) succeeded", s)
		}
	}
}

func TestDisplayDB(t *testing.T) {
	for db, want := range map[string]string{
		"vippslogin.db": "vippslogin.db",
		"postgres://vl:hunter2@db.example:5432/vl?sslmode=require": "postgres://vl:xxxxx@db.example:5432/vl?sslmode=require",
		"postgresql://vl@db.example/vl":                            "postgresql://vl@db.example/vl",
	} {
		if got := (Config{DB: db}).DisplayDB(); got != want {
			t.Errorf("DisplayDB(%q) = %q, want %q", db, got, want)
		}
	}
}

// TestValidateTLSPair: a certificate and its key pass; the certificate
// with another key does not.
func TestValidateTLSPair(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) (cert, key string) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		cert, key = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
		os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
		return cert, key
	}
	cert, key := write("a")
	_, otherKey := write("b")
	if msg := checkTLS(cert, key); msg != "" {
		t.Errorf("a matching pair: %s", msg)
	}
	if msg := checkTLS(cert, otherKey); !strings.HasPrefix(msg, "and --tls-key do not load as a pair") {
		t.Errorf("a mismatched pair: %q", msg)
	}
}

// TestParseTrustedProxies: the flag, its variable and its file key, and a
// bad entry stops the start with the entry and where it came from.
func TestParseTrustedProxies(t *testing.T) {
	file := filepath.Join(t.TempDir(), "vippslogin.yaml")
	if err := os.WriteFile(file, []byte("trusted-proxies: 10.0.0.0/8, 192.0.2.7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"default", nil, env(), ""},
		{"file", []string{"--config", file}, env(), "10.0.0.0/8, 192.0.2.7"},
		{"environment", []string{"--config", file}, env("VIPPSLOGIN_TRUSTED_PROXIES", "127.0.0.1"), "127.0.0.1"},
		{"flag", []string{"--config", file, "--trusted-proxies", "::1"}, env("VIPPSLOGIN_TRUSTED_PROXIES", "127.0.0.1"), "::1"},
	} {
		cfg, err := Parse(Dev, tc.args, tc.env, io.Discard)
		if err != nil || cfg.TrustedProxies != tc.want {
			t.Errorf("%s: TrustedProxies = %q, %v; want %q", tc.name, cfg.TrustedProxies, err, tc.want)
		}
	}
	_, err := Parse(Dev, nil, env("VIPPSLOGIN_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.256"), io.Discard)
	if err == nil || !strings.Contains(err.Error(), `"10.0.0.256"`) || !strings.Contains(err.Error(), "VIPPSLOGIN_TRUSTED_PROXIES") {
		t.Errorf("a bad entry in the environment: %v; want an error naming the entry and the variable", err)
	}
}

// The flag's default is the debugger's own.
func TestEventsRetentionDefault(t *testing.T) {
	d, err := Config{EventsRetention: DefaultEventsRetention}.EventsRetentionDuration()
	if err != nil || d != debugger.DefaultRetention {
		t.Errorf("DefaultEventsRetention = %q (%v, %v), want debugger.DefaultRetention %v", DefaultEventsRetention, d, err, debugger.DefaultRetention)
	}
	for _, bad := range []string{"7d", "10s", "2400h", "-1h"} {
		if _, err := (Config{EventsRetention: bad}).EventsRetentionDuration(); err == nil {
			t.Errorf("--events-retention %q is accepted", bad)
		}
	}
}
