package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
)

// backupParams are the backup connection's: it only reads the database.
const backupParams = "_busy_timeout=10000"

// Backup writes a consistent copy of the database to path with VACUUM
// INTO, while the store goes on serving: it runs on a connection of its
// own (the readers' query_only refuses to write even the copy) as one read
// transaction, which in WAL mode neither takes nor waits for the
// write lock, so writes carry on beside it and the copy is the database as
// of the backup's start (the writes committed by then, none after). The
// copy is compacted and whole on its own, with no -wal file beside it.
// Restoring is copying it into place as the database file of a stopped
// server (and deleting that file's stale -wal and -shm).
//
// path must not exist: Backup refuses to overwrite anything, creates the
// file with mode 0600 (it holds the encrypted signing keys, hashed client
// secrets and users' personal data), and removes it again if the copy
// fails.
func (s *Store) Backup(ctx context.Context, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return errorf("sqlite: backup: %s already exists; name a new file, so that no backup is overwritten", path)
	}
	if err != nil {
		return errorf("sqlite: backup: %w", err)
	}
	// VACUUM INTO accepts an empty file, and keeps the mode it was made with.
	if err := f.Close(); err != nil {
		os.Remove(path)
		return errorf("sqlite: backup: %w", err)
	}
	db, err := sql.Open("sqlite", s.path+"?"+backupParams)
	if err == nil {
		_, err = db.ExecContext(ctx, `VACUUM INTO ?`, path)
		err = errors.Join(err, db.Close())
	}
	if err != nil {
		os.Remove(path)
		return errorf("sqlite: backup to %s: %w", path, err)
	}
	return nil
}
