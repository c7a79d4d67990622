"""The help center's source of truth: load and validate data/*.yml, render it to Markdown pages."""

from __future__ import annotations

from kb_build.load import DataError, load
from kb_build.model import KnowledgeBase

__all__ = ["DataError", "KnowledgeBase", "load"]
