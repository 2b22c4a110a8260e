"""What every API route reads from: settings, the store, the chain, and the deployed addresses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import requests
from web3 import Web3

from keepers.api.node import NodeWatch
from keepers.chain.client import connect
from keepers.chain.contracts import Contract, abi, token_balance
from keepers.chain.keys import load_account
from keepers.chain.sender import TxSender
from keepers.config import LapidarySettings
from keepers.diamond.records import Deployments
from keepers.logs import settings_secrets
from keepers.redact import Redactor
from keepers.store.db import Store

NATIVE = "ETH"


@dataclass(frozen=True)
class Token:
    symbol: str
    address: str | None  # None: the chain's native coin
    decimals: int


@dataclass
class ApiContext:
    settings: LapidarySettings
    store: Store
    w3: Web3
    chain_id: int
    master: str | None
    children: dict[str, str]
    tokens: list[Token]
    bots: dict[str, str]
    operator: TxSender | None  # the operator account's sender: every pause goes through it
    redact: Redactor
    node: NodeWatch  # head and pause as /api/health, /api/status and the live feed read them
    # Balance deltas of settled blocks never change: (token, block) -> treasury + child delta.
    deltas: dict[tuple[str, int], int] = field(default_factory=dict)
    # Symbols and decimals of tokens not in `tokens`, read from chain once: address (lower) -> Token.
    read_tokens: dict[str, Token] = field(default_factory=dict)
    pool_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # pool -> (token0, token1), read once

    def master_contract(self) -> Contract:
        assert self.master is not None
        return Contract(self.w3, self.master, abi("MasterPauseFacet"))

    def balance(self, token: Token, holder: str, block: int | str = "latest", w3: Web3 | None = None) -> int:
        """`holder`'s balance of `token`, read through `w3` (default: the keepers' connection)."""
        w3 = w3 or self.w3
        if token.address is None:
            return w3.eth.get_balance(Web3.to_checksum_address(holder), block)
        return token_balance(w3, token.address, holder, block)

    def token_at(self, address: str) -> Token:
        for token in self.tokens:
            if token.address is not None and token.address.lower() == address.lower():
                return token
        return Token(address, Web3.to_checksum_address(address), 18)

    def read_token(self, address: str, w3: Web3 | None = None) -> Token:
        """The token's symbol and decimals: configured, or read from chain through `w3` once and
        remembered (a node that does not answer raises, and nothing is remembered)."""
        key = address.lower()
        if key not in self.read_tokens:
            known = [t for t in self.tokens if t.address is not None and t.address.lower() == key]
            self.read_tokens[key] = known[0] if known else _read_token(w3 or self.w3, Web3.to_checksum_address(address))
        return self.read_tokens[key]

    def close(self) -> None:
        self.node.close()
        self.store.close()


def build_context(settings: LapidarySettings) -> ApiContext:
    """Connect to the node and the store; read the deployments file if configured."""
    w3 = connect(settings.chain)
    chain_id = w3.eth.chain_id
    deployments = Deployments.read(Path(settings.deployments_file)) if settings.deployments_file else None
    if deployments is not None and deployments.chain_id != chain_id:
        deployments = None  # another chain's addresses would show someone else's balances
    tokens = [Token(NATIVE, None, 18)]
    for entry in settings.api.tokens:
        if Web3.is_address(entry):
            tokens.append(_read_token(w3, Web3.to_checksum_address(entry)))
    store = Store(settings.store.url)
    operator = (
        TxSender.from_settings(w3, store, load_account(settings.operator, "operator"), settings)
        if settings.operator.configured
        else None
    )
    master = deployments.master.address if deployments and deployments.master else None
    return ApiContext(
        settings=settings,
        store=store,
        w3=w3,
        chain_id=chain_id,
        master=master,
        children={name: d.address for name, d in deployments.children.items()} if deployments else {},
        tokens=tokens,
        bots={name: Web3.to_checksum_address(a) for name, a in settings.api.bots.items() if Web3.is_address(a)},
        operator=operator,
        redact=Redactor(settings_secrets(settings)),
        node=NodeWatch(settings.chain.rpc_url, chain_id, master, settings.api.node_timeout),
    )


def _read_token(w3: Web3, address: str) -> Token:
    erc20 = Contract(w3, address, abi("ERC20"))
    try:
        return Token(erc20.call("symbol"), address, erc20.call("decimals"))
    except requests.RequestException:
        raise  # the node, not the token: nothing to assume
    except Exception:  # not an ERC-20 with metadata: show the address, assume 18 decimals
        return Token(address, address, 18)
