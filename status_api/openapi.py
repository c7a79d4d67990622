"""The OpenAPI 3.1 document of the service, from its pydantic models and the ids of the loaded data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from kb_build.model import KnowledgeBase
from status_api.errors import ErrorBody
from status_api.incident_views import CurrentIncidents
from status_api.incidents import Incident, IncidentIn, IncidentUpdateIn
from status_api.lookup import LookupIn
from status_api.tickets import REFERENCE_PATTERN, Ticket, TicketIn, UpdateIn, kb_ids
from status_api.views import TicketView

_MODELS: tuple[tuple[type[BaseModel], JsonSchemaMode], ...] = (
    (LookupIn, "validation"),
    (TicketView, "serialization"),
    (TicketIn, "validation"),
    (UpdateIn, "validation"),
    (Ticket, "serialization"),
    (ErrorBody, "serialization"),
    (CurrentIncidents, "serialization"),
    (IncidentIn, "validation"),
    (IncidentUpdateIn, "validation"),
    (Incident, "serialization"),
)


def openapi_document(kb: KnowledgeBase) -> dict[str, Any]:
    refs, definitions = models_json_schema(_MODELS, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = definitions.get("$defs", {})
    _inject_ids(schemas, kb_ids(kb))

    def ref(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        return dict(refs[(model, mode)])

    def json_body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"application/json": {"schema": schema}}

    def error(description: str) -> dict[str, Any]:
        return {"description": description, "content": json_body(ref(ErrorBody, "serialization"))}

    ticket = {"description": "The ticket as stored", "content": json_body(ref(Ticket, "serialization"))}
    html = {"text/html": {"schema": {"type": "string"}}}
    reference = {
        "name": "reference",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": REFERENCE_PATTERN},
        "description": "The ticket's public reference",
    }
    body_errors = {
        "400": error("Malformed JSON (invalid_body) or Idempotency-Key"),
        "413": error("Body too large (body_too_large)"),
        "415": error("Not JSON (unsupported_media_type)"),
        "422": error("Invalid body (invalid_body, unknown_id with the allowed ids, invalid_call_id, ...)"),
    }
    auth_errors = {
        "401": error("Missing or wrong bearer token (unauthorized)"),
        "403": error("No token configured on the service: writes are disabled (writes_disabled)"),
    }
    busy = {"503": error("Database busy or unavailable: retry after Retry-After seconds (busy, unavailable)")}
    rate_limited = {"429": error("Too many lookups from this client: retry after Retry-After seconds (rate_limited)")}
    idempotency = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": "A retry with the same key and body records nothing new and answers 200",
    }
    secured: list[dict[str, list[str]]] = [{"bearer": []}]

    paths: dict[str, Any] = {
        "/api/v1/lookup": {
            "post": {
                "operationId": "lookup",
                "summary": "Find the ticket linked to a call ID (spaces and dashes are tolerated)",
                "requestBody": {"required": True, "content": json_body(ref(LookupIn, "validation"))},
                "responses": {
                    "200": {
                        "description": "The ticket's public view",
                        "content": json_body(ref(TicketView, "serialization")),
                    },
                    "404": error("No ticket for this call ID; one answer whatever the reason (not_found)"),
                    **body_errors,
                    "422": error("Not a call ID (invalid_call_id) or invalid body (invalid_body)"),
                    **rate_limited,
                    **busy,
                },
            }
        },
        "/api/v1/tickets/{reference}": {
            "parameters": [reference],
            "put": {
                "operationId": "putTicket",
                "summary": "Create or replace a ticket (its updates are kept); idempotent",
                "security": secured,
                "requestBody": {"required": True, "content": json_body(ref(TicketIn, "validation"))},
                "responses": {
                    "200": ticket,
                    "201": ticket,
                    **auth_errors,
                    "409": error("A call ID is already linked to another ticket (conflict)"),
                    **body_errors,
                    **busy,
                },
            },
            "delete": {
                "operationId": "deleteTicket",
                "summary": "Remove a ticket with its call IDs and updates",
                "security": secured,
                "responses": {
                    "204": {"description": "Deleted"},
                    **auth_errors,
                    "404": error("No such ticket (not_found)"),
                    "422": error("Invalid reference (invalid_reference)"),
                    **busy,
                },
            },
        },
        "/api/v1/tickets/{reference}/updates": {
            "parameters": [reference],
            "post": {
                "operationId": "addUpdate",
                "summary": "Add a public update, optionally moving the step or team, or resolving the ticket",
                "security": secured,
                "parameters": [idempotency],
                "requestBody": {"required": True, "content": json_body(ref(UpdateIn, "validation"))},
                "responses": {
                    "200": {**ticket, "description": "A replay of an earlier request with this Idempotency-Key"},
                    "201": ticket,
                    **auth_errors,
                    "404": error("No such ticket (not_found)"),
                    **body_errors,
                    "422": error("Invalid body, unknown id, or Idempotency-Key reused for another body"),
                    **busy,
                },
            },
        },
        **_incident_paths(ref, json_body, error, html, secured, auth_errors, body_errors, busy, idempotency),
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Liveness",
                "responses": {
                    "200": {
                        "description": "The service is up",
                        "content": json_body(
                            {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]}
                        ),
                    }
                },
            }
        },
        "/readyz": {
            "get": {
                "operationId": "ready",
                "summary": "Readiness: whether the database answers lookups",
                "responses": {
                    "200": {
                        "description": "Ready",
                        "content": json_body(
                            {"type": "object", "properties": {"status": {"const": "ok"}}, "required": ["status"]}
                        ),
                    },
                    "503": error("The database does not answer (unavailable, busy)"),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": json_body({"type": "object"})}},
            }
        },
        "/suivi": {
            "get": {
                "operationId": "trackingForm",
                "summary": "The tracking form, as an HTML page that works without JavaScript",
                "responses": {"200": {"description": "The form", "content": html}},
            },
            "post": {
                "operationId": "trackingResult",
                "summary": "The answer for a call ID, as an HTML page",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {"call_id": {"type": "string"}},
                                "required": ["call_id"],
                            }
                        }
                    },
                },
                "responses": {
                    status: {"description": description, "content": html}
                    for status, description in (
                        ("200", "The ticket"),
                        ("400", "Unreadable form"),
                        ("404", "No ticket for this call ID"),
                        ("413", "Form too large"),
                        ("415", "Not a form"),
                        ("422", "Not a call ID"),
                        ("429", "Too many lookups from this client"),
                        ("503", "The database does not answer"),
                    )
                },
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{kb.site.site_name} : suivi des tickets",
            "version": "1",
            "description": "Look up a ticket by call ID; staff keep tickets up to date with a bearer token.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _incident_paths(
    ref: Callable[[type[BaseModel], JsonSchemaMode], dict[str, Any]],
    json_body: Callable[[dict[str, Any]], dict[str, Any]],
    error: Callable[[str], dict[str, Any]],
    html: dict[str, Any],
    secured: list[dict[str, list[str]]],
    auth_errors: dict[str, Any],
    body_errors: dict[str, Any],
    busy: dict[str, Any],
    idempotency: dict[str, Any],
) -> dict[str, Any]:
    incident = {"description": "The incident as stored", "content": json_body(ref(Incident, "serialization"))}
    reference = {
        "name": "reference",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": REFERENCE_PATTERN},
        "description": "The incident's public reference",
    }
    ticket = {**reference, "name": "ticket", "description": "The ticket's reference"}
    missing = {"404": error("No such incident, or no such ticket (not_found)")}
    bad_reference = {"422": error("Invalid reference (invalid_reference)")}
    public_cache = "Public, cached for a few seconds (Cache-Control: public, max-age)"
    return {
        "/api/v1/incidents/current": {
            "get": {
                "operationId": "currentIncidents",
                "summary": "The ongoing incidents (disruptions affecting several users); empty when all is well",
                "description": public_cache + "; CORS allowed for the help center's origin",
                "responses": {
                    "200": {
                        "description": "The ongoing incidents, newest first",
                        "content": json_body(ref(CurrentIncidents, "serialization")),
                    },
                    **busy,
                },
            }
        },
        "/api/v1/incidents/{reference}": {
            "parameters": [reference],
            "put": {
                "operationId": "putIncident",
                "summary": "Create or replace an incident (its updates and tickets are kept); idempotent",
                "description": "The state is set at creation only; afterwards it moves through updates.",
                "security": secured,
                "requestBody": {"required": True, "content": json_body(ref(IncidentIn, "validation"))},
                "responses": {
                    "200": incident,
                    "201": incident,
                    **auth_errors,
                    **body_errors,
                    "422": error("Invalid body, unknown id, or a state change (invalid_state_move: post an update)"),
                    **busy,
                },
            },
            "delete": {
                "operationId": "deleteIncident",
                "summary": "Remove an incident with its updates; its tickets stay, unlinked",
                "security": secured,
                "responses": {"204": {"description": "Deleted"}, **auth_errors, **missing, **bad_reference, **busy},
            },
        },
        "/api/v1/incidents/{reference}/updates": {
            "parameters": [reference],
            "post": {
                "operationId": "addIncidentUpdate",
                "summary": "Add a public update, optionally moving the incident to a state the lifecycle allows",
                "description": "A final state sets the incident's end. A move the lifecycle of data/incidents.yml "
                "does not allow is a 422 invalid_state_move whose `allowed` lists the states allowed next.",
                "security": secured,
                "parameters": [idempotency],
                "requestBody": {"required": True, "content": json_body(ref(IncidentUpdateIn, "validation"))},
                "responses": {
                    "200": {**incident, "description": "A replay of an earlier request with this Idempotency-Key"},
                    "201": incident,
                    **auth_errors,
                    "404": error("No such incident (not_found)"),
                    **body_errors,
                    "422": error("Invalid body, unknown id, a move the lifecycle does not allow (invalid_state_move)"),
                    **busy,
                },
            },
        },
        "/api/v1/incidents/{reference}/tickets/{ticket}": {
            "parameters": [reference, ticket],
            "put": {
                "operationId": "linkTicket",
                "summary": "Link a ticket to the incident (from any other); the ticket is then prioritised",
                "security": secured,
                "responses": {"200": incident, **auth_errors, **missing, **bad_reference, **busy},
            },
            "delete": {
                "operationId": "unlinkTicket",
                "summary": "Unlink a ticket from the incident",
                "security": secured,
                "responses": {
                    "204": {"description": "Unlinked"},
                    **auth_errors,
                    "404": error("The ticket is not linked to this incident (not_found)"),
                    **bad_reference,
                    **busy,
                },
            },
        },
        "/etat-du-service": {
            "get": {
                "operationId": "serviceStatus",
                "summary": "The « État du service » page: ongoing incidents, then the last days'; no JavaScript needed",
                "description": public_cache,
                "responses": {"200": {"description": "The page", "content": html}},
            }
        },
        "/etat-du-service/flux.atom": {
            "get": {
                "operationId": "incidentFeed",
                "summary": "Atom feed: one entry per public update of an incident (its opening included)",
                "description": "Entry ids are tag: URIs built from feed_id (data/incidents.yml), the incident's "
                "reference and the update's id: they never change. " + public_cache,
                "responses": {
                    "200": {
                        "description": "The feed (RFC 4287)",
                        "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    }


def _inject_ids(node: Any, ids: dict[str, tuple[str, ...]]) -> None:
    """Turn each field marked with x-kb-ids into an enum of the ids that the loaded data defines."""
    if isinstance(node, dict):
        kind = node.pop("x-kb-ids", None)
        if kind is not None:
            if ids[kind]:
                node["enum"] = list(ids[kind])
            else:
                node["not"] = {}  # no such id exists, so no value is valid
        for value in node.values():
            _inject_ids(value, ids)
    elif isinstance(node, list):
        for item in node:
            _inject_ids(item, ids)
