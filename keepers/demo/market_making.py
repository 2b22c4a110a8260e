"""The market maker on a local world: its correcting wallets (derived from a fresh mnemonic) and the
`mm` child funded from the world's tokens, the development exchange's opening price (the pool's
own, so `keepers up` starts in the band), and the demo's one cycle against a reference moved 5%."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from keepers.chain.contracts import Contract
from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.pools import V3_POOL
from keepers.chain.sender import TxSender
from keepers.config import MmSettings
from keepers.demo.report import MmReport
from keepers.devexchange.markets import Listing
from keepers.devexchange.server import DevExchange
from keepers.markets.spot import v3_spot
from keepers.mm.contract import MM_CHILD, MarketMakingContract
from keepers.mm.funding import WalletFunding
from keepers.mm.journal import MmJournal
from keepers.mm.keeper import Market, MarketMaker
from keepers.mm.ladder import LadderParams
from keepers.mm.service import derive_wallets
from keepers.mm.tender import LadderTender
from keepers.mm.wallets import WalletLimits, Wallets
from keepers.prices.sources import build_reference
from keepers.store.db import Store
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook
from keepers.world.settings import MM_FUNDING_CAP, MM_POOL, MM_SYMBOL, mm_settings

E18 = 10**18
DEMO_WALLETS = 10
FUNDING_GAS = 120_000
WALLET_ETH = 100 * E18  # gas; the tokens they sell come from the child
LADDER_FUNDS = {"WETH": 150 * E18, "USDC": 450_000 * 10**6}
CONFIG_GAS = 150_000


@dataclass(frozen=True)
class MarketMakerKeys:
    mnemonic: str
    wallets: tuple[str, ...]


def fund_market_maker(
    w3: Web3, book: AddressBook, artifacts: ArtifactStore, child: str, wallets: int
) -> MarketMakerKeys:
    """A fresh mnemonic, its first `wallets` accounts holding ETH for gas and registered with the
    child as funding wallets (caps `MM_FUNDING_CAP`), and the child holding the ladder's funds and
    each wallet's cap; every transaction from the node's first account (the diamonds' owner, unlocked),
    mined before return."""
    Account.enable_unaudited_hdwallet_features()
    _, mnemonic = Account.create_with_mnemonic()
    accounts = derive_wallets(mnemonic, wallets)
    owner = {"from": w3.eth.accounts[0]}
    child = Web3.to_checksum_address(child)
    weth = w3.eth.contract(book.address("WETH"), abi=artifacts.abi("WETH9"))
    usdc = w3.eth.contract(book.address("USDC"), abi=artifacts.abi("MintableERC20"))
    funds = {s: LADDER_FUNDS[s] + wallets * MM_FUNDING_CAP[s] for s in ("WETH", "USDC")}
    # Gas given, not estimated: an estimate reads the latest block, where the deposit before a
    # transfer may not be mined yet (the node mines on the devrelay's schedule).
    hashes = [
        weth.functions.deposit().transact(owner | {"value": funds["WETH"], "gas": FUNDING_GAS}),
        weth.functions.transfer(child, funds["WETH"]).transact(owner | {"gas": FUNDING_GAS}),
        usdc.functions.mint(child, funds["USDC"]).transact(owner | {"gas": FUNDING_GAS}),
    ]
    for account in accounts:
        w3.provider.make_request("anvil_setBalance", [account.address, hex(WALLET_ETH)])
        calls = [MM_CHILD.function("setFundingWallet").encode(account.address, True)]
        calls += [
            MM_CHILD.function("setFundingCap").encode(account.address, book.address(symbol), cap)
            for symbol, cap in MM_FUNDING_CAP.items()
        ]
        for data in calls:
            hashes.append(w3.eth.send_transaction(owner | {"to": child, "data": data, "gas": CONFIG_GAS}))
    for tx_hash in hashes:
        if w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)["status"] != 1:
            raise RuntimeError(f"funding the market maker: transaction {tx_hash.to_0x_hex()} reverted")
    return MarketMakerKeys(mnemonic, tuple(a.address for a in accounts))


def opening_price(w3: Web3, book: AddressBook) -> Decimal:
    """The market pool's price in USDC per ETH, to the cent (the exchange's ticker opens there)."""
    sqrt_price = Contract(w3, book.address(MM_POOL), V3_POOL).call("slot0")[0]
    weth_is_token0 = book.pools[MM_POOL].tokens[0] == "WETH"
    price = v3_spot(sqrt_price, weth_is_token0) * Fraction(
        10 ** book.token("WETH").decimals, 10 ** book.token("USDC").decimals
    )
    return _decimal(price, "0.01")


def run_market_making(
    w3: Web3, book: AddressBook, child: str, bot: LocalAccount, data_dir: Path, artifacts: ArtifactStore
) -> MmReport:
    """A development exchange quoting ETH 5% above the pool, five funded wallets, one cycle of the
    market maker (its correction and its ladder, laid by the `mm` child), read back from chain."""
    keys = fund_market_maker(w3, book, artifacts, child, DEMO_WALLETS)
    store = Store(f"sqlite:///{data_dir / 'mm.db'}")
    exchange = DevExchange().start()
    try:
        exchange.markets.list_market(Listing("ETH", "USDC"))
        reference = opening_price(w3, book) * Decimal("1.05")
        exchange.markets.set_ticker(MM_SYMBOL, reference.quantize(Decimal("0.01")))
        settings = MmSettings.model_validate(mm_settings(book, exchange.url, DEMO_WALLETS))
        journal = MmJournal(store, w3.eth.chain_id)
        tx_journal = TxJournal(store, w3.eth.chain_id)
        senders = [
            TxSender(w3, a, tx_journal, FeePolicy(), confirmations=1)
            for a in derive_wallets(keys.mnemonic, DEMO_WALLETS)
        ]  # noqa: E501
        for sender in senders:
            sender.start()
        limits = WalletLimits(settings.max_pieces, {t: s.wallet_cycle_max for t, s in settings.tokens.items()})
        wallets = Wallets(w3, senders, limits)
        market = Market.read(w3, settings.pool, settings.pool_kind, settings.router, settings.base_token)
        wallets.approve([market.token0, market.token1], [market.router, child])
        bot_sender = TxSender(w3, bot, tx_journal, FeePolicy(), confirmations=1)
        bot_sender.start()
        rng = random.Random(settings.seed)
        contract = MarketMakingContract(w3, child)
        tender = LadderTender(w3, market, contract, bot_sender, journal, LadderParams(), rng)
        funding = WalletFunding(w3, market, contract, bot_sender, wallets, journal)
        source = build_reference(settings.reference, market=w3)
        maker = MarketMaker(
            w3, market, source, wallets, journal, settings, holders=[child], rng=rng, tender=tender, funding=funding
        )
        maker.open_books()
        cycle = maker.cycle()
        reconciled = all(
            check.reconciled
            for holder in maker.holders
            for check in journal.reconcile(holder, lambda token, h=holder: maker._balance(token, h))
        )
        return MmReport(
            pool=market.pool,
            reference=str(_decimal(market.readable(cycle.reference))) if cycle.reference is not None else "",
            before=str(_decimal(market.readable(cycle.before))),
            after=str(_decimal(market.readable(cycle.after if cycle.after is not None else cycle.before))),
            status=cycle.status,
            wallets=len({w.wallet for w in cycle.wallets if w.outcomes}),
            transactions=cycle.transactions,
            positions=len(MarketMakingContract(w3, child).positions(market.pool)),
            reconciled=reconciled,
        )
    finally:
        exchange.stop()
        store.close()


def _decimal(price: Fraction, places: str = "0.0001") -> Decimal:
    """An exact price as a decimal to `places` (for reports and the exchange's ticker)."""
    return (Decimal(price.numerator) / Decimal(price.denominator)).quantize(Decimal(places))
