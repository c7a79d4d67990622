"""Settings of the service, read from the environment with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    db_path: Path = Path("var/status.sqlite3")
    # None means writes are refused: the service never runs with an open write API.
    token: str | None = None
    site_dir: Path | None = None
    cors_origins: tuple[str, ...] = ()
    data_dir: Path = Path("data")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        token = env.get("STATUS_API_TOKEN", "").strip()
        site_dir = env.get("STATUS_API_SITE_DIR", "").strip()
        origins = env.get("STATUS_API_CORS_ORIGINS", "")
        return cls(
            db_path=Path(env.get("STATUS_API_DB", "").strip() or cls.db_path),
            token=token or None,
            site_dir=Path(site_dir) if site_dir else None,
            cors_origins=tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip()),
            data_dir=Path(env.get("KB_DATA_DIR", "").strip() or cls.data_dir),
        )
