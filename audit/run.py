"""Lighthouse on the pages a customer opens most, desktop and mobile, and screenshots for the README.

The site is built for real (`kb build`) and served by `status-api serve` with the demo tickets, as `make run`
does; Lighthouse drives Debian's Chromium (CHROME_PATH) and nothing leaves the machine. Each page is measured
AUDIT_RUNS times (3 by default) and the median score kept: a shared machine is noisy.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import ViewportSize, sync_playwright

from kb_build import load
from kb_build.paths import FIXED_PAGES, issue_type_page, url_of

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
DEMO = ROOT / "status_api" / "demo" / "tickets.yml"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
# No call home (the network is closed here), and no sandbox as root.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {
    "desktop": {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100},
    "mobile": {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 100},
}
METRICS = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"]
RUNS = int(os.environ.get("AUDIT_RUNS", "3"))
SCORES_MD = HERE / "scores.md"
LATEST_JSON = HERE / "latest.json"
SCREENSHOTS = HERE / "screenshots"
README = ROOT / "README.md"
README_MARKERS = ("<!-- audit-scores -->", "<!-- /audit-scores -->")
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "mobile": {"width": 360, "height": 740},
}


@dataclass(frozen=True)
class Audited:
    page: str
    path: str
    form_factor: str
    scores: dict[str, int]
    metrics: dict[str, str]
    missed: list[str]  # targets not met
    costs: list[str]  # what cost points in the median run


def pages() -> dict[str, str]:
    kb = load(ROOT / "data")
    issue_type = url_of(issue_type_page(kb.issue_types.issue_types[0].id))
    return {
        "Accueil": "/",
        "Type de problème": "/" + issue_type,
        "Suivi (page du service)": "/suivi",
        # The English site (/en/): its own build, search index and words.
        "Home (English)": "/en/",
        "Issue type (English)": "/en/" + issue_type,
    }


def lighthouse(url: str, form_factor: str, output: Path) -> dict[str, Any]:
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROMIUM_FLAGS)}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    done = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"Lighthouse failed on {url}:\n{done.stderr.decode(errors='replace')[-3000:]}")
    report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return report


def audit(name: str, url: str, path: str, form_factor: str, folder: Path) -> tuple[Audited, dict[str, Any]]:
    reports = [lighthouse(url, form_factor, folder / f"report-{i}.json") for i in range(RUNS)]
    scores = {c: round(100 * statistics.median(r["categories"][c]["score"] for r in reports)) for c in CATEGORIES}
    median = sorted(reports, key=lambda r: float(r["categories"]["performance"]["score"]))[len(reports) // 2]
    costs = []
    for category in CATEGORIES:
        for ref in median["categories"][category]["auditRefs"]:
            result = median["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and result.get("score") is not None and result["score"] < 1:
                costs.append(f"{category}: {ref['id']} ({result.get('displayValue') or result['score']})")
    audited = Audited(
        page=name,
        path=path,
        form_factor=form_factor,
        scores=scores,
        metrics={metric: str(median["audits"][metric]["displayValue"]) for metric in METRICS},
        missed=[f"{c} {scores[c]} < {t}" for c, t in TARGETS[form_factor].items() if scores[c] < t],
        costs=costs,
    )
    return audited, median


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(site: Path, db: Path, port: int) -> Iterator[str]:
    """`status-api serve` on `port`, with the built site and the demo tickets, as `make run` starts it."""
    env = {**os.environ, "STATUS_API_DB": str(db), "STATUS_API_SITE_DIR": str(site), "KB_DATA_DIR": str(ROOT / "data")}
    env.pop("STATUS_API_TOKEN", None)
    command = [str(BIN / "status-api"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("status-api serve did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def screenshots(base: str, issue_type_path: str, call_id: str) -> None:
    """The home page, an issue type and a ticket's answer, desktop and phone (light scheme), for the README."""
    SCREENSHOTS.mkdir(exist_ok=True)
    shots = [
        ("accueil", "/", ""),
        ("type-de-probleme", issue_type_path, ""),
        ("suivi-ticket", "/" + url_of(FIXED_PAGES["suivre-mon-ticket"]), call_id),
    ]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for form_factor, viewport in VIEWPORTS.items():
            phone = form_factor == "mobile"
            context = browser.new_context(
                base_url=base,
                viewport=viewport,
                is_mobile=phone,
                has_touch=phone,
                locale="fr-FR",
                timezone_id="Europe/Paris",
                color_scheme="light",
            )
            page = context.new_page()
            for name, path, lookup in shots:
                page.goto(path, wait_until="networkidle")
                if lookup:
                    page.locator("#kb-call-id").fill(lookup)
                    page.locator("form.kb-status-form button[type=submit]").click()
                    answer = page.locator("#kb-status-result .status-result")
                    answer.wait_for()
                    page.mouse.move(0, 0)
                    page.evaluate("document.activeElement.blur()")
                    # The answer at the top, under the header; scrolling down keeps Material's "back to top" hidden.
                    page.evaluate("window.scrollTo(0, 0)")
                    answer.evaluate("element => window.scrollBy(0, element.getBoundingClientRect().top - 64)")
                page.wait_for_timeout(1000)  # Material's header and fades settle
                page.screenshot(path=SCREENSHOTS / f"{name}-{form_factor}.png")
            context.close()
        browser.close()


def write(results: list[Audited], versions: dict[str, str]) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    document = {"measured": when, "runs_per_page": RUNS, "versions": versions, "targets": TARGETS}
    document["results"] = [asdict(result) for result in results]
    LATEST_JSON.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def cell(result: Audited, category: str) -> str:
        score = result.scores[category]
        return str(score) if score >= TARGETS[result.form_factor][category] else f"**{score}**"

    lines = [
        "# Lighthouse scores",
        "",
        f"Measured {when} by `make audit`: median of {RUNS} runs per page, Lighthouse {versions['lighthouse']},",
        f"{versions['chromium']}, against `status-api serve` on loopback with the demo tickets. Mobile is",
        "Lighthouse's default (a mid-range phone on a throttled 4G connection, simulated); desktop its desktop preset.",
        "Targets: accessibility, best practices and SEO 100; performance 95 on desktop and 90 on mobile.",
        "",
        "| page | device | performance | accessibility | best practices | SEO | FCP | LCP | TBT | CLS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        scores = " | ".join(cell(r, category) for category in CATEGORIES)
        metrics = " | ".join(r.metrics[metric] for metric in METRICS)
        lines.append(f"| {r.page} (`{r.path}`) | {r.form_factor} | {scores} | {metrics} |")
    costs = [f"- {r.page}, {r.form_factor}: {cost}" for r in results for cost in r.costs]
    lines += ["", "What cost points (median run):" if costs else "No audit cost a point.", "", *costs, ""]
    SCORES_MD.write_text("\n".join(lines), encoding="utf-8")
    quote_in_readme(results, when)


def quote_in_readme(results: list[Audited], when: str) -> None:
    """The README's table of the latest scores, between its two markers."""
    start, end = README_MARKERS
    readme = README.read_text(encoding="utf-8")
    if start not in readme or end not in readme:
        return
    rows = [
        f"Measured {when}; details in [`audit/scores.md`](audit/scores.md).",
        "",
        "| page | device | performance | accessibility | best practices | SEO |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {r.page} | {r.form_factor} | " + " | ".join(str(r.scores[c]) for c in CATEGORIES) + " |"
            for r in results
        ),
    ]
    # Why a target is missed: the audits that cost points in the categories below target, once each.
    short = {c for r in results for c, t in TARGETS[r.form_factor].items() if r.scores[c] < t}
    causes = sorted({cost.split(" (")[0] for r in results for cost in r.costs if cost.split(":")[0] in short})
    if causes:
        rows += ["", "Below target because of: " + ", ".join(f"`{cause}`" for cause in causes) + "."]
    before, rest = readme.split(start, 1)
    after = rest.split(end, 1)[1]
    README.write_text(before + start + "\n" + "\n".join(rows) + "\n" + end + after, encoding="utf-8")


def main() -> int:
    needed = {LIGHTHOUSE: "run `make audit` (npm ci in audit/)", Path(CHROMIUM): "apt-get install chromium"}
    for tool, hint in needed.items():
        if not tool.exists():
            print(f"{tool} is missing: {hint}", file=sys.stderr)
            return 1
    targets = pages()
    call_id = str(yaml.safe_load(DEMO.read_text(encoding="utf-8"))["tickets"][0]["call_ids"][0])
    results: list[Audited] = []
    with tempfile.TemporaryDirectory(prefix="audit-") as temporary:
        folder = Path(temporary)
        site, db = folder / "site", folder / "status.sqlite3"
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        # Built for the address it is audited at, as a deployment is (KB_SITE_URL): the languages' hreflang
        # links, the canonical links and the sitemaps are then full addresses, as search engines want them.
        port = free_port()
        built = {**env, "KB_SITE_URL": f"http://127.0.0.1:{port}/"}
        subprocess.run([str(BIN / "kb"), "build", "--site-dir", str(site)], cwd=ROOT, env=built, check=True)
        importing = [str(BIN / "status-api"), "import", str(DEMO), "--shift-to-now"]
        subprocess.run(importing, cwd=ROOT, env={**env, "STATUS_API_DB": str(db)}, check=True, capture_output=True)
        with serving(site, db, port) as base:
            for name, path in targets.items():
                for form_factor in TARGETS:
                    print(f"Lighthouse: {name} ({path}), {form_factor}", flush=True)
                    audited, report = audit(name, base + path, path, form_factor, folder)
                    results.append(audited)
                    print("   ", ", ".join(f"{c} {s}" for c, s in audited.scores.items()), flush=True)
            print("Screenshots", flush=True)
            screenshots(base, targets["Type de problème"], call_id)
    agent = str(report["environment"]["hostUserAgent"])
    chromium = next((p.replace("/", " ") for p in agent.split() if "Chrome/" in p), agent).replace("Headless", "")
    write(results, {"lighthouse": str(report["lighthouseVersion"]), "chromium": chromium})
    print(f"Written: {SCORES_MD.relative_to(ROOT)}, {LATEST_JSON.relative_to(ROOT)}, {SCREENSHOTS.relative_to(ROOT)}/")
    missed = [f"{r.page}, {r.form_factor}: {m}" for r in results for m in r.missed]
    for line in missed:
        print("Below target:", line, file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
