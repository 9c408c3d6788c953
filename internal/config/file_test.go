package config

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const testKEK = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// writeConfig writes body to a config file in a fresh directory.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vippslogin.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// secretsEnv is the environment serve needs besides what a test sets.
func secretsEnv(kv ...string) func(string) string {
	return env(append([]string{"VIPPSLOGIN_ADMIN_TOKEN", "env-token-0123456789", "VIPPSLOGIN_KEY_ENCRYPTION_KEY", testKEK}, kv...)...)
}

func TestPrecedenceFlagEnvFileDefault(t *testing.T) {
	file := writeConfig(t, "addr: 127.0.0.1:8001\nlog-level: warn\n")
	tests := []struct {
		name       string
		args       []string
		getenv     func(string) string
		wantAddr   string
		wantSource string
	}{
		{"default", nil, secretsEnv(), "127.0.0.1:8080", "default"},
		{"file over default", []string{"--config", file}, secretsEnv(), "127.0.0.1:8001", "file"},
		{"env over file", []string{"--config", file}, secretsEnv("VIPPSLOGIN_ADDR", "127.0.0.1:8002"), "127.0.0.1:8002", "env VIPPSLOGIN_ADDR"},
		{"flag over env", []string{"--config", file, "--addr", "127.0.0.1:8003"}, secretsEnv("VIPPSLOGIN_ADDR", "127.0.0.1:8002"), "127.0.0.1:8003", "flag"},
		{"file named by the environment", nil, secretsEnv("VIPPSLOGIN_CONFIG", file), "127.0.0.1:8001", "file"},
		{"empty env is unset", []string{"--config", file}, secretsEnv("VIPPSLOGIN_ADDR", ""), "127.0.0.1:8001", "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, flags := newFlagSet(Serve, Serve, io.Discard)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			cfg, settings, err := resolve(Serve, fs, flags, tt.getenv)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Addr != tt.wantAddr || source(settings, "addr") != tt.wantSource {
				t.Errorf("addr = %q from %q, want %q from %q", cfg.Addr, source(settings, "addr"), tt.wantAddr, tt.wantSource)
			}
			// Parse, which dev and serve call, agrees.
			if parsed, err := Parse(Serve, tt.args, tt.getenv, io.Discard); err != nil || parsed != cfg {
				t.Errorf("Parse = %+v, %v; want %+v", parsed, err, cfg)
			}
		})
	}
	cfg, err := Parse(Serve, []string{"--config", file}, secretsEnv(), io.Discard)
	if err != nil || cfg.SlogLevel() != slog.LevelWarn || cfg.LogFormat != LogJSON {
		t.Errorf("with log-level: warn in the file: level %v, format %q (%v); want WARN and serve's json", cfg.SlogLevel(), cfg.LogFormat, err)
	}
}

func source(settings []Setting, key string) string {
	for _, st := range settings {
		if st.Key == key {
			return st.Source
		}
	}
	return "(missing)"
}

func TestConfigFileErrors(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // each must be in the one-line error
	}{
		{"unknown key", "addr: :8080\nbase_url: https://example.com\n",
			[]string{"line 2", `unknown key "base_url"`, `did you mean "base-url"?`}},
		{"unknown key, nothing close", "colour: blue\n", []string{"line 1", `unknown key "colour"`, "keys are the flag names"}},
		{"bad yaml", "addr: :8080\ndb: x.db\n  log-level: debug\n", []string{"yaml: line 3:"}},
		{"tab indentation", "addr: :8080\n\tdb: x.db\n", []string{"yaml: line 2:"}},
		{"config inside config", "config: other.yaml\n", []string{"line 1", "config cannot be set inside the config file"}},
		{"key twice", "db: a.db\naddr: :1\ndb: b.db\n", []string{"line 3", "db is set twice"}},
		{"list value", "addr:\n  - :1\n  - :2\n", []string{"line 1", "addr wants a single value"}},
		{"not a mapping", "- addr\n", []string{"line 1", "want lines of key: value"}},
		{"bad value from the file", "log-format: logfmt\n", []string{`--log-format must be text or json, not "logfmt" (set by log-format in `}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.body)
			_, err := Parse(Dev, []string{"--config", path}, env(), io.Discard)
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			msg := err.Error()
			for _, w := range append(tt.want, path) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line", msg)
			}
		})
	}
	if _, err := Parse(Dev, []string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, env(), io.Discard); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
	// A file that is empty, only comments, or sets a value to nothing is fine.
	path := writeConfig(t, "# nothing yet\nbase-url:\n")
	if cfg, err := Parse(Dev, []string{"--config", path}, env(), io.Discard); err != nil || cfg.BaseURL != "" {
		t.Errorf("comments and an empty value: %+v, %v", cfg, err)
	}
}

func TestPrintMasksSecrets(t *testing.T) {
	const pgPassword, token = "hunter2-db", "token-secret-0123456789"
	previousKEK := strings.Repeat("0f", 32)
	var out, stderr strings.Builder
	err := Print([]string{"--db", "postgres://vl:" + pgPassword + "@db.example:5432/vl"},
		env("VIPPSLOGIN_ADMIN_TOKEN", token, "VIPPSLOGIN_KEY_ENCRYPTION_KEY", testKEK, "VIPPSLOGIN_PREVIOUS_KEY_ENCRYPTION_KEY", previousKEK), &out, &stderr)
	if err != nil {
		t.Fatal(err, stderr.String())
	}
	text := out.String()
	for _, secret := range []string{pgPassword, token, testKEK, previousKEK} {
		if strings.Contains(text, secret) {
			t.Errorf("config print shows a secret %q:\n%s", secret, text)
		}
	}
	for _, want := range []string{
		"db: postgres://vl:xxxxx@db.example:5432/vl  # flag; password masked",
		"# admin-token: xxxxx  # env VIPPSLOGIN_ADMIN_TOKEN",
		"# key-encryption-key: xxxxx  # env VIPPSLOGIN_KEY_ENCRYPTION_KEY",
		"# previous-key-encryption-key: xxxxx  # env VIPPSLOGIN_PREVIOUS_KEY_ENCRYPTION_KEY",
		"log-format: json  # default",
	} {
		if !strings.Contains(text, want+"\n") && !strings.Contains(text, want+";") {
			t.Errorf("config print lacks %q:\n%s", want, text)
		}
	}
}

// TestPrintRoundTrips checks that every flag has a config file key: config
// print writes each one, and the file it writes reads back into the same
// configuration, every value now from the file.
func TestPrintRoundTrips(t *testing.T) {
	secrets := secretsEnv()
	for _, tc := range []struct {
		mode string
		args []string
	}{
		{Dev, nil},
		{Serve, []string{"--addr", ":9443", "--base-url", "https://login.example.com/x", "--db", "/var/lib/vippslogin/db with space.db", "--log-level", "error", "--log-format", "text"}},
		{Serve, []string{"--base-url", "https://example.com", "--db", "true", "--addr", "[::1]:0"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			var out strings.Builder
			if err := Print(append([]string{"--mode", tc.mode}, tc.args...), secrets, &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			want, err := Parse(tc.mode, tc.args, secrets, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range flagSpecs {
				line := regexp.MustCompile(`(?m)^(# )?` + regexp.QuoteMeta(s.name) + `: `)
				if got := line.MatchString(out.String()); got == (s.name == configKey) {
					t.Errorf("key %s printed: %v; want every key but %s:\n%s", s.name, got, configKey, out.String())
				}
			}

			path := writeConfig(t, out.String())
			want.ConfigFile = path
			fs, flags := newFlagSet(tc.mode, tc.mode, io.Discard)
			if err := fs.Parse([]string{"--config", path}); err != nil {
				t.Fatal(err)
			}
			got, settings, err := resolve(tc.mode, fs, flags, secrets)
			if err != nil {
				t.Fatalf("reading back\n%s: %v", out.String(), err)
			}
			if got != want {
				t.Errorf("read back %+v\nwant      %+v\nfrom\n%s", got, want, out.String())
			}
			for _, st := range settings {
				if wantSrc := "file"; !secretKeys[st.Key] && st.Key != configKey && st.Source != wantSrc {
					t.Errorf("%s read back from %q, want %q", st.Key, st.Source, wantSrc)
				}
			}
		})
	}
}

// TestEveryFlagDocumented keeps docs/configuration.md in step with
// flagSpecs: each flag has a table row with its environment variable and
// its default in each mode.
func TestEveryFlagDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for line := range strings.SplitSeq(string(b), "\n") {
		if m := regexp.MustCompile("^\\| `--([a-z0-9-]+)`").FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
	}
	for _, s := range flagSpecs {
		row, ok := rows[s.name]
		if !ok {
			t.Errorf("docs/configuration.md has no row starting | `--%s`", s.name)
			continue
		}
		cells := strings.Split(row, "|")
		if len(cells) < 8 {
			t.Errorf("row for --%s has %d cells, want flag | file key | env | dev default | serve default | meaning", s.name, len(cells)-2)
			continue
		}
		wantKey := "`" + s.name + "`"
		if s.name == configKey {
			wantKey = "(none)"
		}
		if got := strings.TrimSpace(cells[2]); got != wantKey {
			t.Errorf("row for --%s: file key %q, want %q", s.name, got, wantKey)
		}
		if got := strings.TrimSpace(cells[3]); got != "`"+s.env+"`" {
			t.Errorf("row for --%s: variable %q, want `%s`", s.name, got, s.env)
		}
		for i, mode := range []string{Dev, Serve} {
			want := "`" + s.def[mode] + "`"
			if s.def[mode] == "" {
				want = "(none)"
			}
			if got := strings.TrimSpace(cells[4+i]); got != want {
				t.Errorf("row for --%s: %s default %q, want %q", s.name, mode, got, want)
			}
		}
	}
	for name := range rows {
		if !isKey(name) && name != configKey {
			t.Errorf("docs/configuration.md documents --%s, which is not a flag", name)
		}
	}
}

// A secret's variable may name a file that holds it instead, as Docker
// secrets and systemd credentials hand secrets over: VIPPSLOGIN_…_FILE,
// read without its line end, below a flag like the variable itself. Both
// set, a file that cannot be read or is empty are errors that name the
// variable; a setting that is not a secret has no _FILE.
func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	token := write("admin-token", "file-token-0123456789\n")
	kek := write("kek", testKEK+"\r\n")
	db := write("db", "postgres://vippslogin:pa55@db.example/vippslogin\n")
	empty := write("empty", "\n")
	huge := write("huge", strings.Repeat("x", 5000))

	fs, flags := newFlagSet(Serve, Serve, io.Discard)
	cfg, settings, err := resolve(Serve, fs, flags, env("VIPPSLOGIN_ADMIN_TOKEN_FILE", token, "VIPPSLOGIN_KEY_ENCRYPTION_KEY_FILE", kek, "VIPPSLOGIN_DB_FILE", db))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AdminToken != "file-token-0123456789" || cfg.KeyEncryptionKey != testKEK || cfg.DB != "postgres://vippslogin:pa55@db.example/vippslogin" ||
		source(settings, "admin-token") != "env VIPPSLOGIN_ADMIN_TOKEN_FILE" {
		t.Errorf("from files: token %q, KEK %q, db %q; admin-token from %q", cfg.AdminToken, cfg.KeyEncryptionKey, cfg.DB, source(settings, "admin-token"))
	}
	if parsed, err := Parse(Serve, []string{"--admin-token", "flag-token-0123456789"}, env("VIPPSLOGIN_ADMIN_TOKEN_FILE", token, "VIPPSLOGIN_KEY_ENCRYPTION_KEY", testKEK), io.Discard); err != nil || parsed.AdminToken != "flag-token-0123456789" {
		t.Errorf("a flag over a _FILE: %q, %v", parsed.AdminToken, err)
	}
	if parsed, err := Parse(Serve, nil, secretsEnv("VIPPSLOGIN_ADDR_FILE", token), io.Discard); err != nil || parsed.Addr != "127.0.0.1:8080" {
		t.Errorf("VIPPSLOGIN_ADDR_FILE is not read: addr %q, %v", parsed.Addr, err)
	}

	for _, tt := range []struct {
		name string
		env  []string
		want string
	}{
		{"both", []string{"VIPPSLOGIN_ADMIN_TOKEN", "env-token-0123456789", "VIPPSLOGIN_ADMIN_TOKEN_FILE", token}, "VIPPSLOGIN_ADMIN_TOKEN and VIPPSLOGIN_ADMIN_TOKEN_FILE are both set: set one"},
		{"missing", []string{"VIPPSLOGIN_ADMIN_TOKEN_FILE", filepath.Join(dir, "nope")}, "VIPPSLOGIN_ADMIN_TOKEN_FILE: open " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{"empty", []string{"VIPPSLOGIN_KEY_ENCRYPTION_KEY_FILE", empty}, "VIPPSLOGIN_KEY_ENCRYPTION_KEY_FILE: " + empty + " is empty"},
		{"huge", []string{"VIPPSLOGIN_ADMIN_TOKEN_FILE", huge}, "VIPPSLOGIN_ADMIN_TOKEN_FILE: " + huge + " is larger than 4096 bytes"},
	} {
		if _, err := Parse(Serve, nil, env(tt.env...), io.Discard); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: %v; want %q", tt.name, err, tt.want)
		}
	}

	// A bad value from a file says which variable named the file.
	short := write("short", "short\n")
	if _, err := Parse(Serve, nil, env("VIPPSLOGIN_ADMIN_TOKEN_FILE", short, "VIPPSLOGIN_KEY_ENCRYPTION_KEY", testKEK), io.Discard); err == nil || !strings.Contains(err.Error(), "(set by VIPPSLOGIN_ADMIN_TOKEN_FILE)") {
		t.Errorf("a short token from a file: %v; want it to name VIPPSLOGIN_ADMIN_TOKEN_FILE", err)
	}
}
