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

// runCompact converts an SQLite database too large for the server to
// convert at start to auto_vacuum=INCREMENTAL (sqlite.Store.Compact), so
// that the pages the janitor frees go back to the file system. The image
// has no sqlite3 shell to do it with.
func runCompact(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vippslogin compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := sqliteDBFlag(fs, getenv)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vippslogin compact --db FILE\n\n"+
			"Rebuilds an SQLite database that an older version made, and that is too large\n"+
			"for the server to convert when it starts (over 64 MB), so that it gives the\n"+
			"space of deleted records back to the file system. Stop the server first: the\n"+
			"rebuild holds the database (about a second per 100 MB) and needs as much free\n"+
			"disk again as the file takes.\n\nFlags:\n")
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
		return usagef("unexpected argument %q: compact takes only --db", pos[0])
	}
	if err := existingSQLite(*db, ", whose autovacuum reclaims deleted records by itself (docs/operations.md)"); err != nil {
		return err
	}
	before, err := os.Stat(*db)
	if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, *db)
	if err != nil {
		return fmt.Errorf("open database %s: %w", *db, err)
	}
	converted, err := st.Compact(ctx)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if !converted {
		fmt.Fprintf(stdout, "%s already gives the space of deleted records back: nothing to do\n", *db)
		return nil
	}
	after, err := os.Stat(*db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "compacted %s: %s, now %s; it gives the space of deleted records back from now on\n", *db, megabytes(before.Size()), megabytes(after.Size()))
	return nil
}

// megabytes is a file size as a person reads it.
func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
