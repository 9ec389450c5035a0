-- Token buckets shared by a wall's processes. UNLOGGED: a crash of the database forgets them
-- (every phone then starts with a full allowance), in exchange for no WAL on every upload.
CREATE UNLOGGED TABLE rate_buckets (
    wall_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (wall_id, kind, key)
);
CREATE INDEX rate_buckets_updated ON rate_buckets (updated_at);
