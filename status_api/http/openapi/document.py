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
from status_api.domain.payloads import (
    IncidentIn,
    IncidentUpdateIn,
    LookupIn,
    MaintenanceIn,
    MaintenanceUpdateIn,
    TicketIn,
    UpdateIn,
)
from status_api.domain.records import Incident, Maintenance, Ticket
from status_api.helpdesk import generic
from status_api.http.errors import ErrorBody
from status_api.http.openapi.hooks import SCHEMES, generic_hook, webhook_paths, zendesk_hook
from status_api.http.openapi.pages import feedback, tracking_result
from status_api.http.openapi.parts import HTML, SECURED, Document, simple_get
from status_api.http.openapi.rules import inject
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
    inject(schemas, kb)
    doc = Document({key: dict(schema) for key, schema in refs.items()})
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
        SERVICE.healthz: {"get": simple_get("health", "Liveness: the process answers", doc.json_schema(_OK))},
        SERVICE.readyz: {
            "get": {
                **simple_get("ready", "Readiness: whether the database answers lookups", doc.json_schema(_OK)),
                "responses": {
                    "200": {"description": "Ready", "content": doc.json_schema(_OK)},
                    "503": doc.error("The database does not answer (unavailable, busy)"),
                },
            }
        },
        SERVICE.openapi: {"get": simple_get("openapi", "This document", doc.json_schema({"type": "object"}))},
        SERVICE.stats: {
            "get": {
                "operationId": "stats",
                "summary": "Counts of the lookups' answer cache, for whoever runs the service",
                "security": SECURED,
                "responses": {
                    "200": {"description": "The counts", "content": doc.json_schema(_STATS)},
                    **doc.auth_errors,
                },
            }
        },
        **webhook_paths(doc),
        SERVICE.zendesk_hook: zendesk_hook(doc),
        SERVICE.generic_hook: generic_hook(doc),
        SERVICE.tracking: {
            "get": simple_get("trackingForm", "The tracking form, as an HTML page that works without JavaScript", HTML),
            "post": tracking_result(kb),
        },
        SERVICE.feedback: {"post": feedback(doc, kb)},
        SERVICE.status_page: {
            "get": simple_get(
                "serviceStatus", "The « État du service » page: ongoing incidents, then the last days'", HTML
            )
        },
        SERVICE.feed: {
            "get": simple_get(
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
        "components": {"schemas": schemas, "securitySchemes": SCHEMES},
    }
