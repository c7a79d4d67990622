"""The ticket status checker: look up a ticket by call ID, in the words of data/*.yml."""

from __future__ import annotations

from status_api.app import create_app
from status_api.config import Settings
from status_api.domain.store import Store
from status_api.storage import SQLiteStore, open_store

__all__ = ["SQLiteStore", "Settings", "Store", "create_app", "open_store"]
