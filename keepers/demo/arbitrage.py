"""The demo's arbitrage step: a dislocation, found and sized by the keeper, landed through the devrelay.

A trader sells WETH for DAI on one Uniswap V2 deployment; the arb keeper sees the
block's logs, sizes the best cycle, simulates it, sends it as a bundle to the
devrelay, which includes it in the next block. Every number reported is read
from the chain or the journal, never computed for show.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from keepers.arb.execution import ArbExecutor, lender_terms
from keepers.arb.journal import ArbJournal
from keepers.arb.keeper import ArbKeeper, ArbPlan
from keepers.arb.registry import PoolRegistry
from keepers.bundles.client import RelayClient
from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import TxSender
from keepers.demo.report import ArbReport
from keepers.devrelay.relay import DevRelay
from keepers.store.db import Store
from keepers.store.models import Bundle
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook
from keepers.world.settings import world_factories

E18 = 10**18
DEADLINE = 2**32 - 1
DISLOCATION_WETH = 60 * E18


def funded_account(w3: Web3, ether: int = 100) -> LocalAccount:
    """A fresh key with ETH, for the demo's bot, searcher and trader (never a real key)."""
    account = Account.from_key(secrets.token_bytes(32))
    w3.provider.make_request("anvil_setBalance", [account.address, hex(ether * E18)])
    return account


def run_arbitrage(
    w3: Web3,
    node_url: str,
    book: AddressBook,
    child: str,
    master: str,
    bot: LocalAccount,
    data_dir: Path,
    artifacts: ArtifactStore,
    lender: str = "balancer",
) -> ArbReport:
    """One arbitrage end to end; returns what the chain and the journal show."""
    journal_file = data_dir / "journal.db"
    journal_file.unlink(missing_ok=True)  # a fresh chain: yesterday's journal describes nothing here
    store = Store(f"sqlite:///{journal_file}")
    chain_id = w3.eth.chain_id
    searcher = funded_account(w3, 0)
    weth = w3.eth.contract(address=book.address("WETH"), abi=artifacts.abi("WETH9"))
    try:
        with DevRelay(node_url, block_interval=3600, anvil_log=data_dir / "devrelay-simulator.log") as relay:
            keeper = ArbKeeper(
                w3,
                PoolRegistry(w3, store, chain_id, world_factories(book), 500),
                ArbExecutor(w3, child, bot.address),
                TxSender(w3, bot, TxJournal(store, chain_id), FeePolicy()),
                RelayClient([relay.url], searcher),
                ArbJournal(store, chain_id),
                ArbPlan(base_token=book.address("WETH"), lender=lender, loan=lender_terms(w3, child, lender)),
            )
            keeper.start(w3.eth.block_number)
            _dislocate(w3, book, artifacts)
            relay.mine_now()
            submitted = keeper.on_block(w3.eth.block_number)
            if not submitted.submitted:
                raise RuntimeError(f"the keeper submitted nothing: {submitted}")
            treasury_before = weth.functions.balanceOf(master).call()
            relay.mine_now()
            settled = keeper.on_block(w3.eth.block_number)
            if not settled.landed:
                raise RuntimeError(f"the bundle did not land: {settled}")
            treasury_after = weth.functions.balanceOf(master).call()
            with store.transaction() as session:
                bundle = session.get(Bundle, settled.landed[0])
                opportunity = bundle.opportunity
                names = {p.address: name for name, p in book.pools.items()}
                return ArbReport(
                    predicted_profit_wei=opportunity.predicted_profit,
                    realized_profit_wei=treasury_after - treasury_before,
                    event_profit_wei=bundle.realized_profit,
                    gas_used=bundle.gas_used,
                    lender=opportunity.lender,
                    route=[names.get(hop["pool"], hop["pool"]) for hop in opportunity.route],
                    amount_in_wei=opportunity.amount_in,
                    tx_hash=bundle.tx_hash,
                    block=bundle.landed_block,
                    relay=relay.url,
                )
    finally:
        store.close()


def _dislocate(w3: Web3, book: AddressBook, artifacts: ArtifactStore) -> None:
    """A trader sells WETH for DAI on `uniswap_v2`, leaving it cheaper in WETH than `v2b`."""
    trader = funded_account(w3, 1_000)
    weth = w3.eth.contract(address=book.address("WETH"), abi=artifacts.abi("WETH9"))
    router = w3.eth.contract(address=book.address("uniswap_v2_router"), abi=artifacts.abi("UniswapV2Router02"))
    nonce = w3.eth.get_transaction_count(trader.address, "pending")
    calls = [
        (weth.functions.deposit(), DISLOCATION_WETH),
        (weth.functions.approve(router.address, DISLOCATION_WETH), 0),
        (
            router.functions.swapExactTokensForTokens(
                DISLOCATION_WETH, 0, [weth.address, book.address("DAI")], trader.address, DEADLINE
            ),
            0,
        ),
    ]
    for offset, (fn, value) in enumerate(calls):
        tx = fn.build_transaction(
            {
                "from": trader.address,
                "value": value,
                "nonce": nonce + offset,
                "gas": 300_000,
                "maxFeePerGas": 100 * 10**9,
                "maxPriorityFeePerGas": 10**9,
                "chainId": w3.eth.chain_id,
            }
        )
        w3.eth.send_raw_transaction(trader.sign_transaction(tx).raw_transaction)


def print_arbitrage(console, arb: ArbReport) -> None:
    match = "[green]equal[/]" if arb.realized_profit_wei == arb.predicted_profit_wei else "[red]DIFFERENT[/]"
    console.print(
        f"arbitrage via {arb.relay} ({arb.lender} loan, {' -> '.join(arb.route)}): "
        f"predicted {arb.predicted_profit_wei} wei, realized {arb.realized_profit_wei} wei ({match}), "
        f"gas {arb.gas_used}, block {arb.block}"
    )
