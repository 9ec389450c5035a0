-- Moderator and operator accounts, their sessions, and failed logins (for the backoff).
-- `key` is the username folded for comparison (NFC, casefold): "Ana" and "ana" are one account.
CREATE TABLE accounts (
    key           TEXT PRIMARY KEY,
    username      TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('moderator', 'operator')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);

-- `id_hash` is the SHA-256 of the cookie value: a copy of the database opens no session.
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    account_key TEXT NOT NULL REFERENCES accounts (key) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_key);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One row per key ("user:<key>", "client:<pseudonym>") and failed attempt; rows of one
-- attempt share `attempt`, so a login that turns out right takes its marks back.
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt INTEGER NOT NULL,
    key     TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
CREATE INDEX login_failures_attempt ON login_failures (attempt);
