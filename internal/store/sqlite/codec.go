package sqlite

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vippslogin/vippslogin/internal/store"
)

// Times are stored as INTEGER unix microseconds: PostgreSQL keeps
// microseconds, and both backends must hand back the same value. The zero
// time is stored as 0 so that "not set" reads plainly in SQL; the one instant
// that cannot be stored is therefore 1970-01-01T00:00:00Z itself, which reads
// back as the zero time.

// micros is t as stored.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros is the stored us as a time in UTC.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// Lists (redirect URIs, scopes, addresses, …) are stored as JSON arrays in
// TEXT columns: they are read and written whole, never queried into. A nil
// list is stored as [] and every list reads back non-nil, which is the
// contract storetest checks on every backend.

// listJSON is v as stored.
func listJSON[T any](v []T) (string, error) {
	if v == nil {
		v = []T{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// fromListJSON decodes a stored list into a non-nil slice.
func fromListJSON[T any](column, s string) ([]T, error) {
	v := []T{}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("column %s: %w", column, err)
	}
	if v == nil { // the text was null
		v = []T{}
	}
	return v, nil
}

// created maps a PRIMARY KEY or UNIQUE violation to store.ErrExists. Other
// constraint violations (a foreign key to a missing user, say) are not about
// the key being taken and stay as they are.
func created(err error) error {
	var e *sqlitedriver.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return store.ErrExists
		}
	}
	return err
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var e *sqlitedriver.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
