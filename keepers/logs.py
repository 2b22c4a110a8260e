"""One logging setup for every process: level and format from settings, secrets taken out in one place.

Every `keepers` command calls :func:`setup_logging` once, before it does anything else. Records go
to stderr as text (``time level logger: message``) or, with ``logging.json_lines``, one JSON
object per line for a log shipper. Whatever the format, every line passes through the
:class:`~keepers.redact.Redactor` built from the configured secrets (keys, keystore passwords, the
API token), so a key never reaches a log, whoever logged it and however.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from keepers.config import LapidarySettings, LogSettings
from keepers.redact import Redactor

HANDLER_NAME = "lapidary"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def settings_secrets(settings: LapidarySettings) -> list[str]:
    """Every secret value the settings hold (private keys, keystore passwords, the API token)."""
    found = []
    for keys in (settings.bot, settings.searcher, settings.relayer, settings.operator):
        for secret in (keys.private_key, keys.keystore_password):
            if secret is not None:
                found.append(secret.get_secret_value())
    if settings.api.token is not None:
        found.append(settings.api.token.get_secret_value())
    return found


class RedactingFilter(logging.Filter):
    """Takes secrets out of a record (its message, arguments and traceback) before any handler sees it."""

    def __init__(self, redact: Redactor):
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line)


def setup_logging(settings: LogSettings, secrets: Iterable[str] = (), *, default_level: str | None = None) -> None:
    """Configure the root logger (idempotent: a second call replaces the first's handler)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RedactingFilter(Redactor(secrets)))
    handler.setFormatter(_JsonLines() if settings.json_lines else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    level = settings.level if "level" in settings.model_fields_set or default_level is None else default_level
    root.setLevel(level.upper())
