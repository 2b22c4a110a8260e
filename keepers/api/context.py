"""What every API route reads from: settings, the store, the chain, and the deployed addresses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import decode, encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from keepers.api.redact import Redactor
from keepers.chain.client import connect
from keepers.chain.keys import load_account
from keepers.config import LapidarySettings
from keepers.diamond.records import Deployments
from keepers.store.db import Store
from keepers.world.book import AddressBook

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
    operator: LocalAccount | None
    redact: Redactor
    book: AddressBook | None = None
    # Balance deltas of settled blocks never change: (token, block) -> treasury + child delta.
    deltas: dict[tuple[str, int], int] = field(default_factory=dict)

    def call(self, to: str, signature: str, types: list[str], args: list, out: list[str], block="latest") -> tuple:
        data = keccak(text=signature)[:4] + encode(types, args)
        return decode(out, bytes(self.w3.eth.call({"to": Web3.to_checksum_address(to), "data": data}, block)))

    def balance(self, token: Token, holder: str, block: int | str = "latest") -> int:
        if token.address is None:
            return self.w3.eth.get_balance(Web3.to_checksum_address(holder), block)
        return self.call(token.address, "balanceOf(address)", ["address"], [holder], ["uint256"], block)[0]

    def token_at(self, address: str) -> Token:
        for token in self.tokens:
            if token.address is not None and token.address.lower() == address.lower():
                return token
        return Token(address, Web3.to_checksum_address(address), 18)

    def close(self) -> None:
        self.store.close()


def build_context(settings: LapidarySettings) -> ApiContext:
    """Connect to the node and the store; read the deployments and world files if configured."""
    w3 = connect(settings.chain)
    chain_id = w3.eth.chain_id
    deployments = Deployments.read(Path(settings.deployments_file)) if settings.deployments_file else None
    if deployments is not None and deployments.chain_id != chain_id:
        deployments = None  # another chain's addresses would show someone else's balances
    book = AddressBook.read(Path(settings.world_file)) if settings.world_file else None
    tokens = [Token(NATIVE, None, 18)]
    for entry in settings.api.tokens or (list(book.tokens) if book else []):
        if book is not None and entry in book.tokens:
            t = book.tokens[entry]
            tokens.append(Token(t.symbol, Web3.to_checksum_address(t.address), t.decimals))
        elif Web3.is_address(entry):
            tokens.append(_read_token(w3, Web3.to_checksum_address(entry)))
    secrets = [settings.api.token.get_secret_value() if settings.api.token else ""]
    for keys in (settings.bot, settings.searcher, settings.operator):
        if keys.private_key is not None:
            secrets.append(keys.private_key.get_secret_value())
    operator = load_account(settings.operator, "operator") if settings.operator.configured else None
    return ApiContext(
        settings=settings,
        store=Store(settings.store.url),
        w3=w3,
        chain_id=chain_id,
        master=deployments.master.address if deployments and deployments.master else None,
        children={name: d.address for name, d in deployments.children.items()} if deployments else {},
        tokens=tokens,
        bots={name: Web3.to_checksum_address(a) for name, a in settings.api.bots.items() if Web3.is_address(a)},
        operator=operator,
        redact=Redactor(secrets),
        book=book,
    )


def _read_token(w3: Web3, address: str) -> Token:
    def read(signature: str, out: str):
        return decode([out], bytes(w3.eth.call({"to": address, "data": keccak(text=signature)[:4]})))[0]

    try:
        return Token(read("symbol()", "string"), address, read("decimals()", "uint8"))
    except Exception:  # not an ERC-20 with metadata: show the address, assume 18 decimals
        return Token(address, address, 18)
