"""Every commitment of the data and its source: those to confirm, and promises worded where none was confirmed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kb_build.prose import phrase_pattern
from kb_build.references import Checked
from kb_build.source import Path, Problem, Source

SOURCE_HINT = "indiquez « source: article » ou « source: confirmé le AAAA-MM-JJ par … »"

# The status checker's texts for a delay or a cadence without a source (tracking.yml): never a promise.
USUAL_TRACKING_TEXTS = ("window_text", "window_resolved", "window_passed", "next_update_text", "next_update_late")


@dataclass(frozen=True)
class Commitment:
    """A value that commits the company: where it stands, in the writer's words, and the texts that word it."""

    file: str
    at: Path
    what: str
    confirmed: bool
    texts: tuple[Path, ...] = ()


def commitments(kb: Checked) -> Iterator[Commitment]:
    """Each delay bound, update frequency, team assignment, closing rule, alternative, call-ID description and
    set of menu paths in the files that passed their own checks."""
    if kb.timelines:
        for i, timeline in enumerate(kb.timelines.timelines):
            what, label = f"le délai « {timeline.title} » (min et max)", ("timelines", i, "label")
            yield Commitment("timelines", ("timelines", i, "min"), what, timeline.confirmed, (label,))
    if kb.communication:
        for i, cadence in enumerate(kb.communication.cadence):
            what = f"la fréquence des mises à jour du délai « {cadence.timeline} » (every)"
            texts: tuple[Path, ...] = (("cadence", i, "wording"), ("cadence_intro",))
            yield Commitment("communication", ("cadence", i, "every"), what, cadence.confirmed, texts)
    if kb.issue_types:
        for i, issue in enumerate(kb.issue_types.issue_types):
            what = f"l'équipe qui prend en charge « {issue.title} » (handled_by)"
            yield Commitment("issue_types", ("issue_types", i, "handled_by"), what, issue.confirmed)
    if kb.process:
        for i, step in enumerate(kb.process.steps):
            what = f"l'équipe responsable de l'étape « {step.title} » (team)"
            yield Commitment("process", ("steps", i, "team"), what, step.confirmed)
        closing = kb.process.closing
        if closing:
            at: Path = ("closing", "text")
            yield Commitment("process", at, "la règle de clôture (closing)", closing.confirmed, (at,))
    if kb.escalation:
        for i, rule in enumerate(kb.escalation.rules):
            what = f"les équipes de la procédure « {rule.title} » (teams)"
            yield Commitment("escalation", ("rules", i, "teams"), what, rule.confirmed)
            for j, alternative in enumerate(rule.alternatives):
                at = ("rules", i, "alternatives", j, "text")
                what = f"la solution alternative « {alternative.text} »"
                yield Commitment("escalation", at, what, alternative.confirmed, (at,))
    if kb.site:
        at = ("call_id", "description")
        yield Commitment("site", at, "la description du Call ID (call_id)", kb.site.call_id.confirmed, (at,))
    if kb.articles:
        for a, article in enumerate(kb.articles.articles):
            for s, section in enumerate(article.sections):
                for t, tab in enumerate(section.tabs):
                    what = f"les menus de l'onglet « {tab.label} » de « {article.title} »"
                    at = ("articles", a, "sections", s, "tabs", t, "steps")
                    yield Commitment("articles", at, what, tab.confirmed)


@dataclass(frozen=True)
class Review:
    errors: list[Problem]
    warnings: list[Problem]


def review(kb: Checked, sources: Mapping[str, Source]) -> Review:
    """Commitments without a source (warnings; errors when site.yml asks for « publication: stricte »), and promise
    words in a text that words one of them or in the status checker's texts for what is usual (errors)."""
    strict = kb.site is not None and kb.site.publication == "stricte"
    promises = [phrase_pattern(word) for word in kb.glossary.promises] if kb.glossary else []
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for item in commitments(kb):
        if item.confirmed:
            continue
        source = sources[item.file]
        if strict:
            message = f"sans source, refusé par « publication: stricte » (site.yml) : {item.what} ; {SOURCE_HINT}"
            errors.append(source.problem(item.at, message))
        else:
            meanwhile = "d'ici là, pages et suivi disent « habituellement »"
            message = f"à confirmer, sans source : {item.what} ; {SOURCE_HINT} ({meanwhile})"
            warnings.append(source.problem(item.at, message))
        for path in item.texts:
            because = f"sans source pour {item.what} : dites ce qui se fait habituellement, ou {SOURCE_HINT}"
            errors += _promises(source, path, promises, because)
    if "tracking" in sources and kb.tracking:
        for key in USUAL_TRACKING_TEXTS:
            because = (
                "alors que ce texte sert quand le délai ou la fréquence n'a pas de source : il dit ce qui est "
                f"habituel, sans date butoir ni excuse (la version qui engage va dans {key}_confirmed)"
            )
            errors += _promises(sources["tracking"], ("result", key), promises, because)
    return Review(_once(errors), warnings)


def _promises(source: Source, path: Path, promises: list[re.Pattern[str]], because: str) -> list[Problem]:
    text = _at(source.data, path)
    if not isinstance(text, str):
        return []
    found = []
    for pattern in promises:
        matches = list(pattern.finditer(text))
        positions = source.positions_in(path, pattern) if matches else []
        for index, match in enumerate(matches):
            where = positions[index] if index < len(positions) else source.position(path)
            word = " ".join(match.group(0).split())
            found.append(Problem(source.file, where, f"« {word} » : mot d'engagement, {because}"))
    return found


def _at(data: Any, path: Path) -> Any:
    for part in path:
        if isinstance(part, int) and isinstance(data, tuple) and part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def _once(problems: list[Problem]) -> list[Problem]:
    """A word in a text about several commitments (the cadences' introduction) is reported once, for the first."""
    seen: set[tuple[str, int, int]] = set()
    kept = []
    for problem in problems:
        key = (problem.file, problem.position.line, problem.position.column)
        if key not in seen:
            seen.add(key)
            kept.append(problem)
    return kept
