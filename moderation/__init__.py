"""Moderation: the queue, auto-checks and policy, accounts, the tablet UI, the audit log."""
