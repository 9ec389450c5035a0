"""Layouts, one module each: `display/layouts/<name>.py` defines `create(settings) -> Layout`.

The runner imports a layout by its playlist name only when the playlist reaches it.
"""
