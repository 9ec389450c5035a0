-- Short-lived state every process of a wall sees (the display's latest picture, uploads'
-- bytes received, photos on screen now). UNLOGGED: nothing here must survive a crash.
CREATE UNLOGGED TABLE glimpses (
    wall_id TEXT NOT NULL,
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   BYTEA NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (wall_id, kind, key)
);
CREATE INDEX glimpses_at ON glimpses (at);
