"""Where the data folder is: the one place that reads KB_DATA_DIR, for the MkDocs hook, `kb` and the service."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

DATA_DIR_ENV = "KB_DATA_DIR"
DATA_DIR_NAME = "data"


def data_dir(environ: Mapping[str, str] | None = None, *, root: Path | None = None) -> Path:
    """$KB_DATA_DIR when it is set; otherwise data/ in `root` (the folder of mkdocs.yml), or in the current folder."""
    env = os.environ if environ is None else environ
    configured = env.get(DATA_DIR_ENV, "").strip()
    if configured:
        return Path(configured)
    return (root or Path()) / DATA_DIR_NAME


@contextmanager
def data_dir_set_to(path: Path) -> Iterator[None]:
    """Within the block, data_dir() answers `path`: how `kb build --data-dir` tells the MkDocs build it runs.

    MkDocs loads the hook itself, so the environment is the one way in that `mkdocs build` and `mkdocs serve`
    share; the variable is put back as it was afterwards.
    """
    before = os.environ.get(DATA_DIR_ENV)
    os.environ[DATA_DIR_ENV] = str(path)
    try:
        yield
    finally:
        if before is None:
            del os.environ[DATA_DIR_ENV]
        else:
            os.environ[DATA_DIR_ENV] = before
