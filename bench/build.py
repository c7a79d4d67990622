"""Help center build: kb_build's share of `kb build`, and how the build scales with the number of issue types."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench import synthetic
from bench.common import BIN, ROOT, median_seconds, met, print_table, run, write_results
from kb_build import load
from kb_build.render import render

PAGE_LIMIT = 60 * 1024


def kb_build_share() -> tuple[float, float]:
    """Seconds for load + validate + render, and for the whole `kb build`, on the default data."""
    own = median_seconds(lambda: render(load(ROOT / "data")), runs=7)
    with tempfile.TemporaryDirectory() as folder:
        whole = median_seconds(lambda: run(str(BIN / "kb"), "build", "--site-dir", f"{folder}/site"), runs=3)
    return own, whole


def scaled_build(count: int, folder: Path) -> tuple[float, int]:
    """Seconds to build a synthetic knowledge base of `count` issue types, and its largest page in bytes."""
    data = synthetic.write(folder / str(count), count)
    site = folder / str(count) / "site"
    seconds = median_seconds(
        lambda: run(str(BIN / "kb"), "build", "--data-dir", str(data), "--site-dir", str(site)), runs=2
    )
    largest = max(page.stat().st_size for page in site.rglob("*.html"))
    return seconds, largest


def main() -> None:
    own, whole = kb_build_share()
    with tempfile.TemporaryDirectory() as folder:
        small, small_page = scaled_build(100, Path(folder))
        large, large_page = scaled_build(1000, Path(folder))
    share, growth = own / whole, large / small
    table = [
        ("measure", "value", "target", "met"),
        (
            "kb_build share of `kb build` (default data)",
            f"{share:.1%} ({own * 1000:.0f} ms of {whole:.2f} s)",
            "≤ 5%",
            met(share <= 0.05),
        ),
        (
            "build of 1,000 issue types / build of 100",
            f"{growth:.1f}x ({large:.1f} s / {small:.1f} s)",
            "≤ 8x",
            met(growth <= 8),
        ),
        ("largest page, 1,000 issue types", f"{large_page / 1024:.0f} KB", "< 60 KB", met(large_page < PAGE_LIMIT)),
        ("largest page, 100 issue types", f"{small_page / 1024:.0f} KB", "", ""),
    ]
    print_table(table)
    notes = [
        "Ratios are measured in the same run; seconds are shown for context only (shared, noisy machines).",
        "The synthetic knowledge bases come from `bench/synthetic.py` (the real data, its issue types varied).",
    ]
    print(write_results("build", "Help center build", table, notes))


if __name__ == "__main__":
    main()
