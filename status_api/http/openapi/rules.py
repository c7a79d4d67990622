"""The payload models' markers turned into what the loaded data defines: ids, call-ID format, rules
between fields."""

from __future__ import annotations

from typing import Any

from kb_build.model import KnowledgeBase
from status_api.domain import callid
from status_api.domain.payloads import kb_ids


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


def inject(node: Any, kb: KnowledgeBase, ids: dict[str, tuple[str, ...]] | None = None) -> None:
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
            inject(value, kb, ids)
    elif isinstance(node, list):
        for item in node:
            inject(item, kb, ids)
