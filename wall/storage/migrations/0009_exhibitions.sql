-- Travelling exhibitions: the operators' picks of print-consented photos, in picking order.
-- `name_key` is the name folded as usernames are (NFC, casefold): one "Été 2027" however typed.
CREATE TABLE exhibitions (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE exhibition_photos (
    exhibition_id TEXT NOT NULL REFERENCES exhibitions (id) ON DELETE CASCADE,
    photo_id      TEXT NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    added_at      TEXT NOT NULL,
    added_by      TEXT NOT NULL,
    PRIMARY KEY (exhibition_id, photo_id)
) WITHOUT ROWID;
CREATE INDEX exhibition_photos_photo ON exhibition_photos (photo_id);

-- A contributor's delete (or retention) tombstones the photo: it leaves every exhibition in
-- that same transaction, whoever wrote the delete. (The migration runner splits statements
-- at ";" + newline: the trigger's body ends on its END line.)
CREATE TRIGGER exhibition_photos_leave_deleted AFTER UPDATE OF status ON photos
WHEN NEW.status = 'deleted'
BEGIN
    DELETE FROM exhibition_photos WHERE photo_id = NEW.id; END;
