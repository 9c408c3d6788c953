package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vippslogin/vippslogin/internal/store"
)

const userColumns = `phone_number, pin_hash, given_name, family_name, birthdate,
	email, email_verified, nin, addresses, accounts, app_version, inactive,
	failed_pin_attempts, locked_until, created_at, updated_at`

// CreateUser stores a new user; store.ErrExists if the phone number is taken.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	args, err := userArgs(u)
	if err == nil {
		_, err = s.pool.Exec(ctx, insertUser.sql, insertUser.args(args)...)
	}
	if err != nil {
		return fmt.Errorf("postgres: create user %q: %w", u.PhoneNumber, mapErr(err))
	}
	return nil
}

// CreateUsers stores the users in one transaction, all or none, and in one
// round trip: the INSERTs go as one batch, which the database runs as one
// implicit transaction (a pipeline up to its Sync, or one multi-statement
// query over the simple protocol), so the first that fails undoes the rest.
// 10,000 users took 1.8 s one INSERT at a time.
func (s *Store) CreateUsers(ctx context.Context, users []store.User) error {
	b := &pgx.Batch{}
	for _, u := range users {
		args, err := userArgs(u)
		if err != nil {
			return fmt.Errorf("postgres: create user %q: %w", u.PhoneNumber, err)
		}
		b.Queue(insertUser.sql, insertUser.args(args)...)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: create %d users: %w", len(users), mapErr(err))
	}
	return nil
}

// GetUser returns the user with the given phone number, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, phoneNumber string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, getUserSQL, phoneNumber))
	if err != nil {
		return store.User{}, fmt.Errorf("postgres: get user %q: %w", phoneNumber, mapErr(err))
	}
	return u, nil
}

// ListUsers returns every user, ordered by phone number.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY phone_number COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", mapErr(err))
	}
	us, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.User, error) { return scanUser(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list users: %w", mapErr(err))
	}
	return orEmpty(us), nil
}

// UpdateUser reads the user, hands them to update and stores the result, all
// in one transaction that holds the row lock from the read on: counting
// failed PIN attempts from several requests at once, on any replicas, must
// not lose a count. An error from update is returned as is and nothing is
// written. A user made inactive loses their sessions in the same
// transaction.
func (s *Store) UpdateUser(ctx context.Context, phoneNumber string, update func(store.User) (store.User, error)) (store.User, error) {
	var (
		stored    store.User
		updateErr error
	)
	var old store.User
	err := s.readModifyWrite(ctx, getUserSQL+` FOR UPDATE`, phoneNumber,
		func(row pgx.Row) (err error) {
			old, err = scanUser(row)
			return err
		},
		func(b *pgx.Batch) error {
			u, err := update(old)
			if err != nil {
				updateErr = err
				return err
			}
			if u.PhoneNumber != phoneNumber {
				return fmt.Errorf("the update changed the phone number to %q", u.PhoneNumber)
			}
			args, err := userArgs(u)
			if err != nil {
				return err
			}
			b.Queue(updateUser.sql, updateUser.args(args)...).QueryRow(func(row pgx.Row) (err error) {
				stored, err = scanUser(row)
				return err
			})
			if u.Inactive && !old.Inactive {
				b.Queue(`DELETE FROM app_sessions WHERE phone_number = $1`, phoneNumber)
				b.Queue(`DELETE FROM browser_sessions WHERE phone_number = $1`, phoneNumber)
			}
			return nil
		})
	switch {
	case updateErr != nil:
		return store.User{}, updateErr
	case err != nil:
		return store.User{}, fmt.Errorf("postgres: update user %q: %w", phoneNumber, mapErr(err))
	}
	return stored, nil
}

// DeleteUser removes the user, or returns store.ErrNotFound. Their app and
// browser sessions, consents and pairwise subjects go with them (ON DELETE
// CASCADE); login requests, codes and tokens are left to expire.
func (s *Store) DeleteUser(ctx context.Context, phoneNumber string) error {
	if err := deleted(s.pool.Exec(ctx, `DELETE FROM users WHERE phone_number = $1`, phoneNumber)); err != nil {
		return fmt.Errorf("postgres: delete user %q: %w", phoneNumber, mapErr(err))
	}
	return nil
}

// getUserSQL reads one user by phone number.
const getUserSQL = `SELECT ` + userColumns + ` FROM users WHERE phone_number = $1`

// The statements that write every column, compiled once (see namedSQL).
var (
	insertUser = compileNamed(`INSERT INTO users (`+userColumns+`)
		VALUES (@phone_number, @pin_hash, @given_name, @family_name, @birthdate,
			@email, @email_verified, @nin, @addresses, @accounts, @app_version, @inactive,
			@failed_pin_attempts, @locked_until, @created_at, @updated_at)`, userArgs)
	// updateUser returns what it stored.
	updateUser = compileNamed(`UPDATE users SET
		pin_hash = @pin_hash, given_name = @given_name, family_name = @family_name,
		birthdate = @birthdate, email = @email, email_verified = @email_verified,
		nin = @nin, addresses = @addresses, accounts = @accounts,
		app_version = @app_version, inactive = @inactive,
		failed_pin_attempts = @failed_pin_attempts,
		locked_until = @locked_until, created_at = @created_at, updated_at = @updated_at
		WHERE phone_number = @phone_number RETURNING `+userColumns, userArgs)
)

// userArgs is u as named arguments, one per column.
func userArgs(u store.User) (pgx.NamedArgs, error) {
	addresses, err1 := listJSON(u.Addresses)
	accounts, err2 := listJSON(u.Accounts)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return pgx.NamedArgs{
		"phone_number":        u.PhoneNumber,
		"pin_hash":            u.PINHash,
		"given_name":          u.GivenName,
		"family_name":         u.FamilyName,
		"birthdate":           u.Birthdate,
		"email":               u.Email,
		"email_verified":      u.EmailVerified,
		"nin":                 u.NIN,
		"addresses":           addresses,
		"accounts":            accounts,
		"app_version":         u.AppVersion,
		"inactive":            u.Inactive,
		"failed_pin_attempts": u.FailedPINAttempts,
		"locked_until":        nullTS(u.LockedUntil),
		"created_at":          ts(u.CreatedAt),
		"updated_at":          ts(u.UpdatedAt),
	}, nil
}

// scanUser reads one row of userColumns.
func scanUser(row pgx.Row) (store.User, error) {
	var (
		u                   store.User
		addresses, accounts []byte
		lockedUntil         pgtype.Timestamptz
	)
	err := row.Scan(&u.PhoneNumber, &u.PINHash, &u.GivenName, &u.FamilyName, &u.Birthdate,
		&u.Email, &u.EmailVerified, &u.NIN, &addresses, &accounts, &u.AppVersion, &u.Inactive,
		&u.FailedPINAttempts, &lockedUntil, &u.CreatedAt, &u.UpdatedAt)
	if err != nil {
		return store.User{}, err
	}
	var err1, err2 error
	u.Addresses, err1 = fromListJSON[store.Address]("addresses", addresses)
	u.Accounts, err2 = fromListJSON[store.Account]("accounts", accounts)
	if err := errors.Join(err1, err2); err != nil {
		return store.User{}, err
	}
	u.LockedUntil = fromNullTS(lockedUntil)
	u.CreatedAt, u.UpdatedAt = fromTS(u.CreatedAt), fromTS(u.UpdatedAt)
	return u, nil
}
