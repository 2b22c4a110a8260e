// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Uniswap V3 NonfungiblePositionManager surface
/// @notice The subset of Uniswap's `NonfungiblePositionManager` (v3-periphery) a child diamond uses to
/// hold liquidity positions as NFTs: mint, add to, remove from, collect from and burn a position, and
/// read one back. The structs and their field order are the manager's own (the ABI must match).
/// @dev The manager mints the NFT with `_mint`, not `_safeMint`: the recipient needs no
/// `onERC721Received`. `increaseLiquidity` does not check who calls it (anyone may add to any
/// position, paying for it); every other function here requires the NFT's owner or an approved
/// address. Amounts the manager reports are what the pool moved.
interface INonfungiblePositionManager {
    struct MintParams {
        address token0;
        address token1;
        uint24 fee;
        int24 tickLower;
        int24 tickUpper;
        uint256 amount0Desired;
        uint256 amount1Desired;
        uint256 amount0Min;
        uint256 amount1Min;
        address recipient;
        uint256 deadline;
    }

    struct IncreaseLiquidityParams {
        uint256 tokenId;
        uint256 amount0Desired;
        uint256 amount1Desired;
        uint256 amount0Min;
        uint256 amount1Min;
        uint256 deadline;
    }

    struct DecreaseLiquidityParams {
        uint256 tokenId;
        uint128 liquidity;
        uint256 amount0Min;
        uint256 amount1Min;
        uint256 deadline;
    }

    struct CollectParams {
        uint256 tokenId;
        address recipient;
        uint128 amount0Max;
        uint128 amount1Max;
    }

    /// @notice The Uniswap V3 factory whose pools the manager mints on.
    function factory() external view returns (address);

    /// @notice A position as the manager stores it. `tokensOwed0/1` are as of the position's last
    /// update (fees accrued since are added on the next decrease or collect).
    function positions(uint256 tokenId)
        external
        view
        returns (
            uint96 nonce,
            address operator,
            address token0,
            address token1,
            uint24 fee,
            int24 tickLower,
            int24 tickUpper,
            uint128 liquidity,
            uint256 feeGrowthInside0LastX128,
            uint256 feeGrowthInside1LastX128,
            uint128 tokensOwed0,
            uint128 tokensOwed1
        );

    function mint(MintParams calldata params)
        external
        payable
        returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1);

    function increaseLiquidity(IncreaseLiquidityParams calldata params)
        external
        payable
        returns (uint128 liquidity, uint256 amount0, uint256 amount1);

    /// @return amount0 The token0 the removed liquidity was worth (now owed to the position, not sent).
    /// @return amount1 The token1 likewise.
    function decreaseLiquidity(DecreaseLiquidityParams calldata params)
        external
        payable
        returns (uint256 amount0, uint256 amount1);

    /// @notice Sends up to `amount0Max`/`amount1Max` of what the position is owed (removed liquidity and
    /// fees) to `recipient`.
    function collect(CollectParams calldata params) external payable returns (uint256 amount0, uint256 amount1);

    /// @notice Burns the NFT of a position with no liquidity and nothing owed.
    function burn(uint256 tokenId) external payable;
}
