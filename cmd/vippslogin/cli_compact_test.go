package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An SQLite database an older version made without auto_vacuum, too large
// for the server to convert at start (70 MB of records, since deleted),
// stays at its high-water mark; vippslogin compact converts it, the file
// shrinks to what its records need, and a second run has nothing to do.
func TestCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vippslogin.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`PRAGMA auto_vacuum = NONE`, `CREATE TABLE old (b BLOB)`,
		`INSERT INTO old VALUES (zeroblob(70000000))`, `DELETE FROM old`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	compact := func() (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"compact", "--db", path}, func(string) string { return "" }, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, out, errs := compact()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || !strings.HasPrefix(out, "compacted "+path+": 66.") || fi.Size() > 1<<20 {
		t.Errorf("compact: exit %d, %q %q; the file is %d bytes after, want under 1 MB", code, out, errs, fi.Size())
	}
	if code, out, _ := compact(); code != 0 || !strings.Contains(out, "nothing to do") {
		t.Errorf("compact again: exit %d, %q; want nothing to do", code, out)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"compact", "--db", filepath.Join(t.TempDir(), "nope.db")}, "vippslogin compact: no SQLite database at "},
		{[]string{"compact", "--db", "postgres://db.example/vippslogin"}, "vippslogin compact: --db is a PostgreSQL database, whose autovacuum"},
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), tt.args, func(string) string { return "" }, new(bytes.Buffer), &stderr); code != 1 || !strings.HasPrefix(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, %q; want 1 and %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}
