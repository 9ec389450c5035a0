"""The renderer (`wall display`): pygame layouts fed by the server's display feed.

It depends on `wall.schemas` and `wall.config` only, never on server internals.
"""
