"""The OpenAPI 3.1 document of the service, from the same models and rules the service enforces.

The payload models say what they accept (status_api/domain/payloads.py); the markers they carry become the
loaded data's ids (`x-kb-ids`: an enum), call-ID format (`x-kb-call-id`: a pattern) and last step.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kb_build.languages import language_root
from kb_build.model import KnowledgeBase
from kb_build.paths import SERVICE
from status_api.core import webhooks
from status_api.core.feedback import site_pages
from status_api.domain import callid
from status_api.domain.payloads import (
    REFERENCE_PATTERN,
    IncidentIn,
    IncidentUpdateIn,
    LookupIn,
    MaintenanceIn,
    MaintenanceUpdateIn,
    TicketIn,
    UpdateIn,
    kb_ids,
)
from status_api.domain.records import Incident, Maintenance, Ticket
from status_api.domain.text import TEXT_PATTERN
from status_api.helpdesk import generic, signature, zendesk
from status_api.http.errors import ErrorBody
from status_api.views.incidents import CurrentIncidents
from status_api.views.maintenances import MaintenancesView
from status_api.views.statuspage import Summary
from status_api.views.tickets import TicketView

_MODELS: tuple[tuple[type[BaseModel], JsonSchemaMode], ...] = (
    (LookupIn, "validation"),
    (TicketView, "serialization"),
    (TicketIn, "validation"),
    (UpdateIn, "validation"),
    (Ticket, "serialization"),
    (ErrorBody, "serialization"),
    (CurrentIncidents, "serialization"),
    (Summary, "serialization"),
    (IncidentIn, "validation"),
    (IncidentUpdateIn, "validation"),
    (Incident, "serialization"),
    (MaintenanceIn, "validation"),
    (MaintenanceUpdateIn, "validation"),
    (Maintenance, "serialization"),
    (MaintenancesView, "serialization"),
    (generic.GenericDelivery, "validation"),
)
_HTML = {"text/html": {"schema": {"type": "string"}}}
_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
_OK = {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]}
_COUNT = {"type": "integer", "minimum": 0}
_STATS = {
    "type": "object",
    "properties": {
        "lookup_cache": {
            "type": "object",
            "properties": {"entries": _COUNT, "capacity": _COUNT, "hits": _COUNT, "misses": _COUNT},
            "required": ["entries", "capacity", "hits", "misses"],
        }
    },
    "required": ["lookup_cache"],
}


def openapi_route(kb: KnowledgeBase) -> Route:
    document = openapi_document(kb)

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    return Route(SERVICE.openapi, openapi, methods=["GET"])


def openapi_document(kb: KnowledgeBase) -> dict[str, Any]:
    refs, definitions = models_json_schema(_MODELS, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = definitions.get("$defs", {})
    _inject(schemas, kb)
    doc = _Document({key: dict(schema) for key, schema in refs.items()})
    paths: dict[str, Any] = {
        SERVICE.lookup: {
            "post": {
                "operationId": "lookup",
                "summary": "Find the ticket linked to a call ID (spaces and dashes are tolerated)",
                "description": "Texts and dates in the language of Accept-Language among the help center's "
                "(French when none fits; Content-Language says which): lookups, their errors, incidents, maintenance.",
                "requestBody": {"required": True, "content": doc.json(LookupIn, "validation")},
                "responses": {
                    "200": {"description": "The ticket's public view", "content": doc.json(TicketView)},
                    "404": doc.error("No ticket for this call ID; one answer whatever the reason (not_found)"),
                    **doc.body_errors,
                    "422": doc.error("Not a call ID (invalid_call_id) or invalid body (invalid_body)"),
                    "429": doc.error("Too many lookups from this client: retry after Retry-After seconds"),
                    **doc.busy,
                },
            }
        },
        **doc.records("ticket", Ticket, TicketIn, UpdateIn, SERVICE.ticket, SERVICE.ticket_updates),
        **doc.records("incident", Incident, IncidentIn, IncidentUpdateIn, SERVICE.incident, SERVICE.incident_updates),
        SERVICE.incident_ticket: doc.links(),
        **doc.records(
            "maintenance",
            Maintenance,
            MaintenanceIn,
            MaintenanceUpdateIn,
            SERVICE.maintenance,
            SERVICE.maintenance_updates,
        ),
        SERVICE.maintenances: {
            "get": {
                "operationId": "maintenances",
                "summary": "Planned maintenance: ahead or in progress (soonest first), then recently over",
                "description": "Public, cached for a few seconds, CORS as above; each one's phase follows the clock",
                "responses": {
                    "200": {"description": "The planned maintenance", "content": doc.json(MaintenancesView)},
                    **doc.busy,
                },
            }
        },
        SERVICE.incidents_current: {
            "get": {
                "operationId": "currentIncidents",
                "summary": "The ongoing incidents (disruptions affecting several users); empty when all is well",
                "description": "Public, cached for a few seconds; CORS allowed for the help center's origin",
                "responses": {
                    "200": {
                        "description": "The ongoing incidents, newest first",
                        "content": doc.json(CurrentIncidents),
                    },
                    **doc.busy,
                },
            }
        },
        SERVICE.statuspage_summary: {
            "get": {
                "operationId": "statuspageSummary",
                "summary": "The status page in Statuspage's shape: each service's state and the ongoing incidents",
                "description": "Public, cached for a few seconds, CORS as above; Statuspage's words for states, "
                "names and texts in the language of Accept-Language (Content-Language says which)",
                "responses": {
                    "200": {"description": "The summary", "content": doc.json(Summary)},
                    **doc.busy,
                },
            }
        },
        SERVICE.healthz: {"get": _get("health", "Liveness: the process answers", doc.json_schema(_OK))},
        SERVICE.readyz: {
            "get": {
                **_get("ready", "Readiness: whether the database answers lookups", doc.json_schema(_OK)),
                "responses": {
                    "200": {"description": "Ready", "content": doc.json_schema(_OK)},
                    "503": doc.error("The database does not answer (unavailable, busy)"),
                },
            }
        },
        SERVICE.openapi: {"get": _get("openapi", "This document", doc.json_schema({"type": "object"}))},
        SERVICE.stats: {
            "get": {
                "operationId": "stats",
                "summary": "Counts of the lookups' answer cache, for whoever runs the service",
                "security": _SECURED,
                "responses": {
                    "200": {"description": "The counts", "content": doc.json_schema(_STATS)},
                    **doc.auth_errors,
                },
            }
        },
        **_webhooks(doc),
        SERVICE.zendesk_hook: _zendesk_hook(doc),
        SERVICE.generic_hook: _generic_hook(doc),
        SERVICE.tracking: {
            "get": _get("trackingForm", "The tracking form, as an HTML page that works without JavaScript", _HTML),
            "post": _tracking_result(kb),
        },
        SERVICE.feedback: {"post": _feedback(doc, kb)},
        SERVICE.status_page: {
            "get": _get("serviceStatus", "The « État du service » page: ongoing incidents, then the last days'", _HTML)
        },
        SERVICE.feed: {
            "get": _get(
                "incidentFeed",
                "Atom feed (RFC 4287): one entry per public update of an incident (its opening included); entry "
                "ids are tag: URIs that never change",
                {"application/atom+xml": {"schema": {"type": "string"}}},
            )
        },
    }
    # The same pages in each other language of the help center: /en/suivi, /en/etat-du-service and its feed.
    for code in kb.languages[1:]:
        service = SERVICE.in_language(language_root(kb, code))
        for french, address in [
            (SERVICE.tracking, service.tracking),
            (SERVICE.status_page, service.status_page),
            (SERVICE.feed, service.feed),
        ]:
            paths[address] = {
                method: {**operation, "operationId": f"{operation['operationId']}_{code.replace('-', '_')}",
                         "summary": f"{operation['summary']} ({code})"}
                for method, operation in paths[french].items()
            }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{kb.site.site_name} : suivi des tickets",
            "version": "1",
            "description": "Look up a ticket by call ID; staff keep tickets up to date with a bearer token.",
        },
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": _SCHEMES},
    }


class _Document:
    """The pieces the paths are made of, from the models' schemas."""

    def __init__(self, refs: dict[tuple[Any, JsonSchemaMode], dict[str, Any]]) -> None:
        self.refs = refs
        self.body_errors = {
            "400": self.error("Malformed JSON (invalid_body) or Idempotency-Key"),
            "413": self.error("Body too large (body_too_large)"),
            "415": self.error("Not JSON (unsupported_media_type)"),
            "422": self.error("Invalid body (invalid_body, unknown_id with the allowed ids, invalid_call_id, ...)"),
        }
        self.auth_errors = {
            "401": self.error("Missing or wrong bearer token (unauthorized)"),
            "403": self.error("No token configured on the service: writes are disabled (writes_disabled)"),
        }
        self.busy = {"503": self.error("Database busy or unavailable: retry after Retry-After seconds")}

    def json(self, model: type[BaseModel], mode: JsonSchemaMode = "serialization") -> dict[str, Any]:
        return self.json_schema(self.refs[(model, mode)])

    def json_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {"application/json": {"schema": schema}}

    def error(self, description: str) -> dict[str, Any]:
        return {"description": description, "content": self.json(ErrorBody)}

    def records(
        self,
        name: str,
        record: type[BaseModel],
        payload: type[BaseModel],
        update: type[BaseModel],
        address: str,
        updates: str,
    ) -> dict[str, Any]:
        """PUT and DELETE at a record's address, POST of a public update: alike for tickets and incidents."""
        stored = {"description": f"The {name} as stored", "content": self.json(record)}
        reference = _reference(f"The {name}'s public reference")
        capitalised = name.capitalize()
        return {
            address: {
                "parameters": [reference],
                "put": {
                    "operationId": f"put{capitalised}",
                    "summary": f"Create or replace a {name} (its updates are kept); idempotent",
                    "security": _SECURED,
                    "parameters": [_if_none_match(name)],
                    "requestBody": {"required": True, "content": self.json(payload, "validation")},
                    "responses": {
                        "200": stored,
                        "201": stored,
                        **self.auth_errors,
                        "409": self.error(
                            "The stored record refuses it: a call ID already linked to another ticket (conflict), "
                            "a state changed by PUT or an end that contradicts the stored incident"
                        ),
                        "412": self.error(f"If-None-Match: * and the {name} exists (already_exists)"),
                        **self.body_errors,
                        **(
                            {
                                "422": self.error(
                                    "Invalid body (invalid_body, unknown_id with the allowed ids); a window that "
                                    "ends before it starts (invalid_window), or, at creation, already past "
                                    "(window_in_past)"
                                )
                            }
                            if name == "maintenance"
                            else {}
                        ),
                        **self.busy,
                    },
                },
                "delete": {
                    "operationId": f"delete{capitalised}",
                    "summary": f"Remove a {name} with what hangs on it"
                    + ("; its tickets stay, unlinked" if name == "incident" else ""),
                    "security": _SECURED,
                    "responses": {
                        "204": {"description": "Deleted"},
                        **self.auth_errors,
                        "404": self.error(f"No such {name} (not_found)"),
                        "422": self.error("Invalid reference (invalid_reference)"),
                        **self.busy,
                    },
                },
            },
            updates: {
                "parameters": [reference],
                "post": {
                    "operationId": f"add{capitalised}Update",
                    "summary": f"Add a public update to a {name}, optionally " + _UPDATE_MOVES[name],
                    "security": _SECURED,
                    "parameters": [_IDEMPOTENCY],
                    "requestBody": {"required": True, "content": self.json(update, "validation")},
                    "responses": {
                        "200": {**stored, "description": "A replay of an earlier request with this Idempotency-Key"},
                        "201": stored,
                        **self.auth_errors,
                        "404": self.error(f"No such {name} (not_found)"),
                        "409": self.error(f"The {name}'s current state refuses the update: " + _UPDATE_CONFLICTS[name]),
                        **self.body_errors,
                        "422": self.error(
                            "Invalid body, unknown id, or an Idempotency-Key reused for another body "
                            "(idempotency_conflict)"
                            + (
                                "; a new window ending before its start (invalid_window) or already past "
                                "(window_in_past)"
                                if name == "maintenance"
                                else ""
                            )
                        ),
                        **self.busy,
                    },
                },
            },
        }

    def links(self) -> dict[str, Any]:
        incident = {"description": "The incident as stored", "content": self.json(Incident)}
        missing = self.error("No such incident, or no such ticket, or not linked (not_found)")
        common = {**self.auth_errors, "404": missing, "422": self.error("Invalid reference"), **self.busy}
        return {
            "parameters": [
                _reference("The incident's public reference"),
                {**_reference("The ticket's reference"), "name": "ticket"},
            ],
            "put": {
                "operationId": "linkTicket",
                "summary": "Link a ticket to the incident (from any other); the ticket is then prioritised",
                "security": _SECURED,
                "responses": {"200": incident, **common},
            },
            "delete": {
                "operationId": "unlinkTicket",
                "summary": "Unlink a ticket from the incident",
                "security": _SECURED,
                "responses": {"204": {"description": "Unlinked"}, **common},
            },
        }


# What an update may move, and what a record's state may refuse, by kind of record.
_UPDATE_MOVES = {
    "ticket": "moving its step or team, or resolving it",
    "incident": "moving its state, as the lifecycle allows",
    "maintenance": "moving its window (reschedule) or cancelling it",
}
_UPDATE_CONFLICTS = {
    "ticket": "a date before its opening, resolving before the last step",
    "incident": "a move its state does not allow (invalid_state_move, with the states allowed next), a date before "
    "its start",
    "maintenance": "a new window or a cancellation once it is over (maintenance_closed), a new start once it has "
    "begun (maintenance_started), an end before the stored start (invalid_window)",
}

_SCHEMES = {
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
_OUTCOMES = ["created", "updated", "replayed", "stale", "unchanged", "unknown_ticket", "ignored"]
_HOOK_ANSWER = {
    "type": "object",
    "properties": {"status": {"enum": _OUTCOMES}, "reference": {"type": "string", "pattern": REFERENCE_PATTERN}},
    "required": ["status"],
}


def _zendesk_hook(doc: _Document) -> dict[str, Any]:
    return {
        "post": {
            "operationId": "zendeskHook",
            "summary": "A Zendesk webhook delivery: a ticket kept in step, each delivery applied once and in order",
            "security": [{"zendeskSignature": []}],
            "requestBody": {"required": True, "content": doc.json_schema({"anyOf": [_TRIGGER_BODY, _EVENT]})},
            "responses": {
                "200": {"description": "What the delivery did", "content": doc.json_schema(_HOOK_ANSWER)},
                "400": doc.error("Malformed JSON (invalid_body)"),
                "401": doc.error(
                    "Missing or wrong signature (invalid_signature), or a timestamp more than 5 minutes "
                    "away (stale_timestamp): nothing written"
                ),
                "409": doc.error("A call ID belongs to another ticket (conflict)"),
                "413": doc.error("Body too large (body_too_large)"),
                "422": doc.error("Not a Zendesk delivery, or a value our rules refuse (invalid_body, ...)"),
                "503": doc.error("No STATUS_API_ZENDESK_SECRET (not_configured), or the database is busy"),
            },
        }
    }


def _generic_hook(doc: _Document) -> dict[str, Any]:
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
            "a delivery older (`at`) than the last applied one changes nothing but may add its public comment",
            "security": [{"hookSignature": []}],
            "parameters": [timestamp],
            "requestBody": {"required": True, "content": doc.json(generic.GenericDelivery, "validation")},
            "responses": {
                "200": {"description": "What the delivery did", "content": doc.json_schema(_HOOK_ANSWER)},
                "400": doc.error("Malformed JSON (invalid_body)"),
                "401": doc.error(
                    "Missing or wrong signature (invalid_signature), or a timestamp more than 5 minutes "
                    "away (stale_timestamp): nothing written"
                ),
                "409": doc.error("A call ID belongs to another ticket (conflict)"),
                "413": doc.error("Body too large (body_too_large)"),
                "422": doc.error("Invalid body (invalid_body, unknown_id with the allowed ids, invalid_call_id, ...)"),
                "503": doc.error("No STATUS_API_HOOK_SECRET (not_configured), or the database is busy"),
            },
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


def _webhooks(doc: _Document) -> dict[str, Any]:
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
                "security": _SECURED,
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
                "security": _SECURED,
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
                "security": _SECURED,
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


def _get(operation_id: str, summary: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "responses": {"200": {"description": summary, "content": content}},
    }


def _reference(description: str) -> dict[str, Any]:
    schema = {"type": "string", "pattern": REFERENCE_PATTERN}
    return {"name": "reference", "in": "path", "required": True, "schema": schema, "description": description}


def _if_none_match(name: str) -> dict[str, Any]:
    return {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "schema": {"const": "*"},
        "description": f"Create only: when the {name} exists, 412 already_exists instead of replacing it",
    }


_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^[\\u0021-\\u007e]{1,200}$"},
    "description": "A retry with the same key and body records nothing new and answers 200",
}


def _tracking_result(kb: KnowledgeBase) -> dict[str, Any]:
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
        "responses": {status: {"description": description, "content": _HTML} for status, description in answers},
    }


def _feedback(doc: _Document, kb: KnowledgeBase) -> dict[str, Any]:
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
    either = {**doc.json(ErrorBody), **_HTML}
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
            "200": {"description": "The thanks page (form post)", "content": _HTML},
            "201": {
                "description": "Recorded (JSON post)",
                "content": doc.json_schema({"anyOf": [voted, commented]}),
            },
            **{status: {"description": description, "content": either} for status, description in answers},
        },
    }


def _present(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """JSON Schema for "the field is there, not null" (and matches `schema`)."""
    return {"properties": {name: schema or {"not": {"type": "null"}}}, "required": [name]}


def _last_step(kb: KnowledgeBase) -> dict[str, Any]:
    return {"properties": {"step": {"const": kb.process.steps[-1].id}}}


def _finals(kb: KnowledgeBase) -> list[str]:
    return [state.id for state in kb.incidents.states if state.final]


# The rules between fields of status_api/domain/tickets.py and incidents.py, as JSON Schema conditions.
_RULES: dict[str, Any] = {
    "resolved_at_last_step": lambda kb: [{"if": _present("resolved_at"), "then": _last_step(kb)}],
    "skipped_not_current": lambda kb: [
        {
            "if": _present("step", {"const": step.id}),
            "then": {"properties": {"skipped_steps": {"not": {"contains": {"const": step.id}}}}},
        }
        for step in kb.process.steps
        if step.optional
    ],
    "resolved_last_step": lambda kb: [
        {"if": {"allOf": [_present("resolved", {"const": True}), _present("step")]}, "then": _last_step(kb)}
    ],
    "final_state_ended": lambda kb: [
        {"if": _present("state", {"enum": _finals(kb)}), "then": _present("ended_at")},
        {"if": _present("ended_at"), "then": _present("state", {"enum": _finals(kb)})},
    ],
}


def _inject(node: Any, kb: KnowledgeBase, ids: dict[str, tuple[str, ...]] | None = None) -> None:
    """The markers of the payload models, turned into what the loaded data defines."""
    ids = kb_ids(kb) if ids is None else ids
    if isinstance(node, dict):
        kind = node.pop("x-kb-ids", None)
        if kind is not None:
            if ids[kind]:
                node["enum"] = list(ids[kind])
            else:
                node["not"] = {}  # no such id exists, so no value is valid
        if node.pop("x-kb-call-id", None):
            node["pattern"] = callid.pattern(kb.site.call_id)
        rules = node.pop("x-kb-rules", None)
        if rules:
            node["allOf"] = [condition for rule in rules for condition in _RULES[rule](kb)]
        for value in node.values():
            _inject(value, kb, ids)
    elif isinstance(node, list):
        for item in node:
            _inject(item, kb, ids)
