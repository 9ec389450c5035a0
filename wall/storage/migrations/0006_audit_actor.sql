-- A moderator's undo reads their latest decision from the audit log.
CREATE INDEX audit_actor ON audit (actor, id);
