-- Announcements: the office's slides between the photos (wall/announcements.py). Days are
-- "YYYY-MM-DD", times "HH:MM", both on the wall's clock ([schedule] timezone);
-- `every_minutes` NULL is "once between two layouts". `image_*` is the slide's own rendition
-- in the media store ('' without one); the orphan collection spares the keys named here.
CREATE TABLE announcements (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('image', 'text')),
    title_fr      TEXT NOT NULL DEFAULT '',
    title_en      TEXT NOT NULL DEFAULT '',
    text_fr       TEXT NOT NULL DEFAULT '',
    text_en       TEXT NOT NULL DEFAULT '',
    first_day     TEXT NOT NULL,
    last_day      TEXT NOT NULL,
    start_time    TEXT NOT NULL,
    end_time      TEXT NOT NULL,
    every_minutes INTEGER,
    seconds       INTEGER NOT NULL,
    image_key     TEXT NOT NULL DEFAULT '',
    image_width   INTEGER NOT NULL DEFAULT 0,
    image_height  INTEGER NOT NULL DEFAULT 0,
    image_size    INTEGER NOT NULL DEFAULT 0,
    image_mime    TEXT NOT NULL DEFAULT 'image/jpeg',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_by    TEXT NOT NULL
);
CREATE INDEX announcements_image ON announcements (image_key) WHERE image_key != '';
