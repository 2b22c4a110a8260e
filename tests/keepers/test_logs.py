"""One logging setup for every process: level and format from settings, secrets redacted whoever logs
them, JSON lines on request."""

from __future__ import annotations

import json
import logging

import pytest

from keepers.config import LapidarySettings, LogSettings
from keepers.logs import settings_secrets, setup_logging

KEY = "0x" + "ab" * 32


@pytest.fixture
def restore_root():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_secrets_never_reach_a_log_line(capfd, restore_root):
    settings = LapidarySettings(bot={"private_key": KEY}, api={"token": "s3cret-token-value"})
    setup_logging(LogSettings(level="info"), settings_secrets(settings))
    log = logging.getLogger("keepers.test")
    log.info("signing with %s", KEY)
    log.info("token=%s and the bare key %s", "s3cret-token-value", KEY[2:])
    try:
        raise ValueError(f"bad key {KEY}")
    except ValueError:
        log.exception("failed")
    err = capfd.readouterr().err
    assert "ab" * 32 not in err and "s3cret-token-value" not in err
    assert err.count("[redacted]") >= 4 and "ValueError" in err


def test_json_lines_and_the_level_from_settings(capfd, restore_root):
    setup_logging(LogSettings(level="warning", json_lines=True))
    setup_logging(LogSettings(level="warning", json_lines=True))  # a second call replaces the first
    logging.getLogger("keepers.test").info("hidden")
    logging.getLogger("keepers.test").warning("shown %d", 1)
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines()]
    assert [(line["level"], line["logger"], line["message"]) for line in lines] == [
        ("warning", "keepers.test", "shown 1")
    ]


def test_a_command_default_level_applies_unless_configured(restore_root):
    setup_logging(LogSettings(), default_level="info")
    assert logging.getLogger().level == logging.INFO
    setup_logging(LogSettings(level="error"), default_level="info")
    assert logging.getLogger().level == logging.ERROR
