// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface IUniswapV2FactoryLike {
    function createPair(address tokenA, address tokenB) external returns (address pair);
}

interface IUniswapV2PairLike {
    function mint(address to) external returns (uint256 liquidity);
}

/// @title SpawnToken (tests only)
/// @notice A plain ERC-20 whose whole supply goes to its deployer.
contract SpawnToken is ERC20 {
    constructor() ERC20("Spawn", "SPAWN") {
        _mint(msg.sender, type(uint128).max);
    }
}

/// @title PoolSpawner (tests only)
/// @notice Creates many funded Uniswap V2 pairs in one transaction, so a test can grow a chain to
/// thousands of pools while a keeper runs against it. It holds the tokens it deploys and whatever
/// base token (WETH) it is given; each pair gets the amounts asked for and mints its liquidity here.
contract PoolSpawner {
    /// @notice One pair to create: two tokens and the amount of each it starts with.
    struct Spawn {
        address factory;
        address tokenA;
        address tokenB;
        uint256 amountA;
        uint256 amountB;
    }

    /// @notice Tokens deployed by `makeTokens`, in order.
    address[] public tokens;

    event TokensMade(uint256 first, uint256 count);

    /// @notice Deploy `count` new tokens, their supply held here.
    function makeTokens(uint256 count) external {
        emit TokensMade(tokens.length, count);
        for (uint256 i; i < count; ++i) {
            tokens.push(address(new SpawnToken()));
        }
    }

    /// @notice How many tokens `makeTokens` deployed.
    function tokenCount() external view returns (uint256) {
        return tokens.length;
    }

    /// @notice Create and fund every pair of `spawns` (each must not exist yet).
    function spawn(Spawn[] calldata spawns) external {
        for (uint256 i; i < spawns.length; ++i) {
            Spawn calldata s = spawns[i];
            address pair = IUniswapV2FactoryLike(s.factory).createPair(s.tokenA, s.tokenB);
            IERC20(s.tokenA).transfer(pair, s.amountA);
            IERC20(s.tokenB).transfer(pair, s.amountB);
            IUniswapV2PairLike(pair).mint(address(this));
        }
    }
}
