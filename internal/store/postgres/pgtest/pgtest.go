// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database named by VIPPSLOGIN_TEST_POSTGRES, dropped when the
// test ends, so that test runs and packages running in parallel never see
// each other's rows. Without the variable the tests that need PostgreSQL
// skip; with it, a database that cannot be reached fails them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the database the tests use, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. CI sets it.
const EnvVar = "VIPPSLOGIN_TEST_POSTGRES"

// URL creates an empty schema for the test and returns the database URL
// with that schema as its search_path, so that every connection opened
// from it (any number of stores, as replicas) works in it. The schema is
// dropped, with everything in it, when the test ends: close the stores
// first, which cleanups registered after URL do.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvVar)
	if base == "" {
		t.Skip(EnvVar + " is not set; skipping the PostgreSQL test")
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	exec(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { exec(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	return WithParam(t, base, "search_path", schema)
}

// WithParam returns the database URL with a connection parameter added.
func WithParam(t testing.TB, dbURL, key, value string) string {
	t.Helper()
	if !strings.Contains(dbURL, "://") { // key=value form
		return dbURL + " " + key + "=" + value
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on a connection of its own.
func exec(t testing.TB, dbURL, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("%s is set but the database cannot be reached: %v", EnvVar, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
