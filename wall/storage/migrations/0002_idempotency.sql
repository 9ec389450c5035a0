-- A retried upload (same client, same Idempotency-Key) finds the photo its first try made.
ALTER TABLE photos ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT '';
CREATE INDEX photos_idempotency ON photos (idempotency_key) WHERE idempotency_key != '';
