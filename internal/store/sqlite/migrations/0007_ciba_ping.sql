-- CIBA ping delivery (CIBA Core §10.2). Same conventions as 0001.

-- The client_notification_token of a CIBA request from a client registered
-- for ping, kept until the user answers; '' for every other request.
ALTER TABLE login_requests ADD COLUMN notification_token TEXT NOT NULL DEFAULT '';

-- The Authorization header an event is sent with (a ping's bearer token);
-- '' for none. ("authorization" is a reserved word in SQL.)
ALTER TABLE webhooks ADD COLUMN authorization_header TEXT NOT NULL DEFAULT '';
