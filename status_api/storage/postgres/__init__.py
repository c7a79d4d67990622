"""The PostgreSQL store, for several instances sharing one database (STATUS_API_DB=postgresql://…)."""

from status_api.storage.postgres.budgets import PostgresBudgets
from status_api.storage.postgres.store import PostgresStore

__all__ = ["PostgresBudgets", "PostgresStore"]
