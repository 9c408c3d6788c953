package sqlite

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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

// storedTime is t as it reads back.
func storedTime(t time.Time) time.Time { return fromMicros(micros(t)) }

// Durations are stored as INTEGER microseconds, like times.

// durationMicros is d as stored.
func durationMicros(d time.Duration) int64 { return int64(d / time.Microsecond) }

// fromDurationMicros is the stored us as a duration.
func fromDurationMicros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// placeholders is one ? for each of the comma-separated columns.
func placeholders(columns string) string {
	return strings.Repeat("?, ", strings.Count(columns, ",")) + "?"
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
	if l, ok := any(v).([]string); ok {
		if s, ok := plainJSON(l); ok {
			return s, nil
		}
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
	if p, ok := any(&v).(*[]string); ok {
		if l, ok := plainStrings(s); ok {
			*p = l
			return v, nil
		}
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("column %s: %w", column, err)
	}
	if v == nil { // the text was null
		v = []T{}
	}
	return v, nil
}

// plainJSON encodes l as json.Marshal would when no string in it needs an
// escape, which every scope and URI is, and reports false otherwise.
func plainJSON(l []string) (string, bool) {
	n := 2
	for _, e := range l {
		if !plain(e) {
			return "", false
		}
		n += len(e) + 3
	}
	if len(l) == 0 {
		return "[]", true
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(`["`)
	for i, e := range l {
		if i > 0 {
			b.WriteString(`","`)
		}
		b.WriteString(e)
	}
	b.WriteString(`"]`)
	return b.String(), true
}

// plain reports whether json.Marshal writes s as it is between quotes: it
// escapes control characters, '"', '\\', and (for HTML) '<', '>', '&',
// U+2028 and U+2029, and replaces invalid UTF-8.
func plain(s string) bool {
	ascii := true
	for i := range len(s) {
		switch c := s[i]; {
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return ascii || utf8.ValidString(s) && !strings.ContainsAny(s, "\u2028\u2029")
}

// plainStrings decodes a JSON array of strings as json.Marshal writes it,
// ["a","b"], when no string in it has an escape (nor a byte JSON would
// escape or replace): then every '"' is a delimiter, and splitting at them
// is what json.Unmarshal would do, at a fraction of its cost. Read on every
// request, scopes are such lists. It reports false for anything else.
func plainStrings(s string) ([]string, bool) {
	if s == "[]" {
		return []string{}, true
	}
	if len(s) < 4 || s[:2] != `["` || s[len(s)-2:] != `"]` || !utf8.ValidString(s) {
		return nil, false
	}
	for i := range len(s) {
		if s[i] < 0x20 || s[i] == '\\' {
			return nil, false
		}
	}
	l := strings.Split(s[2:len(s)-2], `","`)
	for _, e := range l {
		if strings.IndexByte(e, '"') >= 0 { // a delimiter with a space around it, say
			return nil, false
		}
	}
	return l, true
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

// errorf is fmt.Errorf for the errors the Store's methods return. An error
// among the arguments that says the database cannot be used just now,
// though nothing is wrong with the request, is wrapped in
// store.ErrUnavailable as well (the servers answer it with 503): another
// writer held the lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED),
// the disk failed or is full (SQLITE_IOERR, SQLITE_FULL), the file cannot
// be opened or written (SQLITE_CANTOPEN, SQLITE_READONLY: its permissions
// or its mount changed), or the Store was closed.
func errorf(format string, a ...any) error {
	for i, v := range a {
		if err, ok := v.(error); ok && unavailable(err) && !errors.Is(err, store.ErrUnavailable) {
			a[i] = fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
	}
	return fmt.Errorf(format, a...)
}

// unavailable reports whether err is one errorf wraps in
// store.ErrUnavailable.
func unavailable(err error) bool {
	if errors.Is(err, errClosed) {
		return true
	}
	var e *sqlitedriver.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY:
			return true
		}
		return false
	}
	// database/sql does not export the error of a closed sql.DB; it is
	// recognised by its text, at the end of the chain so that no key or id
	// quoted in a wrapping message can pass for it.
	for next := errors.Unwrap(err); next != nil; next = errors.Unwrap(err) {
		err = next
	}
	return err != nil && err.Error() == "sql: database is closed"
}

// cannotWrite reports whether err says that the connection it came from
// cannot write, now or ever (writer.discardIf): SQLITE_READONLY and its
// extended codes (the connection was opened read-only, or its file was
// replaced under it), or SQLITE_CANTOPEN (a file it needs, the log say,
// cannot be opened).
func cannotWrite(err error) bool {
	var e *sqlitedriver.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
		return true
	}
	return false
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var e *sqlitedriver.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
