// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INonfungiblePositionManager} from "./INonfungiblePositionManager.sol";

/// @title MarketMaking: what a keeper bot, a correcting wallet, the guardian and the owner call on an
/// `mm` child diamond
/// @notice The external surface of `MarketMakingFacet`, the types the keeper encodes, and the events
/// and errors it can observe. Amounts are in the tokens' base units; `token0`/`token1` are the pool's
/// (sorted by address, as Uniswap sorts them); times are unix seconds (`block.timestamp`). An increase
/// or a decrease takes the position manager's own parameters (`IncreaseLiquidityParams`,
/// `DecreaseLiquidityParams`), whose minimums and deadline the facet checks itself.
interface IMarketMaking {
    /// @notice A new position (one NFT of the position manager, owned by the child).
    /// @param pool A pool the owner registered (`setMarketPool`) and allowed in RiskFacet.
    /// @param tickLower The position's lower tick (a multiple of the pool's tick spacing).
    /// @param tickUpper The position's upper tick, above `tickLower`.
    /// @param amount0Desired The most token0 the child pays.
    /// @param amount1Desired The most token1 the child pays.
    /// @param amount0Min The least token0 the position must take, else the call reverts
    /// (`AmountsBelowMinimum`): the keeper's slippage bound.
    /// @param amount1Min The least token1 likewise.
    /// @param deadline The last second (inclusive) the call may run.
    struct MintParams {
        address pool;
        int24 tickLower;
        int24 tickUpper;
        uint256 amount0Desired;
        uint256 amount1Desired;
        uint256 amount0Min;
        uint256 amount1Min;
        uint256 deadline;
    }

    /// @notice A pool the owner registered, as read from the pool and checked against the position
    /// manager's factory when it was enabled.
    struct MarketPool {
        address token0;
        address token1;
        uint24 fee;
        bool enabled;
    }

    /// @notice A position of the child: where it sits and what it holds (from the position manager)
    /// and what the child booked for it.
    /// @param tokensOwed0 token0 the manager owes the position as of its last update (removed
    /// liquidity and fees; fees accrued since are counted at the next decrease or collect).
    /// @param deposited0 token0 put into the position and not yet taken out, at cost: what mints and
    /// increases paid, less each decrease's pro-rata share (`deposited * liquidity removed / liquidity`,
    /// rounded up). It is what counts against the token's inventory limit.
    /// @param principalOwed0 token0 the position's removed liquidity was worth and has not been
    /// collected yet; what a collect takes above it is fees.
    struct Position {
        address pool;
        int24 tickLower;
        int24 tickUpper;
        uint128 liquidity;
        uint128 tokensOwed0;
        uint128 tokensOwed1;
        uint256 deposited0;
        uint256 deposited1;
        uint256 principalOwed0;
        uint256 principalOwed1;
    }

    // ---------------------------------------------------------------- events

    /// @notice Emitted when a bot mints position `tokenId` on `pool`.
    event PositionMinted(
        uint256 indexed tokenId,
        address indexed pool,
        address indexed bot,
        int24 tickLower,
        int24 tickUpper,
        uint128 liquidity,
        uint256 amount0,
        uint256 amount1
    );
    /// @notice Emitted when a bot adds `liquidity` to a position, paying `amount0` and `amount1`.
    event PositionIncreased(
        uint256 indexed tokenId,
        address indexed pool,
        address indexed bot,
        uint128 liquidity,
        uint256 amount0,
        uint256 amount1
    );
    /// @notice Emitted when `by` (a bot, or the guardian or the owner unwinding) removes `liquidity`
    /// from a position, worth `amount0` and `amount1` (now owed to the position).
    event PositionDecreased(
        uint256 indexed tokenId,
        address indexed pool,
        address indexed by,
        uint128 liquidity,
        uint256 amount0,
        uint256 amount1
    );
    /// @notice Emitted when `by` collects what a position was owed into the child: `amount0` and
    /// `amount1` in all, of which `fees0` and `fees1` are fees (the rest removed liquidity).
    event PositionCollected(
        uint256 indexed tokenId,
        address indexed pool,
        address indexed by,
        uint256 amount0,
        uint256 amount1,
        uint256 fees0,
        uint256 fees1
    );
    /// @notice Emitted when `by` burns an emptied position's NFT; the position is forgotten.
    event PositionBurned(uint256 indexed tokenId, address indexed pool, address indexed by);
    /// @notice Emitted when a bot sends `amount` of `token` to correcting wallet `wallet`; the wallet's
    /// outstanding funding in `token` is now `outstanding`.
    event WalletFunded(
        address indexed wallet, address indexed token, address indexed bot, uint256 amount, uint256 outstanding
    );
    /// @notice Emitted when `wallet` returns `amount` of `token` (what arrived); its outstanding funding
    /// in `token` is now `outstanding` (never below zero: a return above it is the wallet's gain).
    event FundsReturned(address indexed wallet, address indexed token, uint256 amount, uint256 outstanding);
    /// @notice Emitted when the owner sets the position manager (every registered pool is disabled).
    event PositionManagerChanged(address indexed previousManager, address indexed newManager);
    /// @notice Emitted when the owner registers, re-enables or disables `pool`.
    event MarketPoolSet(address indexed pool, address token0, address token1, uint24 fee, bool enabled);
    /// @notice Emitted when the owner changes the most of `token` the child may have deployed.
    event InventoryLimitChanged(address indexed token, uint256 previousLimit, uint256 newLimit);
    /// @notice Emitted when the owner adds or removes a correcting wallet.
    event FundingWalletChanged(address indexed wallet, bool allowed);
    /// @notice Emitted when the owner changes the most of `token` that may be outstanding at `wallet`.
    event FundingCapChanged(address indexed wallet, address indexed token, uint256 previousCap, uint256 newCap);

    // ---------------------------------------------------------------- errors

    /// @notice No position manager is set.
    error PositionManagerNotSet();
    /// @notice The position manager must be a contract.
    error InvalidPositionManager(address manager);
    /// @notice The position manager cannot change while the child holds `count` positions.
    error PositionsOpen(uint256 count);
    /// @notice `pool` is not the position manager's factory's pool for its own tokens and fee.
    error InvalidPool(address pool);
    /// @notice `pool` is not registered with `setMarketPool`, or is disabled.
    error PoolNotEnabled(address pool);
    /// @notice `pool` already holds the most positions a pool may hold.
    error TooManyPositions(address pool, uint256 limit);
    /// @notice The child holds no position `tokenId` (never minted here, or burned).
    error UnknownPosition(uint256 tokenId);
    /// @notice The call ran after its `deadline`.
    error DeadlineExpired(uint256 deadline, uint256 timestamp);
    /// @notice The position took or gave `amount0`/`amount1`, below the caller's minimums.
    error AmountsBelowMinimum(uint256 amount0, uint256 amount1, uint256 amount0Min, uint256 amount1Min);
    /// @notice The child would have `deployed` of `token` in positions, above its `limit`.
    error InventoryLimitExceeded(address token, uint256 deployed, uint256 limit);
    /// @notice A decrease of zero liquidity.
    error ZeroLiquidity();
    /// @notice A decrease of `requested` liquidity from a position holding `available`.
    error InsufficientLiquidity(uint256 tokenId, uint128 requested, uint128 available);
    /// @notice A position still holding `liquidity` cannot be burned (decrease it first).
    error PositionNotEmpty(uint256 tokenId, uint128 liquidity);
    /// @notice A correcting wallet cannot be zero or the child itself.
    error InvalidWallet(address wallet);
    /// @notice `wallet` is not a correcting wallet (and, for a return, owes nothing in the token).
    error UnknownWallet(address wallet);
    /// @notice Funding would take `wallet`'s outstanding `token` to `outstanding`, above its `cap`.
    error FundingCapExceeded(address wallet, address token, uint256 outstanding, uint256 cap);
    /// @notice Funding or returning zero.
    error ZeroAmount();

    // ---------------------------------------------------------------- keeper bots

    /// @notice Mints a position on `params.pool` owned by the child, paid from the child's balance.
    /// Allowed bots only, while neither the child nor its master is paused, on a registered, enabled
    /// and risk-allowed pool, within the tokens' inventory limits.
    function mintPosition(MintParams calldata params)
        external
        returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1);

    /// @notice Adds liquidity to position `params.tokenId` of the child, at its ticks, paying at most
    /// `amount0Desired`/`amount1Desired` and at least `amount0Min`/`amount1Min`, before `deadline`. As
    /// `mintPosition`: bots, not paused, the position's pool still enabled and allowed, within the
    /// inventory limits.
    function increasePosition(INonfungiblePositionManager.IncreaseLiquidityParams calldata params)
        external
        returns (uint128 liquidity, uint256 amount0, uint256 amount1);

    /// @notice Removes `params.liquidity` (at most the position's) from position `params.tokenId` of
    /// the child, worth at least `amount0Min`/`amount1Min`, before `deadline`. What it was worth is owed
    /// to the position (`Position.principalOwed0/1`) until collected. Bots, not paused; also on a pool
    /// since disabled (taking liquidity out is always allowed).
    function decreasePosition(INonfungiblePositionManager.DecreaseLiquidityParams calldata params)
        external
        returns (uint256 amount0, uint256 amount1);

    /// @notice Collects everything a position of the child is owed (removed liquidity and fees) into
    /// the child. Bots, not paused.
    function collectPosition(uint256 tokenId) external returns (uint256 amount0, uint256 amount1);

    /// @notice Burns a position without liquidity, collecting what it is still owed first. Bots, not
    /// paused.
    function burnPosition(uint256 tokenId) external;

    /// @notice Sends `amount` of `token` from the child to correcting wallet `wallet`, within the
    /// wallet's cap of outstanding funding in `token`. Bots, not paused.
    function fundWallet(address wallet, address token, uint256 amount) external;

    // ---------------------------------------------------------------- correcting wallets

    /// @notice Returns `amount` of `token` from the calling wallet (which must have approved the
    /// child) and lowers its outstanding funding by what arrived, down to zero. A correcting wallet, or
    /// one that still owes `token`; also while paused.
    /// @return received What arrived in the child.
    function returnFunds(address token, uint256 amount) external returns (uint256 received);

    // ---------------------------------------------------------------- guardian and owner

    /// @notice Removes all of a position's liquidity, collects everything into the child and burns
    /// it. The guardian or the owner; also while paused (the fail-safe's "pull liquidity").
    /// @return amount0 token0 collected in all.
    /// @return amount1 token1 collected in all.
    function unwindPosition(uint256 tokenId, uint256 amount0Min, uint256 amount1Min, uint256 deadline)
        external
        returns (uint256 amount0, uint256 amount1);

    /// @notice Sets the NonfungiblePositionManager positions are held through. Owner only; only while
    /// the child holds no position. Disables every registered pool (re-enable each: it is checked
    /// against the new manager's factory).
    function setPositionManager(address manager) external;

    /// @notice Registers `pool` (reading its tokens and fee, and checking that the manager's factory
    /// created it) and enables it, or disables it. Owner only. The pool must also be allowed in
    /// RiskFacet (`setPoolAllowed`) before positions may be minted or increased on it.
    function setMarketPool(address pool, bool enabled) external;

    /// @notice Sets the most of `token` the child may have deployed in positions, at cost (see
    /// `Position.deposited0`); at most 2^128 - 1. Owner only. A limit below what is deployed blocks new
    /// deposits until enough is withdrawn.
    function setInventoryLimit(address token, uint256 limit) external;

    /// @notice Adds or removes a correcting wallet. Owner only. A removed wallet can still return
    /// what it owes.
    function setFundingWallet(address wallet, bool allowed) external;

    /// @notice Sets the most of `token` that may be outstanding at `wallet` (at most 2^128 - 1). Owner
    /// only. A cap below what is outstanding blocks funding until enough is returned.
    function setFundingCap(address wallet, address token, uint256 cap) external;

    // ---------------------------------------------------------------- views

    /// @notice The NonfungiblePositionManager, or zero.
    function positionManager() external view returns (address);

    /// @notice A registered pool (all zero if never registered).
    function marketPool(address pool) external view returns (MarketPool memory);

    /// @notice Every pool ever registered, in order of first registration (enabled or not).
    function marketPools() external view returns (address[] memory);

    /// @notice The child's positions on `pool`, by token id. The order changes when one is burned
    /// (the last takes its place).
    function positionIds(address pool) external view returns (uint256[] memory);

    /// @notice How many positions the child holds, over all pools.
    function positionCount() external view returns (uint256);

    /// @notice A position of the child; reverts `UnknownPosition` for any other token id.
    function position(uint256 tokenId) external view returns (Position memory);

    /// @notice What of `token` the child has deployed in positions (at cost), and its limit.
    function inventory(address token) external view returns (uint256 deployed, uint256 limit);

    /// @notice Whether `wallet` is a correcting wallet.
    function isFundingWallet(address wallet) external view returns (bool);

    /// @notice What of `token` is outstanding at `wallet`, and its cap.
    function walletFunding(address wallet, address token) external view returns (uint256 outstanding, uint256 cap);
}
