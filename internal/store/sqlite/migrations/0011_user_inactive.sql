-- A user's account that is not active (store.User.Inactive), as
-- PostgreSQL's 0011: it cannot log in, and login from phone number answers
-- error_code=invalid_user (vipps-login-api: "No account exists, the user's
-- account is not active …"). Same conventions as 0001: a bool is INTEGER
-- 0 or 1. Every user was active before.

ALTER TABLE users ADD COLUMN inactive INTEGER NOT NULL DEFAULT 0;
