-- What came on the wall: the display reports the photos on screen. One row per photo and
-- quarter hour (UTC), holding the first moment it was seen in it: a photo shown all night is
-- a few dozen rows, not one per report. Every timezone's offset is a whole number of quarter
-- hours, so a night's bounds (noon, local time) never cut a quarter in two.
CREATE TABLE shown (
    photo_id TEXT NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    slot     TEXT NOT NULL,
    shown_at TEXT NOT NULL,
    PRIMARY KEY (photo_id, slot)
) WITHOUT ROWID;
CREATE INDEX shown_at ON shown (shown_at, photo_id);

-- The night's figures read time ranges: decisions by `at`, arrivals by `created_at`.
CREATE INDEX audit_at ON audit (at);
CREATE INDEX photos_created ON photos (created_at);
