"""The SQLite backend of the store: one file, one instance (the embedded default)."""

from __future__ import annotations

from status_api.storage.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore"]
