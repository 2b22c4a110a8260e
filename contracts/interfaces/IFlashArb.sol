// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title FlashArb: what a keeper bot and the owner call on an arbitrage child diamond
/// @notice The external surface of `FlashArbFacet`, the types the keeper encodes, and the events and
/// errors it can observe. Enums are `uint8` on the wire.
interface IFlashArb {
    /// @notice Where the borrowed `token` comes from.
    /// @param OwnCapital The child's own balance (allocated by the master); no loan.
    /// @param Balancer A Balancer V2 Vault flash loan (the Vault's fee, zero unless governance sets one).
    /// @param Aave An Aave V3 `flashLoanSimple` (the Pool's premium, e.g. 5 bps).
    enum Lender {
        OwnCapital,
        Balancer,
        Aave
    }

    /// @notice How a registered pool is traded.
    /// @param UniswapV2 A Uniswap-V2-style pair: pay first, then `swap` for the output the caller
    /// computed (`Hop.amountOut`); the pair's own constant-product check guards it.
    /// @param UniswapV3 A Uniswap V3 pool: `swap` exact input, pay in `uniswapV3SwapCallback`.
    /// @param BalancerWeighted Two tokens of a Balancer V2 pool (registered with `setArbBalancerPool`):
    /// the configured Vault's `swap`, GIVEN_IN, with `Hop.amountOut` as its `limit`.
    enum PoolKind {
        UniswapV2,
        UniswapV3,
        BalancerWeighted
    }

    /// @notice One swap of a route.
    /// @param pool A pool registered with `setArbPool`.
    /// @param zeroForOne True to sell the pool's token0 for its token1, false for the reverse.
    /// @param amountOut For a V2 pair, what the hop buys: the caller computes it from the pair's
    /// reserves and fee (Uniswap's `getAmountOut` of the hop's input); a pair that moved since makes
    /// the swap revert at the pair's constant-product check. For a Balancer pool, the least output
    /// accepted (the Vault's `limit`; the keeper names the exact output it predicts). Ignored for a
    /// V3 pool, which computes its own output from the exact input.
    struct Hop {
        address pool;
        bool zeroForOne;
        uint256 amountOut;
    }

    /// @notice One arbitrage.
    /// @param hops 2 to 4 swaps forming a cycle from `token` back to `token`.
    /// @param token The token borrowed (or taken from the child's balance) and returned, e.g. WETH.
    /// @param amountIn What the first hop sells, in `token` base units.
    /// @param minProfit The least net profit (after the loan fee and the coinbase payment) accepted,
    /// in `token` base units.
    /// @param lender Where `amountIn` comes from.
    /// @param coinbaseBps Share of the gross profit paid to `block.coinbase` in ETH, in basis points;
    /// `token` must be WETH unless zero.
    struct ArbParams {
        Hop[] hops;
        address token;
        uint256 amountIn;
        uint256 minProfit;
        Lender lender;
        uint16 coinbaseBps;
    }

    /// @notice Emitted for every executed arbitrage. Amounts are in `token` base units; `lender` is a
    /// `Lender` value.
    event ArbExecuted(
        address indexed bot,
        address indexed token,
        uint256 amountIn,
        uint256 grossProfit,
        uint256 coinbasePayment,
        uint256 netProfit,
        uint8 lender
    );
    /// @notice Emitted when the owner changes the lenders, WETH or the sweep setting.
    event ArbConfigChanged(address balancerVault, address aavePool, address weth, bool sweepProfit);
    /// @notice Emitted when the owner registers, updates or disables a pool.
    event ArbPoolSet(
        address indexed pool, PoolKind kind, address token0, address token1, uint16 feeBps, bool enabled
    );

    /// @notice A route must have 2 to 4 hops.
    error InvalidHopCount(uint256 hops);
    /// @notice `amountIn` of zero.
    error ZeroAmountIn();
    /// @notice The pool is not registered with `setArbPool`, or is disabled.
    error PoolNotEnabled(address pool);
    /// @notice Hop `hop` sells `actualIn`, but the route holds `expectedIn` at that point (the borrowed
    /// token before the first hop, the previous hop's output after).
    error BrokenRoute(uint256 hop, address expectedIn, address actualIn);
    /// @notice The route ends in `lastOut` instead of the borrowed `token`.
    error NotACycle(address token, address lastOut);
    /// @notice The chosen lender has no address configured.
    error LenderNotConfigured(Lender lender);
    /// @notice The lender returned without calling back: no loan was taken.
    error LoanNotReceived(Lender lender);
    /// @notice Own capital: the child holds only `balance` of `token`.
    error InsufficientCapital(address token, uint256 balance, uint256 amountIn);
    /// @notice A flash-loan or swap callback from `caller`, which is not the lender or pool this
    /// diamond is waiting for right now.
    error UnauthorizedCallback(address caller);
    /// @notice An Aave flash loan this diamond did not start (`initiator` is not the diamond).
    error UnexpectedInitiator(address initiator);
    /// @notice A V3 callback whose deltas do not ask for the hop's input token.
    error UnexpectedSwapDelta(int256 amount0Delta, int256 amount1Delta);
    /// @notice A V3 hop took `consumed` of its input instead of `amountIn` (it hit its price limit).
    error PartialFill(address pool, uint256 amountIn, uint256 consumed);
    /// @notice A coinbase share is paid in ETH, so the route's token must be the configured WETH.
    error CoinbaseNeedsWeth(address token);
    /// @notice A coinbase share above 10,000 bps.
    error InvalidCoinbaseBps(uint16 bps);
    /// @notice Sending `amount` wei to `coinbase` failed.
    error CoinbasePaymentFailed(address coinbase, uint256 amount);
    /// @notice The route made `grossProfit` (negative: a loss), leaving less than `minProfit` net.
    error UnprofitableRoute(address token, int256 grossProfit, uint256 minProfit);
    /// @notice Registration of something that is not a pool of two distinct tokens.
    error InvalidPool(address pool);
    /// @notice A V2 fee must be below 10,000 bps; a V3 pool's fee is its own (pass 0).
    error InvalidFee(PoolKind kind, uint16 feeBps);
    /// @notice `setArbPool` registers Uniswap pools only; a Balancer pool goes through `setArbBalancerPool`.
    error UseBalancerRegistration(address pool);
    /// @notice `token` is not one of the tokens the Vault holds for `poolId` (or both tokens are the same).
    error NotAPoolToken(bytes32 poolId, address token);
    /// @notice A route with a Balancer hop cannot borrow from the Balancer Vault: the Vault's `flashLoan`
    /// and `swap` share one reentrancy guard, so the swap would revert inside the loan (BAL#400).
    error BalancerHopInBalancerLoan(address pool);

    /// @notice Runs one arbitrage and returns its net profit in `params.token`. Allowed keeper bots
    /// only, while neither this child nor its master is paused.
    function executeArb(ArbParams calldata params) external returns (uint256 netProfit);

    /// @notice Sets the lenders, the WETH used for coinbase payments, and whether profit is swept to
    /// the master's treasury after each arbitrage. Owner only; zero disables a lender.
    function setArbConfig(address balancerVault, address aavePool, address weth, bool sweepProfit) external;

    /// @notice Registers, updates or disables `pool`, reading its token0 and token1 from it. Owner only.
    /// @param feeBps The swap fee of a V2-style pair (30 for Uniswap V2); 0 for V3. Recorded for the
    /// keeper, which computes each hop's output; the contract does not use it.
    function setArbPool(address pool, PoolKind kind, uint16 feeBps, bool enabled) external;

    /// @notice Registers, updates or disables two tokens of a Balancer V2 pool of the configured Vault as
    /// a pool this child trades (`pool` is the key hops name). Owner only; the Vault must be configured.
    /// @dev Reads `getPoolId()` from `pool` and checks both tokens against the Vault's `getPoolTokens`.
    /// One pair per pool: registering another pair of the same pool replaces the first.
    function setArbBalancerPool(address pool, address tokenA, address tokenB, bool enabled) external;

    /// @notice The Vault pool id registered for a Balancer `pool` (zero for other kinds).
    function arbBalancerPoolId(address pool) external view returns (bytes32);

    /// @notice The configured lenders, WETH and sweep setting.
    function arbConfig()
        external
        view
        returns (address balancerVault, address aavePool, address weth, bool sweepProfit);

    /// @notice What is registered for `pool` (all zero if never registered).
    function arbPool(address pool)
        external
        view
        returns (PoolKind kind, address token0, address token1, uint16 feeBps, bool enabled);
}
