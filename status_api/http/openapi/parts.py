"""The pieces the paths are made of: error answers, parameters, the operations on a record."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from status_api.domain.payloads import REFERENCE_PATTERN
from status_api.domain.records import Incident
from status_api.http.errors import ErrorBody

HTML = {"text/html": {"schema": {"type": "string"}}}
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


class Document:
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
        reference = reference_parameter(f"The {name}'s public reference")
        capitalised = name.capitalize()
        return {
            address: {
                "parameters": [reference],
                "put": {
                    "operationId": f"put{capitalised}",
                    "summary": f"Create or replace a {name} (its updates are kept); idempotent",
                    "security": SECURED,
                    "parameters": [if_none_match(name)],
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
                    "security": SECURED,
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
                    "security": SECURED,
                    "parameters": [IDEMPOTENCY],
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
                reference_parameter("The incident's public reference"),
                {**reference_parameter("The ticket's reference"), "name": "ticket"},
            ],
            "put": {
                "operationId": "linkTicket",
                "summary": "Link a ticket to the incident (from any other); the ticket is then prioritised",
                "security": SECURED,
                "responses": {"200": incident, **common},
            },
            "delete": {
                "operationId": "unlinkTicket",
                "summary": "Unlink a ticket from the incident",
                "security": SECURED,
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
    "ticket": "a date before its opening (before_start), resolving before the last step (not_final_step)",
    "incident": "a move its state does not allow (invalid_state_move, with the states allowed next), a date before "
    "its start (before_start)",
    "maintenance": "a new window or a cancellation once it is over (maintenance_closed), a new start once it has "
    "begun (maintenance_started), an end before the stored start (invalid_window)",
}


def simple_get(operation_id: str, summary: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "responses": {"200": {"description": summary, "content": content}},
    }


def reference_parameter(description: str) -> dict[str, Any]:
    schema = {"type": "string", "pattern": REFERENCE_PATTERN}
    return {"name": "reference", "in": "path", "required": True, "schema": schema, "description": description}


def if_none_match(name: str) -> dict[str, Any]:
    return {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "schema": {"const": "*"},
        "description": f"Create only: when the {name} exists, 412 already_exists instead of replacing it",
    }


IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^[\\u0021-\\u007e]{1,200}$"},
    "description": "A retry with the same key and body records nothing new and answers 200",
}
