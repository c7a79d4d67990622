"""Webhook signatures, recent timestamps only: one HMAC check and one 5-minute window for every helpdesk.

Zendesk's: base64(HMAC-SHA256(signing secret, timestamp + raw body)). Ours, for any other helpdesk (the
generic webhook): "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + raw body)), timestamp in seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
INVOCATION_HEADER = "X-Zendesk-Webhook-Invocation-Id"
GENERIC_SIGNATURE_HEADER = "X-Status-Signature"
GENERIC_TIMESTAMP_HEADER = "X-Status-Timestamp"
# A signed delivery replayed later than this, or stamped this far ahead, is refused.
TOLERANCE = timedelta(minutes=5)

Refusal = Literal["invalid_signature", "stale_timestamp"]
Signer = Callable[[str, str, bytes], str]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's signature."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_generic(secret: str, timestamp: str, body: bytes) -> str:
    """The generic webhook's signature, as `openssl dgst -sha256 -hmac` prints it (lower-case hex)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return "sha256=" + digest


def check(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    signer: Signer = sign,
) -> Refusal | None:
    """Why the delivery is refused, or None when `signer`'s signature matches within the tolerance."""
    if not timestamp or not signature:
        return "invalid_signature"
    # Constant time whatever the mismatch: how long the comparison takes tells nothing of the right signature.
    expected = signer(secret, timestamp, body).encode()
    if not hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace")):
        return "invalid_signature"
    moment = _moment(timestamp)
    if moment is None or abs(now - moment) > TOLERANCE:
        return "stale_timestamp"
    return None


def _moment(timestamp: str) -> datetime | None:
    """Zendesk stamps in ISO 8601 (2026-12-01T10:00:00Z); seconds since 1970 are read too."""
    text = timestamp.strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo is not None else None
