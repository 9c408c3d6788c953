-- Login from QR code (DESIGN §4): the clients' QR codes, and the scanned
-- code on the login requests and codes it leads to. Same conventions as
-- 0001: times are INTEGER unix microseconds.

-- A QR code belongs to its client and goes with it. Its id is in the URL
-- printed on the code, so it is unique across clients.
CREATE TABLE qr_codes (
	id           TEXT PRIMARY KEY,
	client_id    TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
	description  TEXT NOT NULL,
	redirect_uri TEXT NOT NULL,
	created_at   INTEGER NOT NULL
) STRICT;

-- The client's list, oldest first, and the client cascade.
CREATE INDEX qr_codes_client_id_created_at ON qr_codes (client_id, created_at);

-- The code a QR login request came from, copied at the scan so that its
-- ID token says what was scanned even after the code is gone; '' for the
-- other kinds.
ALTER TABLE login_requests ADD COLUMN qr_id TEXT NOT NULL DEFAULT '';
ALTER TABLE login_requests ADD COLUMN qr_description TEXT NOT NULL DEFAULT '';

-- The same on the code of a QR login with a redirect URI (the qr-redirect
-- grant); '' tells the other codes from it.
ALTER TABLE auth_codes ADD COLUMN qr_id TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_codes ADD COLUMN qr_description TEXT NOT NULL DEFAULT '';
