package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/vippslogin/vippslogin/internal/store"
)

// userColumns lists the phone number last: one list of arguments
// (userArgs) serves the INSERT and updateChanged, which needs the key last.
const userColumns = `pin_hash, given_name, family_name, birthdate,
	email, email_verified, nin, addresses, accounts, app_version, inactive,
	failed_pin_attempts, locked_until, created_at, updated_at, phone_number`

var (
	insertUser      = `INSERT INTO users (` + userColumns + `) VALUES (` + placeholders(userColumns) + `)`
	userColumnNames = columnNames(userColumns)
)

// CreateUser stores a new user; store.ErrExists if the phone number is taken.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	args, _, err := userArgs(u)
	if err == nil {
		_, err = s.exec(ctx, insertUser, args...)
	}
	if err != nil {
		return errorf("sqlite: create user %q: %w", u.PhoneNumber, created(err))
	}
	return nil
}

// CreateUsers stores the users in one transaction, all or none.
func (s *Store) CreateUsers(ctx context.Context, users []store.User) error {
	err := s.write(ctx, func(tx *wtx) error {
		for _, u := range users {
			args, _, err := userArgs(u)
			if err == nil {
				_, err = tx.exec(insertUser, args...)
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
	u, err := getUser(s.read(ctx), phoneNumber)
	if err != nil {
		return store.User{}, errorf("sqlite: get user %q: %w", phoneNumber, err)
	}
	return u, nil
}

// ListUsers returns every user, ordered by phone number.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	us, err := list(s.read(ctx), scanUser, `SELECT `+userColumns+` FROM users ORDER BY phone_number`)
	if err != nil {
		return nil, errorf("sqlite: list users: %w", err)
	}
	return us, nil
}

// UpdateUser reads the user, hands them to update and stores the result, all
// in one transaction: counting failed PIN attempts from several requests at
// once must not lose a count. An error from update is returned as is and
// nothing is written. A user made inactive loses their sessions with it.
func (s *Store) UpdateUser(ctx context.Context, phoneNumber string, update func(store.User) (store.User, error)) (store.User, error) {
	var (
		stored    store.User
		updateErr error
	)
	err := s.write(ctx, func(tx *wtx) error {
		old, err := getUser(tx, phoneNumber)
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
		oldArgs, _, err := userArgs(old)
		if err != nil {
			return err
		}
		var args []any
		if args, stored, err = userArgs(u); err != nil {
			return err
		}
		if err := updateChanged(tx, "users", userColumnNames, oldArgs, args); err != nil {
			return err
		}
		if u.Inactive && !old.Inactive {
			return endSessions(tx, phoneNumber)
		}
		return nil
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
	if err := found(s.exec(ctx, `DELETE FROM users WHERE phone_number = ?`, phoneNumber)); err != nil {
		return errorf("sqlite: delete user %q: %w", phoneNumber, err)
	}
	return nil
}

// endSessions ends the user's app and browser sessions: the user was made
// inactive.
func endSessions(tx *wtx, phoneNumber string) error {
	if _, err := tx.exec(`DELETE FROM app_sessions WHERE phone_number = ?`, phoneNumber); err != nil {
		return err
	}
	_, err := tx.exec(`DELETE FROM browser_sessions WHERE phone_number = ?`, phoneNumber)
	return err
}

func getUser(q querier, phoneNumber string) (store.User, error) {
	u, err := scanUser(q.queryRow(`SELECT `+userColumns+` FROM users WHERE phone_number = ?`, phoneNumber))
	return u, notFound(err)
}

// userArgs is u as arguments, one per column of userColumns, and u as it
// reads back from them.
func userArgs(u store.User) ([]any, store.User, error) {
	addresses, err1 := listJSON(u.Addresses)
	accounts, err2 := listJSON(u.Accounts)
	if err := errors.Join(err1, err2); err != nil {
		return nil, store.User{}, err
	}
	args := []any{u.PINHash, u.GivenName, u.FamilyName, u.Birthdate,
		u.Email, u.EmailVerified, u.NIN, addresses, accounts, u.AppVersion, u.Inactive,
		u.FailedPINAttempts, micros(u.LockedUntil), micros(u.CreatedAt), micros(u.UpdatedAt), u.PhoneNumber}
	u, err := decodeUser(u, addresses, accounts)
	return args, u, err
}

// decodeUser sets u's lists from their stored JSON.
func decodeUser(u store.User, addresses, accounts string) (store.User, error) {
	var err1, err2 error
	u.Addresses, err1 = fromListJSON[store.Address]("addresses", addresses)
	u.Accounts, err2 = fromListJSON[store.Account]("accounts", accounts)
	if err := errors.Join(err1, err2); err != nil {
		return store.User{}, err
	}
	u.LockedUntil = storedTime(u.LockedUntil)
	u.CreatedAt, u.UpdatedAt = storedTime(u.CreatedAt), storedTime(u.UpdatedAt)
	return u, nil
}

// scanUser reads one row of userColumns.
func scanUser(row scanner) (store.User, error) {
	var (
		u                                 store.User
		addresses, accounts               string
		lockedUntil, createdAt, updatedAt int64
	)
	err := row.Scan(&u.PINHash, &u.GivenName, &u.FamilyName, &u.Birthdate,
		&u.Email, &u.EmailVerified, &u.NIN, &addresses, &accounts, &u.AppVersion, &u.Inactive,
		&u.FailedPINAttempts, &lockedUntil, &createdAt, &updatedAt, &u.PhoneNumber)
	if err != nil {
		return store.User{}, err
	}
	u.LockedUntil = fromMicros(lockedUntil)
	u.CreatedAt, u.UpdatedAt = fromMicros(createdAt), fromMicros(updatedAt)
	return decodeUser(u, addresses, accounts)
}
