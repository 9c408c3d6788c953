package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vippslogin/vippslogin/internal/config"
	"github.com/vippslogin/vippslogin/internal/store/sqlite"
)

// runBackup copies an SQLite database to a new file while servers keep
// using it (sqlite.Store.Backup). A PostgreSQL database is pg_dump's job.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vippslogin backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := sqliteDBFlag(fs, getenv)
	out := fs.String("out", "", "the backup file to write; it must not exist yet (required)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vippslogin backup --db FILE --out FILE\n\n"+
			"Writes a consistent copy of an SQLite database (VACUUM INTO), safe while the\n"+
			"server runs. The copy is mode 0600; keep the key-encryption key with it, or\n"+
			"its signing keys cannot be read. To restore, stop the server, delete the\n"+
			"database file's -wal and -shm files, and copy the backup into its place.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	pos, err := config.ParseFlags(fs, args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	switch {
	case err != nil:
		return usagef("%v", err)
	case len(pos) > 0:
		return usagef("unexpected argument %q: backup takes only --db and --out", pos[0])
	}
	if err := existingSQLite(*db, ": back it up with pg_dump (e.g. pg_dump --format=custom --file=vippslogin.dump \"$VIPPSLOGIN_DB\"), and keep the key-encryption key with the dump"); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required: the backup file to write")
	}
	st, err := sqlite.Open(ctx, *db)
	if err != nil {
		return fmt.Errorf("open database %s: %w", *db, err)
	}
	defer st.Close()
	if err := st.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", *db, *out)
	return nil
}

// sqliteDBFlag is the --db flag of the commands that work on a server's
// SQLite file itself (backup, compact), from VIPPSLOGIN_DB by default.
func sqliteDBFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("db", getenv("VIPPSLOGIN_DB"), "the server's SQLite database file (env VIPPSLOGIN_DB)")
}

// existingSQLite checks that db names an SQLite database file that exists:
// Open would make a new, empty one at a mistyped path, and a command's
// work on it would look like a success. onPostgres ends the error for a
// PostgreSQL URL, saying what to use instead.
func existingSQLite(db, onPostgres string) error {
	switch {
	case db == "":
		return usagef("--db is required: the server's SQLite database file")
	case config.Config{DB: db}.IsPostgres():
		return errors.New("--db is a PostgreSQL database" + onPostgres)
	}
	if fi, err := os.Stat(db); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("no SQLite database at %s: give --db the file the server uses", db)
	}
	return nil
}
