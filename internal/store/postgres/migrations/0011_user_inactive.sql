-- A user's account that is not active (store.User.Inactive), as in the
-- SQLite backend's 0011: it cannot log in, and login from phone number
-- answers error_code=invalid_user (vipps-login-api: "No account exists,
-- the user's account is not active …"). Conventions as in 0001. Every
-- user was active before.

ALTER TABLE users ADD COLUMN inactive BOOLEAN NOT NULL DEFAULT FALSE;
