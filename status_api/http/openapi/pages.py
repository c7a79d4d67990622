"""The HTML front doors in the document: the tracking form's answer and the help center's votes."""

from __future__ import annotations

from typing import Any

from kb_build.model import KnowledgeBase
from status_api.core.feedback import site_pages
from status_api.domain import callid
from status_api.domain.text import TEXT_PATTERN
from status_api.http.errors import ErrorBody
from status_api.http.openapi.parts import HTML, Document


def tracking_result(kb: KnowledgeBase) -> dict[str, Any]:
    field = {"type": "string", "pattern": callid.pattern(kb.site.call_id), "maxLength": 200}
    form = {"type": "object", "properties": {"call_id": field}, "required": ["call_id"], "maxProperties": 20}
    answers = (
        ("200", "The ticket"),
        ("400", "Unreadable form"),
        ("403", "Posted from a page of another site (Origin)"),
        ("404", "No ticket for this call ID"),
        ("413", "Form too large"),
        ("415", "Not a form"),
        ("422", "Not a call ID"),
        ("429", "Too many lookups from this client"),
        ("503", "The database does not answer"),
    )
    return {
        "operationId": "trackingResult",
        "summary": "The answer for a call ID, as an HTML page",
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form}}},
        "responses": {status: {"description": description, "content": HTML} for status, description in answers},
    }


def feedback(doc: Document, kb: KnowledgeBase) -> dict[str, Any]:
    """POST /avis: a JSON body is answered in JSON, a form (no JavaScript) with an HTML page."""
    page = {
        "enum": sorted(site_pages(kb)),
        "description": "The page's path on the help center, e.g. /delais/: one of the pages it builds",
    }
    key = {"type": "string", "minLength": 1, "maxLength": 100, "description": "The comment_key the vote answered"}
    maximum = kb.site.feedback.comment_max_length
    comment = {"type": "string", "maxLength": maximum, "pattern": TEXT_PATTERN}
    strict = {"type": "object", "additionalProperties": False}
    vote = {**strict, "properties": {"page": page, "useful": {"type": "boolean"}}, "required": ["page", "useful"]}
    remark = {**strict, "properties": {"comment_key": key, "comment": comment}, "required": ["comment_key", "comment"]}
    form_vote = {**strict, "properties": {"page": page, "vote": {"enum": ["oui", "non"]}}, "required": ["page", "vote"]}
    form_remark = {
        **strict,
        "properties": {"comment_key": key, "comment": comment, "page": {"type": "string"}},
        "required": ["comment_key", "comment"],
    }
    form = {"oneOf": [form_vote, form_remark]}
    voted = {
        "type": "object",
        "properties": {
            "page": page,
            "useful": {"type": "boolean"},
            "comment_key": {"type": ["string", "null"], "description": "For a no: single use, for one comment"},
        },
        "required": ["page", "useful", "comment_key"],
    }
    commented = {"type": "object", "properties": {"page": page}, "required": ["page"]}
    answers = (
        ("400", "Malformed JSON or unreadable form (invalid_body)"),
        ("403", "Posted from a page of another site (cross_site)"),
        ("409", "The comment's key is unknown, spent or expired (comment_closed)"),
        ("413", "Body too large (body_too_large)"),
        ("415", "Neither JSON nor a form (unsupported_media_type)"),
        (
            "422",
            "Not a page of the help center (invalid_page), no yes or no (invalid_vote), an empty or too long "
            "comment (invalid_comment)",
        ),
        ("429", "Too many votes from this client: retry after Retry-After seconds (rate_limited)"),
        ("503", "The database does not answer"),
    )
    either = {**doc.json(ErrorBody), **HTML}
    return {
        "operationId": "feedback",
        "summary": "A reader's vote on a help-center page (« Cet article vous a-t-il été utile ? »), or the comment "
        "after a no; nothing about the reader is stored",
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"oneOf": [vote, remark]}},
                "application/x-www-form-urlencoded": {"schema": form},
            },
        },
        "responses": {
            "200": {"description": "The thanks page (form post)", "content": HTML},
            "201": {
                "description": "Recorded (JSON post)",
                "content": doc.json_schema({"anyOf": [voted, commented]}),
            },
            **{status: {"description": description, "content": either} for status, description in answers},
        },
    }
