"""Load a signing key from the environment, a keystore file or an Ape account. Never logged.

An Ape account is a standard encrypted keystore in Ape's data folder
(`~/.ape/accounts/<alias>.json`); its password comes from the configured
`keystore_password` or Ape's own `APE_ACCOUNTS_<alias>_PASSPHRASE` variable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from keepers.config import ConfigError, KeySettings


class KeyUnavailable(ConfigError):
    """A key is missing or cannot be unlocked (a configuration mistake); the message never contains
    key material."""


def load_account(settings: KeySettings, role: str) -> LocalAccount:
    """The account configured for `role` (e.g. "bot", "searcher")."""
    if settings.private_key is not None:
        try:
            return Account.from_key(settings.private_key.get_secret_value())
        except (ValueError, TypeError):
            raise KeyUnavailable(f"{role}: LAPIDARY_{role.upper()}__PRIVATE_KEY is not a valid private key") from None
    if settings.keystore is not None:
        password = settings.keystore_password.get_secret_value() if settings.keystore_password else None
        return _decrypt(settings.keystore, password, role)
    if settings.ape_account is not None:
        alias = settings.ape_account
        folder = Path(os.environ.get("APE_DATA_FOLDER", Path.home() / ".ape"))
        password = (
            settings.keystore_password.get_secret_value()
            if settings.keystore_password
            else os.environ.get(f"APE_ACCOUNTS_{alias}_PASSPHRASE")
        )
        return _decrypt(folder / "accounts" / f"{alias}.json", password, role)
    raise KeyUnavailable(
        f"{role}: no key configured; set LAPIDARY_{role.upper()}__PRIVATE_KEY, "
        f"LAPIDARY_{role.upper()}__KEYSTORE (+ __KEYSTORE_PASSWORD) or LAPIDARY_{role.upper()}__APE_ACCOUNT"
    )


def _decrypt(path: Path, password: str | None, role: str) -> LocalAccount:
    if not path.is_file():
        raise KeyUnavailable(f"{role}: keystore {path} not found")
    if password is None:
        raise KeyUnavailable(f"{role}: keystore {path} needs a password (LAPIDARY_{role.upper()}__KEYSTORE_PASSWORD)")
    try:
        key = Account.decrypt(json.loads(path.read_text()), password)
    except (ValueError, KeyError, json.JSONDecodeError):
        raise KeyUnavailable(f"{role}: cannot unlock keystore {path} (wrong password or not a keystore)") from None
    return Account.from_key(key)
