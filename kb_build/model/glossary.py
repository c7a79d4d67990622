"""glossary.yml: the words of the help center, the variants it refuses, and the words kept out of customers' texts."""

from __future__ import annotations

from pydantic import Field

from kb_build.model.fields import Plain, Record


class Term(Record):
    use: Plain = Field(description="The word customers read, as written here (its first letter may be a capital)")
    instead_of: tuple[Plain, ...] = Field(min_length=1, description="Variants refused in customers' texts")


class Glossary(Record):
    terms: tuple[Term, ...] = Field(min_length=1)
    jargon: tuple[Plain, ...] = Field(
        (), description="Technical words kept out of customers' texts, allowed only in the part for their tools"
    )
    promises: tuple[Plain, ...] = Field(
        (), description="Words of a promise, refused in a text about a commitment that has no source"
    )
