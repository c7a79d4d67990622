"""Tickets of a realistic shape, and the traffic real customers make: every customer a different call ID.

The tickets: opened over the last six weeks (so that resolution windows and next-update deadlines are live
at benchmark time), 0 to 20 public updates, one to three call IDs, every issue type and step, some resolved,
some with a skipped step, a few linked to ongoing incidents. The traffic: lookups spread uniformly over every
call ID and as many unknown ones; a skewed (Zipf) mix, where some customers look again and again; and a hot
set of 1,000 IDs, which the answer cache holds whole (labelled as such: it measures the cache).

Call IDs come from a formula of the ticket's number, so the lists wrk reads are written without keeping the
tickets in memory.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import ROOT
from kb_build import load

_TEXTS = [
    "Nous avons bien reçu votre signalement et analysons les appels concernés.",
    "Nos ingénieurs télécoms ont reproduit le problème ; la cause est en cours d'identification.",
    "Pouvez-vous nous confirmer l'heure approximative des appels coupés ? Merci !",
    "Un correctif est en préparation : nous vous tiendrons informé de son déploiement.",
    "Le correctif a été déployé ce matin ; merci de nous dire si tout fonctionne de votre côté.",
    "Nous attendons le retour de l'opérateur pour la portabilité de votre numéro.",
    "L'équipe de niveau 2 a repris l'analyse de la qualité des appels sortants.",
]
MAX_UPDATES = 20
WEEKS = 6
INCIDENT_SHARE = 0.01  # tickets linked to one of the ongoing incidents


def reference(number: int) -> str:
    return f"RGV-{number:07d}"


def call_ids(number: int) -> list[str]:
    """One to three call IDs (60 %, 30 %, 10 %), 20 digits as the brand's telephony shows them, spread so that
    lookups hit the whole index."""
    count = 1 + (number % 10 >= 6) + (number % 10 == 9)
    return [f"{(number * 2654435761 + k * 40503) % 10**12:012d}{number:07d}{k}" for k in range(count)]


def missing_call_id(number: int) -> str:
    return f"9{number:019d}"


def write_tickets(path: Path, count: int, now: datetime, seed: int = 7) -> None:
    """Streamed to disk: a million tickets need not sit in memory as Python objects to be written."""
    kb = load(ROOT / "data")
    rng = random.Random(seed)
    steps = kb.process.steps
    issue_types = [issue_type.id for issue_type in kb.issue_types.issue_types]
    optional = [index for index, step in enumerate(steps) if step.optional]
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            opened = now - timedelta(minutes=rng.randrange(60, WEEKS * 7 * 24 * 60))
            at = rng.randrange(0, len(steps))
            resolved = at == len(steps) - 1 and rng.random() < 0.7
            updates = []
            moment = opened
            for n in range(min(int(rng.expovariate(1 / 4)), MAX_UPDATES)):
                moment += (now - moment) * rng.uniform(0.05, 0.5)
                updates.append({"at": moment.isoformat(timespec="seconds"), "text": _TEXTS[(number + n) % len(_TEXTS)]})
            ticket: dict[str, object] = {
                "reference": reference(number),
                "issue_type": issue_types[rng.randrange(len(issue_types))],
                "step": steps[at].id,
                "opened_at": opened.isoformat(timespec="seconds"),
                "call_ids": call_ids(number),
                "updates": updates,
            }
            passed = [index for index in optional if index < at]
            if passed and rng.random() < 0.5:
                ticket["skipped_steps"] = [steps[passed[0]].id]
            if resolved:
                ticket["resolved_at"] = max(moment, opened + timedelta(hours=1)).isoformat(timespec="seconds")
            out.write(json.dumps(ticket, ensure_ascii=False) + "\n")


def write_incidents(path: Path, count: int, now: datetime) -> int:
    """A YAML import file with three ongoing incidents that hold INCIDENT_SHARE of the tickets."""
    kb = load(ROOT / "data")
    services = [service.id for service in kb.incidents.services]
    linked = list(range(0, count, int(1 / INCIDENT_SHARE)))
    incidents = [
        {
            "reference": f"INC-BENCH-{n}",
            "title": f"Perturbation de test {n}",
            "services": [services[n % len(services)]],
            "started_at": (now - timedelta(hours=6 + n)).isoformat(timespec="seconds"),
            "updates": [{"at": (now - timedelta(hours=5)).isoformat(timespec="seconds"), "text": "Analyse en cours."}],
            "tickets": [reference(number) for number in linked[n::3]],
        }
        for n in range(3)
    ]
    path.write_text(json.dumps({"tickets": [], "incidents": incidents}, ensure_ascii=False), encoding="utf-8")
    return len(linked)


def every_call_id(count: int) -> Iterator[str]:
    for number in range(count):
        yield from call_ids(number)


def write_lists(folder: Path, count: int, seed: int = 11) -> dict[str, Path]:
    """The call IDs wrk's scripts read (one a line): every known one and as many unknown, shuffled; a Zipf
    sample of them; a hot set of 1,000."""
    rng = random.Random(seed)
    known = list(every_call_id(count))
    mixed = known + [missing_call_id(n) for n in range(len(known))]
    rng.shuffle(mixed)
    # Zipf over the shuffled list (s = 1.1): a few IDs come very often, most a few times at most.
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(mixed))]
    zipf = rng.choices(mixed, weights=weights, k=500_000)
    hot = known[:: max(1, len(known) // 500)][:500] + [missing_call_id(n) for n in range(500)]
    lists = {"uniform": mixed, "zipf": zipf, "hot": hot}
    paths = {}
    for name, ids in lists.items():
        paths[name] = folder / f"{name}-{count}.txt"
        paths[name].write_text("\n".join(ids) + "\n", encoding="ascii")
    return paths


def lua_from_list(ids: Path, path: str, content_type: str, body: str, *, shuffle: bool) -> str:
    """A wrk script posting `body` (with {id} in it) for IDs read from a file: at random (uniform), or in the
    file's order (a sample already drawn from its distribution)."""
    pick = "ids[math.random(#ids)]" if shuffle else "ids[(counter % #ids) + 1]"
    prefix, suffix = body.split("{id}")
    return (
        f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "{content_type}"\n'
        f"local ids = {{}}\nfor line in io.lines({json.dumps(str(ids))}) do ids[#ids + 1] = line end\n"
        "math.randomseed(7)\nlocal counter = 0\n"
        "request = function()\n"
        f"  counter = counter + 1\n  local id = {pick}\n"
        f"  return wrk.format(nil, {json.dumps(path)}, nil, {json.dumps(prefix)} .. id .. {json.dumps(suffix)})\n"
        "end\n"
    )


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
