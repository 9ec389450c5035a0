-- What each source remembers across restarts (a timeline's cursor, a folder's imported files).
CREATE TABLE source_state (
    source     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, key)
);
CREATE INDEX photos_source_ref ON photos (source_ref) WHERE source_ref != '';
