// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {LibOwnership} from "../diamond/LibOwnership.sol";
import {IAavePool, IFlashLoanSimpleReceiver} from "../interfaces/IAavePool.sol";
import {IBalancerPool, IBalancerVault, IFlashLoanRecipient} from "../interfaces/IBalancerVault.sol";
import {IFlashArb} from "../interfaces/IFlashArb.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";
import {IUniswapV3Pool, IUniswapV3SwapCallback} from "../interfaces/IUniswapV3Pool.sol";
import {IWETH} from "../interfaces/IWETH.sol";
import {LibChild} from "../libraries/LibChild.sol";
import {LibGuardian} from "../libraries/LibGuardian.sol";
import {LibPools} from "../libraries/LibPools.sol";
import {LibRisk} from "../libraries/LibRisk.sol";
import {LibFlashArb} from "./LibFlashArb.sol";

/// @title FlashArbFacet
/// @notice The arbitrage strategy of a child diamond: borrows `token` (or takes it from the child's
/// own balance), sells it around a cycle of 2 to 4 swaps over Uniswap-V2-style pairs, Uniswap V3
/// pools and Balancer V2 pools (through the configured Vault) back into `token`, repays the loan, requires the net profit to reach `minProfit`, optionally
/// pays a share of the gross profit to the block's builder (`block.coinbase`) in ETH, sweeps the rest
/// to the master's treasury if configured, and records the result with the child's risk state and
/// its trade statistics (LibRisk.recordTrade; the master sums the statistics on read: no call to the
/// master).
///
/// A route is a list of hops (pool, direction, output). The caller names no token but `token`: each
/// hop's input and output tokens come from the registry (`setArbPool` reads them from the pool), and
/// the route must chain (each hop sells what the previous one bought) and end in `token`. A V2 hop's
/// output is the caller's (`Hop.amountOut`, which the keeper computes exactly as Uniswap's `getAmountOut`
/// from the reserves it predicts): the pair's own constant-product check rejects an output its
/// reserves do not pay, so a pair that moved against the route makes the arbitrage revert (fail
/// closed), and one that moved in its favour keeps the difference. A hop whose next hop is a V2 pair
/// sends its output straight into that pair. A Balancer hop is the Vault's `swap`, GIVEN_IN, of the
/// whole amount the previous hop bought, with the caller's `Hop.amountOut` as its `limit` (the Vault
/// reverts BAL#507 below it); the diamond approves the Vault exactly that input just before. A
/// Balancer hop cannot run inside a Balancer flash loan (the Vault's `flashLoan` and `swap` share one
/// reentrancy guard): such a route must borrow from Aave or use own capital. The profit is the change of the diamond's `token`
/// balance over the whole operation, so loan fees are already deducted.
///
/// Who may call what:
/// - `executeArb`: keeper bots allowed in RiskFacet (never the owner), while neither this child nor
///   its master is paused (the child's own flag and its mirror of the master's pause, read in one
///   word with the Balancer Vault and the sweep switch; see GuardianFacet and LibChild), not
///   reentrantly; `token`, every pool and the notional must pass the child's risk limits (LibRisk)
///   and every pool must also be enabled here (both in the pool's one word, LibPools).
/// - `setArbConfig`, `setArbPool`, `setArbBalancerPool`: the owner.
/// - `receiveFlashLoan` (Balancer), `executeOperation` (Aave): only the configured lender, and only
///   while `executeArb` is waiting for that lender's loan (a transient marker; Aave's `initiator` must
///   also be this diamond). A loan someone else starts with this diamond as receiver reverts.
/// - `uniswapV3SwapCallback`: only the V3 pool of the hop being executed, once, and it is paid exactly
///   the positive delta, which must be that hop's input.
/// - `arbConfig`, `arbPool`, `arbBalancerPoolId`: anyone.
///
/// @dev Security considerations:
/// - The owner must register only genuine pools (`setArbPool` reads token0/token1 from the address it
///   is given and trusts the code there; `setArbBalancerPool` trusts `getPoolId()` there and the
///   configured Vault's `getPoolTokens`; a V2 pair's constant-product check is what guards the
///   outputs the caller names), allow them in RiskFacet, configure the real Balancer Vault, Aave
///   Pool and WETH, and allow only bot keys it controls. A registered pool is trusted as the pool
///   code it claims to be.
/// - A bot that names V2 outputs below what the pairs would pay leaves the difference in the pairs,
///   as a low `minProfit` would leave it to others: the result is still measured as the balance
///   change and recorded against the risk limits.
/// - Profit is measured and checked in `token` only. Other tokens the diamond holds are not counted:
///   a V3 hop that cannot sell its whole input reverts (`PartialFill`) rather than leave a remainder,
///   but the route does not guard balances of intermediate tokens beyond that.
/// - The transaction is exposed to MEV like any swap: in the public mempool it can be front-run or
///   sandwiched up to the point where the profit falls to `minProfit`. Submit through private
///   bundles and set `minProfit` to what must be kept.
/// - Tokens that charge a fee on transfer, rebase, or call back on transfer are not supported: the V2
///   output math assumes the pair receives exactly what is sent, and the profit math assumes balances
///   only move by the transfers made here.
/// - The coinbase share is sent with a plain call forwarding all gas; reentering this facet through it
///   fails (reentrancy guard, consumed markers). If the payment fails the whole arbitrage reverts.
/// - Per-execution state (reentrancy guard, loan marker, validated route, expected V3 pool) lives in
///   transient storage (EIP-1153, Cancun and later). The route reaches the lender's callback only
///   from there; what a lender relays (`userData`, `params`) is ignored.
/// - Sweeping profit to the treasury goes through `LibChild.sendToTreasury`, which the master books
///   against the child's allocation first (it cannot tell profit from principal).
contract FlashArbFacet is
    IFlashArb,
    IFlashLoanRecipient,
    IFlashLoanSimpleReceiver,
    IUniswapV3SwapCallback,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;
    using TransientSlot for bytes32;
    using TransientSlot for TransientSlot.Uint256Slot;

    uint256 private constant BPS = 10_000;
    uint256 private constant MIN_HOPS = 2;
    uint256 private constant MAX_HOPS = 4;
    /// @dev TickMath.MIN_SQRT_RATIO + 1 and MAX_SQRT_RATIO - 1: the widest limits a V3 swap accepts.
    uint160 private constant MIN_SQRT_PRICE_LIMIT = 4_295_128_740;
    uint160 private constant MAX_SQRT_PRICE_LIMIT = 1_461_446_703_485_210_103_287_273_052_203_988_822_378_723_970_341;

    // ---------------------------------------------------------------- the arbitrage

    /// @inheritdoc IFlashArb
    function executeArb(ArbParams calldata params) external nonReentrant returns (uint256 netProfit) {
        LibRisk.requireBot(msg.sender);
        uint240 config = LibGuardian.requireNotPaused();
        address token = params.token;
        uint256 amountIn = params.amountIn;
        if (amountIn == 0) revert ZeroAmountIn();
        LibRisk.checkTrade(token, amountIn);

        uint16 coinbaseBps = params.coinbaseBps;
        if (coinbaseBps != 0) {
            if (coinbaseBps > BPS) revert InvalidCoinbaseBps(coinbaseBps);
            if (token != LibFlashArb.layout().weth) revert CoinbaseNeedsWeth(token);
        }
        Lender lender = params.lender;
        _storeValidatedRoute(params.hops, token, lender);

        uint256 balanceBefore = IERC20(token).balanceOf(address(this));
        if (lender == Lender.OwnCapital) {
            if (balanceBefore < amountIn) revert InsufficientCapital(token, balanceBefore, amountIn);
            _swapRoute(token, amountIn);
        } else {
            _borrowAndSwap(config, lender, token, amountIn);
        }
        netProfit = _account(config, params, balanceBefore);
    }

    /// @notice Balancer V2 Vault flash-loan callback: runs the route, repays the loan plus fee.
    /// @dev Only the configured Vault, only while `executeArb` waits for its loan.
    function receiveFlashLoan(
        IERC20[] calldata tokens,
        uint256[] calldata amounts,
        uint256[] calldata feeAmounts,
        bytes calldata
    ) external {
        _consumeLoan(Lender.Balancer);
        IERC20 token = tokens[0];
        uint256 amount = amounts[0];
        _swapRoute(address(token), amount);
        token.safeTransfer(msg.sender, amount + feeAmounts[0]);
    }

    /// @notice Aave V3 simple flash-loan callback: runs the route and approves the Pool to pull the
    /// loan plus premium.
    /// @dev Only for a loan this diamond started (`initiator`), from the configured Pool, while
    /// `executeArb` waits for it.
    function executeOperation(
        address asset,
        uint256 amount,
        uint256 premium,
        address initiator,
        bytes calldata
    ) external returns (bool) {
        if (initiator != address(this)) revert UnexpectedInitiator(initiator);
        _consumeLoan(Lender.Aave);
        _swapRoute(asset, amount);
        IERC20(asset).forceApprove(msg.sender, amount + premium);
        return true;
    }

    /// @notice Uniswap V3 swap callback: pays the pool of the hop being executed its input.
    /// @dev Only that pool, once; it must ask for the hop's input token (the positive delta).
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        TransientSlot.Uint256Slot expected = LibFlashArb.EXPECTED_POOL.asUint256();
        uint256 hop = expected.tload();
        if (msg.sender != LibFlashArb.pool(hop)) revert UnauthorizedCallback(msg.sender);
        expected.tstore(0);
        bool zeroForOne = LibFlashArb.zeroForOne(hop);
        int256 owed = zeroForOne ? amount0Delta : amount1Delta;
        if (owed <= 0) revert UnexpectedSwapDelta(amount0Delta, amount1Delta);
        (address token0, address token1) = LibPools.tokens(msg.sender);
        IERC20(zeroForOne ? token0 : token1).safeTransfer(msg.sender, uint256(owed));
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc IFlashArb
    function setArbConfig(address balancerVault, address aavePool, address weth, bool sweepProfit) external {
        LibOwnership.enforceIsOwner();
        LibChild.setStrategyConfig(LibFlashArb.encodeConfig(balancerVault, sweepProfit));
        LibFlashArb.Layout storage l = LibFlashArb.layout();
        l.aavePool = aavePool;
        l.weth = weth;
        emit ArbConfigChanged(balancerVault, aavePool, weth, sweepProfit);
    }

    /// @inheritdoc IFlashArb
    function setArbPool(address pool, PoolKind kind, uint16 feeBps, bool enabled) external {
        LibOwnership.enforceIsOwner();
        if (kind == PoolKind.BalancerWeighted) revert UseBalancerRegistration(pool);
        if (kind == PoolKind.UniswapV2 ? feeBps >= BPS : feeBps != 0) revert InvalidFee(kind, feeBps);
        if (pool.code.length == 0) revert InvalidPool(pool);
        address token0 = IUniswapV2Pair(pool).token0();
        address token1 = IUniswapV2Pair(pool).token1();
        if (token0 == address(0) || token1 == address(0) || token0 == token1) revert InvalidPool(pool);
        LibPools.register(pool, uint8(kind), feeBps, enabled, token0, token1);
        emit ArbPoolSet(pool, kind, token0, token1, feeBps, enabled);
    }

    /// @inheritdoc IFlashArb
    function setArbBalancerPool(address pool, address tokenA, address tokenB, bool enabled) external {
        LibOwnership.enforceIsOwner();
        (,, uint240 config) = LibChild.tradeWord();
        address vault = LibFlashArb.balancerVault(config);
        if (vault == address(0)) revert LenderNotConfigured(Lender.Balancer);
        if (pool.code.length == 0) revert InvalidPool(pool);
        bytes32 poolId = IBalancerPool(pool).getPoolId();
        (IERC20[] memory poolTokens,,) = IBalancerVault(vault).getPoolTokens(poolId);
        if (tokenA == tokenB || !_contains(poolTokens, tokenA)) revert NotAPoolToken(poolId, tokenA);
        if (!_contains(poolTokens, tokenB)) revert NotAPoolToken(poolId, tokenB);
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        LibPools.register(pool, uint8(PoolKind.BalancerWeighted), 0, enabled, token0, token1);
        LibPools.setBalancerPoolId(pool, poolId);
        emit ArbPoolSet(pool, PoolKind.BalancerWeighted, token0, token1, 0, enabled);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IFlashArb
    function arbConfig()
        external
        view
        returns (address balancerVault, address aavePool, address weth, bool sweepProfit)
    {
        (,, uint240 config) = LibChild.tradeWord();
        LibFlashArb.Layout storage l = LibFlashArb.layout();
        return (LibFlashArb.balancerVault(config), l.aavePool, l.weth, LibFlashArb.sweepProfit(config));
    }

    /// @inheritdoc IFlashArb
    function arbPool(address pool)
        external
        view
        returns (PoolKind kind, address token0, address token1, uint16 feeBps, bool enabled)
    {
        uint256 poolWord = LibPools.word(pool);
        (token0, token1) = LibPools.tokens(pool);
        kind = PoolKind(LibPools.kind(poolWord));
        return (kind, token0, token1, LibPools.feeBps(poolWord), LibPools.isEnabled(poolWord));
    }

    /// @inheritdoc IFlashArb
    function arbBalancerPoolId(address pool) external view returns (bytes32) {
        return LibPools.balancerPoolId(pool);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Checks every hop (enabled here, allowed by the risk limits, chained, a cycle from `token`)
    /// from one word per pool (LibPools: both admissions and the tokens' tags) and stores the hops,
    /// packed one word each (see LibFlashArb), in transient storage for `_swapRoute`: the lender's
    /// callback reads the route from there, never from the lender's `userData`/`params` (measured
    /// cheaper than passing it through the lender, and nothing a lender relays is trusted). A
    /// Balancer hop under a Balancer loan is refused here, before any loan is taken.
    function _storeValidatedRoute(Hop[] calldata hops, address token, Lender lender) private {
        uint256 count = hops.length;
        if (count < MIN_HOPS || count > MAX_HOPS) revert InvalidHopCount(count);
        bytes32 base = LibFlashArb.ROUTE;
        assembly ("memory-safe") {
            tstore(base, count)
        }
        uint96 current = LibPools.tag(token);
        for (uint256 i = 0; i < count; ++i) {
            address pool = hops[i].pool;
            bool zeroForOne = hops[i].zeroForOne;
            uint256 poolWord = LibPools.word(pool);
            if (!LibPools.isEnabled(poolWord)) revert PoolNotEnabled(pool);
            if (!LibPools.isAllowed(poolWord)) revert LibRisk.PoolNotAllowed(pool);
            (uint96 tagIn, uint96 tagOut) = LibPools.tagsInOut(poolWord, zeroForOne);
            if (tagIn != current) _revertBrokenRoute(hops, i, token);
            current = tagOut;
            uint8 kind = LibPools.kind(poolWord);
            if (kind == uint8(PoolKind.BalancerWeighted) && lender == Lender.Balancer) {
                revert BalancerHopInBalancerLoan(pool);
            }
            uint256 hop = LibFlashArb.encodeHop(pool, kind, zeroForOne);
            uint256 amountOut = hops[i].amountOut;
            bool v3 = kind == uint8(PoolKind.UniswapV3);
            assembly ("memory-safe") {
                let slot := add(base, add(shl(1, i), 1))
                tstore(slot, hop)
                if iszero(v3) { tstore(add(slot, 1), amountOut) }
            }
        }
        if (current != LibPools.tag(token)) revert NotACycle(token, _tokenOut(hops[count - 1]));
    }

    /// @dev Reverts `BrokenRoute` for hop `i`, naming the tokens in full (read off the hot path).
    function _revertBrokenRoute(Hop[] calldata hops, uint256 i, address token) private view {
        address expectedIn = i == 0 ? token : _tokenOut(hops[i - 1]);
        (address token0, address token1) = LibPools.tokens(hops[i].pool);
        revert BrokenRoute(i, expectedIn, hops[i].zeroForOne ? token0 : token1);
    }

    /// @dev The token a hop buys, in full.
    function _tokenOut(Hop calldata hop) private view returns (address) {
        (address token0, address token1) = LibPools.tokens(hop.pool);
        return hop.zeroForOne ? token1 : token0;
    }

    /// @dev Takes the loan; the lender calls back `receiveFlashLoan` or `executeOperation`, which run
    /// the route and repay. The marker lets exactly that callback through, once.
    function _borrowAndSwap(uint240 config, Lender lender, address token, uint256 amountIn) private {
        TransientSlot.Uint256Slot marker = LibFlashArb.LOAN_MARKER.asUint256();
        if (lender == Lender.Balancer) {
            address vault = LibFlashArb.balancerVault(config);
            if (vault == address(0)) revert LenderNotConfigured(lender);
            IERC20[] memory tokens = new IERC20[](1);
            tokens[0] = IERC20(token);
            uint256[] memory amounts = new uint256[](1);
            amounts[0] = amountIn;
            marker.tstore(LibFlashArb.loanMarker(vault, lender));
            IBalancerVault(vault).flashLoan(this, tokens, amounts, "");
        } else {
            address pool = LibFlashArb.layout().aavePool;
            if (pool == address(0)) revert LenderNotConfigured(lender);
            marker.tstore(LibFlashArb.loanMarker(pool, lender));
            IAavePool(pool).flashLoanSimple(address(this), token, amountIn, "", 0);
        }
        if (marker.tload() != 0) revert LoanNotReceived(lender);
    }

    /// @dev Lets through the callback of the loan `executeArb` is waiting for, once.
    function _consumeLoan(Lender lender) private {
        TransientSlot.Uint256Slot marker = LibFlashArb.LOAN_MARKER.asUint256();
        if (marker.tload() != LibFlashArb.loanMarker(msg.sender, lender)) revert UnauthorizedCallback(msg.sender);
        marker.tstore(0);
    }

    /// @dev Sells `amountIn` of `token` along the route `_storeValidatedRoute` stored. The diamond
    /// holds `amountIn` of `token` and ends holding the last hop's output.
    function _swapRoute(address token, uint256 amountIn) private {
        bytes32 base = LibFlashArb.ROUTE;
        uint256 count;
        uint256 hop;
        assembly ("memory-safe") {
            count := tload(base)
            hop := tload(add(base, 1))
        }
        // A V2 pair must hold its input before `swap`; later V2 hops get it from the previous hop.
        if (LibFlashArb.isV2(hop)) IERC20(token).safeTransfer(LibFlashArb.pool(hop), amountIn);
        uint256 amount = amountIn;
        for (uint256 i = 0; i < count; ++i) {
            uint256 next;
            uint256 amountOut;
            assembly ("memory-safe") {
                let slot := add(base, add(shl(1, i), 1))
                amountOut := tload(add(slot, 1))
                if lt(add(i, 1), count) { next := tload(add(slot, 2)) }
            }
            address recipient = next != 0 && LibFlashArb.isV2(next) ? LibFlashArb.pool(next) : address(this);
            if (LibFlashArb.isV3(hop)) {
                amount = _swapV3(hop, amount, recipient);
            } else if (LibFlashArb.isBalancer(hop)) {
                amount = _swapBalancer(hop, amount, amountOut, recipient);
            } else {
                _swapV2(hop, amountOut, recipient);
                amount = amountOut;
            }
            hop = next;
        }
    }

    /// @dev One V2 hop whose input is already in the pair, for the output the caller named; the
    /// pair reverts unless its reserves pay it.
    function _swapV2(uint256 hop, uint256 amountOut, address recipient) private {
        (uint256 amount0Out, uint256 amount1Out) =
            LibFlashArb.zeroForOne(hop) ? (uint256(0), amountOut) : (amountOut, uint256(0));
        IUniswapV2Pair(LibFlashArb.pool(hop)).swap(amount0Out, amount1Out, recipient, "");
    }

    /// @dev One V3 hop, exact input. `EXPECTED_POOL` lets this pool's callback through while the swap
    /// runs (the callback consumes it); it is cleared after the swap whether or not it was used.
    function _swapV3(uint256 hop, uint256 amountIn, address recipient) private returns (uint256 amountOut) {
        address pool = LibFlashArb.pool(hop);
        bool zeroForOne = LibFlashArb.zeroForOne(hop);
        TransientSlot.Uint256Slot expected = LibFlashArb.EXPECTED_POOL.asUint256();
        expected.tstore(hop);
        (int256 amount0, int256 amount1) = IUniswapV3Pool(pool).swap(
            recipient,
            zeroForOne,
            SafeCast.toInt256(amountIn),
            zeroForOne ? MIN_SQRT_PRICE_LIMIT : MAX_SQRT_PRICE_LIMIT,
            ""
        );
        expected.tstore(0);
        (int256 paid, int256 received) = zeroForOne ? (amount0, amount1) : (amount1, amount0);
        if (paid != int256(amountIn)) revert PartialFill(pool, amountIn, SafeCast.toUint256(paid));
        amountOut = uint256(-received);
    }

    /// @dev One Balancer hop: the configured Vault's `swap`, GIVEN_IN, of `amountIn` (which the diamond
    /// holds; it approves the Vault exactly that, and GIVEN_IN pulls all of it), paying at least
    /// `minOut` (the Vault's `limit`) to `recipient` by the deadline of this block.
    function _swapBalancer(uint256 hop, uint256 amountIn, uint256 minOut, address recipient)
        private
        returns (uint256 amountOut)
    {
        address pool = LibFlashArb.pool(hop);
        (address token0, address token1) = LibPools.tokens(pool);
        (address tokenIn, address tokenOut) = LibFlashArb.zeroForOne(hop) ? (token0, token1) : (token1, token0);
        (,, uint240 config) = LibChild.tradeWord();
        address vault = LibFlashArb.balancerVault(config);
        IERC20(tokenIn).forceApprove(vault, amountIn);
        amountOut = IBalancerVault(vault).swap(
            IBalancerVault.SingleSwap(
                LibPools.balancerPoolId(pool), IBalancerVault.SwapKind.GIVEN_IN, tokenIn, tokenOut, amountIn, ""
            ),
            IBalancerVault.FundManagement(address(this), false, payable(recipient), false),
            minOut,
            block.timestamp
        );
    }

    /// @dev Whether `token` is among `tokens`.
    function _contains(IERC20[] memory tokens, address token) private pure returns (bool) {
        for (uint256 i = 0; i < tokens.length; ++i) {
            if (address(tokens[i]) == token) return true;
        }
        return false;
    }

    /// @dev After the route: settles the profit, sweeps it if configured, records it with the risk
    /// state and the child's statistics, and emits `ArbExecuted`.
    function _account(uint240 config, ArbParams calldata params, uint256 balanceBefore)
        private
        returns (uint256 netProfit)
    {
        address token = params.token;
        (uint256 grossProfit, uint256 coinbasePayment, uint256 net) =
            _settle(token, balanceBefore, params.minProfit, params.coinbaseBps);
        if (net != 0 && LibFlashArb.sweepProfit(config)) LibChild.sendToTreasury(token, net);
        LibRisk.recordTrade(msg.sender, token, params.amountIn, SafeCast.toInt256(net));
        emit ArbExecuted(
            msg.sender, token, params.amountIn, grossProfit, coinbasePayment, net, uint8(params.lender)
        );
        return net;
    }

    /// @dev Measures the profit, enforces `minProfit` and pays the coinbase share (WETH, checked).
    function _settle(address token, uint256 balanceBefore, uint256 minProfit, uint16 coinbaseBps)
        private
        returns (uint256 grossProfit, uint256 coinbasePayment, uint256 netProfit)
    {
        uint256 balanceAfter = IERC20(token).balanceOf(address(this));
        if (balanceAfter < balanceBefore) {
            revert UnprofitableRoute(token, -SafeCast.toInt256(balanceBefore - balanceAfter), minProfit);
        }
        grossProfit = balanceAfter - balanceBefore;
        coinbasePayment = (grossProfit * coinbaseBps) / BPS;
        netProfit = grossProfit - coinbasePayment;
        if (netProfit < minProfit) revert UnprofitableRoute(token, SafeCast.toInt256(grossProfit), minProfit);
        if (coinbasePayment != 0) {
            IWETH(token).withdraw(coinbasePayment);
            (bool sent,) = block.coinbase.call{value: coinbasePayment}("");
            if (!sent) revert CoinbasePaymentFailed(block.coinbase, coinbasePayment);
        }
    }
}
