"""The `keepers` command line."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from keepers.chain.keys import KeyUnavailable
from keepers.toolchain import activate
from keepers.toolchain.anvil import AnvilError
from keepers.world.artifacts import ArtifactError
from keepers.world.deployer import DeployError

# Exit codes: 2 for a configuration or usage mistake (as click's own usage errors), 1 for a
# failure of the environment (no node, a missing install), 130 for Ctrl-C.
CONFIG_EXIT, FAILURE_EXIT = 2, 1
PORT = click.IntRange(0, 65_535)
SECONDS = click.FloatRange(min=0, min_open=True)


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors a user can cause or fix (missing install, bad node, bad config); one line, never a traceback.
    ConfigError (KeyUnavailable is one) exits with CONFIG_EXIT, the others with FAILURE_EXIT."""
    from keepers.config import ConfigError
    from keepers.devrelay.relay import DevRelayError
    from keepers.mm.keeper import MarketMakerStopped

    return (
        MarketMakerStopped,
        AnvilError,
        ArtifactError,
        DeployError,
        FileNotFoundError,
        ConnectionError,
        KeyUnavailable,
        ConfigError,
        DevRelayError,
        ValidationError,
    )


def _exit_code(err: BaseException) -> int:
    from keepers.config import ConfigError
    from keepers.mm.keeper import MarketMakerStopped
    from keepers.up.supervisor import LIMIT_EXIT

    if isinstance(err, ConfigError):
        return CONFIG_EXIT
    return LIMIT_EXIT if isinstance(err, MarketMakerStopped) else FAILURE_EXIT


def _fail(message: str, code: int) -> None:
    """Print 'error: MESSAGE' as one line on stderr (never wrapped, never read as markup) and exit."""
    line = " ".join(message.split())  # a multi-line message (a library's) still makes one line
    Console(stderr=True).print(Text.assemble(("error: ", "red"), line), soft_wrap=True)
    sys.exit(code)


class _Keepers(click.Group):
    """The root group: click's usage errors (an option out of range, an unknown command) come out as
    one line on stderr with exit code 2, like every other configuration mistake."""

    def main(self, *args, **kwargs):  # type: ignore[override]
        kwargs["standalone_mode"] = False  # click raises instead of printing its multi-line usage block
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as err:
            command = err.ctx.command_path if isinstance(err, click.UsageError) and err.ctx else self.name
            _fail(f"{err.format_message().rstrip('.')}; see `{command} --help`", err.exit_code)
        except click.Abort:
            _fail("aborted", FAILURE_EXIT)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Keepers, name="keepers")
def main() -> None:
    """Lapidary keepers: strategy diamonds and the services that run them."""


@main.command()
@click.option("--once", is_flag=True, help="Run non-interactively and exit instead of waiting for Ctrl-C.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write a JSON report here.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
    help="Where the node log and the world's address book go.",
)
def demo(once: bool, report: Path | None, data_dir: Path) -> None:
    """Start a local chain, deploy the DeFi world, show it live; stops everything on exit."""
    from keepers.demo import DemoOptions, run_demo

    console = Console()
    toolchain = activate()

    def go():
        _settings_and_logging()
        return run_demo(DemoOptions(once=once, report=report, data_dir=data_dir), toolchain, console)

    _run(console, go)


@main.group()
def world() -> None:
    """The local DeFi world (Uniswap V2/V3, Balancer V2, Aave V3 from published bytecode)."""


@world.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--chain-id", type=click.IntRange(min=1), default=1, show_default=True, help="Chain id the upstream node reports."
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/upstream"),
    show_default=True,
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def upstream(chain_id: int, data_dir: Path, command: tuple[str, ...]) -> None:
    """Run COMMAND against a local node serving the world as chain CHAIN_ID.

    Example: keepers world upstream -- ape test --network ethereum:mainnet-fork:foundry
    """
    from keepers.world.upstream import run_with_upstream

    console = Console()
    toolchain = activate()
    code = _run(console, lambda: run_with_upstream(list(command), chain_id, data_dir, toolchain, console))
    sys.exit(code)


@world.command(name="settings")
@click.argument("book_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base-token", default="WETH", show_default=True, help="The arb keeper's base token (a symbol).")
def world_settings(book_file: Path, base_token: str) -> None:
    """Print the keeper settings (YAML) that point the keepers at the world in BOOK_FILE.

    Example: keepers world settings deployments/ethereum-custom.world.json > lapidary.yaml
    """
    import yaml

    from keepers.world.book import AddressBook
    from keepers.world.settings import keeper_settings

    console = Console(stderr=True)

    def go() -> None:
        try:
            settings = keeper_settings(AddressBook.read(book_file), base_token)
        except KeyError as err:
            raise click.BadParameter(str(err.args[0]), param_hint="--base-token") from None
        click.echo(yaml.safe_dump(settings, sort_keys=False), nl=False)

    _run(console, go)


def _settings_and_logging(default_level: str | None = None):
    """The settings, and the one logging setup every command shares (keepers.logs)."""
    from keepers.config import load_settings
    from keepers.logs import settings_secrets, setup_logging

    settings = load_settings()
    setup_logging(settings.logging, settings_secrets(settings), default_level=default_level)
    return settings


@main.group()
def run() -> None:
    """Run a keeper service until Ctrl-C (configuration: LAPIDARY_* variables, lapidary.yaml)."""


@run.command()
def arb() -> None:
    """The arbitrage keeper: find, size, simulate and bundle cycles every block."""
    from keepers.arb import service

    console = Console()

    def go() -> None:
        arb_service = service.build(_settings_and_logging())
        service.start(arb_service, console)
        service.run(arb_service, console, _stop_on_signals())

    _run(console, go)


@run.command()
def rewards() -> None:
    """The rewards keeper: measure each ended epoch, build its tree, post and watch its root."""
    from keepers.rewards import service

    console = Console()

    def go() -> None:
        rewards_service = service.build(_settings_and_logging())
        service.run(rewards_service, console, _stop_on_signals())

    _run(console, go)


@run.command()
@click.option("--host", help="Bind address (default: gasless.host, 127.0.0.1).")
@click.option("--port", type=PORT, help="Port (default: gasless.port; 0 picks a free one).")
def gasless(host: str | None, port: int | None) -> None:
    """The gasless relayer: an HTTP API taking signed requests, relayed to the diamond at its expense."""
    from keepers.gasless import service

    console = Console()

    def go() -> None:
        gasless_service = service.build(_settings_and_logging())
        gasless_service.host = host or gasless_service.host
        gasless_service.port = gasless_service.port if port is None else port
        service.run(gasless_service, console, _stop_on_signals())

    _run(console, go)


@run.command()
def mm() -> None:
    """The market maker: keep a pool on its reference price with pieces from many wallets."""
    from keepers.mm import service

    console = Console()

    def go() -> None:
        mm_service = service.build(_settings_and_logging())
        service.run(mm_service, console, _stop_on_signals())

    _run(console, go)


@run.command()
@click.option(
    "--world",
    "world_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The world's address book (`keepers up` writes <data-dir>/world.json).",
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Draws every agent and trade.")
@click.option("--gasless-url", help="The gasless relayer the campaign's holder claims through.")
@click.option("--no-campaign", is_flag=True, help="Trade only: no reward campaign, no claims.")
def market(world_file: Path, seed: int, gasless_url: str | None, no_campaign: bool) -> None:
    """Seeded market activity on a local world: traders, liquidity moves, a reward campaign and its claims."""
    from keepers.sim import service

    console = Console()

    def go() -> None:
        options = service.MarketOptions(world_file, seed, gasless_url, campaign=not no_campaign)
        market_service = service.build(_settings_and_logging(), options)
        service.run(market_service, console, _stop_on_signals())

    _run(console, go)


@main.group(name="gasless")
def gasless_group() -> None:
    """Gasless requests: build and sign one for the relayer."""


@gasless_group.command()
@click.option("--diamond", help="The diamond (default: gasless.diamond or the gasless.strategy child).")
@click.option("--data", "data_hex", help="Calldata of the inner call (0x-hex).")
@click.option(
    "--claim",
    "campaign",
    type=click.IntRange(min=0),
    help="Claim this campaign's rewards (proof from the rewards journal).",
)
@click.option("--account", help="Whose rewards --claim claims (default: the signer).")
@click.option("--key-env", help="Environment variable holding the signer's private key.")
@click.option("--keystore", type=click.Path(dir_okay=False, path_type=Path), help="The signer's keystore file.")
@click.option("--password-env", help="Environment variable holding the keystore's password.")
@click.option("--ape-account", help="The signer's Ape account alias.")
@click.option(
    "--gas", type=click.IntRange(min=1), default=300_000, show_default=True, help="Gas the inner call must get."
)
@click.option("--nonce", type=click.IntRange(min=0), help="Default: the signer's next nonce on the diamond.")
@click.option(
    "--valid-for", type=click.IntRange(min=1), default=3600, show_default=True, help="Seconds past the latest block."
)
def sign(
    diamond: str | None,
    data_hex: str | None,
    campaign: int | None,
    account: str | None,
    key_env: str | None,
    keystore: Path | None,
    password_env: str | None,
    ape_account: str | None,
    gas: int,
    nonce: int | None,
    valid_for: int,
) -> None:
    """Print a signed request (JSON) ready to POST to the relayer's /v1/requests. The key is never printed."""
    import json
    import os

    from pydantic import SecretStr
    from web3 import Web3

    from keepers.chain.client import connect
    from keepers.chain.keys import load_account
    from keepers.config import KeySettings
    from keepers.gasless.service import relay_diamond
    from keepers.gasless.signer import prepare

    console = Console()

    def secret(variable: str, what: str) -> SecretStr:
        value = os.environ.get(variable)
        if not value:
            raise click.UsageError(f"{what}: ${variable} is not set")
        return SecretStr(value)

    def go() -> None:
        if (data_hex is None) == (campaign is None):
            raise click.UsageError("give exactly one of --data and --claim")
        if sum(x is not None for x in (key_env, keystore, ape_account)) != 1:
            raise click.UsageError("give exactly one of --key-env, --keystore, --ape-account")
        keys = KeySettings(
            private_key=secret(key_env, "--key-env") if key_env else None,
            keystore=keystore,
            keystore_password=secret(password_env, "--password-env") if password_env else None,
            ape_account=ape_account,
        )
        signer = load_account(keys, "signer")
        settings = _settings_and_logging()
        w3 = connect(settings.chain)
        if diamond is not None and not Web3.is_address(diamond):
            raise click.BadParameter(f"{diamond!r} is not an address", param_hint="--diamond")
        target = Web3.to_checksum_address(diamond) if diamond else relay_diamond(settings, w3)
        if data_hex is not None:
            try:
                data = bytes.fromhex(data_hex.removeprefix("0x"))
            except ValueError:
                raise click.BadParameter("not hex", param_hint="--data") from None
        else:
            data = _claim_calldata(settings, campaign, account or signer.address)
        signed = prepare(w3, signer, target, data, gas=gas, nonce=nonce, valid_for=valid_for)
        click.echo(json.dumps(signed.to_json(), indent=2))

    _run(console, go)


def _claim_calldata(settings, campaign: int, account: str) -> bytes:
    """`claim(...)` calldata for ACCOUNT in CAMPAIGN, from the rewards journal (as `keepers rewards proof`)."""
    from web3 import Web3

    from keepers.rewards.service import open_journal

    if not Web3.is_address(account):
        raise click.BadParameter(f"{account!r} is not an address", param_hint="--account")
    journal, contract, _ = open_journal(settings)
    claim = journal.claim(campaign, Web3.to_checksum_address(account))
    if claim is None:
        raise click.UsageError(f"no posted root of campaign {campaign} has a leaf for {account}")
    return contract.claim_calldata(claim.campaign_id, claim.account, claim.cumulative_amount, claim.proof)


@main.group(name="rewards")
def rewards_group() -> None:
    """Reward campaigns: proofs and claim calldata from the journal."""


@rewards_group.command()
@click.argument("campaign", type=click.IntRange(min=0))
@click.argument("account")
@click.option("--epoch", type=click.IntRange(min=0), help="A specific epoch's root (default: the latest posted).")
def proof(campaign: int, account: str, epoch: int | None) -> None:
    """Print the arguments and calldata of ACCOUNT's claim in CAMPAIGN (JSON)."""
    import json

    from web3 import Web3

    from keepers.rewards.service import claim_arguments, open_journal

    console = Console()

    def go() -> None:
        if not Web3.is_address(account):
            raise click.BadParameter(f"{account!r} is not an address", param_hint="ACCOUNT")
        journal, contract, _ = open_journal(_settings_and_logging())
        claim = journal.claim(campaign, Web3.to_checksum_address(account), epoch)
        if claim is None:
            console.print(f"[red]error:[/] no posted root of campaign {campaign} has a leaf for {account}")
            sys.exit(1)
        click.echo(json.dumps(claim_arguments(claim, contract), indent=2))

    _run(console, go)


@run.command()
@click.option("--anvil-url", help="Front this node (started with --order fifo) instead of starting one.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=PORT, default=0, show_default=True, help="0 picks a free port.")
@click.option("--block-interval", type=SECONDS, default=2.0, show_default=True, help="Seconds per block.")
@click.option("--chain-id", type=click.IntRange(min=1), help="Chain id of the anvil it starts.")
def devrelay(anvil_url: str | None, host: str, port: int, block_interval: float, chain_id: int | None) -> None:
    """A local Flashbots-compatible relay in front of anvil (eth_sendBundle, eth_callBundle, ...)."""
    from keepers.devrelay.relay import serve_devrelay

    console = Console()
    activate()

    def ready(relay) -> None:
        console.print(f"devrelay {relay.url} in front of {relay.anvil_url}, a block every {block_interval}s")

    def go() -> None:
        _settings_and_logging(default_level="info")
        serve_devrelay(anvil_url, host, port, block_interval, chain_id=chain_id, on_ready=ready)

    _run(console, go)


@run.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=PORT, default=0, show_default=True, help="0 picks a free port.")
@click.option("--symbol", default="ETH/USDC", show_default=True, help="The market listed, BASE/QUOTE.")
@click.option("--price", required=True, help="Its opening price, in QUOTE per BASE (a decimal).")
@click.option(
    "--step-bps", type=click.FloatRange(min=0), default=60.0, show_default=True, help="Each move's deviation."
)
@click.option("--every", type=SECONDS, default=5.0, show_default=True, help="Seconds between moves.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option(
    "--ladder",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Resting orders laid on each side of the opening price by a market maker account (0: an empty book).",
)
@click.option("--ladder-step", default="1", show_default=True, help="QUOTE between the ladder's levels.")
@click.option("--ladder-size", default="1", show_default=True, help="BASE at each ladder level.")
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="KEY:SECRET[:PASSPHRASE]",
    help="An account to trade with through the signed API (HMAC key and secret; OKX's format also "
    "needs the passphrase); repeatable.",
)
@click.option("--fund", multiple=True, metavar="ASSET=AMOUNT", help="Deposited into every --account; repeatable.")
def devexchange(
    host: str,
    port: int,
    symbol: str,
    price: str,
    step_bps: float,
    every: float,
    seed: int,
    ladder: int,
    ladder_step: str,
    ladder_size: str,
    accounts: tuple[str, ...],
    fund: tuple[str, ...],
) -> None:
    """A local exchange speaking Binance's spot REST API, its ticker wandering around a price; with
    --ladder, a book to trade against, and with --account, accounts that trade through ccxt."""
    from decimal import Decimal, InvalidOperation

    from keepers.devexchange.markets import Listing
    from keepers.devexchange.server import DevExchange
    from keepers.devexchange.walk import Walk, WalkingTicker

    console = Console()

    def amount(text: str, what: str) -> Decimal:
        try:
            value = Decimal(text)
        except InvalidOperation:
            _fail(f"{what} {text!r} is not a decimal number", 2)
        if not value.is_finite() or value <= 0:
            _fail(f"{what} must be positive, got {text!r}", 2)
        return value

    def go() -> None:
        _settings_and_logging(default_level="info")
        base, _, quote = symbol.partition("/")
        opening = amount(price, "--price")
        if not base or not quote:
            _fail(f"--symbol must be BASE/QUOTE, got {symbol!r}", 2)
        keys = [account.split(":", 2) + [""] * (2 - account.count(":")) for account in accounts]
        if any(not key or not secret for key, secret, _ in keys):
            _fail("--account must be KEY:SECRET or KEY:SECRET:PASSPHRASE (OKX)", 2)
        funds = {asset: amount(value, f"--fund {asset}") for asset, _, value in (f.partition("=") for f in fund)}
        exchange = DevExchange(host=host, port=port).start()
        exchange.markets.list_market(Listing(base, quote))
        if ladder:
            exchange.engine.lay_ladder(
                symbol,
                opening,
                levels=ladder,
                step=amount(ladder_step, "--ladder-step"),
                size=amount(ladder_size, "--ladder-size"),
            )
        for key, secret, passphrase in keys:
            exchange.open_account(key, secret, funds, passphrase=passphrase or None)
        walk = WalkingTicker(exchange.markets, symbol, opening, Walk(step_bps, every=every, seed=seed)).start()
        console.print(f"devexchange {exchange.url}: {symbol} from {opening}, a move every {every:g} s")
        if ladder or keys:
            console.print(f"  book: {ladder} levels a side; accounts: {', '.join(key for key, _, _ in keys) or 'none'}")
        stop = _stop_on_signals()
        try:
            while not stop.wait(0.5):
                pass
        finally:
            walk.stop()
            exchange.stop()

    _run(console, go)


@run.command()
def api() -> None:
    """The operator API and dashboard (LAPIDARY_API__HOST / __PORT / __TOKEN; 127.0.0.1:8600 by default)."""
    from keepers.api.server import serve

    console = Console()

    def go() -> None:
        serve(_settings_and_logging(), on_ready=lambda url: console.print(f"api {url} (dashboard {url}/)"))

    _run(console, go)


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/up"),
    show_default=True,
    help="Node log, world and deployments files, the store, the keepers' logs.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the API and dashboard listen.")
@click.option("--port", type=PORT, default=8600, show_default=True, help="The API's port; 0 picks a free one.")
@click.option("--block-interval", type=SECONDS, default=1.0, show_default=True, help="Seconds per devrelay block.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="The market activity's seed.")
def up(data_dir: Path, host: str, port: int, block_interval: float, seed: int) -> None:
    """Deploy the local world and run every keeper and the dashboard, supervised, until Ctrl-C.

    The control token is LAPIDARY_API__TOKEN if set, else a fresh one written to DATA_DIR/api-token.
    """
    import os

    from keepers.up import NodeExited, UpOptions, run_up
    from keepers.up.supervisor import StartError

    console = Console()
    toolchain = activate()
    options = UpOptions(data_dir, host, port, block_interval, os.environ.get("LAPIDARY_API__TOKEN") or None, seed)

    def go() -> int:
        _settings_and_logging()
        return run_up(options, toolchain, console)

    try:
        sys.exit(_run(console, go))
    except (StartError, NodeExited) as err:
        _fail(str(err), FAILURE_EXIT)


def _stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, so services stop between blocks, never mid-block."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _run(console: Console, action):

    try:
        return action()
    except _user_errors() as err:
        _fail(str(err), _exit_code(err))
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
