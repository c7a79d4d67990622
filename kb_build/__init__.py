"""The help center's source of truth: load and validate data/*.yml, render it to Markdown pages."""

from __future__ import annotations

from kb_build.load import DataError, Loaded, load, read
from kb_build.model import KnowledgeBase
from kb_build.settings import data_dir
from kb_build.typography import french, french_html

__all__ = ["DataError", "KnowledgeBase", "Loaded", "data_dir", "french", "french_html", "load", "read"]
