"""The helpdesk webhooks and the webhook subscriptions in the document, and the signatures they use."""

from __future__ import annotations

from typing import Any

from kb_build.paths import SERVICE
from status_api.core import webhooks
from status_api.domain.payloads import REFERENCE_PATTERN
from status_api.helpdesk import generic, signature, zendesk
from status_api.http.openapi.parts import SECURED, Document

SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "zendeskSignature": {
        "type": "apiKey",
        "in": "header",
        "name": signature.SIGNATURE_HEADER,
        "description": f"base64(HMAC-SHA256(signing secret, {signature.TIMESTAMP_HEADER} + raw body)), the "
        "timestamp within 5 minutes of the service's clock; the secret is STATUS_API_ZENDESK_SECRET",
    },
    "hookSignature": {
        "type": "apiKey",
        "in": "header",
        "name": signature.GENERIC_SIGNATURE_HEADER,
        "description": f"sha256= and the lower-case hex of HMAC-SHA256(secret, {signature.GENERIC_TIMESTAMP_HEADER} "
        '+ "." + raw body), the timestamp within 5 minutes of the service\'s clock; the secret is '
        "STATUS_API_HOOK_SECRET",
    },
}
_TEXT = {"type": "string"}
_TRIGGER_BODY = {
    "type": "object",
    "description": "A trigger's or automation's body, as `status-api zendesk trigger-body` prints it",
    "properties": {
        "source": {"const": zendesk.TRIGGER_SOURCE},
        "ticket": {
            "type": "object",
            "properties": {
                **{name: _TEXT for name in ("id", "status", "group_id", "group", "tags", "issue_type")},
                **{name: _TEXT for name in ("created_at", "updated_at", "public_comment")},
                "call_ids": {"type": "array", "items": _TEXT},
            },
            "required": ["id", "updated_at"],
        },
    },
    "required": ["source", "ticket"],
}
_EVENT = {
    "type": "object",
    "description": "A Zendesk event (zen:event-type:ticket.status_changed, …); other types are acknowledged",
    "properties": {"type": _TEXT, "id": _TEXT, "time": _TEXT, "subject": _TEXT, "detail": {"type": "object"}},
    "required": ["type", "id"],
}
_HOOK_ANSWER = {
    "type": "object",
    "properties": {
        "status": {"enum": ["accepted", "duplicate", "ignored"]},
        "reference": {"type": "string", "pattern": REFERENCE_PATTERN},
        "delivery": {"type": "string", "description": "The delivery's id, as the service's log names it"},
    },
    "required": ["status"],
}


def _hook_answers(doc: Document, invalid: str, secret: str) -> dict[str, Any]:
    """What a helpdesk's delivery may be answered, alike for every helpdesk but for what it finds invalid and
    the setting of its secret. A delivery is answered once in the inbox and applied within about a second; what
    applying it did (created, updated, stale, ..., or not applied and why) is in the service's log."""
    return {
        "200": {
            "description": "Already in the inbox: a retry of a delivery accepted before (duplicate), changing "
            "nothing; or an event type of no concern to tickets (ignored)",
            "content": doc.json_schema(_HOOK_ANSWER),
        },
        "202": {
            "description": "Accepted: kept in the inbox, applied within about a second (the outcome is logged)",
            "content": doc.json_schema(_HOOK_ANSWER),
        },
        "400": doc.error("Malformed JSON (invalid_body)"),
        "401": doc.error(
            "Missing or wrong signature (invalid_signature), or a timestamp more than 5 minutes "
            "away (stale_timestamp): nothing written"
        ),
        "413": doc.error("Body too large (body_too_large)"),
        "422": doc.error(invalid),
        "503": doc.error(f"No {secret} (not_configured), or the database is busy"),
    }


def zendesk_hook(doc: Document) -> dict[str, Any]:
    return {
        "post": {
            "operationId": "zendeskHook",
            "summary": "A Zendesk webhook delivery: a ticket kept in step, each delivery applied once and in order",
            "security": [{"zendeskSignature": []}],
            "requestBody": {"required": True, "content": doc.json_schema({"anyOf": [_TRIGGER_BODY, _EVENT]})},
            "responses": _hook_answers(
                doc,
                "Not a Zendesk delivery, or not a reference of ours (invalid_body, ...): nothing kept",
                "STATUS_API_ZENDESK_SECRET",
            ),
        }
    }


def generic_hook(doc: Document) -> dict[str, Any]:
    timestamp = {
        "name": signature.GENERIC_TIMESTAMP_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
        "description": "When the delivery was signed, in seconds since 1970 (UTC): within 5 minutes of now",
    }
    return {
        "post": {
            "operationId": "genericHook",
            "summary": "Any helpdesk's signed delivery, in our words: a ticket kept in step, each delivery applied "
            "once and in order",
            "description": f"Our reference of the helpdesk's ticket is {generic.REFERENCE_PREFIX} and its id. The "
            "first delivery with a call ID creates the ticket; a retry with the same `delivery` changes nothing; "
            "a delivery is answered once kept (202) and applied within about a second, its outcome logged; "
            "a delivery older (`at`) than the last applied one changes nothing but may add its public comment",
            "security": [{"hookSignature": []}],
            "parameters": [timestamp],
            "requestBody": {"required": True, "content": doc.json(generic.GenericDelivery, "validation")},
            "responses": _hook_answers(
                doc,
                "Invalid body (invalid_body, unknown_id with the allowed ids, ...), or a change dated in the "
                "future: nothing kept",
                "STATUS_API_HOOK_SECRET",
            ),
        }
    }


_WEBHOOK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string", "format": "uri"},
        "active": {"type": "boolean", "description": "False once switched off by repeated failed deliveries"},
        "failures": {"type": "integer", "minimum": 0, "description": "Failed deliveries in a row"},
    },
    "required": ["id", "url", "active", "failures"],
}


def webhook_paths(doc: Document) -> dict[str, Any]:
    """Webhook subscriptions: each notice POSTed as JSON, signed as the README's « Webhook subscriptions » says."""
    created = {
        **_WEBHOOK,
        "properties": {
            **_WEBHOOK["properties"],  # type: ignore[dict-item]
            "secret": {"type": "string", "description": "Signs every delivery; given this once only"},
        },
        "required": [*_WEBHOOK["required"], "secret"],
    }
    body = {
        "type": "object",
        "properties": {
            "url": {
                "type": "string",
                "maxLength": webhooks.URL_MAX_LENGTH,
                "pattern": webhooks.URL_PATTERN,
                "description": "http:// or https://, with a host and no « # »",
            }
        },
        "required": ["url"],
        "additionalProperties": False,
    }
    listed = {
        "type": "object",
        "properties": {"webhooks": {"type": "array", "items": _WEBHOOK}},
        "required": ["webhooks"],
    }
    identifier = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
    }
    return {
        SERVICE.webhooks: {
            "post": {
                "operationId": "registerWebhook",
                "summary": "Register a URL to which every incident update (and other notice) is POSTed, signed",
                "security": SECURED,
                "requestBody": {"required": True, "content": doc.json_schema(body)},
                "responses": {
                    "201": {
                        "description": "Registered; the secret is shown this once",
                        "content": doc.json_schema(created),
                    },
                    **doc.body_errors,
                    **doc.auth_errors,
                    **doc.busy,
                },
            },
            "get": {
                "operationId": "listWebhooks",
                "summary": "The webhooks, without their secrets",
                "security": SECURED,
                "responses": {
                    "200": {"description": "Every webhook", "content": doc.json_schema(listed)},
                    **doc.auth_errors,
                    **doc.busy,
                },
            },
        },
        SERVICE.webhook: {
            "delete": {
                "operationId": "deleteWebhook",
                "summary": "Delete a webhook, with its deliveries not yet made",
                "security": SECURED,
                "parameters": [identifier],
                "responses": {
                    "204": {"description": "Deleted"},
                    "404": doc.error("No such webhook (not_found)"),
                    **doc.auth_errors,
                    **doc.busy,
                },
            }
        },
    }
