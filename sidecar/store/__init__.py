"""Persistence: the only package that writes SQL."""
from sidecar.store.database import Database

__all__ = ["Database"]
