"""The wall's core: configuration, storage, domain model, events, CLI and the server app."""

__version__ = "0.1.0"
