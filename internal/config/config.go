// Package config holds the server's configuration: flags, each with an
// environment variable and a config file key behind it, and the checks that
// turn a bad value into a one-line reason (DESIGN §1). A flag beats the
// environment, which beats the file, which beats the mode's default.
package config

import (
	"bytes"
	"cmp"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/clientip"
)

// Modes the server runs in.
const (
	// Dev seeds demo data and has defaults for everything.
	Dev = "dev"
	// Serve is production: no seed data, an admin token is required.
	Serve = "serve"
)

// DevAdminToken is the admin token dev mode uses unless told otherwise.
const DevAdminToken = "dev-admin-token"

// Config is everything the server needs to start.
type Config struct {
	Mode string
	// Addr is the host:port to listen on; port 0 picks a free one.
	Addr string
	// BaseURL is the public URL the server is reached at, without a trailing
	// slash; empty means http://localhost:<port> once the port is known.
	BaseURL string
	// DB is an SQLite file path or a postgres:// URL.
	DB         string
	AdminToken string
	// KeyEncryptionKey encrypts the signing keys in the database: 32 bytes
	// in hex or base64, as given (ParseKeyEncryptionKey reads it). Required
	// in serve mode; dev mode keeps a generated one in a file when empty.
	KeyEncryptionKey string
	// PreviousKeyEncryptionKey is the key-encryption key being rotated
	// away from, in KeyEncryptionKey's format: the signing keys still
	// encrypted with it are re-encrypted with KeyEncryptionKey at start.
	// Empty when no rotation is under way.
	PreviousKeyEncryptionKey string
	// MetricsAddr is a host:port to serve GET /metrics on; empty serves it
	// on Addr, to loopback clients only.
	MetricsAddr string
	// LogFormat is LogText or LogJSON; LogLevel one of logLevels' names.
	LogFormat, LogLevel string
	// ConfigFile is the YAML file the other settings were read from, if any.
	ConfigFile string
	// TLSCert and TLSKey are PEM files for a direct HTTPS listener; both or
	// neither (behind a reverse proxy that ends TLS: neither). SIGHUP
	// reloads them.
	TLSCert, TLSKey string
	// Pprof mounts net/http/pprof on the metrics listener: "true" or "on".
	Pprof string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed, comma-separated IPs and CIDR prefixes (clientip.Parse reads
	// it); empty trusts none.
	TrustedProxies string
	// EventsRetention is how long the integration debugger keeps a
	// client's events, a Go duration (EventsRetentionDuration reads it).
	EventsRetention string
	// AccessLog is which requests get an access log line: AccessLogOn,
	// AccessLogOff or AccessLogErrors.
	AccessLog string
	// Seed is a seed file (YAML or JSON, docs/seed.md) of clients, users,
	// QR codes and consents to create or update at start, in either mode.
	Seed string
}

// Log formats.
const (
	LogText = "text"
	LogJSON = "json"
)

// Access log modes (--access-log).
const (
	// AccessLogOn logs every request: at INFO, health checks and static
	// files at DEBUG, a 5xx at WARN.
	AccessLogOn = "on"
	// AccessLogOff logs no request; errors a handler logs are still logged.
	AccessLogOff = "off"
	// AccessLogErrors logs only the requests answered with status 400 and
	// up: the server's failures and the clients' integration errors.
	AccessLogErrors = "errors-only"
)

// flagSpec ties a flag to its environment variable and its default per mode.
type flagSpec struct {
	name, env, usage string
	dst              func(*Config) *string
	def              map[string]string
}

var flagSpecs = []flagSpec{
	{"addr", "VIPPSLOGIN_ADDR", "address to listen on (port 0 picks a free one)",
		func(c *Config) *string { return &c.Addr }, map[string]string{Dev: "127.0.0.1:8080", Serve: "127.0.0.1:8080"}},
	{"base-url", "VIPPSLOGIN_BASE_URL", "public base URL (default http://localhost:<port>)",
		func(c *Config) *string { return &c.BaseURL }, nil},
	{"db", "VIPPSLOGIN_DB", "SQLite file path or postgres:// URL",
		func(c *Config) *string { return &c.DB }, map[string]string{Dev: ".vippslogin/vippslogin.db", Serve: "vippslogin.db"}},
	{"admin-token", "VIPPSLOGIN_ADMIN_TOKEN", "bearer token for the admin API",
		func(c *Config) *string { return &c.AdminToken }, map[string]string{Dev: DevAdminToken}},
	{"key-encryption-key", "VIPPSLOGIN_KEY_ENCRYPTION_KEY", "32 bytes in base64 or hex that encrypt the signing keys in the database (dev: generated into a file next to it)",
		func(c *Config) *string { return &c.KeyEncryptionKey }, nil},
	{"previous-key-encryption-key", "VIPPSLOGIN_PREVIOUS_KEY_ENCRYPTION_KEY", "the key-encryption key being replaced: signing keys still encrypted with it are re-encrypted with --key-encryption-key at start",
		func(c *Config) *string { return &c.PreviousKeyEncryptionKey }, nil},
	{"metrics-addr", "VIPPSLOGIN_METRICS_ADDR", "address to serve /metrics on for Prometheus (default: on --addr, to loopback clients only)",
		func(c *Config) *string { return &c.MetricsAddr }, nil},
	{"log-format", "VIPPSLOGIN_LOG_FORMAT", "log line format: text or json",
		func(c *Config) *string { return &c.LogFormat }, map[string]string{Dev: LogText, Serve: LogJSON}},
	{"log-level", "VIPPSLOGIN_LOG_LEVEL", "least severe level logged: debug, info, warn or error",
		func(c *Config) *string { return &c.LogLevel }, map[string]string{Dev: "info", Serve: "info"}},
	{"access-log", "VIPPSLOGIN_ACCESS_LOG", "which requests get an access log line: on (health checks and static files at debug), off, or errors-only (status 400 and up)",
		func(c *Config) *string { return &c.AccessLog }, map[string]string{Dev: AccessLogOn, Serve: AccessLogOn}},
	{configKey, "VIPPSLOGIN_CONFIG", "YAML file of settings keyed by flag name, e.g. addr: 127.0.0.1:8080 (flags and environment override it)",
		func(c *Config) *string { return &c.ConfigFile }, nil},
	{"tls-cert", "VIPPSLOGIN_TLS_CERT", "PEM certificate chain file: serve HTTPS directly (with --tls-key; reloaded on SIGHUP)",
		func(c *Config) *string { return &c.TLSCert }, nil},
	{"tls-key", "VIPPSLOGIN_TLS_KEY", "PEM private key file of --tls-cert",
		func(c *Config) *string { return &c.TLSKey }, nil},
	{"pprof", "VIPPSLOGIN_PPROF", "true or on: serve net/http/pprof on the metrics listener only (default off)",
		func(c *Config) *string { return &c.Pprof }, nil},
	{"trusted-proxies", "VIPPSLOGIN_TRUSTED_PROXIES", "comma-separated IPs and CIDRs of reverse proxies whose X-Forwarded-For gives the client's address in the logs (default none)",
		func(c *Config) *string { return &c.TrustedProxies }, nil},
	{"events-retention", "VIPPSLOGIN_EVENTS_RETENTION", "how long the integration debugger keeps a client's login events, e.g. 168h or 30m",
		func(c *Config) *string { return &c.EventsRetention }, map[string]string{Dev: DefaultEventsRetention, Serve: DefaultEventsRetention}},
	{"seed", "VIPPSLOGIN_SEED", "YAML or JSON file of clients, users, QR codes and consents to create or update at start (docs/seed.md)",
		func(c *Config) *string { return &c.Seed }, nil},
}

// DefaultEventsRetention is --events-retention's default: 7 days, the
// debugger's own default (debugger.DefaultRetention, which
// TestEventsRetentionDefault holds it to).
const DefaultEventsRetention = "168h"

// Bounds of --events-retention: long enough to read an event, short
// enough that the debugger cannot become a log kept for ever.
const (
	minEventsRetention = time.Minute
	maxEventsRetention = 90 * 24 * time.Hour
)

// EventsRetentionDuration reads --events-retention; empty is the default.
func (c Config) EventsRetentionDuration() (time.Duration, error) {
	d, err := time.ParseDuration(cmp.Or(c.EventsRetention, DefaultEventsRetention))
	switch {
	case err != nil:
		return 0, fmt.Errorf("is %q; want a duration such as 168h or 30m", c.EventsRetention)
	case d < minEventsRetention || d > maxEventsRetention:
		return 0, fmt.Errorf("is %s; want from %s to %s", d, minEventsRetention, maxEventsRetention)
	}
	return d, nil
}

// Parse reads the configuration for mode from args, falling back to the
// environment, then to the config file (--config or VIPPSLOGIN_CONFIG), then
// to the mode's defaults, and validates it. A flag error, a bad file or a bad
// value is returned as an error that names the field; -h returns
// flag.ErrHelp after printing the usage to stderr.
func Parse(mode string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	fs, flags := newFlagSet("vippslogin "+mode, mode, stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vippslogin %s [flags]\n\nEvery flag can also be set in the config file (--config) under its own name.\n\nFlags:\n", mode)
		fs.PrintDefaults()
	}
	pos, err := ParseFlags(fs, args, stderr)
	if err != nil {
		return Config{Mode: mode}, err
	}
	if len(pos) > 0 {
		return Config{Mode: mode}, fmt.Errorf("unexpected argument %q: %s takes only flags", pos[0], mode)
	}
	cfg, _, err := resolve(mode, fs, flags, getenv)
	return cfg, err
}

// PrintFlags writes the server's flags with mode's defaults, as dev's and
// serve's -h list them, for a command that takes them too (healthcheck).
func PrintFlags(w io.Writer, mode string) {
	fs, _ := newFlagSet("", mode, w)
	fs.PrintDefaults()
}

// check is one validation rule: the field it is about and what is wrong
// with it, or "" when it is fine.
type check struct {
	field string
	fails func(Config) string
}

var checks = []check{
	{"mode", func(c Config) string {
		if c.Mode != Dev && c.Mode != Serve {
			return fmt.Sprintf("must be %q or %q, not %q", Dev, Serve, c.Mode)
		}
		return ""
	}},
	{"--addr", func(c Config) string { return checkAddr(c.Addr) }},
	{"--metrics-addr", func(c Config) string {
		if c.MetricsAddr == "" {
			return ""
		}
		return checkAddr(c.MetricsAddr)
	}},
	{"--base-url", func(c Config) string { return checkBaseURL(c.BaseURL) }},
	{"--db", func(c Config) string { return checkDB(c.DB) }},
	{"--admin-token", func(c Config) string {
		switch {
		case c.AdminToken == "" && c.Mode == Serve:
			return "is required in serve mode (or VIPPSLOGIN_ADMIN_TOKEN); make one with: openssl rand -hex 32"
		case c.Mode == Serve && len(c.AdminToken) < 16:
			return "must be at least 16 characters in serve mode; make one with: openssl rand -hex 32"
		case strings.ContainsAny(c.AdminToken, " \t\r\n"):
			return "must not contain white space"
		}
		return ""
	}},
	{"--log-format", func(c Config) string {
		if c.LogFormat != LogText && c.LogFormat != LogJSON {
			return fmt.Sprintf("must be %s or %s, not %q", LogText, LogJSON, c.LogFormat)
		}
		return ""
	}},
	{"--log-level", func(c Config) string {
		if _, ok := logLevel(c.LogLevel); !ok {
			return fmt.Sprintf("must be debug, info, warn or error, not %q", c.LogLevel)
		}
		return ""
	}},
	{"--access-log", func(c Config) string {
		switch c.AccessLog {
		case AccessLogOn, AccessLogOff, AccessLogErrors:
			return ""
		}
		return fmt.Sprintf("must be %s, %s or %s, not %q", AccessLogOn, AccessLogOff, AccessLogErrors, c.AccessLog)
	}},
	{"--key-encryption-key", func(c Config) string {
		switch {
		case c.KeyEncryptionKey == "" && c.Mode == Serve:
			return "is required in serve mode (or VIPPSLOGIN_KEY_ENCRYPTION_KEY); make one with: openssl rand -base64 32, and keep it with your backups"
		case c.KeyEncryptionKey == "":
			return ""
		}
		if _, err := ParseKeyEncryptionKey(c.KeyEncryptionKey); err != nil {
			return err.Error()
		}
		return ""
	}},
	{"--previous-key-encryption-key", func(c Config) string {
		if c.PreviousKeyEncryptionKey == "" {
			return ""
		}
		prev, err := ParseKeyEncryptionKey(c.PreviousKeyEncryptionKey)
		if err != nil {
			return err.Error()
		}
		// Equal keys would rotate nothing: most likely the new key was
		// given in both places, and the old one is still wanted.
		if cur, err := ParseKeyEncryptionKey(c.KeyEncryptionKey); err == nil && bytes.Equal(prev, cur) {
			return "is the same key as --key-encryption-key; give the old key here and the new one as --key-encryption-key"
		}
		return ""
	}},
	{"--tls-cert", func(c Config) string { return checkTLS(c.TLSCert, c.TLSKey) }},
	{"--trusted-proxies", func(c Config) string {
		if _, err := clientip.Parse(c.TrustedProxies); err != nil {
			return err.Error()
		}
		return ""
	}},
	{"--events-retention", func(c Config) string {
		if _, err := c.EventsRetentionDuration(); err != nil {
			return err.Error()
		}
		return ""
	}},
	{"--seed", func(c Config) string {
		if c.Seed == "" {
			return ""
		}
		if fi, err := os.Stat(c.Seed); err != nil {
			return fmt.Sprintf("cannot be read: %v", err)
		} else if !fi.Mode().IsRegular() {
			return fmt.Sprintf("%q is not a file", c.Seed)
		}
		return ""
	}},
	{"--pprof", func(c Config) string {
		on, err := c.PprofEnabled()
		switch {
		case err != nil:
			return err.Error()
		case on && c.MetricsAddr == "":
			return "needs --metrics-addr: the profiles are served only on the metrics listener, never on the public one"
		}
		return ""
	}},
}

// checkTLS checks that the certificate and key are given together and
// load as a pair, so that a bad pair stops the start, not the first
// handshake.
func checkTLS(cert, key string) string {
	switch {
	case cert == "" && key == "":
		return ""
	case key == "":
		return "needs --tls-key (the certificate's private key) too"
	case cert == "":
		return "is missing: --tls-key needs --tls-cert (the certificate) too"
	}
	if _, err := tls.LoadX509KeyPair(cert, key); err != nil {
		return fmt.Sprintf("and --tls-key do not load as a pair: %v", err)
	}
	return ""
}

// PprofEnabled reads --pprof: "" or false/off is off, true/on is on.
func (c Config) PprofEnabled() (bool, error) {
	switch strings.ToLower(c.Pprof) {
	case "", "false", "off", "0":
		return false, nil
	case "true", "on", "1":
		return true, nil
	}
	return false, fmt.Errorf("is %q; want true or on (or false, off)", c.Pprof)
}

// Validate runs every check and reports the first failure as
// "<field> <what is wrong>".
func (c Config) Validate() error {
	for _, ch := range checks {
		if msg := ch.fails(c); msg != "" {
			return errors.New(ch.field + " " + msg)
		}
	}
	return nil
}

func checkAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("%q is not host:port (e.g. 127.0.0.1:8080 or :8080)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("%q has a bad port %q: want a number from 0 to 65535", addr, port)
	}
	if strings.ContainsAny(host, "/ ") {
		return fmt.Sprintf("%q has a bad host %q", addr, host)
	}
	return ""
}

func checkBaseURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Sprintf("%q is not a URL: %v", raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("%q must start with http:// or https://", raw)
	case u.Host == "":
		return fmt.Sprintf("%q has no host", raw)
	case u.User != nil:
		return fmt.Sprintf("%q must not contain user info", raw)
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "?") || strings.Contains(raw, "#"):
		return fmt.Sprintf("%q must not have a query or fragment", raw)
	}
	return ""
}

func checkDB(db string) string {
	switch {
	case db == "":
		return "is required: an SQLite file path or a postgres:// URL"
	case strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://"):
		if _, err := url.Parse(db); err != nil {
			return "is not a valid postgres:// URL"
		}
	case strings.Contains(db, "://"):
		scheme, _, _ := strings.Cut(db, "://")
		return fmt.Sprintf("has scheme %q; want a file path or a postgres:// URL", scheme)
	case strings.ContainsRune(db, 0):
		return "is not a valid file path"
	case strings.HasSuffix(db, "/"):
		return fmt.Sprintf("%q is a directory; name the database file, e.g. %svippslogin.db", db, db)
	}
	return ""
}

// KeyEncryptionKeySize is the size of a key-encryption key: an AES-256 key.
const KeyEncryptionKeySize = 32

// ParseKeyEncryptionKey reads a key-encryption key written as 64 hex digits
// or as base64 (standard or URL alphabet, padded or not) of 32 bytes, as
// `openssl rand -hex 32` and `openssl rand -base64 32` make one.
func ParseKeyEncryptionKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeyEncryptionKeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeyEncryptionKeySize {
				return nil, fmt.Errorf("is %d bytes; want %d (make one with: openssl rand -base64 32)", len(b), KeyEncryptionKeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("is neither 64 hex digits nor base64 of 32 bytes (make one with: openssl rand -base64 32)")
}

// logLevels are the names --log-level takes, least severe first.
var logLevels = []struct {
	name  string
	level slog.Level
}{{"debug", slog.LevelDebug}, {"info", slog.LevelInfo}, {"warn", slog.LevelWarn}, {"error", slog.LevelError}}

func logLevel(name string) (slog.Level, bool) {
	for _, l := range logLevels {
		if l.name == name {
			return l.level, true
		}
	}
	return 0, false
}

// SlogLevel is LogLevel as a slog.Level (info when LogLevel is not valid).
func (c Config) SlogLevel() slog.Level {
	level, _ := logLevel(c.LogLevel)
	return level
}

// IsPostgres reports whether DB names a PostgreSQL database.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// DisplayDB is DB as it may be printed and logged: a PostgreSQL URL's
// password is masked.
func (c Config) DisplayDB() string {
	if !c.IsPostgres() {
		return c.DB
	}
	u, err := url.Parse(c.DB)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// ResolveBaseURL returns the base URL without a trailing slash, defaulting to
// http://localhost:<port> for the address actually listened on.
func (c Config) ResolveBaseURL(listening net.Addr) string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	_, port, _ := net.SplitHostPort(listening.String())
	return "http://localhost:" + port
}
