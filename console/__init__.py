"""The operator console: its page and texts, the show/status/preview API, the night's
figures and contact sheet, the sources' and projectors' health.

Signed in through `staff`; reads the show, the store and the preview the app package hands it.
"""
