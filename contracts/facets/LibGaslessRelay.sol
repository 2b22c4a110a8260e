// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LibGaslessRelay
/// @notice GaslessRelayFacet's storage (per-signer nonces and the relayable selectors) in its own
/// namespaced storage, and the EIP-712 constants its requests are signed under.
/// @dev The domain separator is rebuilt on every request from `block.chainid` and `address(this)`:
/// in a facet, running by delegatecall, `address(this)` is the diamond, so requests are bound to the
/// diamond and to the chain the request executes on, also after a fork changes the chain id. Caching
/// it in storage would cost a cold read (2,100 gas), more than the hash it saves (about 200).
library LibGaslessRelay {
    /// @custom:storage-location erc7201:lapidary.child.gasless
    struct Layout {
        mapping(address signer => uint256) nonces;
        mapping(bytes4 selector => bool) relayable;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.child.gasless")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xa1a709e41bea19f3d49443cecda78c720b655e8e8aa6b16390af8942c44b6c00;

    string internal constant NAME = "Lapidary";
    string internal constant VERSION = "1";

    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256(bytes(NAME));
    bytes32 internal constant VERSION_HASH = keccak256(bytes(VERSION));
    bytes32 internal constant FORWARD_REQUEST_TYPEHASH = keccak256(
        "ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)"
    );

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice The EIP-712 domain separator for this diamond (`address(this)`) on the current chain.
    function domainSeparator() internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }
}
