"""Connections, logging, metrics and settings: the outside world, wired by `app.py`."""
