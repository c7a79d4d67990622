"""What the end-to-end tests do in a page: its address, a lookup as a customer makes it, and checks run inside it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page

from kb_build.model import KnowledgeBase
from kb_build.paths import FIXED_PAGES, article_page, issue_type_page, url_of


def address(page: str) -> str:
    """The URL path of a page of the help center ("delais.md" -> "/delais/")."""
    return "/" + url_of(page)


def page_types(kb: KnowledgeBase) -> dict[str, str]:
    """One page of each kind: every fixed page, an issue type and the call-ID article, by name."""
    pages = {name: address(path) for name, path in FIXED_PAGES.items()}
    pages["type-de-probleme"] = address(issue_type_page(kb.issue_types.issue_types[0].id))
    pages["article-call-id"] = address(article_page(kb.site.call_id.howto_article))
    return pages


def look_up(page: Page, call_id: str) -> Locator:
    """Type a call ID on the page shown and send the form; the answer, once shown."""
    page.get_by_label(page_label(page)).fill(call_id)
    page.locator("form.kb-status-form button[type=submit]").click()
    answer = page.locator("#kb-status-result .status-result")
    answer.wait_for()
    return answer


def search(page: Page, query: str) -> Locator:
    """Type a query into Material's search as a person does; the list of results.

    Material reads the field on `keyup` and once its worker has loaded the index; `fill` sends neither, so
    on a fast machine a query filled after the worker was ready was never run. The key released at the end
    makes Material read it, and if the worker is still loading, Material runs it once the index is ready.
    """
    field = page.locator("input.md-search__input")
    field.fill(query)
    field.press("End")
    return page.locator(".md-search-result__item > a")


def page_label(page: Page) -> str:
    return page.locator("form.kb-status-form label[for=kb-call-id]").inner_text()


def post_form_as_html(page: Page, call_id: str) -> None:
    """Send the /suivi form the way a browser without JavaScript does (form.submit() skips status.js)."""
    page.goto("/suivi")
    page.locator("#kb-call-id").fill(call_id)
    with page.expect_navigation():
        page.evaluate("document.querySelector('form.kb-status-form').submit()")


# WCAG 2.x A and AA, and axe's best practices; only serious and critical findings fail a test.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


# Resolves once the page's running animations and transitions end (2 s at most). Through page.evaluate: the
# site's Content-Security-Policy forbids the eval() that page.wait_for_function needs.
SETTLED = """() => Promise.race([
    Promise.all(document.getAnimations().map(animation => animation.finished.catch(() => null))),
    new Promise(resolve => setTimeout(resolve, 2000)),
])"""


def axe_violations(page: Page, axe_source: str) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now, one readable line per element."""
    # Colours are measured as shown: after Material's fades and transitions (search results, hovered buttons).
    page.evaluate(SETTLED)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's devtools protocol, so that the site's Content-Security-Policy still applies
        # to the page itself (a <script> tag would need it lifted).
        page.evaluate(axe_source)
    result: dict[str, Any] = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            summary = " ".join(node["failureSummary"].split())
            found.append(f"{violation['id']} ({violation['impact']}) at {node['target']}: {summary}")
    return found


def has_visible_focus(locator: Locator) -> bool:
    """The focused element shows it: an outline or a focus ring drawn with box-shadow, on itself or, for a radio
    hidden behind its label (Material's palette toggle), on the label that follows it."""
    return bool(
        locator.evaluate(
            """element => {
                const box = element.getBoundingClientRect();
                const label = element.nextElementSibling;
                const shown = box.width * box.height === 0 && label && label.tagName === "LABEL" ? label : element;
                const style = getComputedStyle(shown);
                const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
                return outline || style.boxShadow !== "none";
            }"""
        )
    )


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


# Targets smaller than the minimum that WCAG 2.5.8 does not excuse. Excused: links inside a sentence ("inline"),
# and small targets with room around them ("spacing": a circle of the minimum's diameter centred on the target
# touches no other target, nor the circle of another small target). Off-screen targets (the closed drawer) and
# hidden ones are not counted.
SMALL_TARGETS = """minimum => {
    const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, label[for]";
    const radius = minimum / 2;
    const offScreen = element => {
        for (let node = element; node && node !== document.body; node = node.parentElement) {
            const box = node.getBoundingClientRect();
            if (box.right <= 0 || box.left >= window.innerWidth) return true;
        }
        return false;
    };
    const targets = [];
    for (const element of document.querySelectorAll(selector)) {
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
        if (element.closest("[hidden], [inert]") || offScreen(element)) continue;
        const parent = element.parentElement;
        const inline = style.display === "inline" && element.tagName === "A" && parent
            && parent.textContent.trim().length > element.textContent.trim().length;
        const small = box.width < minimum || box.height < minimum;
        const centre = {x: box.left + box.width / 2, y: box.top + box.height / 2};
        targets.push({element, box, inline, small, centre});
    }
    const distanceToBox = (point, box) => Math.hypot(
        Math.max(box.left - point.x, 0, point.x - box.right), Math.max(box.top - point.y, 0, point.y - box.bottom));
    const failing = [];
    for (const target of targets) {
        if (!target.small || target.inline) continue;
        const crowded = targets.some(other => other !== target
            && !other.element.contains(target.element) && !target.element.contains(other.element)
            && (distanceToBox(target.centre, other.box) < radius
                || other.small && Math.hypot(other.centre.x - target.centre.x, other.centre.y - target.centre.y)
                   < minimum));
        if (!crowded) continue;
        const element = target.element;
        const name = (element.getAttribute("aria-label") || element.textContent || "").trim().slice(0, 40);
        const where = element.tagName.toLowerCase() + (element.className ? "." + element.className : "");
        failing.push(`${where} "${name}" ${Math.round(target.box.width)}x${Math.round(target.box.height)}`);
    }
    return failing;
}"""


def small_targets(page: Page, minimum: int = 24) -> list[str]:
    result: list[str] = page.evaluate(SMALL_TARGETS, minimum)
    return result
