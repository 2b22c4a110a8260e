// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title GaslessRelay: what relayers, signers and the owner call on a diamond carrying the relay
/// @notice The external surface of `GaslessRelayFacet`, the request a user signs, and the events and
/// errors a relayer can observe.
///
/// A user without ETH signs a `ForwardRequest` as EIP-712 typed data under the domain
/// `{name: "Lapidary", version: "1", chainId: <current chain>, verifyingContract: <the diamond>}`,
/// type `ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48
/// deadline,bytes data)`. A relayer submits it with `execute` (or several with `executeBatch`) and
/// pays the gas; the diamond then calls itself with `data` followed by `from`, and every facet that
/// acts for a user reads `from` through `LibContext.msgSender()` (EIP-2771 semantics with the diamond
/// as its own trusted forwarder).
interface IGaslessRelay {
    /// @notice A request signed by `from`.
    /// @param from The signer, on whose behalf `data` is executed (the sender the diamond's facets see).
    /// @param to The diamond itself: a request is bound to one diamond (also through the domain).
    /// @param value Wei sent with the call; the relayer must attach exactly this much.
    /// @param gas Gas the call must be given. The relay reverts, consuming all gas, if the relayer's
    /// transaction did not leave that much for the call, so a relayer cannot make it fail by starving it.
    /// @param nonce Must equal `nonces(from)`; requests of one signer execute in nonce order, once each.
    /// @param deadline Last `block.timestamp` at which the request may execute.
    /// @param data The call: a relayable selector (see `relayable`) and its ABI-encoded arguments.
    struct ForwardRequest {
        address from;
        address to;
        uint256 value;
        uint256 gas;
        uint256 nonce;
        uint48 deadline;
        bytes data;
    }

    /// @notice Emitted when the owner allows or forbids relaying calls to `selector`.
    event RelayableSet(bytes4 indexed selector, bool allowed);

    /// @notice `block.timestamp` is past the request's `deadline`.
    error RequestExpired(uint48 deadline, uint256 timestamp);
    /// @notice The request is addressed to `to`, not to this diamond.
    error WrongTarget(address to);
    /// @notice The request's data holds no selector (`length` is below 4 bytes).
    error MissingSelector(uint256 length);
    /// @notice Calls to `selector` may not be relayed.
    error SelectorNotRelayable(bytes4 selector);
    /// @notice The request's nonce is not the signer's next one (replayed, or signed out of order).
    error InvalidNonce(address from, uint256 expected, uint256 given);
    /// @notice The signature does not recover to the request's `from` (zero: not a valid signature).
    error InvalidSigner(address signer, address from);
    /// @notice The wei attached differs from what the request(s) send.
    error MismatchedValue(uint256 requestedValue, uint256 msgValue);
    /// @notice `executeBatch` got `requests` requests but `signatures` signatures.
    error LengthMismatch(uint256 requests, uint256 signatures);
    /// @notice `selector` belongs to the relay itself and can never be made relayable.
    error RelaySelector(bytes4 selector);

    /// @notice Verifies `request` and `signature` and executes the request: the diamond calls itself
    /// with `request.data` and `request.from` appended, forwarding `request.gas` and `request.value`.
    /// @dev Reverts when the request is expired, addressed to another contract, calls a selector that
    /// is not relayable, carries another nonce than `nonces(request.from)` or is not signed by
    /// `request.from` for this diamond and chain, or when `msg.value != request.value`. Consumes the
    /// nonce, then makes the call. Reverts consuming all gas if the call got less than `request.gas`
    /// (a starved call), and with the call's own revert data if it reverted: the nonce then stays
    /// unused and the request can be submitted again.
    /// @return result What the call returned.
    function execute(ForwardRequest calldata request, bytes calldata signature)
        external
        payable
        returns (bytes memory result);

    /// @notice `execute` for several requests in one transaction, in order, all or nothing.
    /// @dev Reverts `LengthMismatch` unless there is one signature per request, and
    /// `MismatchedValue` unless `msg.value` is the sum of the requests' values.
    /// @return results What each call returned.
    function executeBatch(ForwardRequest[] calldata requests, bytes[] calldata signatures)
        external
        payable
        returns (bytes[] memory results);

    /// @notice The nonce `signer`'s next request must carry (how many of its requests were executed).
    function nonces(address signer) external view returns (uint256);

    /// @notice Whether calls to `selector` may be relayed.
    function relayable(bytes4 selector) external view returns (bool);

    /// @notice Allows (`allowed` true) or forbids relaying calls to each of `selectors`. Owner only.
    /// @dev Emits `RelayableSet` for each selector whose setting changes. Reverts `RelaySelector` for
    /// any of the relay's own functions, so the relay can never call itself.
    function setRelayable(bytes4[] calldata selectors, bool allowed) external;

    /// @notice The EIP-712 domain separator requests are signed under: this diamond on this chain.
    function relayDomainSeparator() external view returns (bytes32);
}
