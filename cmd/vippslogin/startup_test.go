package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUnwritableDBDirectory starts dev with --db in a directory this user
// cannot write: the one line says so about the directory, not about a
// temporary key file it happened to try first, nor SQLite's "(14)". Root
// may write anywhere, so as root the server runs as nobody (uid 65534).
func TestUnwritableDBDirectory(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "read-only")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, db string
		kek      []string
	}{
		{"dev makes its key-encryption key", filepath.Join(ro, "x.db"), nil},
		{"key-encryption key given", filepath.Join(ro, "x.db"), []string{"--key-encryption-key", testKEK}},
		{"a directory to make", filepath.Join(ro, "sub", "x.db"), []string{"--key-encryption-key", testKEK}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := runUnprivileged(t, dir, append([]string{"dev", "--addr", "127.0.0.1:0", "--db", tt.db}, tt.kek...))
			want := "vippslogin dev: --db " + tt.db + ": directory " + ro + ": permission denied for this user; pick another --db\n"
			if code != 1 || stderr != want {
				t.Errorf("exit %d, stderr %q; want 1 with %q", code, stderr, want)
			}
		})
	}
}

// runUnprivileged runs the command line as main does, in this process, or
// when the tests run as root in a copy of the test binary run as nobody
// (serveChild), whose directories must then be open to it: dir's.
func runUnprivileged(t *testing.T, dir string, args []string) (int, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		var stderr strings.Builder
		code := run(context.Background(), args, func(string) string { return "" }, io.Discard, &stderr)
		return code, stderr.String()
	}
	for d := dir; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()+"/"); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "vippslogin.test")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(childEnv(), serveArgsEnv+"="+strings.Join(args, " "))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if _, err := cmd.StdinPipe(); err != nil { // open while it runs: see serveChild
		t.Fatal(err)
	}
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.Is(err, fs.ErrPermission) {
		// The temporary directory's parents are closed to nobody.
		t.Skipf("cannot run the test binary as nobody from %s: %v", dir, err)
	}
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// TestWrongKeyEncryptionKey restarts a dev database with another
// key-encryption key: one line that says "keys:" once and what to give,
// the old key or, to rotate, the old key as the previous one.
func TestWrongKeyEncryptionKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	startServer(t, "dev", nil, "--db", db).Stop(t)
	var stderr strings.Builder
	code := run(context.Background(), []string{"dev", "--addr", "127.0.0.1:0", "--db", db, "--key-encryption-key", testKEK},
		func(string) string { return "" }, io.Discard, &stderr)
	got := stderr.String()
	if code != 1 || strings.Count(got, "keys:") != 1 || strings.Count(got, "\n") != 1 ||
		!strings.HasPrefix(got, "vippslogin dev: keys: cannot decrypt signing key public:") ||
		!strings.HasSuffix(got, "the key-encryption key is not the one the signing keys were encrypted with; give the one they were stored with as --key-encryption-key (or VIPPSLOGIN_KEY_ENCRYPTION_KEY), or, to rotate to this one, the old one as --previous-key-encryption-key\n") {
		t.Errorf("exit %d, stderr %q; want 1 and one line naming keys: once and saying which key to give, or how to rotate to this one", code, got)
	}
}
