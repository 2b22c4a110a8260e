"""Secrets never reach the log table or the API: exact values and anything named like a secret."""

from __future__ import annotations

from keepers.redact import REDACTED, Redactor

KEY = "0x" + "ab" * 32


def test_known_secrets_are_redacted_with_or_without_0x():
    redact = Redactor([KEY, "tok-123456", ""])
    assert redact(f"bot key {KEY}") == f"bot key {REDACTED}"
    assert redact(f"raw {KEY[2:]}!") == f"raw {REDACTED}!"
    assert redact("token tok-123456 used") == f"token {REDACTED} used"


def test_named_secrets_are_redacted_whatever_their_value():
    redact = Redactor()
    assert redact("LAPIDARY_BOT__PRIVATE_KEY=0x1234567890") == f"LAPIDARY_BOT__PRIVATE_KEY={REDACTED}"
    assert redact('{"password": "hunter22"}') == f'{{"password": "{REDACTED}"}}'
    assert redact("Authorization: Bearer abcdefgh") == f"Authorization: Bearer {REDACTED}"


def test_ordinary_lines_are_untouched():
    redact = Redactor([KEY])
    line = "block 12: landed 0x" + "cd" * 32 + ", profit 1034453472461705 wei"
    assert redact(line) == line
