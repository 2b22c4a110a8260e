"""Binance's request signing (``SIGNED`` endpoints, HMAC-SHA256 keys), checked as Binance checks it.

A signed request carries its API key in the ``X-MBX-APIKEY`` header and, among its parameters,
``timestamp`` (milliseconds), an optional ``recvWindow`` (milliseconds, default 5000, at most
60000) and ``signature``: the hex HMAC-SHA256, keyed with the secret, of the *total params* — the
query string concatenated with the request body, exactly as sent, without the signature itself.
Refusals, in the order they are checked:

- no key or a key of the wrong form: HTTP 401, ``-2014 API-key format invalid.``;
- a key the exchange does not know: HTTP 401, ``-2015 Invalid API-key, IP, or permissions for action.``;
- no ``timestamp``: ``-1102``; ``recvWindow`` above 60000: ``-1131``;
- a timestamp more than 1 s ahead of the server, or older than the window: ``-1021``;
- a missing or wrong signature: ``-1022 Signature for this request is not valid.``
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from keepers.devexchange.binance import BinanceError, mandatory

DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60_000
KEY_FORM = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
BAD_KEY_FORM = BinanceError(-2014, "API-key format invalid.", 401)
UNKNOWN_KEY = BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
BAD_SIGNATURE = BinanceError(-1022, "Signature for this request is not valid.")


@dataclass(frozen=True)
class ApiKey:
    """An API key's secret and the account it trades for; OKX keys also have a passphrase."""

    secret: str
    account: str
    passphrase: str | None = None

    def __repr__(self) -> str:  # a key is printed in logs and test failures; its secret never is
        return f"ApiKey(account={self.account!r})"


def signature(secret: str, total_params: str) -> str:
    return hmac.new(secret.encode(), total_params.encode(), hashlib.sha256).hexdigest()


def unsigned(part: str) -> tuple[str, str | None]:
    """A query string or body without its ``signature`` parameter, and that signature."""
    kept, found = [], None
    for piece in part.split("&") if part else []:
        if piece.startswith("signature="):
            found = piece.removeprefix("signature=")
        else:
            kept.append(piece)
    return "&".join(kept), found


def authenticate(
    keys: Mapping[str, ApiKey],
    api_key: str | None,
    query_string: str,
    body: str,
    params: Mapping[str, str],
    now_ms: int,
) -> ApiKey:
    """The key a signed request is made with, or the :class:`BinanceError` Binance would answer."""
    if api_key is None or not KEY_FORM.match(api_key):
        raise BAD_KEY_FORM
    key = keys.get(api_key)
    if key is None:
        raise UNKNOWN_KEY
    timestamp = _integer(params, "timestamp")
    if timestamp is None:
        raise mandatory("timestamp")
    window = _integer(params, "recvWindow")
    window = DEFAULT_RECV_WINDOW if window is None else window
    if window > MAX_RECV_WINDOW or window <= 0:
        raise BinanceError(-1131, f"recvWindow must be less than {MAX_RECV_WINDOW}.")
    if timestamp >= now_ms + 1000:
        raise BinanceError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    if now_ms - timestamp > window:
        raise BinanceError(-1021, "Timestamp for this request is outside of the recvWindow.")
    query, in_query = unsigned(query_string)
    form, in_body = unsigned(body)
    sent = in_query or in_body
    if sent is None or not hmac.compare_digest(sent.lower(), signature(key.secret, query + form)):
        raise BAD_SIGNATURE
    return key


def _integer(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise mandatory(name)
    return int(value)
