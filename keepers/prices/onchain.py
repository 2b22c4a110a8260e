"""What the on-chain sources share: a Uniswap pool on a node, seen as base/quote, whose failures are refusals.

Every read of one observation is pinned to one block (the head when the observation starts), so
a price and its timestamp always belong together. Whatever goes wrong on the way (a node that does
not answer or serves another chain, an address that is no pool, a revert) comes out as
:class:`~keepers.prices.quote.PriceUnavailable` naming the source.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from eth_abi.exceptions import DecodingError
from web3 import Web3
from web3.exceptions import BadFunctionCallOutput, ContractLogicError, Web3Exception, Web3RPCError

from keepers.chain.contracts import Contract, abi, describe_revert
from keepers.prices.quote import PriceSource, PriceUnavailable
from keepers.prices.settings import PoolKind

POOL_ABI = {"uniswap_v2": "UniswapV2Pair", "uniswap_v3": "UniswapV3Pool"}


class PoolReverted(PriceUnavailable):
    """The pool reverted a call; ``revert`` is its decoded reason (``OLD``, a custom error...)."""

    def __init__(self, source: str, function: str, revert: str | None):
        super().__init__(source, f"{function} reverted: {revert or 'no reason given'}")
        self.function = function
        self.revert = revert


@dataclass(frozen=True)
class Head:
    """The block an observation reads."""

    number: int
    timestamp: int


def node(url: str, timeout: float) -> Web3:
    """A Web3 on ``url``, not checked to answer: a node that is down makes each read refuse, not the
    keeper fail to start."""
    return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))


class ChainPool:
    """A Uniswap V2 pair or V3 pool on a node, with ``base_token`` as the token priced.

    ``chain_id``, when given, is checked once against the node: a misconfigured endpoint serving
    another chain refuses instead of pricing some other pool at the same address.
    """

    def __init__(
        self, source: str, w3: Web3, address: str, kind: PoolKind, base_token: str, chain_id: int | None = None
    ):
        self.source = source
        self.w3 = w3
        self.kind = kind
        self.contract = Contract(w3, address, abi(POOL_ABI[kind]))
        self.base_token = Web3.to_checksum_address(base_token)
        self.chain_id = chain_id
        self._base_is_token0: bool | None = None
        self._chain_checked = chain_id is None

    def __repr__(self) -> str:
        return f"ChainPool({self.kind} {self.contract.address} on {self.url})"

    @property
    def url(self) -> str:
        return str(getattr(self.w3.provider, "endpoint_uri", None) or self.w3.provider)

    def head(self) -> Head:
        """The latest block, after checking (once) that the node serves the configured chain."""
        with self._refusing():
            if not self._chain_checked:
                served = self.w3.eth.chain_id
                if served != self.chain_id:
                    raise PriceUnavailable(
                        self.source, f"the node at {self.url} serves chain {served}, not chain {self.chain_id}"
                    )
                self._chain_checked = True
            block = self.w3.eth.get_block("latest")
            return Head(number=block["number"], timestamp=block["timestamp"])

    def base_is_token0(self, head: Head) -> bool:
        """Whether the base token is the pool's token0 (read once: a pool's tokens never change)."""
        if self._base_is_token0 is None:
            try:
                token0 = self.call("token0", block=head.number)
                token1 = self.call("token1", block=head.number)
            except PoolReverted as err:
                raise PriceUnavailable(
                    self.source, f"{self.contract.address} is not a {self.kind} pool: {err.reason}"
                ) from None
            if self.base_token not in (token0, token1):
                raise PriceUnavailable(
                    self.source,
                    f"{self.base_token} is not a token of pool {self.contract.address} ({token0}, {token1})",
                )
            self._base_is_token0 = self.base_token == token0
        return self._base_is_token0

    def call(self, function: str, *args: Any, block: int) -> Any:
        """``function(*args)`` of the pool at ``block``, decoded."""
        with self._refusing(function):
            return self.contract.call(function, *args, block=block)

    @contextmanager
    def _refusing(self, function: str | None = None) -> Iterator[None]:
        try:
            yield
        except PriceUnavailable:
            raise
        except ContractLogicError as err:
            data = err.data if isinstance(err.data, str | bytes) else None
            raise PoolReverted(self.source, function or "call", describe_revert(data) or err.message) from None
        except (requests.RequestException, ConnectionError, TimeoutError) as err:
            reason = f"no answer from the node at {self.url} ({type(err).__name__})"
            raise PriceUnavailable(self.source, reason) from None
        except Web3RPCError as err:
            raise PriceUnavailable(self.source, f"the node at {self.url} refused: {err.message}") from None
        except (DecodingError, BadFunctionCallOutput):
            raise PriceUnavailable(
                self.source,
                f"{self.contract.address} answered {function} with nothing a {self.kind} pool would: "
                "no contract there, or another kind",
            ) from None
        except Web3Exception as err:
            raise PriceUnavailable(self.source, f"{type(err).__name__} from the node at {self.url}: {err}") from None


class PoolPriceSource(PriceSource):
    """A price source reading one pool (``self.pool``) on a node; subclasses say how it becomes a price."""

    def __init__(
        self,
        name: str,
        w3: Web3,
        pool: str,
        kind: PoolKind,
        base_token: str,
        *,
        max_age: int = 60,
        chain_id: int | None = None,
    ):
        super().__init__(name, max_age)
        self.pool = ChainPool(name, w3, pool, kind, base_token, chain_id)
