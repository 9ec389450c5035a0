-- Photos, their renditions, and the audit log of every transition.
CREATE TABLE photos (
    id              TEXT PRIMARY KEY,
    status          TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    source          TEXT NOT NULL,
    source_ref      TEXT NOT NULL DEFAULT '',
    caption         TEXT NOT NULL DEFAULT '',
    author          TEXT NOT NULL DEFAULT '',
    contributor     TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    receipt_hash    TEXT NOT NULL DEFAULT '',
    consent_at      TEXT,
    consent_version TEXT,
    consent_lang    TEXT,
    sha256          TEXT NOT NULL DEFAULT '',
    phash           INTEGER NOT NULL DEFAULT 0,
    mean_lab        TEXT NOT NULL DEFAULT '[0,0,0]',
    signals         TEXT,
    flags           TEXT NOT NULL DEFAULT '[]',
    reason          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX photos_status_created ON photos (status, created_at);
CREATE INDEX photos_sha256 ON photos (sha256) WHERE sha256 != '';
CREATE INDEX photos_contributor ON photos (contributor, created_at);

CREATE TABLE renditions (
    photo_id TEXT NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    key      TEXT NOT NULL,
    width    INTEGER NOT NULL,
    height   INTEGER NOT NULL,
    size     INTEGER NOT NULL,
    mime     TEXT NOT NULL,
    PRIMARY KEY (photo_id, kind)
);
CREATE INDEX renditions_key ON renditions (key);

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    photo_id    TEXT,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_photo ON audit (photo_id);
