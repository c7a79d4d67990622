"""What the browser tests need is there: in CI a missing Chromium or axe-core fails the run, never skips it."""

from __future__ import annotations

from tests.e2e.conftest import AXE, CHROMIUM, missing_tool


def test_chromium_and_axe_core_are_installed() -> None:
    if not CHROMIUM.exists():
        missing_tool(f"Chromium is missing at {CHROMIUM}: apt-get install chromium")
    if not AXE.exists():
        missing_tool(f"axe-core is missing at {AXE}: run `make node` (npm ci)")
