"""Routers that read across features: health and metrics, media, the display's feed."""
