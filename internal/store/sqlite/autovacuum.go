package sqlite

import (
	"context"
	"database/sql"
)

// autoVacuumIncremental is PRAGMA auto_vacuum's value for INCREMENTAL.
const autoVacuumIncremental = 2

// autoVacuumMaxBytes is the largest database that Open converts to
// auto_vacuum=INCREMENTAL by itself. The conversion is a VACUUM, which
// rewrites the whole file (about a second per 100 MB here), holds the
// write lock throughout and needs as much free disk again; a larger
// database is left as it is, and docs/operations.md says how to convert it
// while the server is stopped.
const autoVacuumMaxBytes = 64 << 20

// setAutoVacuum makes the database give the pages that deleted records
// freed back to the file system when DeleteExpired asks
// (releaseFreePages); without it the file stays at its high-water mark.
// auto_vacuum can only be chosen before the first table is created, or
// with a VACUUM that rebuilds the file: a new file gets it for nothing,
// an existing one up to autoVacuumMaxBytes is rebuilt now, once. VACUUM
// cannot run inside a transaction, so this is not one of the numbered
// migrations: it runs on the writer's connection before the writer starts.
func setAutoVacuum(ctx context.Context, conn *sql.Conn) error {
	var mode, pages, pageSize int
	if err := conn.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode == autoVacuumIncremental {
		return err
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return err
	}
	if pages*pageSize > autoVacuumMaxBytes {
		return nil
	}
	if pages == 0 {
		// A new file: the setting holds once its first table exists.
		_, err := conn.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`)
		return err
	}
	return convertAutoVacuum(ctx, conn)
}

// convertAutoVacuum rebuilds the database with auto_vacuum=INCREMENTAL
// (a VACUUM after the PRAGMA, which alone changes nothing in a file that
// has tables). The rebuilt file holds no free pages.
func convertAutoVacuum(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return err
	}
	_, err := conn.ExecContext(ctx, `VACUUM`)
	return err
}

// Compact converts a database that Open left as it was, being larger than
// autoVacuumMaxBytes, to auto_vacuum=INCREMENTAL, for `vippslogin
// compact`: it rebuilds the file without its free pages, holding the write
// lock throughout (about a second per 100 MB) and needing as much free
// disk again, so it is for a server that is stopped. It reports whether
// there was anything to convert.
func (s *Store) Compact(ctx context.Context) (converted bool, err error) {
	err = s.w.outside(ctx, func(conn *sql.Conn) error {
		var mode int
		if err := conn.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode == autoVacuumIncremental {
			return err
		}
		converted = true
		return convertAutoVacuum(ctx, conn)
	})
	if err != nil {
		return false, errorf("sqlite: compact: %w", err)
	}
	return converted, nil
}
