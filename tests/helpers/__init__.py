"""Shared test helpers: a real server on a free loopback port, sample images."""
