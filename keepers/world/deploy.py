"""Deploy the local DeFi world from published bytecode.

WETH9; three ERC-20s; two independent Uniswap V2 deployments with the same pairs
at different prices; Uniswap V3 (factory, position manager with descriptor,
router, QuoterV2, TickLens) with a pool holding a full-range and a concentrated
position; a Balancer V2 Vault with a three-token weighted pool; an Aave V3
market with three reserves. Every amount is an integer in base units.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import encode
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.logs import DISCARD

from keepers.world.artifacts import PACKAGES, ArtifactStore
from keepers.world.book import AddressBook, ContractEntry, LenderSettings, PoolEntry, TokenEntry
from keepers.world.deployer import Deployer

E18 = 10**18
MAX_UINT = 2**256 - 1
DEADLINE = 2**32 - 1
V3_MIN_TICK, V3_MAX_TICK = -887272, 887272
V3_TICK_SPACING = {500: 10, 3000: 60, 10000: 200}
RAY = 10**27


@dataclass(frozen=True)
class TokenSpec:
    symbol: str
    name: str
    decimals: int
    usd_price_e8: int  # Aave oracle answer (USD, 8 decimals)

    def units(self, whole: int | float) -> int:
        return int(round(whole * 10**self.decimals))


@dataclass(frozen=True)
class V2PairSpec:
    exchange: str
    base: str
    quote: str
    base_amount: float
    quote_amount: float


@dataclass(frozen=True)
class WorldSpec:
    """The world's tokens, prices and liquidity. Defaults: ETH at ~2000 USD."""

    tokens: tuple[TokenSpec, ...] = (
        TokenSpec("DAI", "Dai Stablecoin (local)", 18, 1 * 10**8),
        TokenSpec("USDC", "USD Coin (local)", 6, 1 * 10**8),
    )
    weth_usd_e8: int = 2000 * 10**8
    # Two V2 deployments of the same code, quoting the same pairs differently,
    # so the world holds real cross-exchange dislocations from the first block.
    v2_exchanges: tuple[str, ...] = ("uniswap_v2", "v2b")
    v2_pairs: tuple[V2PairSpec, ...] = (
        V2PairSpec("uniswap_v2", "WETH", "DAI", 1000, 2_000_000),
        V2PairSpec("uniswap_v2", "WETH", "USDC", 1000, 2_000_000),
        V2PairSpec("uniswap_v2", "DAI", "USDC", 1_000_000, 1_000_000),
        V2PairSpec("v2b", "WETH", "DAI", 500, 1_015_000),
        V2PairSpec("v2b", "WETH", "USDC", 500, 995_000),
    )
    v3_fee: int = 3000
    v3_price_usdc_per_weth: int = 2000
    v3_full_range_weth: int = 100
    v3_concentrated_weth: int = 50
    v3_concentrated_width_ticks: int = 1200  # about +/-12.7% around the price
    balancer_weights_pct: dict[str, int] = field(default_factory=lambda: {"WETH": 50, "DAI": 25, "USDC": 25})
    balancer_amounts: dict[str, float] = field(default_factory=lambda: {"WETH": 500, "DAI": 500_000, "USDC": 500_000})
    balancer_swap_fee: int = 3 * 10**15  # 0.3% as an 18-decimal fraction
    aave_supply: dict[str, float] = field(default_factory=lambda: {"WETH": 1000, "DAI": 2_000_000, "USDC": 2_000_000})
    aave_premium_bps: int = 5
    # Seconds between the timestamps of the blocks mined after the deployment (see _on_wall_time).
    timestamp_interval: int = 1

    def token(self, symbol: str) -> TokenSpec:
        if symbol == "WETH":
            return TokenSpec("WETH", "Wrapped Ether", 18, self.weth_usd_e8)
        return next(t for t in self.tokens if t.symbol == symbol)

    @property
    def symbols(self) -> tuple[str, ...]:
        return ("WETH", *(t.symbol for t in self.tokens))


@dataclass
class _State:
    """What the deployment steps hand to each other."""

    deployer: Deployer
    spec: WorldSpec
    tokens: dict[str, object] = field(default_factory=dict)
    pools: dict[str, PoolEntry] = field(default_factory=dict)

    @property
    def sender(self) -> ChecksumAddress:
        return self.deployer.sender

    def address(self, symbol: str) -> ChecksumAddress:
        return self.tokens[symbol].address  # type: ignore[attr-defined]


def deploy_world(w3: Web3, sender: str, node_modules: Path, spec: WorldSpec | None = None) -> AddressBook:
    """Deploy the whole world from ``sender`` (unlocked on the node) and return its book."""
    spec = spec or WorldSpec()
    deployer = Deployer(w3, Web3.to_checksum_address(sender), ArtifactStore(node_modules))
    state = _State(deployer, spec)
    with _on_wall_time(w3, spec.timestamp_interval):
        _deploy_tokens(state)
        for exchange in spec.v2_exchanges:
            _deploy_uniswap_v2(state, exchange)
        _deploy_uniswap_v3(state)
        _deploy_balancer(state)
        _deploy_aave(state)
    return AddressBook(
        chain_id=w3.eth.chain_id,
        deployer=deployer.sender,
        block=w3.eth.block_number,
        packages=_package_versions(node_modules),
        contracts={
            d.label: ContractEntry(address=d.address, artifact=d.artifact, tx_hash=d.tx_hash, block=d.block)
            for d in deployer.deployed.values()
        },
        tokens={
            s: TokenEntry(symbol=s, name=spec.token(s).name, decimals=spec.token(s).decimals, address=state.address(s))
            for s in spec.symbols
        },
        pools=state.pools,
        lenders=LenderSettings(aave_premium_bps=spec.aave_premium_bps),
    )


@contextmanager
def _on_wall_time(w3: Web3, interval: int) -> Iterator[None]:
    """Deploy on anvil's wall clock, then give every later block its own ``interval`` seconds.

    The ~100 setup blocks are mined within a few seconds: at a fixed interval each, they
    would leave the chain's clock minutes ahead of wall time for good (it cannot be wound
    back: anvil holds a block to its parent's timestamp, and resetting its clock below that
    would hand contracts a clock that runs backwards), and wallets' wall-clock deadlines
    would read as expired. Left to the wall clock, blocks of the same second share a
    timestamp, which setup does not mind.
    Later blocks must not: equal timestamps skip Uniswap V2's cumulative-price writes and
    understate its gas by ~10k, so from the head on each block is ``interval`` seconds after
    its parent, as on a real chain; at 1 s, the chain runs ahead of wall time only by as many
    blocks as are mined faster than one a second.
    """
    w3.provider.make_request("anvil_removeBlockTimestampInterval", [])
    yield
    w3.provider.make_request("anvil_setBlockTimestampInterval", [interval])


def _deploy_tokens(state: _State) -> None:
    d, spec = state.deployer, state.spec
    weth = d.deploy("WETH", "WETH9")
    state.tokens["WETH"] = weth
    need_weth = _total_needed(spec, "WETH")
    d.call("wrap ETH", weth.functions.deposit(), value=need_weth)
    for token in spec.tokens:
        contract = d.deploy(token.symbol, "MintableERC20", token.name, token.symbol, token.decimals)
        state.tokens[token.symbol] = contract
        d.call(f"mint {token.symbol}", contract.functions.mint(_total_needed(spec, token.symbol)))


def _total_needed(spec: WorldSpec, symbol: str) -> int:
    token = spec.token(symbol)
    total = 0
    for pair in spec.v2_pairs:
        if pair.base == symbol:
            total += token.units(pair.base_amount)
        if pair.quote == symbol:
            total += token.units(pair.quote_amount)
    if symbol == "WETH":
        total += token.units(spec.v3_full_range_weth + spec.v3_concentrated_weth)
    elif symbol == "USDC":
        total += token.units((spec.v3_full_range_weth + spec.v3_concentrated_weth) * spec.v3_price_usdc_per_weth)
    total += token.units(spec.balancer_amounts.get(symbol, 0))
    total += token.units(spec.aave_supply.get(symbol, 0))
    return total


def _deploy_uniswap_v2(state: _State, exchange: str) -> None:
    d = state.deployer
    factory = d.deploy(f"{exchange}_factory", "UniswapV2Factory", state.sender)
    d.deploy(f"{exchange}_router", "UniswapV2Router02", factory.address, state.address("WETH"))
    for pair_spec in (p for p in state.spec.v2_pairs if p.exchange == exchange):
        base, quote = state.tokens[pair_spec.base], state.tokens[pair_spec.quote]
        receipt = d.call(
            f"{exchange} createPair {pair_spec.base}/{pair_spec.quote}",
            factory.functions.createPair(base.address, quote.address),  # type: ignore[attr-defined]
        )
        pair_address = factory.functions.getPair(base.address, quote.address).call()  # type: ignore[attr-defined]
        pair = d.at("UniswapV2Pair", pair_address)
        name = f"{exchange}:{pair_spec.base}/{pair_spec.quote}"
        d.record(name, "UniswapV2Pair", pair_address, receipt)
        base_units = state.spec.token(pair_spec.base).units(pair_spec.base_amount)
        quote_units = state.spec.token(pair_spec.quote).units(pair_spec.quote_amount)
        d.call(f"fund {name}", base.functions.transfer(pair_address, base_units))  # type: ignore[attr-defined]
        d.call(f"fund {name}", quote.functions.transfer(pair_address, quote_units))  # type: ignore[attr-defined]
        d.call(f"mint {name}", pair.functions.mint(state.sender))
        token0 = pair.functions.token0().call()
        order = (pair_spec.base, pair_spec.quote) if token0 == base.address else (pair_spec.quote, pair_spec.base)  # type: ignore[attr-defined]
        state.pools[name] = PoolEntry(
            kind="uniswap_v2", exchange=exchange, address=pair_address, tokens=order, fee_pips=3000
        )


def sqrt_price_x96(amount0: int, amount1: int) -> int:
    """sqrt(amount1 / amount0) in Q64.96, rounded down (exact integer square root)."""
    return math.isqrt((amount1 << 192) // amount0)


def _tick_at(amount0: int, amount1: int) -> int:
    return math.floor(math.log(amount1 / amount0) / math.log(1.0001))


def _deploy_uniswap_v3(state: _State) -> None:
    d, spec = state.deployer, state.spec
    weth = state.address("WETH")
    factory = d.deploy("uniswap_v3_factory", "UniswapV3Factory")
    library = d.deploy("uniswap_v3_nft_descriptor_library", "NFTDescriptor")
    descriptor = d.deploy(
        "uniswap_v3_position_descriptor",
        "NonfungibleTokenPositionDescriptor",
        weth,
        b"ETH".ljust(32, b"\0"),
        libraries={"NFTDescriptor": library.address},
    )
    manager = d.deploy(
        "uniswap_v3_position_manager", "NonfungiblePositionManager", factory.address, weth, descriptor.address
    )
    d.deploy("uniswap_v3_router", "SwapRouter", factory.address, weth)
    d.deploy("uniswap_v3_quoter", "QuoterV2", factory.address, weth)
    d.deploy("uniswap_v3_tick_lens", "TickLens")

    usdc = state.address("USDC")
    token0, token1 = sorted([weth, usdc], key=lambda a: int(a, 16))
    weth_units = spec.token("WETH").units(1)
    usdc_units = spec.token("USDC").units(spec.v3_price_usdc_per_weth)
    amount0, amount1 = (weth_units, usdc_units) if token0 == weth else (usdc_units, weth_units)
    fee = spec.v3_fee
    receipt = d.call(
        "create V3 WETH/USDC",
        manager.functions.createAndInitializePoolIfNecessary(token0, token1, fee, sqrt_price_x96(amount0, amount1)),
    )
    pool_address = factory.functions.getPool(token0, token1, fee).call()
    name = f"uniswap_v3:WETH/USDC/{fee}"
    d.record(name, "UniswapV3Pool", pool_address, receipt)
    for symbol in ("WETH", "USDC"):
        d.call(f"approve {symbol} to V3", state.tokens[symbol].functions.approve(manager.address, MAX_UINT))  # type: ignore[attr-defined]

    spacing = V3_TICK_SPACING[fee]
    tick = _tick_at(amount0, amount1)
    width = spec.v3_concentrated_width_ticks
    ranges = {
        "full-range": (
            (V3_MIN_TICK // spacing + 1) * spacing,
            (V3_MAX_TICK // spacing) * spacing,
            spec.v3_full_range_weth,
        ),
        "concentrated": (
            (tick - width) // spacing * spacing,
            (tick + width) // spacing * spacing,
            spec.v3_concentrated_weth,
        ),
    }
    for label, (lower, upper, weth_whole) in ranges.items():
        weth_amount = spec.token("WETH").units(weth_whole)
        usdc_amount = spec.token("USDC").units(weth_whole * spec.v3_price_usdc_per_weth)
        desired0, desired1 = (weth_amount, usdc_amount) if token0 == weth else (usdc_amount, weth_amount)
        d.call(
            f"mint V3 {label} position",
            manager.functions.mint(
                (token0, token1, fee, lower, upper, desired0, desired1, 0, 0, state.sender, DEADLINE)
            ),
        )
    order = ("WETH", "USDC") if token0 == weth else ("USDC", "WETH")
    state.pools[name] = PoolEntry(
        kind="uniswap_v3", exchange="uniswap_v3", address=pool_address, tokens=order, fee_pips=fee
    )


def _deploy_balancer(state: _State) -> None:
    d, spec = state.deployer, state.spec
    authorizer = d.deploy("balancer_authorizer", "Authorizer", state.sender)
    vault = d.deploy("balancer_vault", "Vault", authorizer.address, state.address("WETH"), 0, 0)
    factory = d.deploy("balancer_weighted_pool_factory", "WeightedPoolFactory", vault.address)
    # The Vault requires pool tokens sorted by address.
    symbols = sorted(spec.balancer_weights_pct, key=lambda s: int(state.address(s), 16))
    weights = [spec.balancer_weights_pct[s] * 10**16 for s in symbols]
    receipt = d.call(
        "create Balancer weighted pool",
        factory.functions.create(
            "Lapidary 50WETH-25DAI-25USDC",
            "B-50WETH-25DAI-25USDC",
            [state.address(s) for s in symbols],
            weights,
            spec.balancer_swap_fee,
            state.sender,
        ),
    )
    (event,) = factory.events.PoolCreated().process_receipt(receipt, errors=DISCARD)
    pool = d.at("WeightedPool", event["args"]["pool"])
    name = "balancer:" + "/".join(symbols)
    d.record(name, "WeightedPool", pool.address, receipt)
    pool_id = pool.functions.getPoolId().call()
    amounts = [spec.token(s).units(spec.balancer_amounts[s]) for s in symbols]
    for symbol in symbols:
        d.call(f"approve {symbol} to Vault", state.tokens[symbol].functions.approve(vault.address, MAX_UINT))  # type: ignore[attr-defined]
    init_join = encode(["uint256", "uint256[]"], [0, amounts])  # JoinKind.INIT
    d.call(
        "seed Balancer pool",
        vault.functions.joinPool(
            pool_id, state.sender, state.sender, ([state.address(s) for s in symbols], amounts, init_join, False)
        ),
    )
    state.pools[name] = PoolEntry(
        kind="balancer_weighted",
        exchange="balancer",
        address=pool.address,
        tokens=tuple(symbols),
        fee_pips=spec.balancer_swap_fee // 10**12,
        pool_id="0x" + pool_id.hex(),
    )


def _deploy_aave(state: _State) -> None:
    d, spec = state.deployer, state.spec
    provider = d.deploy("aave_addresses_provider", "PoolAddressesProvider", "Lapidary local market", state.sender)
    d.call("Aave ACL admin", provider.functions.setACLAdmin(state.sender))
    acl = d.deploy("aave_acl_manager", "ACLManager", provider.address)
    d.call("Aave ACL manager", provider.functions.setACLManager(acl.address))
    d.call("Aave pool admin", acl.functions.addPoolAdmin(state.sender))

    libraries: dict[str, str] = {}
    for library in ("SupplyLogic", "BorrowLogic", "LiquidationLogic", "EModeLogic", "BridgeLogic", "PoolLogic"):
        libraries[library] = d.deploy(f"aave_{library}", library).address
    libraries["FlashLoanLogic"] = d.deploy("aave_FlashLoanLogic", "FlashLoanLogic", libraries=libraries).address
    pool_impl = d.deploy("aave_pool_implementation", "Pool", provider.address, libraries=libraries)
    receipt = d.call("Aave pool proxy", provider.functions.setPoolImpl(pool_impl.address))
    pool = d.at("Pool", provider.functions.getPool().call())
    d.record("aave_pool", "Pool", pool.address, receipt)

    configurator_logic = d.deploy("aave_ConfiguratorLogic", "ConfiguratorLogic")
    configurator_impl = d.deploy(
        "aave_pool_configurator_implementation",
        "PoolConfigurator",
        libraries={"ConfiguratorLogic": configurator_logic.address},
    )
    receipt = d.call("Aave configurator proxy", provider.functions.setPoolConfiguratorImpl(configurator_impl.address))
    configurator = d.at("PoolConfigurator", provider.functions.getPoolConfigurator().call())
    d.record("aave_pool_configurator", "PoolConfigurator", configurator.address, receipt)

    symbols = list(spec.aave_supply)
    sources = [d.deploy(f"aave_price_feed_{s}", "MockAggregator", spec.token(s).usd_price_e8).address for s in symbols]
    oracle = d.deploy(
        "aave_oracle",
        "AaveOracle",
        provider.address,
        [state.address(s) for s in symbols],
        sources,
        "0x0000000000000000000000000000000000000000",
        "0x0000000000000000000000000000000000000000",
        10**8,
    )
    d.call("Aave price oracle", provider.functions.setPriceOracle(oracle.address))
    data_provider = d.deploy("aave_data_provider", "AaveProtocolDataProvider", provider.address)
    d.call("Aave data provider", provider.functions.setPoolDataProvider(data_provider.address))

    a_token = d.deploy("aave_atoken_implementation", "AToken", pool.address)
    stable_debt = d.deploy("aave_stable_debt_implementation", "StableDebtToken", pool.address)
    variable_debt = d.deploy("aave_variable_debt_implementation", "VariableDebtToken", pool.address)
    strategy = d.deploy(
        "aave_rate_strategy",
        "DefaultReserveInterestRateStrategy",
        provider.address,
        8 * RAY // 10,
        0,
        4 * RAY // 100,
        75 * RAY // 100,
        0,
        0,
        0,
        0,
        2 * RAY // 10,
    )
    inputs = [
        (
            a_token.address,
            stable_debt.address,
            variable_debt.address,
            spec.token(s).decimals,
            strategy.address,
            state.address(s),
            state.sender,
            "0x0000000000000000000000000000000000000000",
            f"Aave local {s}",
            f"a{s}",
            f"Aave local variable debt {s}",
            f"variableDebt{s}",
            f"Aave local stable debt {s}",
            f"stableDebt{s}",
            b"",
        )
        for s in symbols
    ]
    init_receipt = d.call("Aave init reserves", configurator.functions.initReserves(inputs))
    for symbol in symbols:
        asset = state.address(symbol)
        d.call(
            f"Aave {symbol} collateral", configurator.functions.configureReserveAsCollateral(asset, 8000, 8250, 10500)
        )
        d.call(f"Aave {symbol} borrowing", configurator.functions.setReserveBorrowing(asset, True))
        d.call(f"Aave {symbol} flash loans", configurator.functions.setReserveFlashLoaning(asset, True))
        a_token_address = pool.functions.getReserveData(asset).call()[8]
        d.record(f"aave_a{symbol}", "AToken", a_token_address, init_receipt)
    d.call("Aave flash-loan premium", configurator.functions.updateFlashloanPremiumTotal(spec.aave_premium_bps))
    for symbol in symbols:
        amount = spec.token(symbol).units(spec.aave_supply[symbol])
        token = state.tokens[symbol]
        d.call(f"approve {symbol} to Aave", token.functions.approve(pool.address, MAX_UINT))  # type: ignore[attr-defined]
        d.call(f"supply {symbol} to Aave", pool.functions.supply(token.address, amount, state.sender, 0))  # type: ignore[attr-defined]


def _package_versions(node_modules: Path) -> dict[str, str]:
    return {p: json.loads((node_modules / p / "package.json").read_text())["version"] for p in PACKAGES}
