"""Where each language of the help center lives: French at the site's root, every other language under /<code>/,
with the same page paths, so that a page's other languages are found by its path alone."""

from __future__ import annotations

from kb_build.model import KnowledgeBase

# The MkDocs setting (extra.kb_language) that says which language one build makes; kb build sets it for each.
LANGUAGE_SETTING = "kb_language"
# The folder of the whole site (extra.kb_site_root), which kb build gives each language's build.
SITE_ROOT_SETTING = "kb_site_root"


def language_root(kb: KnowledgeBase, code: str) -> str:
    """The folder of a language's pages, relative to the site's root: "" for French, "en/" for English."""
    return "" if code == kb.site.language else f"{code}/"


def language_of_path(kb: KnowledgeBase, path: str) -> str:
    """The language of an address of the site, by the folder it is in: "/en", "/en/suivi", "/en/delais/" are
    English; "/", "/suivi", "/enfin/" and anything outside a language's folder are French (the source). The one
    place that says it, for every answer that follows the page's language rather than Accept-Language."""
    for code in kb.languages:
        root = language_root(kb, code)
        if root and (path + "/").startswith("/" + root):
            return code
    return kb.site.language


def alternates(kb: KnowledgeBase, page_url: str, site_url: str = "") -> list[dict[str, str]]:
    """The page at `page_url` (MkDocs' page.url, "delais/") in every language, as Material's `extra.alternate`
    takes them (name, link, lang), for the language menu and <link rel="alternate" hreflang> of each page;
    `root` is the language's home (docs/assets/javascripts/languages.js reads it). Full addresses when
    the site's address is known (site_url), else from the server's root: a language's pages are not below the
    others', so no path relative to the build's root reaches them."""
    base = site_url.rstrip("/")
    names = {item.code: item.name for item in kb.site.languages}
    return [
        {
            "name": names.get(code, code),
            "link": f"{base}/{language_root(kb, code)}{page_url}",
            "lang": code,
            "root": f"{base}/{language_root(kb, code)}",
        }
        for code in kb.languages
    ]
