"""The backends of the domain's Store contract, and the one place that picks one from the settings."""

from __future__ import annotations

from status_api.config import Settings
from status_api.domain.store import Store
from status_api.storage.sqlite import SQLiteStore

__all__ = ["SQLiteStore", "open_store"]


def open_store(settings: Settings, *, recent_updates: int = 20) -> Store:
    """The store STATUS_API_DB names (a file: SQLite; postgresql://…: PostgreSQL); its reads give a
    ticket's `recent_updates` latest updates."""
    if settings.db_url is not None:
        # Imported here: an instance on SQLite never loads psycopg.
        from status_api.storage.postgres import PostgresStore

        return PostgresStore(settings.db_url, connections=settings.db_pool, recent_updates=recent_updates)
    return SQLiteStore(settings.db_path, connections=settings.db_pool, recent_updates=recent_updates)
