"""Hold customers' texts to glossary.yml: the preferred term, never a refused variant, no jargon outside tools."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from kb_build.model import CUSTOMERS, FILES, Glossary
from kb_build.prose import Prose, prose, spaced_words
from kb_build.source import Position, Problem, Source
from kb_build.typography import Span, not_prose


@dataclass(frozen=True)
class _Rule:
    phrase: str
    message: str
    preferred: str = ""  # for the preferred term itself: only its first letter's case may differ
    customers_only: bool = False  # jargon is the point of the texts for customers' tools


def _rules(glossary: Glossary) -> list[_Rule]:
    rules = []
    for term in glossary.terms:
        for variant in term.instead_of:
            rules.append(_Rule(variant, f" : écrivez « {term.use} » (glossary.yml)"))
        message = f" : écrivez « {term.use} », avec ces majuscules (glossary.yml)"
        rules.append(_Rule(term.use, message, term.use))
    for word in glossary.jargon:
        message = " : mot technique, dites ce qu'il désigne avec des mots de tous les jours (glossary.yml, jargon)"
        rules.append(_Rule(word, message, customers_only=True))
    return rules


def check_terms(glossary: Glossary, sources: Mapping[str, Source], quoted: list[str]) -> list[Problem]:
    """Every refused variant and every jargon word in customers' texts, where it stands in its file.

    A variant inside a sentence copied word for word from a source article (`quoted`, from data/sources/) is the
    article's own wording, and stays.
    """
    rules, sentences = _rules(glossary), _sentences(quoted)
    # All the rules in one pattern, a named group each: one pass over each text. Whole words only, any case, any
    # spacing between the words of a phrase (a folded line break in the file).
    phrases = "|".join(f"(?P<r{i}>{spaced_words(rule.phrase)})" for i, rule in enumerate(rules))
    words = re.compile(rf"(?<![\w-])(?:{phrases})(?![\w-])", re.IGNORECASE)
    problems: list[Problem] = []
    for name, schema in FILES.items():
        source = sources.get(name)
        if source is None or source.data is None:
            continue
        for text in prose(schema, source.data):
            problems += _check(text, rules, words, sentences, source)
    return problems


def _check(
    text: Prose, rules: list[_Rule], words: re.Pattern[str], sentences: list[re.Pattern[str]], source: Source
) -> Iterator[Problem]:
    skipped: list[Span] | None = None
    found: list[Position] | None = None
    for index, match in enumerate(words.finditer(text.text)):
        rule = rules[int(str(match.lastgroup)[1:])]
        if rule.customers_only and text.audience is not CUSTOMERS:
            continue
        if rule.preferred and _same_but_first_letter(match.group(0), rule.preferred):
            continue
        if skipped is None:  # worked out only for a text that has something to say about
            skipped = not_prose(text.text) + _quotes(text.text, sentences)
        if any(start <= match.start() < end for start, end in skipped):
            continue
        if found is None:
            found = source.positions_in(text.path, words)
        where = found[index] if index < len(found) else source.position(text.path)
        yield Problem(source.file, where, f"« {' '.join(match.group(0).split())} »{rule.message}")


def _same_but_first_letter(found: str, preferred: str) -> bool:
    found = " ".join(found.split())
    return found[1:] == preferred[1:] and found[:1].lower() == preferred[:1].lower()


# A passage counts as quoted from four words on: a sentence, or a part of one between commas or colons (a page
# may link the end of the article's sentence, or go on after its comma).
QUOTED_WORDS = 4


def _sentences(quoted: list[str]) -> list[re.Pattern[str]]:
    """The passages of the source articles, each as a pattern that takes any spacing between its words."""
    passages = []
    for article in quoted:
        for line in article.splitlines():
            for passage in re.split(r"(?<=[.!?;:,])\s+", line.strip().removeprefix("- ")):
                passage = passage.strip().rstrip(" .:;,")
                if len(passage.split()) >= QUOTED_WORDS:
                    passages.append(re.compile(spaced_words(passage), re.IGNORECASE))
    return passages


def _quotes(text: str, sentences: list[re.Pattern[str]]) -> list[Span]:
    return [match.span() for sentence in sentences for match in sentence.finditer(text)]
