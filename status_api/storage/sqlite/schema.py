"""The SQLite schema, as numbered migrations: a database at version N gets migrations N+1 onwards, once."""

from __future__ import annotations

import sqlite3

from status_api.domain.errors import DomainError

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE tickets (
            reference TEXT PRIMARY KEY,
            issue_type TEXT NOT NULL,
            step TEXT NOT NULL,
            team TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            resolved_at TEXT,
            prioritised INTEGER NOT NULL,
            skipped_steps TEXT NOT NULL
        ) STRICT""",
        """CREATE TABLE call_ids (
            call_id TEXT PRIMARY KEY,
            reference TEXT NOT NULL REFERENCES tickets (reference) ON DELETE CASCADE,
            position INTEGER NOT NULL
        ) STRICT""",
        "CREATE INDEX call_ids_by_reference ON call_ids (reference, position)",
        """CREATE TABLE updates (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL REFERENCES tickets (reference) ON DELETE CASCADE,
            at TEXT NOT NULL,
            text TEXT,
            step TEXT,
            team TEXT
        ) STRICT""",
        "CREATE INDEX updates_by_reference ON updates (reference, at, id)",
        """CREATE TABLE idempotency_keys (
            reference TEXT NOT NULL REFERENCES tickets (reference) ON DELETE CASCADE,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            update_id INTEGER NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
            PRIMARY KEY (reference, key)
        ) STRICT""",
    ),
    (
        """CREATE TABLE incidents (
            reference TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            services TEXT NOT NULL,
            state TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT
        ) STRICT""",
        "CREATE INDEX incidents_by_end ON incidents (ended_at)",
        # AUTOINCREMENT: an id is never given twice, even after a deletion, so feed entry ids stay unique.
        """CREATE TABLE incident_updates (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reference TEXT NOT NULL REFERENCES incidents (reference) ON DELETE CASCADE,
            at TEXT NOT NULL,
            text TEXT,
            state TEXT
        ) STRICT""",
        "CREATE INDEX incident_updates_by_reference ON incident_updates (reference, at, id)",
        """CREATE TABLE incident_idempotency_keys (
            reference TEXT NOT NULL REFERENCES incidents (reference) ON DELETE CASCADE,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            update_id INTEGER NOT NULL REFERENCES incident_updates (id) ON DELETE CASCADE,
            PRIMARY KEY (reference, key)
        ) STRICT""",
        # A ticket follows one incident at most; replacing a ticket (an upsert) keeps its link.
        """CREATE TABLE incident_tickets (
            ticket TEXT PRIMARY KEY REFERENCES tickets (reference) ON DELETE CASCADE,
            incident TEXT NOT NULL REFERENCES incidents (reference) ON DELETE CASCADE
        ) STRICT""",
        "CREATE INDEX incident_tickets_by_incident ON incident_tickets (incident)",
    ),
    (
        # One record of idempotency keys for whatever takes updates (tickets and incidents had one each).
        # A record's keys go with it: the store deletes them with the record.
        """CREATE TABLE idempotency (
            subject TEXT NOT NULL,
            reference TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            PRIMARY KEY (subject, reference, key)
        ) STRICT""",
        "INSERT INTO idempotency SELECT 'ticket', reference, key, fingerprint FROM idempotency_keys",
        "INSERT INTO idempotency SELECT 'incident', reference, key, fingerprint FROM incident_idempotency_keys",
        "DROP TABLE idempotency_keys",
        "DROP TABLE incident_idempotency_keys",
    ),
    (
        # How many public updates a ticket has: reads show the latest few and this count, so that neither a
        # read nor a write goes through a ticket's whole history.
        "ALTER TABLE tickets ADD COLUMN update_count INTEGER NOT NULL DEFAULT 0",
        "UPDATE tickets SET update_count = (SELECT count(*) FROM updates WHERE updates.reference = tickets.reference)",
    ),
    (
        # The service state an incident puts its services in (data/incidents.yml service_states); NULL for
        # incidents stored before: they read as the data's default_impact.
        "ALTER TABLE incidents ADD COLUMN impact TEXT",
    ),
    (
        # "Cet article vous a-t-il été utile ?": a page's path, yes or no, when, and the comment left on a no.
        # Nothing about who voted. comment_key is the vote's single-use secret (a hash of it): spent, it is NULL.
        """CREATE TABLE votes (
            id INTEGER PRIMARY KEY,
            page TEXT NOT NULL,
            useful INTEGER NOT NULL,
            at TEXT NOT NULL,
            comment TEXT,
            comment_key TEXT UNIQUE
        ) STRICT""",
        "CREATE INDEX votes_by_at ON votes (at)",
    ),
    (
        # The helpdesk's time of the latest change applied from it: an older delivery changes nothing.
        "ALTER TABLE tickets ADD COLUMN helpdesk_at TEXT",
    ),
    (
        # Planned maintenance: a window and its services; its phase is never stored (the clock decides it).
        """CREATE TABLE maintenances (
            reference TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            message TEXT NOT NULL,
            services TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            cancelled_at TEXT
        ) STRICT""",
        "CREATE INDEX maintenances_by_end ON maintenances (ends_at)",
        # AUTOINCREMENT: an id is never given twice, so feed entry ids stay unique.
        """CREATE TABLE maintenance_updates (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            reference TEXT NOT NULL REFERENCES maintenances (reference) ON DELETE CASCADE,
            at TEXT NOT NULL,
            text TEXT,
            starts_at TEXT,
            ends_at TEXT,
            cancelled INTEGER NOT NULL
        ) STRICT""",
        "CREATE INDEX maintenance_updates_by_reference ON maintenance_updates (reference, at, id)",
    ),
    (
        # E-mail subscribers (storage/mailing.py). pending_services and token_* are a confirmation awaited:
        # the key's hash (the key itself is only in the e-mail) and when it expires. Times in epoch seconds.
        """CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY,
            address TEXT NOT NULL UNIQUE,
            services TEXT NOT NULL,
            confirmed_at REAL,
            pending_services TEXT,
            token_hash TEXT UNIQUE,
            token_expires REAL
        ) STRICT""",
        # The hash of each e-mail's unsubscribe key: any of them deletes the address.
        """CREATE TABLE unsubscribe_keys (
            key_hash TEXT PRIMARY KEY,
            subscriber INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE
        ) STRICT""",
        "CREATE INDEX unsubscribe_keys_by_subscriber ON unsubscribe_keys (subscriber)",
        # Webhook subscriptions registered by staff; switched off (disabled_at) after repeated failures. The
        # secret signs each delivery, so it is kept as given (it is the receiver's to check, not a password).
        """CREATE TABLE webhooks (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            secret TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            disabled_at REAL
        ) STRICT""",
        # What awaits sending: notices, e-mails and webhook deliveries, each once by its key; done entries keep
        # their key a while.
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            key TEXT NOT NULL UNIQUE,
            subscriber INTEGER REFERENCES subscribers (id) ON DELETE CASCADE,
            webhook INTEGER REFERENCES webhooks (id) ON DELETE CASCADE,
            services TEXT,
            content TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at REAL NOT NULL,
            claimed_until REAL NOT NULL DEFAULT 0,
            done_at REAL
        ) STRICT""",
        "CREATE INDEX outbox_due ON outbox (next_at) WHERE done_at IS NULL",
        "CREATE INDEX outbox_by_subscriber ON outbox (subscriber)",
        "CREATE INDEX outbox_by_webhook ON outbox (webhook)",
    ),
    (
        # The language of a subscriber's e-mails (a code of site.yml: the page it subscribed from), taken on
        # confirmation like its services (pending_language until then). NULL: French, as every subscriber
        # was before.
        "ALTER TABLE subscribers ADD COLUMN language TEXT",
        "ALTER TABLE subscribers ADD COLUMN pending_language TEXT",
    ),
    (
        # The helpdesks' inbox (storage/inbox.py): each delivery once by its id ("zendesk:…"), accepted as the
        # HelpdeskChange it maps to (JSON, nothing personal), applied later by the applier. Applied rows keep
        # their id and outcome a while (the change itself is emptied), then go. Times in epoch seconds.
        """CREATE TABLE helpdesk_inbox (
            id INTEGER PRIMARY KEY,
            delivery TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            reference TEXT NOT NULL,
            change TEXT NOT NULL,
            received_at REAL NOT NULL,
            claimed_until REAL NOT NULL DEFAULT 0,
            applied_at REAL,
            outcome TEXT
        ) STRICT""",
        "CREATE INDEX helpdesk_inbox_pending ON helpdesk_inbox (id) WHERE applied_at IS NULL",
        "CREATE INDEX helpdesk_inbox_by_applied ON helpdesk_inbox (applied_at)",
    ),
)
VERSION = len(MIGRATIONS)


class NewerSchema(DomainError):
    """The database was migrated by a newer version of the service: this one must not touch it."""


def migrate(conn: sqlite3.Connection, shown: str) -> None:
    """Bring the database to VERSION, inside the caller's IMMEDIATE transaction (two processes starting
    together then migrate once)."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > VERSION:
        raise NewerSchema(f"{shown}: schema version {version} is newer than this program's ({VERSION})")
    for statements in MIGRATIONS[version:]:
        for statement in statements:
            conn.execute(statement)
    # PRAGMA takes no bound parameter; the value is this module's own integer.
    conn.execute(f"PRAGMA user_version = {VERSION:d}")
