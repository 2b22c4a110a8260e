"""`keepers run mm`: the market maker's cycle every `mm.cycle_seconds` (with jitter) until stopped.

Set-up checks the configuration (the market, its router and base token, at least one reference
source, the wallets' mnemonic) and says what is missing in one line; the wallets approve the router
once; every holder's opening balances are journaled. A cycle that raises is shown and journaled and
the next one tried; a limit (`MarketMakerStopped`) ends the service with its message.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from fractions import Fraction

from eth_account import Account
from eth_account.signers.local import LocalAccount
from rich.console import Console
from web3 import Web3

from keepers.chain.client import connect
from keepers.chain.keys import load_account
from keepers.chain.sender import TxSender
from keepers.config import ConfigError, LapidarySettings
from keepers.diamond.records import deployed_child
from keepers.gasless.client import GaslessClient
from keepers.mm.contract import MarketMakingContract
from keepers.mm.funding import WalletFunding
from keepers.mm.journal import MmJournal
from keepers.mm.keeper import CycleReport, Market, MarketMaker, MarketMakerStopped
from keepers.mm.ladder import LadderParams
from keepers.mm.rewards import RewardClaims
from keepers.mm.tender import LadderTender
from keepers.mm.wallets import WalletLimits, Wallets
from keepers.prices.sources import build_reference
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.journal import RewardsJournal
from keepers.store.db import Store
from keepers.store.heartbeats import beat

KEEPER = "mm"
WALLET_PATH = "m/44'/60'/0'/0/{}"
log = logging.getLogger(__name__)


def derive_wallets(mnemonic: str, count: int) -> list[LocalAccount]:
    """The correcting wallets' keys: BIP-44 accounts 0..count-1 of `mnemonic`."""
    Account.enable_unaudited_hdwallet_features()
    try:
        return [Account.from_mnemonic(mnemonic, account_path=WALLET_PATH.format(i)) for i in range(count)]
    except Exception:  # eth-account's errors quote the phrase: never repeated here
        raise ConfigError("mm_wallets (LAPIDARY_MM_WALLETS) is not a valid BIP-39 mnemonic") from None


@dataclass
class MmService:
    w3: Web3
    store: Store
    maker: MarketMaker
    claims: RewardClaims | None
    cycle_seconds: float
    jitter: float
    rng: random.Random


def build(settings: LapidarySettings) -> MmService:
    """Connect, check the configuration, approve the router from every wallet, open the books."""
    mm = settings.mm
    missing = [name for name in ("pool", "router", "base_token") if getattr(mm, name) is None]
    if missing:
        raise ConfigError(f"mm.{missing[0]} is not set (LAPIDARY_MM__{missing[0].upper()}): the market to keep")
    if not mm.reference.sources:
        raise ConfigError("mm.reference.sources is empty: configure at least one reference price source")
    if mm.claim_via == "gasless" and mm.gasless_url is None:
        raise ConfigError("mm.claim_via is gasless but mm.gasless_url (LAPIDARY_MM__GASLESS_URL) is not set")
    if settings.mm_wallets is None:
        raise ConfigError(
            "mm_wallets is not set (LAPIDARY_MM_WALLETS): the mnemonic the correcting wallets derive from"
        )
    accounts = derive_wallets(settings.mm_wallets.get_secret_value(), mm.wallets)
    w3 = connect(settings.chain)
    try:
        market = Market.read(w3, mm.pool, mm.pool_kind, mm.router, mm.base_token)
    except ValueError as err:
        raise ConfigError(f"mm: {err}") from None
    store = Store(settings.store.url)
    senders = [TxSender.from_settings(w3, store, account, settings) for account in accounts]
    for sender in senders:
        sender.start()
    limits = WalletLimits(
        max_pieces=mm.max_pieces,
        max_input={Web3.to_checksum_address(t): s.wallet_cycle_max for t, s in mm.tokens.items()},
        cooldown=mm.cooldown_seconds,
    )
    wallets = Wallets(w3, senders, limits)
    rng = random.Random(mm.seed)
    journal = MmJournal(store, w3.eth.chain_id)
    child = _child(settings, w3, market)
    bot = None
    if child is not None:
        bot = TxSender.from_settings(w3, store, load_account(settings.bot, "bot"), settings)
        bot.start()
    tender = _tender(settings, w3, market, child, bot, journal, rng)
    funding = None
    if child is not None and mm.fund_wallets:
        funding = WalletFunding(w3, market, child, bot, wallets, journal)
    # The wallets pay the router; with funding they also hand what they buy back to the child.
    wallets.approve([market.token0, market.token1], [market.router] + ([child.address] if funding else []))
    holders = [child.address] if child is not None else []
    reference = build_reference(mm.reference, market=w3)
    maker = MarketMaker(
        w3, market, reference, wallets, journal, mm, holders=holders, rng=rng, tender=tender, funding=funding
    )
    maker.open_books()
    if mm.daily_loss_limit is None:
        log.warning("mm.daily_loss_limit is not set: the market maker has no daily loss limit")
    claims = _claims(settings, w3, store, market, journal, child, bot)
    return MmService(w3, store, maker, claims, mm.cycle_seconds, mm.jitter, rng)


def _child(settings: LapidarySettings, w3: Web3, market: Market) -> MarketMakingContract | None:
    """The `mm` child from the deployments file when the ladder or the wallets' funding needs it.
    The ladder cannot do without it (an error); funding falls back to the wallets' own balances."""
    mm = settings.mm
    wants_ladder = mm.ladder.enabled and market.kind == "uniswap_v3"
    if not wants_ladder and not mm.fund_wallets:
        return None
    try:
        return MarketMakingContract(w3, deployed_child(settings.deployments_file, mm.strategy, w3).address)
    except ConfigError as err:
        if wants_ladder:
            raise ConfigError(
                f"{err} (the ladder's positions live in the child; or set mm.ladder.enabled: false)"
            ) from None
        log.warning("no mm child (%s): the wallets trade their own balances", err)
        return None


def _claims(
    settings: LapidarySettings,
    w3: Web3,
    store: Store,
    market: Market,
    journal: MmJournal,
    child: MarketMakingContract | None,
    bot: TxSender | None,
) -> RewardClaims | None:
    """The child's reward claims, when there is a child and the deployments have a rewards child."""
    if child is None or bot is None:
        return None
    try:
        rewards = deployed_child(settings.deployments_file, settings.rewards.strategy, w3).address
    except ConfigError:
        return None  # no campaigns to earn in
    mm = settings.mm
    relay = signer = None
    if mm.claim_via == "gasless":  # build() checked the relayer's URL is set
        relay, signer = GaslessClient(mm.gasless_url), bot.account
    prices = {token: build_reference(sources, market=w3) for token, sources in mm.reward_prices.items()}
    contract = RewardsContract(w3, rewards)
    rewards_journal = RewardsJournal(store, w3.eth.chain_id, rewards)
    return RewardClaims(
        w3, contract, rewards_journal, bot, journal, market.pool, child.address, relay=relay, signer=signer,
        prices=prices,
    )  # fmt: skip


def _tender(
    settings: LapidarySettings,
    w3: Web3,
    market: Market,
    child: MarketMakingContract | None,
    bot: TxSender | None,
    journal: MmJournal,
    rng: random.Random,
) -> LadderTender | None:
    """The ladder's tender when the ladder is on and the market is a V3 pool, driven by the bot key."""
    ladder = settings.mm.ladder
    if not ladder.enabled or market.kind != "uniswap_v3" or child is None or bot is None:
        return None
    params = LadderParams(
        tuple(ladder.rungs), tuple(ladder.half_width), ladder.max_offset, ladder.size_spread, ladder.recentre_ticks
    )
    return LadderTender(w3, market, child, bot, journal, params, rng, ladder.slippage_bps)


def run(service: MmService, console: Console, stop: threading.Event) -> None:
    """Cycles until `stop`; a limit ends the service (`MarketMakerStopped` propagates)."""
    maker = service.maker
    console.print(
        f"market maker: {maker.market.kind} pool {maker.market.pool}, {len(maker.wallets.addresses)} wallets, "
        f"threshold {maker.settings.threshold_bps} bp, a cycle every {service.cycle_seconds:g} s"
    )
    try:
        while not stop.is_set():
            try:
                report = maker.cycle()
            except MarketMakerStopped as err:
                beat(service.store, KEEPER, service.w3.eth.block_number, error=f"stopped: {err}")
                raise
            except Exception as err:  # a bad cycle must not end a long-running keeper: shown, next one tried
                log.error("cycle failed", exc_info=err)
                beat(service.store, KEEPER, 0, error=f"{type(err).__name__}: {err}")
                console.print(f"[red]cycle failed:[/] {type(err).__name__}: {err}")
            else:
                beat(service.store, KEEPER, report.block)
                console.print(describe(report, maker.market))
                _claim(service, report.cycle_id, console)
                if report.ladder is not None and report.ladder.action != "kept":
                    ladder = report.ladder
                    console.print(
                        f"cycle {report.cycle_id}: ladder {ladder.action} around tick {ladder.centre}: "
                        f"{len(ladder.minted)} positions minted, {len(ladder.unwound)} unwound"
                    )
            spread = service.cycle_seconds * service.jitter
            stop.wait(service.cycle_seconds + service.rng.uniform(-spread, spread))
    finally:
        service.store.close()


def _claim(service: MmService, cycle_id: int, console: Console) -> None:
    """Claim the child's rewards; a failed claim is shown and tried again next cycle."""
    if service.claims is None:
        return
    try:
        for claim in service.claims.step(cycle_id):
            console.print(
                f"cycle {cycle_id}: claimed {claim.amount} of campaign {claim.campaign}'s epoch {claim.epoch} "
                f"for the child, {claim.via} ({claim.tx_hash})"
            )
    except Exception as err:  # the next cycle tries again; the market making goes on
        log.error("claiming rewards failed", exc_info=err)
        console.print(f"[red]claiming rewards failed:[/] {type(err).__name__}: {err}")


def describe(report: CycleReport, market: Market) -> str:
    """One line per cycle for the log, prices in whole tokens as floats (for reading only: the
    journal keeps them exact, in base units)."""

    def shown(price: Fraction) -> str:
        return f"{float(market.readable(price)):.6g}"

    line = f"cycle {report.cycle_id} block {report.block}: {report.status}, price {shown(report.before)}"
    if report.reference is not None:
        line += f", reference {shown(report.reference)}"
    if report.after is not None and report.after != report.before:
        line += f", after {shown(report.after)}"
    if report.transactions:
        line += f", {report.transactions} transactions"
    return line + (f" ({report.reason})" if report.reason else "")
