package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupAndRestore: `vippslogin backup` copies the database of a
// running server, and a server started on the copy (restore: the file put
// in place) has what was created before the backup.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	s := startServer(t, "dev", nil, "--db", db)
	env := map[string]string{"VIPPSLOGIN_SERVER": s.BaseURL, "VIPPSLOGIN_ADMIN_TOKEN": "dev-admin-token"}
	getenv := func(k string) string { return env[k] }
	var errs strings.Builder
	if code := run(context.Background(), []string{"client", "create", "--client-id", "kept-client", "--name", "Kept", "--redirect-uri", "https://shop.example/cb"}, getenv, io.Discard, &errs); code != 0 {
		t.Fatalf("client create exited %d: %s", code, errs.String())
	}

	backup := filepath.Join(dir, "backup.db")
	var out strings.Builder
	if code := run(context.Background(), []string{"backup", "--db", db, "--out", backup}, getenv, &out, &errs); code != 0 {
		t.Fatalf("backup exited %d: %s", code, errs.String())
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	if code := run(context.Background(), []string{"backup", "--db", db, "--out", backup}, getenv, io.Discard, io.Discard); code != 1 {
		t.Errorf("a second backup onto the same file exited %d, want 1", code)
	}
	s.Stop(t)

	restored := filepath.Join(dir, "restored", "vippslogin.db")
	if err := os.MkdirAll(filepath.Dir(restored), 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(restored, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The dev key-encryption key lives next to the database: restore it too.
	kek, err := os.ReadFile(filepath.Join(dir, devKEKFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(restored), devKEKFile), kek, 0o600); err != nil {
		t.Fatal(err)
	}
	s = startServer(t, "dev", nil, "--db", restored)
	env["VIPPSLOGIN_SERVER"] = s.BaseURL
	out.Reset()
	if code := run(context.Background(), []string{"client", "get", "kept-client"}, getenv, &out, &errs); code != 0 || !strings.Contains(out.String(), `"Kept"`) {
		t.Errorf("the restored server's client get exited %d: %s %s", code, out.String(), errs.String())
	}
}

func TestBackupOfPostgresPointsToPgDump(t *testing.T) {
	var errs strings.Builder
	code := run(context.Background(), []string{"backup", "--db", "postgres://u@db.example/vippslogin", "--out", filepath.Join(t.TempDir(), "x")}, func(string) string { return "" }, io.Discard, &errs)
	if code == 0 || !strings.Contains(errs.String(), "pg_dump") || !strings.Contains(errs.String(), "key-encryption key") {
		t.Errorf("backup of a postgres:// URL exited %d: %s", code, errs.String())
	}
}

// TestBackupOfAMissingDatabase: a mistyped --db is an error, not a
// database made on the spot and backed up empty.
func TestBackupOfAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	var errs strings.Builder
	code := run(context.Background(), []string{"backup", "--db", missing, "--out", filepath.Join(dir, "out.db")}, func(string) string { return "" }, io.Discard, &errs)
	if code == 0 || !strings.Contains(errs.String(), "no SQLite database at") {
		t.Errorf("backup of a missing database exited %d: %s", code, errs.String())
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("backup made a database at the mistyped path (%v)", err)
	}
}
