-- A moderator's undo reads their latest decision from the audit log (any process's).
CREATE INDEX audit_actor ON audit (wall_id, actor, id);
