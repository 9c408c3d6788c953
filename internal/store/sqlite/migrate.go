package sqlite

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
)

// migrations are the schema changes, applied in the order of the number
// that starts each file name (0001_init.sql, 0002_…). A file, once
// released, never changes: a new change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migration is one numbered .sql file.
type migration struct {
	version int
	name    string
}

// migrate applies every migration not yet recorded in schema_migrations,
// each in its own write job together with its record, so a failed one
// leaves neither a half-built schema nor a record claiming it was applied.
func (s *Store) migrate(ctx context.Context) error {
	err := s.write(ctx, func(tx *wtx) error {
		return tx.execScript(`
			CREATE TABLE IF NOT EXISTS schema_migrations (
				version    INTEGER PRIMARY KEY,
				applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
			) STRICT`)
	})
	if err != nil {
		return err
	}
	ms, err := listMigrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.write(ctx, func(tx *wtx) error { return applyMigration(tx, m) }); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return nil
}

// applyMigration runs m unless it is already recorded. The check runs inside
// the write transaction, which holds the write lock from its start, so a
// second process opening the same fresh file waits for the first and then
// finds the migration done.
func applyMigration(tx *wtx, m migration) error {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrations, m.name)
	if err != nil {
		return err
	}
	if err := tx.execScript(string(body)); err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO schema_migrations (version) VALUES (?)`, m.version)
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
