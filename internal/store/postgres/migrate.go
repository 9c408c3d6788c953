package postgres

import (
	"cmp"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrations are the schema changes, applied in the order of the number
// that starts each file name (0001_init.sql, 0002_…). A file, once
// released, never changes: a new change is a new file. They follow the
// SQLite backend's, one for one.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that replicas starting together
// queue on, so that one of them applies each migration and the others then
// find it recorded ("vippslog" in ASCII).
const migrationLock int64 = 0x7669_7070_736c_6f67

// migration is one numbered .sql file.
type migration struct {
	version int
	name    string
}

// migrate applies every migration not yet recorded in schema_migrations,
// each in its own transaction together with its record, so a failed one
// leaves neither a half-built schema nor a record claiming it was applied.
// The tables go into the connection's current schema (the first on the
// search_path).
func (s *Store) migrate(ctx context.Context) error {
	lock, err := hasAdvisoryLocks(ctx, s.pool)
	if err != nil {
		return err
	}
	err = s.lockedTx(ctx, lock, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			CREATE TABLE IF NOT EXISTS schema_migrations (
				version    INTEGER PRIMARY KEY,
				applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
			)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	ms, err := listMigrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.lockedTx(ctx, lock, func(tx pgx.Tx) error { return applyMigration(ctx, tx, m) }); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return nil
}

// lockedTx runs fn in a transaction that first takes the migration lock
// (when lock is set), which its commit or rollback releases. Even CREATE
// TABLE IF NOT EXISTS needs it: two of them racing on PostgreSQL can both
// miss the table and one then fails.
func (s *Store) lockedTx(ctx context.Context, lock bool, fn func(tx pgx.Tx) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if lock {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// hasAdvisoryLocks reports whether the database's advisory locks work:
// PostgreSQL's do, while CockroachDB long had pg_advisory_xact_lock missing
// or as a stub that locks nothing. Without them the record-first order of
// applyMigration is what keeps racing replicas from migrating twice.
func hasAdvisoryLocks(ctx context.Context, q querier) (bool, error) {
	var version string
	if err := q.QueryRow(ctx, `SELECT version()`).Scan(&version); err != nil {
		return false, err
	}
	return !strings.Contains(version, "CockroachDB"), nil
}

// applyMigration runs m unless it is already recorded. The record is
// written before the migration runs: where the advisory lock does nothing
// (CockroachDB has long had it as a stub), the primary key on version still
// lets only one of two racing replicas commit, and the other fails and
// finds it recorded when it retries at its next start.
func applyMigration(ctx context.Context, tx pgx.Tx, m migration) error {
	tag, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)
		ON CONFLICT (version) DO NOTHING`, m.version)
	if err != nil || tag.RowsAffected() == 0 {
		return err // applied before, or failed
	}
	body, err := fs.ReadFile(migrations, m.name)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, string(body))
	return err
}

// listMigrations returns the embedded migrations by version, refusing a file
// without a number or two files with one number, either of which would make
// the applied schema depend on luck.
func listMigrations() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	ms := make([]migration, 0, len(names))
	seen := make(map[int]string)
	for _, name := range names {
		prefix, _, _ := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(prefix)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name does not start with a version number", name)
		}
		if other, ok := seen[v]; ok {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, name, v)
		}
		seen[v] = name
		ms = append(ms, migration{version: v, name: name})
	}
	slices.SortFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	return ms, nil
}
