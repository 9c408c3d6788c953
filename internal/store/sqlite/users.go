package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/vippslogin/vippslogin/internal/store"
)

const userColumns = `phone_number, pin_hash, given_name, family_name, birthdate,
	email, email_verified, nin, addresses, accounts, app_version,
	failed_pin_attempts, locked_until, created_at, updated_at`

// CreateUser stores a new user; store.ErrExists if the phone number is taken.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	args, err := userArgs(u)
	if err == nil {
		_, err = s.db.ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
			VALUES (:phone_number, :pin_hash, :given_name, :family_name, :birthdate,
				:email, :email_verified, :nin, :addresses, :accounts, :app_version,
				:failed_pin_attempts, :locked_until, :created_at, :updated_at)`, args...)
	}
	if err != nil {
		return errorf("sqlite: create user %q: %w", u.PhoneNumber, created(err))
	}
	return nil
}

// CreateUsers stores the users in one transaction, all or none.
func (s *Store) CreateUsers(ctx context.Context, users []store.User) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, u := range users {
			args, err := userArgs(u)
			if err == nil {
				_, err = tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
					VALUES (:phone_number, :pin_hash, :given_name, :family_name, :birthdate,
						:email, :email_verified, :nin, :addresses, :accounts, :app_version,
						:failed_pin_attempts, :locked_until, :created_at, :updated_at)`, args...)
			}
			if err != nil {
				return fmt.Errorf("user %q: %w", u.PhoneNumber, created(err))
			}
		}
		return nil
	})
	if err != nil {
		return errorf("sqlite: create %d users: %w", len(users), err)
	}
	return nil
}

// GetUser returns the user with the given phone number, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, phoneNumber string) (store.User, error) {
	u, err := getUser(ctx, s.db, phoneNumber)
	if err != nil {
		return store.User{}, errorf("sqlite: get user %q: %w", phoneNumber, err)
	}
	return u, nil
}

// ListUsers returns every user, ordered by phone number.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY phone_number`)
	if err != nil {
		return nil, errorf("sqlite: list users: %w", err)
	}
	defer rows.Close()
	us := []store.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, errorf("sqlite: list users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, errorf("sqlite: list users: %w", err)
	}
	return us, nil
}

// UpdateUser reads the user, hands them to update and stores the result, all
// in one transaction: counting failed PIN attempts from several requests at
// once must not lose a count. An error from update is returned as is and
// nothing is written.
func (s *Store) UpdateUser(ctx context.Context, phoneNumber string, update func(store.User) (store.User, error)) (store.User, error) {
	var (
		stored    store.User
		updateErr error
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getUser(ctx, tx, phoneNumber)
		if err != nil {
			return err
		}
		u, err := update(old)
		if err != nil {
			updateErr = err
			return err
		}
		if u.PhoneNumber != phoneNumber {
			return fmt.Errorf("the update changed the phone number to %q", u.PhoneNumber)
		}
		args, err := userArgs(u)
		if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE users SET
				pin_hash = :pin_hash, given_name = :given_name, family_name = :family_name,
				birthdate = :birthdate, email = :email, email_verified = :email_verified,
				nin = :nin, addresses = :addresses, accounts = :accounts,
				app_version = :app_version, failed_pin_attempts = :failed_pin_attempts,
				locked_until = :locked_until, created_at = :created_at, updated_at = :updated_at
				WHERE phone_number = :phone_number`, args...)
		}
		if err != nil {
			return err
		}
		// Read it back so the caller gets exactly what a later Get returns.
		stored, err = getUser(ctx, tx, phoneNumber)
		return err
	})
	switch {
	case updateErr != nil:
		return store.User{}, updateErr
	case err != nil:
		return store.User{}, errorf("sqlite: update user %q: %w", phoneNumber, err)
	}
	return stored, nil
}

// DeleteUser removes the user, or returns store.ErrNotFound. Their app and
// browser sessions, consents and pairwise subjects go with them (ON DELETE
// CASCADE); login requests, codes and tokens are left to expire.
func (s *Store) DeleteUser(ctx context.Context, phoneNumber string) error {
	if err := deleted(s.db.ExecContext(ctx, `DELETE FROM users WHERE phone_number = ?`, phoneNumber)); err != nil {
		return errorf("sqlite: delete user %q: %w", phoneNumber, err)
	}
	return nil
}

func getUser(ctx context.Context, q queryer, phoneNumber string) (store.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE phone_number = ?`, phoneNumber))
	return u, notFound(err)
}

// userArgs is u as named arguments, one per column.
func userArgs(u store.User) ([]any, error) {
	addresses, err1 := listJSON(u.Addresses)
	accounts, err2 := listJSON(u.Accounts)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return []any{
		sql.Named("phone_number", u.PhoneNumber),
		sql.Named("pin_hash", u.PINHash),
		sql.Named("given_name", u.GivenName),
		sql.Named("family_name", u.FamilyName),
		sql.Named("birthdate", u.Birthdate),
		sql.Named("email", u.Email),
		sql.Named("email_verified", u.EmailVerified),
		sql.Named("nin", u.NIN),
		sql.Named("addresses", addresses),
		sql.Named("accounts", accounts),
		sql.Named("app_version", u.AppVersion),
		sql.Named("failed_pin_attempts", u.FailedPINAttempts),
		sql.Named("locked_until", micros(u.LockedUntil)),
		sql.Named("created_at", micros(u.CreatedAt)),
		sql.Named("updated_at", micros(u.UpdatedAt)),
	}, nil
}

// scanUser reads one row of userColumns.
func scanUser(row scanner) (store.User, error) {
	var (
		u                                 store.User
		addresses, accounts               string
		lockedUntil, createdAt, updatedAt int64
	)
	err := row.Scan(&u.PhoneNumber, &u.PINHash, &u.GivenName, &u.FamilyName, &u.Birthdate,
		&u.Email, &u.EmailVerified, &u.NIN, &addresses, &accounts, &u.AppVersion,
		&u.FailedPINAttempts, &lockedUntil, &createdAt, &updatedAt)
	if err != nil {
		return store.User{}, err
	}
	var err1, err2 error
	u.Addresses, err1 = fromListJSON[store.Address]("addresses", addresses)
	u.Accounts, err2 = fromListJSON[store.Account]("accounts", accounts)
	if err := errors.Join(err1, err2); err != nil {
		return store.User{}, err
	}
	u.LockedUntil = fromMicros(lockedUntil)
	u.CreatedAt, u.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return u, nil
}
