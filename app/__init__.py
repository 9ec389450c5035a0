"""The composition root: the one package that knows every feature. It builds the services
(`app.services`), the FastAPI app (`app.server.create_app`) and the `wall` command
(`app.cli`); the routers that read across features (health, media, the display feed) live
in `app.api`. Nothing below imports it.
"""
