"""The market maker's tests: fresh wallets funded on the world, a trader moving pools from outside,
and the chain tests' web3 and transaction journal."""

from __future__ import annotations

import secrets

import pytest
from eth_account import Account
from web3 import Web3

from keepers.chain.journal import TxJournal
from keepers.sim.accounts import Wallet, current_fees, settle
from keepers.store.db import Store

FUNDS = {"WETH": 200 * 10**18, "DAI": 1_000_000 * 10**18, "USDC": 1_000_000 * 10**6}
GAS = 200_000


@pytest.fixture
def w3(chain) -> Web3:
    return chain.provider.web3


@pytest.fixture
def journal(w3, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'journal.db'}")
    yield TxJournal(store, w3.eth.chain_id)
    store.close()


def funded(w3: Web3, world, artifacts, count: int) -> list:
    """Fresh keys holding ETH and every token (sent outside the senders, before any sender starts)."""
    accounts, hashes = [], []
    fees = current_fees(w3)
    for _ in range(count):
        wallet = Wallet(w3, Account.from_key(secrets.token_bytes(32)), w3.eth.chain_id).fund(1_000)
        for symbol, amount in FUNDS.items():
            token = w3.eth.contract(address=world.book.address(symbol), abi=artifacts.abi(_artifact(symbol)))
            fn = token.functions.deposit() if symbol == "WETH" else token.functions.mint(amount)
            hashes.append(wallet.send(fn, gas=GAS, value=amount if symbol == "WETH" else 0, **fees))
        accounts.append(wallet.account)
    settle(w3, hashes, "funding the wallets")
    return accounts


def _artifact(symbol: str) -> str:
    return "WETH9" if symbol == "WETH" else "MintableERC20"


def move(w3: Web3, world, artifacts, pool: str, symbol_in: str, amount: int) -> None:
    """A trader outside the market maker sells ``amount`` of ``symbol_in`` into ``pool``."""
    (account,) = funded(w3, world, artifacts, 1)
    trader = Wallet(w3, account, w3.eth.chain_id)
    entry = world.book.pools[pool]
    symbol_out = next(s for s in entry.tokens if s != symbol_in)
    token_in, token_out = world.book.address(symbol_in), world.book.address(symbol_out)
    router_name = f"{entry.exchange}_router"
    router_abi = artifacts.abi("UniswapV2Router02" if entry.kind == "uniswap_v2" else "SwapRouter")
    router = w3.eth.contract(address=world.book.address(router_name), abi=router_abi)
    token = w3.eth.contract(address=token_in, abi=artifacts.abi(_artifact(symbol_in)))
    fees = current_fees(w3)
    hashes = [trader.send(token.functions.approve(router.address, amount), gas=GAS, **fees)]
    if entry.kind == "uniswap_v2":
        fn = router.functions.swapExactTokensForTokens(amount, 0, [token_in, token_out], trader.address, 2**32)
    else:
        fn = router.functions.exactInputSingle((token_in, token_out, 3000, trader.address, 2**32, amount, 0, 0))
    hashes.append(trader.send(fn, gas=400_000, **fees))
    settle(w3, hashes, f"moving {pool}")
