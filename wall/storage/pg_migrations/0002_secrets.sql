-- Each wall's signing key and display token, shared by every process of the wall.
CREATE TABLE instance_secrets (
    wall_id TEXT NOT NULL,
    name    TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (wall_id, name)
);
