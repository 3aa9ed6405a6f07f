"""The ops console: server-rendered pages over the same functions as the JSON API (see views.py)."""
