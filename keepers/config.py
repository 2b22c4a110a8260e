"""Keeper configuration: `LAPIDARY_*` environment variables over a YAML file over defaults.

One settings object serves every keeper; each keeper reads its own section
(`arb`, ...) plus the shared ones (chain, store, keys, relays). Nested fields use
`__` in variable names: `LAPIDARY_CHAIN__RPC_URL`, `LAPIDARY_BOT__PRIVATE_KEY`,
`LAPIDARY_ARB__LENDER`. The YAML file is `LAPIDARY_CONFIG` or `lapidary.yaml` in
the working directory when present. Keys are `SecretStr`: never printed.

Whatever is wrong with the configuration (a YAML file that does not parse, a variable or key that
names no setting, a value of the wrong kind) comes out of :func:`load_settings` as one
:class:`ConfigError` line naming the variable or key and what to do; the CLI prints it and exits 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from keepers.config_check import DELIMITER, PREFIX, annotation_at, environment_problems, holds_secret, unknown_keys
from keepers.prices.settings import ReferenceSettings

CONFIG_ENV = "LAPIDARY_CONFIG"
DEFAULT_CONFIG_FILE = Path("lapidary.yaml")

# `LAPIDARY_*` variables read by other code than the settings: the check for variables that name
# no setting lets these through. tests/keepers/test_config.py finds every name the repository uses.
READ_ELSEWHERE = frozenset(
    {
        CONFIG_ENV,  # this module: the YAML file
        "LAPIDARY_MAINNET_RPC_URL",  # ape-config.yaml: the fork's upstream (`keepers world upstream` sets it)
        "LAPIDARY_WORLD_FILE",  # keepers.world.upstream: the upstream world's address book
        "LAPIDARY_TEST_SHARD",  # tests/conftest.py: `make test`'s shards
        "LAPIDARY_FAULTS_FULL",  # tests/faults: the whole fault matrix
        "LAPIDARY_SCALE_FULL",  # tests/arb/e2e/test_scale.py: the 10,000-pool run
    }
)


class ConfigError(Exception):
    """The configuration cannot work; the message says what to set."""


class FeeSettings(BaseModel):
    """The one EIP-1559 fee policy every transaction follows (keepers.chain.fees)."""

    base_fee_multiplier: int = Field(default=2, ge=1, description="max fee = multiplier x base fee + tip")
    priority_fee_wei: int = Field(default=10**9, ge=0, description="the tip")
    max_fee_cap_wei: int = Field(default=500 * 10**9, gt=0, description="never bid more per gas")
    priority_fee_cap_wei: int = Field(default=50 * 10**9, ge=0, description="never tip more per gas")
    bump_bps: int = Field(default=1_250, ge=1_000, le=100_000, description="replacement raise; nodes want >= 10%")
    stuck_after_blocks: int = Field(default=3, ge=1, description="re-price a transaction not mined this long")


class ChainSettings(BaseModel):
    rpc_url: str = "http://127.0.0.1:8545"
    request_timeout: float = Field(default=30.0, gt=0)
    poll_interval: float = Field(default=0.5, gt=0, description="seconds between new-block checks")
    log_chunk_blocks: int = Field(default=2_000, gt=0, description="block range per eth_getLogs request")
    confirmations: int = Field(default=2, ge=1, description="blocks deep a receipt must be to count as final")
    fees: FeeSettings = FeeSettings()


class StoreSettings(BaseModel):
    url: str = Field(default="sqlite:///data/lapidary.db", description="SQLAlchemy URL (SQLite or PostgreSQL)")


class KeySettings(BaseModel):
    """Where a signing key comes from: exactly one of a raw key (env), a keystore file, an Ape account."""

    private_key: SecretStr | None = None
    keystore: Path | None = None
    keystore_password: SecretStr | None = None
    ape_account: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> KeySettings:
        sources = [s for s in (self.private_key, self.keystore, self.ape_account) if s is not None]
        if len(sources) > 1:
            raise ValueError("give exactly one of private_key, keystore, ape_account")
        return self

    @property
    def configured(self) -> bool:
        return any(s is not None for s in (self.private_key, self.keystore, self.ape_account))


class FactorySettings(BaseModel):
    """A DEX factory whose pools the arb keeper discovers from PairCreated / PoolCreated logs."""

    name: str
    kind: Literal["uniswap_v2", "uniswap_v3"]
    address: str
    fee_bps: int = Field(default=30, ge=0, lt=10_000, description="swap fee of its V2 pairs")
    start_block: int = Field(default=0, ge=0, description="first block of the discovery backfill")


class ArbSettings(BaseModel):
    strategy: str = "arb"
    base_token: str | None = Field(default=None, description="address of the token cycles start and end in")
    factories: list[FactorySettings] = Field(default_factory=list, description="empty: the world's DEXes")
    lender: Literal["balancer", "aave", "own"] = "balancer"
    max_hops: int = Field(default=3, ge=2, le=3)
    blocks_ahead: int = Field(default=1, ge=1, le=25, description="submit each bundle for blocks N+1..N+k")
    min_net_profit_wei: int = Field(default=0, ge=0, description="after loan fee and gas")
    coinbase_bps: int = Field(default=0, ge=0, le=10_000)
    priority_fee_wei: int = Field(default=0, ge=0)
    max_opportunities_per_block: int = Field(default=3, ge=1)
    only_pools: list[str] | None = Field(default=None, description="trade only these pool addresses")


class RewardsSettings(BaseModel):
    strategy: str = "rewards"
    confirmations: int = Field(default=2, ge=0, description="blocks an epoch's end must be buried under")
    volume_token: Literal["token0", "token1"] = Field(default="token1", description="swap volume is measured in")
    tree_dir: Path = Path("data/rewards")
    start_block: int = Field(default=0, ge=0, description="where pool histories are read from")
    position_manager: str | None = Field(default=None, description="Uniswap V3 NonfungiblePositionManager")
    v3_factory: str | None = Field(default=None, description="Uniswap V3 factory")


class GaslessSettings(BaseModel):
    """The gasless relayer (`keepers run gasless`): what it accepts, how fast, and how it pays."""

    strategy: str = Field(default="rewards", description="the child diamond carrying GaslessRelayFacet")
    diamond: str | None = Field(default=None, description="default: that child from the deployments file")
    host: str = Field(default="127.0.0.1", description="bind address; loopback unless a proxy fronts it")
    port: int = Field(default=8548, ge=0, le=65_535)
    selectors: list[str] = Field(
        default_factory=list, description="4-byte hex selectors relayed; empty: whatever relayable() allows"
    )
    max_body_bytes: int = Field(default=16_384, gt=0, description="largest POST body")
    max_data_bytes: int = Field(default=8_192, gt=0, description="largest inner calldata")
    max_request_gas: int = Field(default=1_000_000, gt=0, description="most gas one request may ask for")
    min_deadline_seconds: int = Field(default=30, ge=0, description="a deadline closer than this is refused")
    max_nonce_ahead: int = Field(default=16, ge=0, description="nonces past the next one held until their turn")
    signer_rate: float = Field(default=1.0, gt=0, description="requests per second per signer (refill)")
    signer_burst: int = Field(default=20, gt=0)
    ip_rate: float = Field(default=5.0, gt=0, description="requests per second per client IP (refill)")
    ip_burst: int = Field(default=50, gt=0)
    trust_forwarded_for: bool = Field(default=False, description="take the client IP from X-Forwarded-For")
    simulate_block: Literal["pending", "latest"] = Field(
        default="pending", description="state simulations run on; pending sees the relayer's in-flight txs"
    )


class MmTokenSettings(BaseModel):
    """What the market maker may do with one token (base units). A token it has no entry for is
    never sold, funded or put into positions (fail closed)."""

    model_config = ConfigDict(extra="forbid")

    piece_floor: int = Field(gt=0, description="the smallest correction piece")
    piece_cap: int = Field(gt=0, description="the largest correction piece")
    wallet_cycle_max: int = Field(gt=0, description="most one wallet sells in one cycle")
    wallet_cap: int = Field(default=0, ge=0, description="most the child funds one wallet with (outstanding)")
    inventory_limit: int = Field(default=0, ge=0, description="most the wallets and child may hold; 0: no limit")

    @model_validator(mode="after")
    def _ordered(self) -> MmTokenSettings:
        if self.piece_floor > self.piece_cap:
            raise ValueError(f"piece_floor {self.piece_floor} is above piece_cap {self.piece_cap}")
        return self


class LadderSettings(BaseModel):
    """The liquidity ladder's ranges (`keepers.mm.ladder.LadderParams`); widths in tick spacings."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    rungs: tuple[int, int] = Field(default=(3, 6), description="how many positions, drawn uniformly")
    half_width: tuple[int, int] = Field(default=(2, 40), description="half-width per position, log-uniform")
    max_offset: int = Field(default=4, ge=0, description="a position's centre within this of the reference")
    size_spread: float = Field(default=0.5, ge=0, lt=1, description="each share varies by up to this")
    recentre_ticks: int = Field(default=500, ge=1, description="re-lay once the reference moved this far")
    slippage_bps: int = Field(default=100, ge=0, lt=10_000, description="minimum amounts below the exact ones")


class MmSettings(BaseModel):
    """`keepers run mm`: one market (a V2 pair or V3 pool) kept on its reference price."""

    model_config = ConfigDict(extra="forbid")

    strategy: str = Field(default="mm", description="the child diamond carrying MarketMakingFacet")
    pool: str | None = Field(default=None, description="address of the pool kept on the reference")
    pool_kind: Literal["uniswap_v2", "uniswap_v3"] = "uniswap_v3"
    router: str | None = Field(default=None, description="V2 Router02 or V3 SwapRouter the wallets trade through")
    base_token: str | None = Field(default=None, description="the token priced (the other is the quote)")
    reference: ReferenceSettings = ReferenceSettings()
    threshold_bps: int = Field(default=200, gt=0, lt=10_000, description="correct when off the reference by more")
    cycle_seconds: float = Field(default=10.0, gt=0)
    jitter: float = Field(default=0.2, ge=0, lt=1, description="each cycle's length varies by up to this share")
    wallets: int = Field(default=10, ge=1, le=256, description="correcting wallets, derived from `mm_wallets`")
    max_pieces: int = Field(default=4, ge=1, description="pieces per wallet per cycle")
    cooldown_seconds: float = Field(default=30.0, ge=0, description="a wallet rests this long after a nonce conflict")
    distribution: Literal["uniform", "loguniform", "lognormal"] = "loguniform"
    slippage_bps: int = Field(default=50, ge=0, lt=10_000)
    tokens: dict[str, MmTokenSettings] = Field(default_factory=dict, description="token address -> its limits")
    daily_loss_limit: int | None = Field(
        default=None, ge=0, description="quote base units; past it the keeper stops (unset: no limit, warned)"
    )
    ladder: LadderSettings = LadderSettings()
    fund_wallets: bool = Field(
        default=True,
        description="with an mm child: fund the wallets from it within their caps and return what they buy",
    )
    claim_via: Literal["direct", "gasless"] = Field(
        default="direct", description="the child's reward claims: sent by the bot, or relayed by `gasless_url`"
    )
    gasless_url: str | None = Field(default=None, description="the relayer's HTTP API, for gasless claims")
    reward_prices: dict[str, ReferenceSettings] = Field(
        default_factory=dict,
        description="reward token address -> sources of its price in the quote token; an unpriced reward is not valued",
    )
    seed: int | None = Field(default=None, description="fixes the random draws (tests, the demo)")


class ApiSettings(BaseModel):
    """The operator API and dashboard (`keepers run api`)."""

    host: str = Field(default="127.0.0.1", description="bind address; loopback unless you mean otherwise")
    port: int = Field(default=8600, ge=0, le=65535, description="0 picks a free port")
    token: SecretStr | None = Field(default=None, description="bearer token for POST /api/control; unset: refused")
    bots: dict[str, str] = Field(default_factory=dict, description="keeper name -> bot address, shown in balances")
    tokens: list[str] = Field(default_factory=list, description="token addresses shown (symbols read from chain)")
    poll_interval: float = Field(default=0.5, gt=0, description="seconds between store polls for /ws")
    max_body_bytes: int = Field(default=65_536, gt=0, description="largest request body or WebSocket message (413)")
    node_timeout: float = Field(
        default=0.5, gt=0, description="seconds /api/health and /api/status wait for the node before saying it stalls"
    )
    instance: str | None = Field(
        default=None, description="echoed by /api/health: `keepers up` checks it reached the API it started"
    )


class LogSettings(BaseModel):
    """How every process logs (keepers.logs)."""

    level: Literal["debug", "info", "warning", "error"] = "warning"
    json_lines: bool = Field(default=False, description="one JSON object per line, for log shippers")


class FaultSettings(BaseModel):
    """Fault injection, for the fault-matrix tests only: crash at named points (keepers.chain.faults)."""

    crash_at: list[str] = Field(default_factory=list)
    mode: Literal["raise", "kill"] = "kill"
    after: int = Field(default=1, ge=1, description="crash the n-th time a point is reached")


class LapidarySettings(BaseSettings):
    """Everything a keeper process may need; see the module docstring for sources."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_nested_delimiter=DELIMITER, extra="ignore")

    chain: ChainSettings = ChainSettings()
    store: StoreSettings = StoreSettings()
    bot: KeySettings = Field(default_factory=KeySettings, description="the keeper bot: sends strategy txs")
    searcher: KeySettings = Field(default_factory=KeySettings, description="signs relay requests only")
    relays: list[str] = Field(default_factory=list, description="Flashbots-compatible relay URLs")
    deployments_file: Path | None = Field(default=None, description="default: deployments/<ecosystem>-<network>")
    arb: ArbSettings = ArbSettings()
    rewards: RewardsSettings = RewardsSettings()
    gasless: GaslessSettings = GaslessSettings()
    relayer: KeySettings = Field(default_factory=KeySettings, description="pays for relayed requests")
    api: ApiSettings = ApiSettings()
    mm: MmSettings = MmSettings()
    mm_wallets: SecretStr | None = Field(
        default=None, description="BIP-39 mnemonic the correcting wallets derive from (m/44'/60'/0'/0/i)"
    )
    operator: KeySettings = Field(
        default_factory=KeySettings, description="the master's owner or guardian: pauses (owner: unpauses) it"
    )
    logging: LogSettings = LogSettings()
    faults: FaultSettings = FaultSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Refused here, before pydantic-settings reads them: it would ignore what names no setting.
        problems = list(environment_problems(os.environ, settings_cls, READ_ELSEWHERE))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = config_path()
        if config_file is not None:
            data = read_config_file(config_file)
            problems += unknown_keys(data, settings_cls, str(config_file))
            sources.append(InitSettingsSource(settings_cls, init_kwargs=data))
        if problems:
            raise ConfigError("; ".join(problems))
        return tuple(sources)


def config_path() -> Path | None:
    """The YAML file to read: `LAPIDARY_CONFIG` (must exist) or ./lapidary.yaml if present."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV}={explicit}: no such file; point it at your YAML settings or unset it")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def read_config_file(path: Path) -> dict[str, Any]:
    """The YAML file's settings as a mapping; ConfigError says where it does not parse."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).replace("\n", " ")
        raise ConfigError(f"{path} is not valid YAML{where}: {problem}; fix the file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read {path}: {getattr(err, 'strerror', None) or err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a mapping of settings (chain:, store:, ...), not a {type(data).__name__}")
    return data


def load_settings(**overrides) -> LapidarySettings:
    """Settings from all sources; `overrides` (e.g. from CLI options) win. Anything wrong with
    them is one ConfigError line."""
    try:
        return LapidarySettings(**overrides)
    except ValidationError as err:
        raise ConfigError("; ".join(_describe(error) for error in err.errors())) from None
    except SettingsError as err:  # a source could not be read (the checks above catch the known ways)
        raise ConfigError(f"{err}: {err.__cause__}" if err.__cause__ else str(err)) from None


def _describe(error: Any) -> str:
    """One pydantic error as 'where: what is wrong, got VALUE'; the value only when it is a plain,
    non-secret one (a model validator's input is the whole section, keys included)."""
    location = tuple(error["loc"])
    dotted = ".".join(str(part) for part in location)
    variables = [
        PREFIX + DELIMITER.join(str(p) for p in location[:depth]).upper() for depth in range(len(location), 0, -1)
    ]
    source = next((v for v in variables if v in os.environ), None)
    if source is None and variables and any(n.startswith(variables[0] + DELIMITER) for n in os.environ):
        source = variables[0] + DELIMITER + "*"  # a model validator's error: the section's variables
    where = f"{dotted} ({source})" if source else dotted
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    annotation = annotation_at(LapidarySettings, location)
    if isinstance(value, str | int | float) and annotation is not None and not holds_secret(annotation):
        message += f", got {str(value)[:80]!r}"
    return f"{where}: {message}"
