-- Announcements (the embedded schema's 0008, with a `wall_id` in every row).
CREATE TABLE announcements (
    wall_id       TEXT NOT NULL,
    id            TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('image', 'text')),
    title_fr      TEXT NOT NULL DEFAULT '',
    title_en      TEXT NOT NULL DEFAULT '',
    text_fr       TEXT NOT NULL DEFAULT '',
    text_en       TEXT NOT NULL DEFAULT '',
    first_day     DATE NOT NULL,
    last_day      DATE NOT NULL,
    start_time    TIME NOT NULL,
    end_time      TIME NOT NULL,
    every_minutes INTEGER,
    seconds       INTEGER NOT NULL,
    image_key     TEXT NOT NULL DEFAULT '',
    image_width   INTEGER NOT NULL DEFAULT 0,
    image_height  INTEGER NOT NULL DEFAULT 0,
    image_size    INTEGER NOT NULL DEFAULT 0,
    image_mime    TEXT NOT NULL DEFAULT 'image/jpeg',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    PRIMARY KEY (wall_id, id)
);
-- Media are shared by every wall of the cluster: the orphan collection reads all walls' keys.
CREATE INDEX announcements_image ON announcements (image_key) WHERE image_key != '';
