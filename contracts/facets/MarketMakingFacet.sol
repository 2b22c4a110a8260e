// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {LibOwnership} from "../diamond/LibOwnership.sol";
import {IMarketMaking} from "../interfaces/IMarketMaking.sol";
import {INonfungiblePositionManager} from "../interfaces/INonfungiblePositionManager.sol";
import {IUniswapV3Factory, IUniswapV3PoolKey} from "../interfaces/IUniswapV3Factory.sol";
import {LibGuardian} from "../libraries/LibGuardian.sol";
import {LibRisk} from "../libraries/LibRisk.sol";
import {LibMarketMaking} from "./LibMarketMaking.sol";

/// @title MarketMakingFacet
/// @notice The market-making strategy of an `mm` child diamond: Uniswap V3 liquidity positions owned
/// by the child (so the capital stays in the diamond), made and unmade through the world's
/// NonfungiblePositionManager, and the keeper's correcting wallets funded from the child within caps.
///
/// Positions: a bot mints a position on a pool the owner registered here and allowed in RiskFacet,
/// adds to it, removes from it, collects what it is owed and burns it; every token leaves the child
/// only into a position and comes back only to the child. The child books, per position, what it
/// deposited (at cost: a decrease releases the removed share of it) and what the removed liquidity was
/// worth until it is collected, so that a collect splits into principal and fees to the wei (the
/// `PositionCollected` event). Per token, the deposits of all positions together may not exceed the
/// owner's inventory limit. Ticks, tick spacing and the price are the pool's to check.
///
/// Correcting wallets: the keeper moves the pool's price with trades from EOAs it holds. The owner
/// names those wallets and caps, per wallet and token, what may be outstanding at each; a bot sends
/// funding within the cap (`fundWallet`), a wallet sends tokens back (`returnFunds`, after approving
/// the child), which lowers what is outstanding, never below zero: a return above it is the wallet's
/// gain, kept by the child.
///
/// Who may call what:
/// - `mintPosition`, `increasePosition`: keeper bots allowed in RiskFacet, while neither this child nor
///   its master is paused (LibGuardian), before the deadline, on a pool registered and enabled here and
///   allowed in RiskFacet (LibPools' allow bit), within the tokens' inventory limits, taking at least
///   the caller's minimum amounts.
/// - `decreasePosition`, `collectPosition`, `burnPosition`: keeper bots, while not paused, on a
///   position of this child, whatever its pool's admission now (taking liquidity out is never
///   blocked by a pool being disabled); a decrease before the deadline and worth at least the caller's
///   minimums.
/// - `fundWallet`: keeper bots, while not paused, to a correcting wallet, within its cap.
/// - `returnFunds`: a correcting wallet, or any address that still owes the token; also while paused.
/// - `unwindPosition`: the child's guardian or the owner, also while paused: all liquidity out, all
///   owed collected into the child, the NFT burned (the fail-safe's "pull liquidity").
/// - `setPositionManager`, `setMarketPool`, `setInventoryLimit`, `setFundingWallet`,
///   `setFundingCap`: the owner.
/// - The views: anyone.
///
/// @dev Security considerations:
/// - A compromised bot key can: put up to each token's inventory limit into positions at prices an
///   attacker arranged (a sandwich around a mint: the minimums are the bot's own, so they protect the
///   keeper from others, not from itself), and send each correcting wallet up to its cap. The limits
///   and caps are the bound on that loss: set them to what may be lost. It cannot move a position's
///   NFT, approve anyone, send tokens anywhere but into positions on enabled pools and to the owner's
///   wallets, or change any setting. Revoke it in RiskFacet (or pause) and unwind.
/// - A correcting wallet's key holds what it was funded: the cap is what its loss can be.
/// - The owner must set the genuine NonfungiblePositionManager: it is trusted with the allowance it is
///   given for each call (exactly the desired amounts, reset to zero after) and with reporting what a
///   pool moved. A pool is accepted only if the manager's factory created it for the tokens and fee the
///   pool reports, so a pool is what it claims to be as far as that factory can tell.
/// - The inventory is booked at cost, not marked to the price: after the price moves a position can
///   hold more of one token than was deposited (at most the other side's worth). It bounds what the
///   child commits, not what a position is worth. Fees are booked nowhere but the `PositionCollected`
///   event; this facet records nothing in the trade statistics or the loss limits (a position's result
///   depends on prices it does not know). The keeper measures PnL. Of RiskFacet's settings it uses the
///   bots and the pool allow-list; a token's admission is its inventory limit (zero, the default,
///   admits none), and its per-trade cap, daily loss and drawdown limits do not apply here.
/// - Anyone may add liquidity to any position through the manager (Uniswap allows it): a donation
///   adds nothing to the booked deposits and is released in proportion when liquidity is removed.
/// - Tokens that charge a fee on transfer, rebase, or call back on transfer are not supported. Every
///   function that moves tokens is `nonReentrant` (OpenZeppelin's transient guard, shared by the
///   diamond's facets).
/// - Capital in positions is not in the child's balance: the master's recall (and the guardian's
///   `emergencyWithdraw`) reach only what is unwound first.
/// - The number of positions per pool is bounded (`LibMarketMaking.MAX_POSITIONS_PER_POOL`), so the
///   views stay callable whatever a bot mints.
/// - Time is `block.timestamp`, which block builders can skew by seconds.
contract MarketMakingFacet is IMarketMaking, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    uint128 private constant ALL = type(uint128).max;

    // ---------------------------------------------------------------- keeper bots: positions

    /// @inheritdoc IMarketMaking
    function mintPosition(MintParams calldata params)
        external
        nonReentrant
        returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1)
    {
        _requireBotNotPaused();
        _checkDeadline(params.deadline);
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        address pool = params.pool;
        LibMarketMaking.PoolData storage p = _openPool(l, pool);
        uint256 max = LibMarketMaking.MAX_POSITIONS_PER_POOL;
        if (l.positionIds[pool].length >= max) revert TooManyPositions(pool, max);

        (tokenId, liquidity, amount0, amount1) = _mint(_manager(l), p, params);
        _checkMinimums(amount0, amount1, params.amount0Min, params.amount1Min);
        _deposit(l, LibMarketMaking.addPosition(l, tokenId, pool), p, amount0, amount1);
        emit PositionMinted(tokenId, pool, msg.sender, params.tickLower, params.tickUpper, liquidity, amount0, amount1);
    }

    /// @inheritdoc IMarketMaking
    function increasePosition(INonfungiblePositionManager.IncreaseLiquidityParams calldata params)
        external
        nonReentrant
        returns (uint128 liquidity, uint256 amount0, uint256 amount1)
    {
        _requireBotNotPaused();
        _checkDeadline(params.deadline);
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        LibMarketMaking.PositionData storage position = _position(l, params.tokenId);
        address pool = position.pool;
        LibMarketMaking.PoolData storage p = _openPool(l, pool);

        address manager = _manager(l);
        _approve(manager, p, params.amount0Desired, params.amount1Desired);
        (liquidity, amount0, amount1) = INonfungiblePositionManager(manager).increaseLiquidity(
            INonfungiblePositionManager.IncreaseLiquidityParams({
                tokenId: params.tokenId,
                amount0Desired: params.amount0Desired,
                amount1Desired: params.amount1Desired,
                amount0Min: 0,
                amount1Min: 0,
                deadline: params.deadline
            })
        );
        _approve(manager, p, 0, 0);
        _checkMinimums(amount0, amount1, params.amount0Min, params.amount1Min);
        _deposit(l, position, p, amount0, amount1);
        emit PositionIncreased(params.tokenId, pool, msg.sender, liquidity, amount0, amount1);
    }

    /// @inheritdoc IMarketMaking
    function decreasePosition(INonfungiblePositionManager.DecreaseLiquidityParams calldata params)
        external
        nonReentrant
        returns (uint256 amount0, uint256 amount1)
    {
        _requireBotNotPaused();
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        return _decrease(l, _position(l, params.tokenId), params);
    }

    /// @inheritdoc IMarketMaking
    function collectPosition(uint256 tokenId) external nonReentrant returns (uint256 amount0, uint256 amount1) {
        _requireBotNotPaused();
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        return _collect(_manager(l), _position(l, tokenId), tokenId);
    }

    /// @inheritdoc IMarketMaking
    function burnPosition(uint256 tokenId) external nonReentrant {
        _requireBotNotPaused();
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        _burn(l, _position(l, tokenId), tokenId);
    }

    // ---------------------------------------------------------------- keeper bots and wallets: funding

    /// @inheritdoc IMarketMaking
    function fundWallet(address wallet, address token, uint256 amount) external nonReentrant {
        _requireBotNotPaused();
        if (amount == 0) revert ZeroAmount();
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        if (!l.wallets[wallet]) revert UnknownWallet(wallet);
        LibMarketMaking.Funding storage funding = l.funding[wallet][token];
        uint256 outstanding = funding.outstanding + amount;
        uint256 cap = funding.cap;
        if (outstanding > cap) revert FundingCapExceeded(wallet, token, outstanding, cap);
        funding.outstanding = uint128(outstanding); // at most cap, which fits 128 bits
        emit WalletFunded(wallet, token, msg.sender, amount, outstanding);
        IERC20(token).safeTransfer(wallet, amount);
    }

    /// @inheritdoc IMarketMaking
    function returnFunds(address token, uint256 amount) external nonReentrant returns (uint256 received) {
        if (amount == 0) revert ZeroAmount();
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        LibMarketMaking.Funding storage funding = l.funding[msg.sender][token];
        uint256 outstanding = funding.outstanding;
        if (outstanding == 0 && !l.wallets[msg.sender]) revert UnknownWallet(msg.sender);

        uint256 balanceBefore = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        received = IERC20(token).balanceOf(address(this)) - balanceBefore;
        outstanding -= Math.min(received, outstanding);
        funding.outstanding = uint128(outstanding);
        emit FundsReturned(msg.sender, token, received, outstanding);
    }

    // ---------------------------------------------------------------- guardian and owner

    /// @inheritdoc IMarketMaking
    function unwindPosition(uint256 tokenId, uint256 amount0Min, uint256 amount1Min, uint256 deadline)
        external
        nonReentrant
        returns (uint256 amount0, uint256 amount1)
    {
        LibGuardian.enforceIsGuardianOrOwner();
        _checkDeadline(deadline);
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        LibMarketMaking.PositionData storage position = _position(l, tokenId);
        uint128 liquidity = LibMarketMaking.managerPosition(_manager(l), tokenId).liquidity;
        if (liquidity != 0) {
            _decrease(
                l,
                position,
                INonfungiblePositionManager.DecreaseLiquidityParams({
                    tokenId: tokenId,
                    liquidity: liquidity,
                    amount0Min: amount0Min,
                    amount1Min: amount1Min,
                    deadline: deadline
                })
            );
        }
        return _burn(l, position, tokenId);
    }

    /// @inheritdoc IMarketMaking
    function setPositionManager(address manager) external {
        LibOwnership.enforceIsOwner();
        if (manager.code.length == 0) revert InvalidPositionManager(manager);
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        uint256 count = l.positionCount;
        if (count != 0) revert PositionsOpen(count);
        address[] storage pools = l.pools;
        for (uint256 i = 0; i < pools.length; ++i) {
            LibMarketMaking.PoolData storage p = l.poolData[pools[i]];
            if (!p.enabled) continue;
            p.enabled = false;
            emit MarketPoolSet(pools[i], p.token0, p.token1, p.fee, false);
        }
        emit PositionManagerChanged(l.positionManager, manager);
        l.positionManager = manager;
    }

    /// @inheritdoc IMarketMaking
    function setMarketPool(address pool, bool enabled) external {
        LibOwnership.enforceIsOwner();
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        LibMarketMaking.PoolData storage p = l.poolData[pool];
        if (!enabled) {
            p.enabled = false;
            emit MarketPoolSet(pool, p.token0, p.token1, p.fee, false);
            return;
        }
        address factory = INonfungiblePositionManager(_manager(l)).factory();
        if (pool.code.length == 0) revert InvalidPool(pool);
        address token0 = IUniswapV3PoolKey(pool).token0();
        address token1 = IUniswapV3PoolKey(pool).token1();
        uint24 fee = IUniswapV3PoolKey(pool).fee();
        if (token0 == address(0) || IUniswapV3Factory(factory).getPool(token0, token1, fee) != pool) {
            revert InvalidPool(pool);
        }
        if (p.token0 == address(0)) l.pools.push(pool);
        (p.token0, p.token1, p.fee, p.enabled) = (token0, token1, fee, true);
        emit MarketPoolSet(pool, token0, token1, fee, true);
    }

    /// @inheritdoc IMarketMaking
    function setInventoryLimit(address token, uint256 limit) external {
        LibOwnership.enforceIsOwner();
        LibMarketMaking.Inventory storage inventory_ = LibMarketMaking.layout().inventory[token];
        emit InventoryLimitChanged(token, inventory_.limit, limit);
        inventory_.limit = limit.toUint128();
    }

    /// @inheritdoc IMarketMaking
    function setFundingWallet(address wallet, bool allowed) external {
        LibOwnership.enforceIsOwner();
        if (wallet == address(0) || wallet == address(this)) revert InvalidWallet(wallet);
        LibMarketMaking.layout().wallets[wallet] = allowed;
        emit FundingWalletChanged(wallet, allowed);
    }

    /// @inheritdoc IMarketMaking
    function setFundingCap(address wallet, address token, uint256 cap) external {
        LibOwnership.enforceIsOwner();
        LibMarketMaking.Funding storage funding = LibMarketMaking.layout().funding[wallet][token];
        emit FundingCapChanged(wallet, token, funding.cap, cap);
        funding.cap = cap.toUint128();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMarketMaking
    function positionManager() external view returns (address) {
        return LibMarketMaking.layout().positionManager;
    }

    /// @inheritdoc IMarketMaking
    function marketPool(address pool) external view returns (MarketPool memory) {
        LibMarketMaking.PoolData storage p = LibMarketMaking.layout().poolData[pool];
        return MarketPool({token0: p.token0, token1: p.token1, fee: p.fee, enabled: p.enabled});
    }

    /// @inheritdoc IMarketMaking
    function marketPools() external view returns (address[] memory) {
        return LibMarketMaking.layout().pools;
    }

    /// @inheritdoc IMarketMaking
    function positionIds(address pool) external view returns (uint256[] memory) {
        return LibMarketMaking.layout().positionIds[pool];
    }

    /// @inheritdoc IMarketMaking
    function positionCount() external view returns (uint256) {
        return LibMarketMaking.layout().positionCount;
    }

    /// @inheritdoc IMarketMaking
    function position(uint256 tokenId) external view returns (Position memory) {
        LibMarketMaking.Layout storage l = LibMarketMaking.layout();
        LibMarketMaking.PositionData storage p = _position(l, tokenId);
        LibMarketMaking.ManagerPosition memory m = LibMarketMaking.managerPosition(l.positionManager, tokenId);
        return Position({
            pool: p.pool,
            tickLower: m.tickLower,
            tickUpper: m.tickUpper,
            liquidity: m.liquidity,
            tokensOwed0: m.tokensOwed0,
            tokensOwed1: m.tokensOwed1,
            deposited0: p.deposited0,
            deposited1: p.deposited1,
            principalOwed0: p.principalOwed0,
            principalOwed1: p.principalOwed1
        });
    }

    /// @inheritdoc IMarketMaking
    function inventory(address token) external view returns (uint256 deployed, uint256 limit) {
        LibMarketMaking.Inventory storage inventory_ = LibMarketMaking.layout().inventory[token];
        return (inventory_.deployed, inventory_.limit);
    }

    /// @inheritdoc IMarketMaking
    function isFundingWallet(address wallet) external view returns (bool) {
        return LibMarketMaking.layout().wallets[wallet];
    }

    /// @inheritdoc IMarketMaking
    function walletFunding(address wallet, address token) external view returns (uint256 outstanding, uint256 cap) {
        LibMarketMaking.Funding storage funding = LibMarketMaking.layout().funding[wallet][token];
        return (funding.outstanding, funding.cap);
    }

    // ---------------------------------------------------------------- internals

    function _requireBotNotPaused() private view {
        LibRisk.requireBot(msg.sender);
        LibGuardian.requireNotPaused();
    }

    /// @dev The manager's own rule: the deadline second itself is still in time.
    function _checkDeadline(uint256 deadline) private view {
        if (block.timestamp > deadline) revert DeadlineExpired(deadline, block.timestamp);
    }

    function _checkMinimums(uint256 amount0, uint256 amount1, uint256 amount0Min, uint256 amount1Min) private pure {
        if (amount0 < amount0Min || amount1 < amount1Min) {
            revert AmountsBelowMinimum(amount0, amount1, amount0Min, amount1Min);
        }
    }

    function _manager(LibMarketMaking.Layout storage l) private view returns (address manager) {
        manager = l.positionManager;
        if (manager == address(0)) revert PositionManagerNotSet();
    }

    /// @dev `pool`, which must be registered and enabled here and allowed in RiskFacet: where new
    /// liquidity may go.
    function _openPool(LibMarketMaking.Layout storage l, address pool)
        private
        view
        returns (LibMarketMaking.PoolData storage p)
    {
        p = l.poolData[pool];
        if (!p.enabled) revert PoolNotEnabled(pool);
        LibRisk.requirePool(pool);
    }

    function _position(LibMarketMaking.Layout storage l, uint256 tokenId)
        private
        view
        returns (LibMarketMaking.PositionData storage p)
    {
        p = l.positions[tokenId];
        if (p.index == 0) revert UnknownPosition(tokenId);
    }

    /// @dev Lets the manager pull up to exactly the desired amounts for the next call; called again
    /// with zeros after it, so no allowance outlives the call.
    function _approve(address manager, LibMarketMaking.PoolData storage p, uint256 amount0, uint256 amount1)
        private
    {
        IERC20(p.token0).forceApprove(manager, amount0);
        IERC20(p.token1).forceApprove(manager, amount1);
    }

    /// @dev The manager's mint for the child, no minimums (the caller checks its own, with our error).
    function _mint(address manager, LibMarketMaking.PoolData storage p, MintParams calldata params)
        private
        returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1)
    {
        _approve(manager, p, params.amount0Desired, params.amount1Desired);
        (tokenId, liquidity, amount0, amount1) = INonfungiblePositionManager(manager).mint(
            INonfungiblePositionManager.MintParams({
                token0: p.token0,
                token1: p.token1,
                fee: p.fee,
                tickLower: params.tickLower,
                tickUpper: params.tickUpper,
                amount0Desired: params.amount0Desired,
                amount1Desired: params.amount1Desired,
                amount0Min: 0,
                amount1Min: 0,
                recipient: address(this),
                deadline: params.deadline
            })
        );
        _approve(manager, p, 0, 0);
    }

    /// @dev Books what a mint or increase paid: the position's deposits and the tokens' inventory,
    /// which must stay within their limits.
    function _deposit(
        LibMarketMaking.Layout storage l,
        LibMarketMaking.PositionData storage position,
        LibMarketMaking.PoolData storage p,
        uint256 amount0,
        uint256 amount1
    ) private {
        _deploy(l, p.token0, amount0);
        _deploy(l, p.token1, amount1);
        // Each deposit is part of its token's deployed total, which is at most its 128-bit limit.
        position.deposited0 += uint128(amount0);
        position.deposited1 += uint128(amount1);
    }

    function _deploy(LibMarketMaking.Layout storage l, address token, uint256 amount) private {
        if (amount == 0) return;
        LibMarketMaking.Inventory storage inventory_ = l.inventory[token];
        uint256 deployed = inventory_.deployed + amount;
        uint256 limit = inventory_.limit;
        if (deployed > limit) revert InventoryLimitExceeded(token, deployed, limit);
        inventory_.deployed = uint128(deployed);
    }

    /// @dev Removes `params.liquidity` from the position: checks, the manager's decrease (no minimums:
    /// ours are checked after), the deposits' share released, the principal booked as owed.
    function _decrease(
        LibMarketMaking.Layout storage l,
        LibMarketMaking.PositionData storage position,
        INonfungiblePositionManager.DecreaseLiquidityParams memory params
    ) private returns (uint256 amount0, uint256 amount1) {
        _checkDeadline(params.deadline);
        uint128 liquidity = params.liquidity;
        if (liquidity == 0) revert ZeroLiquidity();
        address manager = _manager(l);
        LibMarketMaking.ManagerPosition memory m = LibMarketMaking.managerPosition(manager, params.tokenId);
        if (liquidity > m.liquidity) revert InsufficientLiquidity(params.tokenId, liquidity, m.liquidity);

        (amount0, amount1) = INonfungiblePositionManager(manager).decreaseLiquidity(
            INonfungiblePositionManager.DecreaseLiquidityParams({
                tokenId: params.tokenId,
                liquidity: liquidity,
                amount0Min: 0,
                amount1Min: 0,
                deadline: params.deadline
            })
        );
        _checkMinimums(amount0, amount1, params.amount0Min, params.amount1Min);
        position.deposited0 -= _release(l, m.token0, position.deposited0, liquidity, m.liquidity);
        position.deposited1 -= _release(l, m.token1, position.deposited1, liquidity, m.liquidity);
        position.principalOwed0 = (position.principalOwed0 + amount0).toUint128();
        position.principalOwed1 = (position.principalOwed1 + amount1).toUint128();
        emit PositionDecreased(params.tokenId, position.pool, msg.sender, liquidity, amount0, amount1);
    }

    /// @dev The share of `deposited` that removing `removed` of `total` liquidity releases from the
    /// token's inventory: rounded up, so removing all of it releases all.
    function _release(
        LibMarketMaking.Layout storage l,
        address token,
        uint128 deposited,
        uint128 removed,
        uint128 total
    ) private returns (uint128 share) {
        share = uint128(Math.mulDiv(deposited, removed, total, Math.Rounding.Ceil)); // at most deposited
        if (share != 0) l.inventory[token].deployed -= share;
    }

    /// @dev Collects everything the position is owed into the child; what exceeds the principal
    /// booked by decreases is fees.
    function _collect(address manager, LibMarketMaking.PositionData storage position, uint256 tokenId)
        private
        returns (uint256 amount0, uint256 amount1)
    {
        (amount0, amount1) = INonfungiblePositionManager(manager).collect(
            INonfungiblePositionManager.CollectParams({
                tokenId: tokenId,
                recipient: address(this),
                amount0Max: ALL,
                amount1Max: ALL
            })
        );
        (uint256 principal0, uint256 principal1) = (position.principalOwed0, position.principalOwed1);
        (position.principalOwed0, position.principalOwed1) = (0, 0);
        emit PositionCollected(
            tokenId, position.pool, msg.sender, amount0, amount1, amount0 - principal0, amount1 - principal1
        );
    }

    /// @dev Burns a position without liquidity after collecting what it is still owed, releases any
    /// deposit left (none after a full decrease) and forgets it.
    function _burn(LibMarketMaking.Layout storage l, LibMarketMaking.PositionData storage position, uint256 tokenId)
        private
        returns (uint256 amount0, uint256 amount1)
    {
        address manager = _manager(l);
        LibMarketMaking.ManagerPosition memory m = LibMarketMaking.managerPosition(manager, tokenId);
        if (m.liquidity != 0) revert PositionNotEmpty(tokenId, m.liquidity);
        if (m.tokensOwed0 != 0 || m.tokensOwed1 != 0) (amount0, amount1) = _collect(manager, position, tokenId);
        INonfungiblePositionManager(manager).burn(tokenId);
        if (position.deposited0 != 0) l.inventory[m.token0].deployed -= position.deposited0;
        if (position.deposited1 != 0) l.inventory[m.token1].deployed -= position.deposited1;
        address pool = position.pool;
        LibMarketMaking.removePosition(l, tokenId, position);
        emit PositionBurned(tokenId, pool, msg.sender);
    }
}
