// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {INonfungiblePositionManager} from "../interfaces/INonfungiblePositionManager.sol";

/// @title LibMarketMaking
/// @notice MarketMakingFacet's storage, in its own namespace: the position manager, the registered
/// pools, the child's positions (listed per pool, each with its booked amounts), the per-token
/// inventory, and the correcting wallets with their per-token funding. Also the one read of a
/// position from the manager.
/// @dev Amounts are stored in 128 bits, as the pool itself keeps them: inventory limits and funding
/// caps above 2^128 - 1 are rejected when set, and every booked amount is at most its limit or cap.
library LibMarketMaking {
    /// @notice A registered pool: two words.
    struct PoolData {
        address token0;
        uint24 fee;
        bool enabled;
        address token1;
    }

    /// @notice A position of the child: three words. `index` is its place in `positionIds[pool]`
    /// plus one (zero: not a position of the child).
    struct PositionData {
        address pool;
        uint96 index;
        uint128 deposited0;
        uint128 deposited1;
        uint128 principalOwed0;
        uint128 principalOwed1;
    }

    /// @notice What of a token the child has deployed in positions (at cost) and the most it may.
    struct Inventory {
        uint128 deployed;
        uint128 limit;
    }

    /// @notice What of a token is outstanding at a correcting wallet and the most that may be.
    struct Funding {
        uint128 outstanding;
        uint128 cap;
    }

    /// @notice A position as the manager returns it (`INonfungiblePositionManager.positions`), decoded
    /// whole into memory.
    struct ManagerPosition {
        uint96 nonce;
        address operator;
        address token0;
        address token1;
        uint24 fee;
        int24 tickLower;
        int24 tickUpper;
        uint128 liquidity;
        uint256 feeGrowthInside0LastX128;
        uint256 feeGrowthInside1LastX128;
        uint128 tokensOwed0;
        uint128 tokensOwed1;
    }

    /// @custom:storage-location erc7201:lapidary.child.marketmaking
    struct Layout {
        address positionManager;
        uint96 positionCount;
        address[] pools; // every pool ever registered, in order of first registration
        mapping(address pool => PoolData) poolData;
        mapping(address pool => uint256[] tokenIds) positionIds;
        mapping(uint256 tokenId => PositionData) positions;
        mapping(address token => Inventory) inventory;
        mapping(address wallet => bool) wallets;
        mapping(address wallet => mapping(address token => Funding)) funding;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.child.marketmaking")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x226347c7146cb1e8c9cea620b3ee764c8d16349df3d0235a59d87a35dc746100;

    /// @notice The most positions one pool may hold: bounds what a compromised bot can make the views
    /// (and the keeper reading them) carry. A ladder needs a few dozen.
    uint256 internal constant MAX_POSITIONS_PER_POOL = 100;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice Lists `tokenId` under `pool` and books it as a position of the child.
    function addPosition(Layout storage l, uint256 tokenId, address pool) internal returns (PositionData storage p) {
        uint256[] storage ids = l.positionIds[pool];
        ids.push(tokenId);
        p = l.positions[tokenId];
        (p.pool, p.index) = (pool, uint96(ids.length));
        ++l.positionCount;
    }

    /// @notice Unlists `tokenId` from its pool (the last one takes its place) and forgets it.
    function removePosition(Layout storage l, uint256 tokenId, PositionData storage p) internal {
        uint256[] storage ids = l.positionIds[p.pool];
        uint256 index = p.index - 1;
        uint256 last = ids[ids.length - 1];
        if (last != tokenId) {
            ids[index] = last;
            l.positions[last].index = uint96(index + 1);
        }
        ids.pop();
        delete l.positions[tokenId];
        --l.positionCount;
    }

    /// @notice `tokenId` as the manager stores it. Bubbles the manager's revert (an unknown token id).
    /// @dev Decoded into a memory struct: twelve return values do not fit the stack beside a caller's.
    function managerPosition(address manager, uint256 tokenId) internal view returns (ManagerPosition memory) {
        bytes memory data =
            Address.functionStaticCall(manager, abi.encodeCall(INonfungiblePositionManager.positions, (tokenId)));
        return abi.decode(data, (ManagerPosition));
    }
}
