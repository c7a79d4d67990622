"""The PostgreSQL schema, as numbered migrations, run at start under an advisory lock: instances starting
together migrate once, one after the other, and a database at version N gets migrations N+1 onwards."""

from __future__ import annotations

import psycopg

from status_api.storage.sqlite.schema import NewerSchema

# pg_advisory_xact_lock's key for migrations (one bigint; record locks use the two-int key space, which
# never overlaps it).
MIGRATION_LOCK = 0x5354_4154_5553  # "STATUS"

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE tickets (
            reference text PRIMARY KEY,
            issue_type text NOT NULL,
            step text NOT NULL,
            team text NOT NULL,
            opened_at timestamptz NOT NULL,
            resolved_at timestamptz,
            prioritised boolean NOT NULL,
            skipped_steps text[] NOT NULL,
            update_count integer NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE call_ids (
            call_id text PRIMARY KEY,
            reference text NOT NULL REFERENCES tickets (reference) ON DELETE CASCADE,
            position integer NOT NULL
        )""",
        "CREATE INDEX call_ids_by_reference ON call_ids (reference, position)",
        """CREATE TABLE updates (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            reference text NOT NULL REFERENCES tickets (reference) ON DELETE CASCADE,
            at timestamptz NOT NULL,
            text text,
            step text,
            team text
        )""",
        "CREATE INDEX updates_by_reference ON updates (reference, at, id)",
        """CREATE TABLE incidents (
            reference text PRIMARY KEY,
            title text NOT NULL,
            services text[] NOT NULL,
            state text NOT NULL,
            started_at timestamptz NOT NULL,
            ended_at timestamptz
        )""",
        "CREATE INDEX incidents_by_end ON incidents (ended_at)",
        # An identity is never given twice, even after a deletion, so feed entry ids stay unique.
        """CREATE TABLE incident_updates (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            reference text NOT NULL REFERENCES incidents (reference) ON DELETE CASCADE,
            at timestamptz NOT NULL,
            text text,
            state text
        )""",
        "CREATE INDEX incident_updates_by_reference ON incident_updates (reference, at, id)",
        """CREATE TABLE incident_tickets (
            ticket text PRIMARY KEY REFERENCES tickets (reference) ON DELETE CASCADE,
            incident text NOT NULL REFERENCES incidents (reference) ON DELETE CASCADE
        )""",
        "CREATE INDEX incident_tickets_by_incident ON incident_tickets (incident)",
        """CREATE TABLE idempotency (
            subject text NOT NULL,
            reference text NOT NULL,
            key text NOT NULL,
            fingerprint text NOT NULL,
            PRIMARY KEY (subject, reference, key)
        )""",
        # The lookup budgets every instance shares (budgets.py): lost in a crash, which costs nothing but a
        # fresh budget, and cheaper to write than a logged table.
        """CREATE UNLOGGED TABLE budgets (
            client text PRIMARY KEY,
            lookups double precision NOT NULL,
            misses double precision NOT NULL,
            at double precision NOT NULL,
            granted boolean NOT NULL
        )""",
    ),
    (
        # The service state an incident puts its services in (data/incidents.yml service_states); NULL for
        # incidents stored before: they read as the data's default_impact.
        "ALTER TABLE incidents ADD COLUMN impact text",
    ),
    (
        # The helpdesk's time of the latest change applied from it: an older delivery changes nothing.
        "ALTER TABLE tickets ADD COLUMN helpdesk_at timestamptz",
    ),
    (
        # "Cet article vous a-t-il été utile ?": a page's path, yes or no, when, and the comment left on a no.
        # Nothing about who voted. comment_key is the vote's single-use secret (a hash of it): spent, it is NULL.
        """CREATE TABLE votes (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            page text NOT NULL,
            useful boolean NOT NULL,
            at timestamptz NOT NULL,
            comment text,
            comment_key text UNIQUE
        )""",
        "CREATE INDEX votes_by_at ON votes (at)",
    ),
    (
        # Planned maintenance: a window and its services; its phase is never stored (the clock decides it).
        """CREATE TABLE maintenances (
            reference text PRIMARY KEY,
            title text NOT NULL,
            message text NOT NULL,
            services text[] NOT NULL,
            starts_at timestamptz NOT NULL,
            ends_at timestamptz NOT NULL,
            cancelled_at timestamptz
        )""",
        "CREATE INDEX maintenances_by_end ON maintenances (ends_at)",
        # An identity is never given twice, so feed entry ids stay unique.
        """CREATE TABLE maintenance_updates (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            reference text NOT NULL REFERENCES maintenances (reference) ON DELETE CASCADE,
            at timestamptz NOT NULL,
            text text,
            starts_at timestamptz,
            ends_at timestamptz,
            cancelled boolean NOT NULL
        )""",
        "CREATE INDEX maintenance_updates_by_reference ON maintenance_updates (reference, at, id)",
    ),
    (
        # E-mail subscribers, their unsubscribe keys and the outbox: see the SQLite schema's same migration.
        """CREATE TABLE subscribers (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            address text NOT NULL UNIQUE,
            services text NOT NULL,
            confirmed_at double precision,
            pending_services text,
            token_hash text UNIQUE,
            token_expires double precision
        )""",
        """CREATE TABLE unsubscribe_keys (
            key_hash text PRIMARY KEY,
            subscriber bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE
        )""",
        "CREATE INDEX unsubscribe_keys_by_subscriber ON unsubscribe_keys (subscriber)",
        """CREATE TABLE webhooks (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            url text NOT NULL,
            secret text NOT NULL,
            failures integer NOT NULL DEFAULT 0,
            created_at double precision NOT NULL,
            disabled_at double precision
        )""",
        """CREATE TABLE outbox (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind text NOT NULL,
            key text NOT NULL UNIQUE,
            subscriber bigint REFERENCES subscribers (id) ON DELETE CASCADE,
            webhook bigint REFERENCES webhooks (id) ON DELETE CASCADE,
            services text,
            content text NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_at double precision NOT NULL,
            claimed_until double precision NOT NULL DEFAULT 0,
            done_at double precision
        )""",
        "CREATE INDEX outbox_due ON outbox (next_at) WHERE done_at IS NULL",
        "CREATE INDEX outbox_by_subscriber ON outbox (subscriber)",
        "CREATE INDEX outbox_by_webhook ON outbox (webhook)",
    ),
    (
        # A subscriber's language: see the SQLite schema's same migration.
        "ALTER TABLE subscribers ADD COLUMN language text",
        "ALTER TABLE subscribers ADD COLUMN pending_language text",
    ),
    (
        # The helpdesks' inbox: see the SQLite schema's same migration.
        """CREATE TABLE helpdesk_inbox (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            delivery text NOT NULL UNIQUE,
            source text NOT NULL,
            reference text NOT NULL,
            change text NOT NULL,
            received_at double precision NOT NULL,
            claimed_until double precision NOT NULL DEFAULT 0,
            applied_at double precision,
            outcome text
        )""",
        "CREATE INDEX helpdesk_inbox_pending ON helpdesk_inbox (id) WHERE applied_at IS NULL",
        "CREATE INDEX helpdesk_inbox_by_applied ON helpdesk_inbox (applied_at)",
    ),
    (
        # Each budget's rows are named by its kind now (budgets.py), so that one forgets only its own: the
        # rows kept before have no kind and would never be forgotten. Budgets start afresh, which costs nothing.
        "TRUNCATE budgets",
    ),
)
VERSION = len(MIGRATIONS)


def migrate(conn: psycopg.Connection[tuple[object, ...]], shown: str) -> None:
    """Bring the database to VERSION, in one transaction under the migration lock."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        version = int(str(row[0])) if row is not None else 0
        if version > VERSION:
            raise NewerSchema(f"{shown}: schema version {version} is newer than this program's ({VERSION})")
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement.encode())
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (VERSION,))
        else:
            conn.execute("UPDATE schema_version SET version = %s", (VERSION,))
