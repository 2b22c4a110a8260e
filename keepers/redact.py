"""Take secrets out of a log line before it is stored or served.

Known secret values (the keys and token a supervisor hands its children) are replaced
wherever they appear; anything written as ``key=value`` / ``key: value`` under a
secret-sounding name is replaced too, whatever its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"
NAMED_SECRET = re.compile(
    r"(?i)(private_?key|secret|password|passphrase|token|authorization)(\"?'?\s*[:=]\s*\"?'?(?:bearer\s+)?)"
    r"([^\s\"',;]{6,})"
)
BEARER = re.compile(r"(?i)(bearer\s+)([^\s\"',;]{6,})")


class Redactor:
    """Redacts `secrets` (exact values, also without a 0x prefix) and named secrets."""

    def __init__(self, secrets: Iterable[str] = ()):
        values: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            values.add(secret)
            if secret.startswith("0x") and len(secret) > 10:
                values.add(secret[2:])
        # Longest first, so a 0x-prefixed value is replaced whole before its bare form.
        self._values = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, REDACTED)
        text = NAMED_SECRET.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
        return BEARER.sub(lambda m: m.group(1) + REDACTED, text)
