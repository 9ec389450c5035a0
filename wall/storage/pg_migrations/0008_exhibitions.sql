-- Travelling exhibitions (the embedded schema's 0009, with a `wall_id` in every row).
CREATE TABLE exhibitions (
    wall_id    TEXT NOT NULL,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (wall_id, id),
    UNIQUE (wall_id, name_key)
);

CREATE TABLE exhibition_photos (
    wall_id       TEXT NOT NULL,
    exhibition_id TEXT NOT NULL,
    photo_id      TEXT NOT NULL,
    position      INTEGER NOT NULL,
    added_at      TIMESTAMPTZ NOT NULL,
    added_by      TEXT NOT NULL,
    PRIMARY KEY (wall_id, exhibition_id, photo_id),
    FOREIGN KEY (wall_id, exhibition_id) REFERENCES exhibitions (wall_id, id) ON DELETE CASCADE,
    FOREIGN KEY (wall_id, photo_id) REFERENCES photos (wall_id, id) ON DELETE CASCADE
);
CREATE INDEX exhibition_photos_photo ON exhibition_photos (wall_id, photo_id);

-- A contributor's delete (or retention) tombstones the photo: it leaves every exhibition in
-- that same transaction, whichever process wrote the delete.
CREATE FUNCTION exhibition_photos_leave_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM exhibition_photos WHERE wall_id = NEW.wall_id AND photo_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER exhibition_photos_leave_deleted AFTER UPDATE OF status ON photos
FOR EACH ROW WHEN (NEW.status = 'deleted' AND OLD.status <> 'deleted')
EXECUTE FUNCTION exhibition_photos_leave_deleted();
