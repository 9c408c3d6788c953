package main

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vippslogin/vippslogin/internal/config"
)

// The deployment files (Dockerfile, deploy/) cannot be run here: no image
// is built and no systemd runs. These tests check what can be checked
// without them: that the files say what docs/operations.md promises, that
// every setting they give the server is one it reads and accepts, and that
// the binary, configured as they configure it, serves the health checks
// their proxy and orchestrator probe.

// repoFile reads a file at the repository's root.
func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Sample secrets, standing in for what an operator puts in deploy/.env or
// /etc/vippslogin/env.
var deploySecrets = map[string]string{
	"POSTGRES_PASSWORD":             "0123456789abcdef0123456789abcdef",
	"VIPPSLOGIN_ADMIN_TOKEN":        "deploy-test-admin-token-0123456789",
	"VIPPSLOGIN_KEY_ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
}

// dockerInstr is one Dockerfile instruction, continuation lines joined.
type dockerInstr struct{ op, args string }

// dockerStages reads a Dockerfile into its stages, each starting with FROM.
func dockerStages(t *testing.T, src string) [][]dockerInstr {
	t.Helper()
	var stages [][]dockerInstr
	var cur string
	for line := range strings.Lines(src) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || (line == "" && cur == "") {
			continue
		}
		if more, ok := strings.CutSuffix(line, `\`); ok {
			cur += more + " "
			continue
		}
		cur += line
		op, args, _ := strings.Cut(cur, " ")
		cur = ""
		in := dockerInstr{strings.ToUpper(op), strings.TrimSpace(args)}
		if in.op == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile: %s before the first FROM", in.op)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	return stages
}

// dockerEnv is the variables a stage's ENV instructions set (key=value form).
func dockerEnv(stage []dockerInstr) map[string]string {
	env := map[string]string{}
	for _, in := range stage {
		if in.op != "ENV" {
			continue
		}
		for f := range strings.FieldsSeq(in.args) {
			k, v, _ := strings.Cut(f, "=")
			env[k] = strings.Trim(v, `"`)
		}
	}
	return env
}

func lastInstr(stage []dockerInstr, op string) string {
	var args string
	for _, in := range stage {
		if in.op == op {
			args = in.args
		}
	}
	return args
}

// goVersion is go.mod's go directive as major.minor, the official image's tag.
func goVersion(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(repoFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return m[1]
}

func TestDockerfile(t *testing.T) {
	stages := dockerStages(t, repoFile(t, "Dockerfile"))
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages; want a build stage and a final one", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]

	image := strings.Fields(build[0].args)[0]
	if want := "golang:" + goVersion(t); image != want && !strings.HasPrefix(image, want+"-") && !strings.HasPrefix(image, want+"@") {
		t.Errorf("build stage FROM %s; want the official %s, go.mod's version", image, want)
	}
	if env := dockerEnv(build); env["CGO_ENABLED"] != "0" {
		t.Errorf("build stage CGO_ENABLED=%q; want 0, for a static binary", env["CGO_ENABLED"])
	}
	var goBuild string
	for _, in := range build {
		if in.op == "RUN" && strings.Contains(in.args, "go build") {
			goBuild = in.args
		}
	}
	for _, want := range []string{"-trimpath", `-ldflags="-s -w"`, "./cmd/vippslogin"} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("the go build %q lacks %s", goBuild, want)
		}
	}

	from := strings.Fields(final[0].args)[0]
	if from != "scratch" && !strings.HasPrefix(from, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s; want distroless/static or scratch", from)
	}
	switch user := lastInstr(final, "USER"); {
	case user == "":
		t.Error("final stage sets no USER; it would run as root on scratch and depends on the tag on distroless")
	case user == "root" || user == "0" || strings.HasPrefix(user, "0:") || strings.HasPrefix(user, "root:"):
		t.Errorf("final stage runs as USER %s; want a non-root user", user)
	}
	if got := lastInstr(final, "EXPOSE"); got != "8080" {
		t.Errorf("EXPOSE %q; want 8080", got)
	}
	env := dockerEnv(final)
	if env["VIPPSLOGIN_ADDR"] != "0.0.0.0:8080" {
		t.Errorf("the image listens on %q; want 0.0.0.0:8080, reachable through a published port", env["VIPPSLOGIN_ADDR"])
	}
	if vol := lastInstr(final, "VOLUME"); filepath.Dir(env["VIPPSLOGIN_DB"]) != vol {
		t.Errorf("VIPPSLOGIN_DB=%s is not in the VOLUME %s: the database would be lost with the container", env["VIPPSLOGIN_DB"], vol)
	}
	// The image has no shell: its HEALTHCHECK runs the binary itself
	// (TestDeployedBinaryServesHealthChecks runs it as the image does).
	if hc := lastInstr(final, "HEALTHCHECK"); !strings.Contains(hc, `CMD ["/usr/local/bin/vippslogin", "healthcheck"]`) {
		t.Errorf("HEALTHCHECK %q; want the binary's own: CMD [\"/usr/local/bin/vippslogin\", \"healthcheck\"]", hc)
	}
	if got := lastInstr(final, "ENTRYPOINT") + " " + lastInstr(final, "CMD"); got != `["/usr/local/bin/vippslogin"] ["serve"]` {
		t.Errorf("the image runs %s; want vippslogin serve", got)
	}
}

// composeBlock returns the "key: value" lines indented under the first line
// that is exactly "<indent>name:" after start, as a map; YAML is read by
// indentation only, as go.mod has no YAML parser.
func composeBlock(t *testing.T, src, start, name string) map[string]string {
	t.Helper()
	i := strings.Index(src, start)
	if i < 0 {
		t.Fatalf("docker-compose.yml has no %q", start)
	}
	block := map[string]string{}
	indent := -1
	for line := range strings.Lines(src[i:]) {
		trimmed := strings.TrimSpace(line)
		depth := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent < 0:
			if trimmed == name+":" {
				indent = depth
			}
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case depth <= indent:
			return block
		default:
			k, v, _ := strings.Cut(trimmed, ":")
			block[k] = strings.TrimSpace(v)
		}
	}
	if indent < 0 {
		t.Fatalf("docker-compose.yml has no %s: after %q", name, start)
	}
	return block
}

var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}`)

// envFile reads KEY=value lines, skipping comments.
func envFile(src string) map[string]string {
	env := map[string]string{}
	for line := range strings.Lines(src) {
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	return env
}

func TestComposeFile(t *testing.T) {
	src := repoFile(t, "deploy/docker-compose.yml")
	example := envFile(repoFile(t, "deploy/env.example"))

	// Every variable comes from .env and stops compose when missing, and
	// env.example lists each; the secrets in it are left empty.
	for _, m := range composeVar.FindAllStringSubmatch(src, -1) {
		if !strings.HasPrefix(m[2], ":?") {
			t.Errorf("docker-compose.yml uses %s; want ${%s:?set it in .env}, so that a missing value stops it", m[0], m[1])
		}
		if _, ok := example[m[1]]; !ok {
			t.Errorf("docker-compose.yml needs %s, which env.example does not list", m[1])
		}
	}
	for k := range deploySecrets {
		if v, ok := example[k]; !ok || v != "" {
			t.Errorf("env.example %s=%q; want it listed and empty", k, v)
		}
	}
	if !strings.Contains(repoFile(t, "deploy/.gitignore"), ".env") {
		t.Error("deploy/.gitignore does not keep .env out of git")
	}

	pg := composeBlock(t, src, "\n  postgres:", "postgres")
	if pg["image"] != "postgres:17" {
		t.Errorf("postgres image %q; want postgres:17", pg["image"])
	}
	if !strings.Contains(src, "pg_isready") {
		t.Error("postgres has no healthcheck with pg_isready")
	}
	if dep := composeBlock(t, src, "x-vippslogin:", "postgres"); dep["condition"] != "service_healthy" {
		t.Errorf("the replicas wait for postgres with condition %q; want service_healthy", dep["condition"])
	}

	replicas := regexp.MustCompile(`(?m)^  (vippslogin-\d+): \*vippslogin$`).FindAllStringSubmatch(src, -1)
	if len(replicas) != 2 {
		t.Fatalf("docker-compose.yml has %d replicas of the x-vippslogin service; want 2", len(replicas))
	}
	caddyfile := repoFile(t, "deploy/Caddyfile")
	upstreams := regexp.MustCompile(`(?m)^\s*reverse_proxy (.+) \{`).FindStringSubmatch(caddyfile)
	if upstreams == nil {
		t.Fatal("Caddyfile has no reverse_proxy block")
	}
	for _, r := range replicas {
		if !slices.Contains(strings.Fields(upstreams[1]), r[1]+":8080") {
			t.Errorf("Caddyfile's upstreams %q lack %s:8080", upstreams[1], r[1])
		}
	}
	if !regexp.MustCompile(`(?m)^\s*health_uri /readyz$`).MatchString(caddyfile) {
		t.Error("Caddyfile does not probe /readyz on the replicas")
	}

	// What the replicas get, with .env filled in, is a valid serve
	// configuration on PostgreSQL.
	vars := maps.Clone(example)
	maps.Copy(vars, deploySecrets)
	env := map[string]string{}
	for k, v := range composeBlock(t, src, "x-vippslogin:", "environment") {
		env[k] = composeVar.ReplaceAllStringFunc(v, func(s string) string {
			return vars[composeVar.FindStringSubmatch(s)[1]]
		})
	}
	cfg := serveConfig(t, "docker-compose.yml", env)
	if !cfg.IsPostgres() {
		t.Errorf("the replicas' database %s is not PostgreSQL; replicas need one database", cfg.DisplayDB())
	}
	if want := "https://" + example["LOGIN_DOMAIN"]; cfg.BaseURL != want {
		t.Errorf("base URL %s; want %s, the proxy's", cfg.BaseURL, want)
	}
	// The replicas trust exactly the proxy's fixed address, inside the
	// network's subnet, so that client_ip in their logs is the client's.
	caddyAddr := composeBlock(t, src, "\n  caddy:", "default")["ipv4_address"]
	subnet := composeBlock(t, src, "\nnetworks:", "config")["- subnet"]
	if prefix, err := netip.ParsePrefix(subnet); err != nil || !prefix.Contains(netip.MustParseAddr(caddyAddr)) {
		t.Errorf("caddy's address %q is not in the network's subnet %q", caddyAddr, subnet)
	}
	if cfg.TrustedProxies != caddyAddr {
		t.Errorf("the replicas trust proxies %q; want only caddy's address %q", cfg.TrustedProxies, caddyAddr)
	}
	for k := range deploySecrets {
		if k != "POSTGRES_PASSWORD" && env[k] != deploySecrets[k] {
			t.Errorf("the replicas' %s is not the one from .env", k)
		}
	}
}

// unitDirectives reads a systemd unit's [Service] section: each directive's
// values in order.
func unitDirectives(src string) map[string][]string {
	d := map[string][]string{}
	section := ""
	for line := range strings.Lines(src) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]" && line != "" && !strings.HasPrefix(line, "#"):
			k, v, _ := strings.Cut(line, "=")
			d[k] = append(d[k], v)
		}
	}
	return d
}

func TestSystemdUnit(t *testing.T) {
	src := repoFile(t, "deploy/vippslogin.service")
	d := unitDirectives(src)
	for k, want := range map[string]string{
		"ExecStart":                "/usr/local/bin/vippslogin serve",
		"ExecReload":               "/bin/kill -HUP $MAINPID",
		"EnvironmentFile":          "/etc/vippslogin/env",
		"Restart":                  "on-failure",
		"RestartPreventExitStatus": "2",
		"DynamicUser":              "yes",
		"StateDirectory":           "vippslogin",
		"ProtectSystem":            "strict",
		"ProtectHome":              "yes",
		"PrivateTmp":               "yes",
		"PrivateDevices":           "yes",
		"NoNewPrivileges":          "yes",
		"CapabilityBoundingSet":    "",
		"RestrictAddressFamilies":  "AF_INET AF_INET6 AF_UNIX",
		"SystemCallFilter":         "@system-service",
		"MemoryDenyWriteExecute":   "yes",
		"LockPersonality":          "yes",
		"RestrictSUIDSGID":         "yes",
	} {
		if !slices.Contains(d[k], want) {
			t.Errorf("[Service] %s=%q; want %s=%s", k, d[k], k, want)
		}
	}
	if d["User"] != nil || d["ReadWritePaths"] != nil {
		t.Errorf("User=%q ReadWritePaths=%q: the service should own nothing but its StateDirectory", d["User"], d["ReadWritePaths"])
	}

	// The unit's defaults with the env file its header shows are a valid
	// serve configuration, the database in the state directory.
	env := map[string]string{}
	for _, e := range d["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		env[k] = strings.ReplaceAll(v, "%S", "/var/lib")
	}
	example := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^#   (VIPPSLOGIN_[A-Z_]+)=(\S+)`).FindAllStringSubmatch(src, -1) {
		example[m[1]] = m[2]
	}
	if len(example) < 3 {
		t.Fatalf("the unit's header shows %d variables of /etc/vippslogin/env; want the base URL, admin token and key-encryption key", len(example))
	}
	for k := range example {
		if v, ok := deploySecrets[k]; ok {
			example[k] = v
		}
	}
	maps.Copy(env, example) // the EnvironmentFile overrides Environment=
	cfg := serveConfig(t, "vippslogin.service", env)
	if cfg.DB != "/var/lib/vippslogin/vippslogin.db" {
		t.Errorf("database %s; want it in the StateDirectory, /var/lib/vippslogin", cfg.DB)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed; the unit's syntax is not verified")
	}
	// verify wants ExecStart's program to exist: this test's binary stands
	// in for /usr/local/bin/vippslogin. It reports a bad value on stderr and
	// still exits 0, so any output is a failure.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "vippslogin.service")
	if err := os.WriteFile(unit, []byte(strings.Replace(src, "ExecStart=/usr/local/bin/vippslogin ", "ExecStart="+self+" ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// serveConfig parses env as serve's configuration and fails the test, naming
// the file, when serve would refuse it.
func serveConfig(t *testing.T, file string, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Parse(config.Serve, nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatalf("%s: serve refuses its configuration: %v", file, err)
	}
	return cfg
}

// TestDeploymentVariablesAreTheServers checks that every VIPPSLOGIN_
// variable the deployment files name is one serve reads: a misspelt one
// would be ignored, and the server would start with its default.
func TestDeploymentVariablesAreTheServers(t *testing.T) {
	read := map[string]bool{}
	// Nothing set: serve refuses to start, having read every variable.
	_, _ = config.Parse(config.Serve, nil, func(k string) string { read[k] = true; return "" }, io.Discard)
	if !read["VIPPSLOGIN_DB"] {
		t.Fatalf("serve read only %v from the environment", slices.Sorted(maps.Keys(read)))
	}
	files := []string{"Dockerfile"}
	entries, err := os.ReadDir(filepath.Join("..", "..", "deploy"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		files = append(files, "deploy/"+e.Name())
	}
	named := regexp.MustCompile(`VIPPSLOGIN_[A-Z0-9_]+`)
	seen := 0
	for _, f := range files {
		for _, v := range named.FindAllString(repoFile(t, f), -1) {
			seen++
			if !read[v] {
				t.Errorf("%s names %s, which serve does not read (it reads %v)", f, v, slices.Sorted(maps.Keys(read)))
			}
		}
	}
	if seen == 0 {
		t.Fatalf("no VIPPSLOGIN_ variable in %v", files)
	}
}

// TestDeployedBinaryServesHealthChecks starts serve as the image and the
// unit configure it, SQLite in a temporary directory instead of /data or
// /var/lib/vippslogin and a free port instead of 8080, and probes what the
// proxy and the orchestrator probe.
func TestDeployedBinaryServesHealthChecks(t *testing.T) {
	stages := dockerStages(t, repoFile(t, "Dockerfile"))
	image := dockerEnv(stages[len(stages)-1])
	unit := map[string]string{}
	for _, e := range unitDirectives(repoFile(t, "deploy/vippslogin.service"))["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		unit[k] = v
	}
	for name, env := range map[string]map[string]string{"Dockerfile": image, "vippslogin.service": unit} {
		t.Run(name, func(t *testing.T) {
			env = maps.Clone(env)
			maps.Copy(env, deploySecrets)
			env["VIPPSLOGIN_BASE_URL"] = "https://login.example.com"
			env["VIPPSLOGIN_DB"] = filepath.Join(t.TempDir(), filepath.Base(env["VIPPSLOGIN_DB"]))
			s := startServer(t, config.Serve, env)
			for _, path := range []string{"/healthz", "/readyz"} {
				if resp, body := s.get(t, path); resp.StatusCode != 200 {
					t.Errorf("GET %s = %d %s; want 200", path, resp.StatusCode, body)
				}
			}
			if _, err := os.Stat(env["VIPPSLOGIN_DB"]); err != nil {
				t.Errorf("serve did not keep its database where it was told: %v", err)
			}
			// The image's HEALTHCHECK, with the same variables and the
			// port the test's server took.
			u, _ := url.Parse(s.BaseURL)
			host, _, _ := net.SplitHostPort(env["VIPPSLOGIN_ADDR"])
			env["VIPPSLOGIN_ADDR"] = net.JoinHostPort(host, u.Port())
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"healthcheck"}, func(k string) string { return env[k] }, &stdout, &stderr); code != 0 {
				t.Errorf("vippslogin healthcheck: exit %d: %s%s", code, stdout.String(), stderr.String())
			}
		})
	}
}
