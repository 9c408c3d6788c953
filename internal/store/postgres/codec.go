package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Times are timestamptz, which keeps microseconds. Times every record has
// are NOT NULL and stored as given, Go's zero time included (0001-01-01 UTC,
// which sorts first, as SQLite's 0 does); times of things that may not have
// happened yet are NULL until they have.

// ts is t as a NOT NULL column stores it.
func ts(t time.Time) time.Time {
	return t.Truncate(time.Microsecond).UTC()
}

// nullTS is t as a nullable column stores it: NULL for the zero time.
func nullTS(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := ts(t)
	return &v
}

// fromTS is a NOT NULL column's time as the store hands it back: in UTC, so
// that Go's zero time read back is the zero time.
func fromTS(t time.Time) time.Time {
	return t.UTC()
}

// fromNullTS is a nullable column's time: the zero time for NULL.
func fromNullTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// Lists (redirect URIs, scopes, addresses, …) are jsonb arrays. They go to
// the database as JSON text, which every query mode (prepared statements,
// and the simple protocol that poolers such as PgBouncer may need) sends
// unchanged. A nil list is stored as [] and every list reads back non-nil.

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
func fromListJSON[T any](column string, b []byte) ([]T, error) {
	v := []T{}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("column %s: %w", column, err)
	}
	if v == nil { // the value was null
		v = []T{}
	}
	return v, nil
}

// micros is d as a bigint column stores it.
func micros(d time.Duration) int64 { return int64(d / time.Microsecond) }

// fromMicros is a stored duration.
func fromMicros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// unavailable reports whether err means the database cannot be reached or
// went away, rather than that it refused the statement: the connection
// could not be made or broke, the server is shutting down or starting, or
// it did not answer in time. A caller that gave up (context.Canceled) is not
// the database's fault.
func unavailable(err error) bool {
	var (
		pe     *pgconn.PgError
		ce     *pgconn.ConnectError
		netErr net.Error
	)
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P01–57P03: admin shutdown,
		// crash shutdown, cannot connect now; 53300: too many connections;
		// 53100: disk full; 25006: a read-only transaction (a standby).
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") ||
			pe.Code == "53300" || pe.Code == "53100" || readOnly(err)
	case errors.As(err, &ce), errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return true
	}
	// What pgconn says happened before anything reached the server: a
	// closed or busy connection, a pool that could not get one.
	return pgconn.SafeToRetry(err)
}

// readOnly reports whether err is PostgreSQL refusing a write because the
// server, or the session, is read-only: read_only_sql_transaction (25006),
// what a standby answers.
func readOnly(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "25006"
}

// orEmpty is s, or an empty list for nil: lists are never nil.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
