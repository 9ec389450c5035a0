-- The visitor's choices (issue 15): what the consent covers, who is speaking, and whether
-- that is shown in the credit. Scopes are comma-separated and sorted ("online,print,wall");
-- a photo sent before this knew only the wall.
ALTER TABLE photos ADD COLUMN consent_scopes TEXT NOT NULL DEFAULT 'wall';
ALTER TABLE photos ADD COLUMN speaker TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN speaker_in_credit INTEGER NOT NULL DEFAULT 0;
