-- The cluster's schema: the embedded one (storage/migrations) with a `wall_id` in every row,
-- so that walls sharing a cluster share nothing visible. Times are timestamptz (UTC).
CREATE TABLE photos (
    wall_id         TEXT NOT NULL,
    id              TEXT NOT NULL,
    status          TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    source          TEXT NOT NULL,
    source_ref      TEXT NOT NULL DEFAULT '',
    caption         TEXT NOT NULL DEFAULT '',
    author          TEXT NOT NULL DEFAULT '',
    contributor     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    receipt_hash    TEXT NOT NULL DEFAULT '',
    consent_at      TIMESTAMPTZ,
    consent_version TEXT,
    consent_lang    TEXT,
    sha256          TEXT NOT NULL DEFAULT '',
    phash           BIGINT NOT NULL DEFAULT 0,
    mean_lab        JSONB NOT NULL DEFAULT '[0,0,0]',
    signals         JSONB,
    flags           JSONB NOT NULL DEFAULT '[]',
    reason          TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (wall_id, id)
);
CREATE INDEX photos_status_created ON photos (wall_id, status, created_at);
CREATE INDEX photos_status_updated ON photos (wall_id, status, updated_at);
CREATE INDEX photos_created ON photos (wall_id, created_at);
CREATE INDEX photos_sha256 ON photos (wall_id, sha256) WHERE sha256 != '';
CREATE INDEX photos_contributor ON photos (wall_id, contributor, created_at);
CREATE INDEX photos_source_ref ON photos (wall_id, source_ref) WHERE source_ref != '';
-- A retried upload finds the photo its first try made; two processes taking the same retry
-- at once cannot both insert (a unique index, not a read-then-insert).
CREATE UNIQUE INDEX photos_idempotency ON photos (wall_id, idempotency_key)
    WHERE idempotency_key != '';

CREATE TABLE renditions (
    wall_id  TEXT NOT NULL,
    photo_id TEXT NOT NULL,
    kind     TEXT NOT NULL,
    key      TEXT NOT NULL,
    width    INTEGER NOT NULL,
    height   INTEGER NOT NULL,
    size     INTEGER NOT NULL,
    mime     TEXT NOT NULL,
    PRIMARY KEY (wall_id, photo_id, kind),
    FOREIGN KEY (wall_id, photo_id) REFERENCES photos (wall_id, id) ON DELETE CASCADE
);
-- Media objects are content-addressed and shared by every wall of the cluster's store.
CREATE INDEX renditions_key ON renditions (key);

CREATE TABLE audit (
    id          BIGSERIAL PRIMARY KEY,
    wall_id     TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    photo_id    TEXT,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_photo ON audit (wall_id, photo_id);
CREATE INDEX audit_at ON audit (wall_id, at);

CREATE TABLE accounts (
    wall_id       TEXT NOT NULL,
    key           TEXT NOT NULL,
    username      TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('moderator', 'operator')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (wall_id, key)
);

CREATE TABLE sessions (
    wall_id     TEXT NOT NULL,
    id_hash     TEXT NOT NULL,
    account_key TEXT NOT NULL,
    csrf_token  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    last_seen   TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (wall_id, id_hash),
    FOREIGN KEY (wall_id, account_key) REFERENCES accounts (wall_id, key) ON DELETE CASCADE
);
CREATE INDEX sessions_account ON sessions (wall_id, account_key);
CREATE INDEX sessions_expires ON sessions (wall_id, expires_at);

CREATE TABLE login_failures (
    id      BIGSERIAL PRIMARY KEY,
    wall_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    key     TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (wall_id, key, at);
CREATE INDEX login_failures_attempt ON login_failures (attempt);

CREATE TABLE source_state (
    wall_id    TEXT NOT NULL,
    source     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (wall_id, source, key)
);

CREATE TABLE shown (
    wall_id  TEXT NOT NULL,
    photo_id TEXT NOT NULL,
    slot     TIMESTAMPTZ NOT NULL,
    shown_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (wall_id, photo_id, slot),
    FOREIGN KEY (wall_id, photo_id) REFERENCES photos (wall_id, id) ON DELETE CASCADE
);
CREATE INDEX shown_at ON shown (wall_id, shown_at, photo_id);
