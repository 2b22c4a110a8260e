// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {LibOwnership} from "../diamond/LibOwnership.sol";
import {IGaslessRelay} from "../interfaces/IGaslessRelay.sol";
import {LibGaslessRelay} from "./LibGaslessRelay.sol";

/// @title GaslessRelayFacet
/// @notice Executes EIP-712 signed requests on behalf of users who hold no ETH: a relayer submits a
/// request with its signature and pays the gas, and the diamond calls itself with the request's data
/// followed by the signer's address (EIP-2771 semantics, the diamond being its own trusted
/// forwarder). Facets acting for a user read that signer through `LibContext.msgSender()`. First use:
/// claiming market-making rewards (`MerkleRewardsFacet.claim`, `claimMany`).
///
/// A request (`IGaslessRelay.ForwardRequest`) carries `from` (the signer), `to` (this diamond), `value`
/// (wei for the call, attached by the relayer), `gas` (what the call must be given), `nonce` (the
/// signer's next nonce: requests of one signer execute once each, in order), `deadline` (last
/// timestamp) and `data` (the call). It is signed under the domain `{name: "Lapidary", version: "1",
/// chainId, verifyingContract: this diamond}`, rebuilt on every call from `block.chainid` and
/// `address(this)` (the diamond, since facets run by delegatecall).
///
/// Who may call what:
/// - `execute`, `executeBatch`: anyone (the relayer); the signature is the authority.
/// - `setRelayable`: the owner, for any selector but the relay's own.
/// - The views (`nonces`, `relayable`, `relayDomainSeparator`, `eip712Domain`): anyone.
///
/// No event per executed request: the relayer has the receipt, the executed call emits its own events
/// (`Claimed` for a claim), and `nonces(from)` says how many of a signer's requests were executed.
/// Leaving it out keeps about 1,700 gas per request off the users' relaying cost.
///
/// @dev Security considerations:
/// - `LibContext.msgSender()` trusts every call the diamond makes to itself and reads the sender from
///   the last 20 bytes of its calldata. This facet is the only code in a diamond carrying it that may
///   call the diamond (`address(this).call`), and it does so only with a verified request's data and
///   the verified signer appended. A diamond with this facet must therefore never carry a
///   self-delegatecall or self-call multicall, nor any other function that lets caller-chosen data
///   reach `address(this).call`: that is the 2023 ERC-2771 + multicall spoofing bug (a multicall
///   entry ending in a victim's address would act as the victim). Relayed batches go through
///   `executeBatch`, where every call carries its own verified signer.
/// - The relay calls only relayable selectors, never its own (`setRelayable` refuses them), so a
///   relayed call cannot re-enter the relay as the diamond. The facet holds no reentrancy guard: the
///   transient guard of OpenZeppelin's `ReentrancyGuardTransient` is one slot shared by every facet,
///   and holding it here would make the relayed `nonReentrant` functions revert. A relayed call
///   re-entering `execute` from outside (a token callback) can only execute another validly signed
///   request: nonces are consumed before the call.
/// - Owner-, guardian- and bot-only functions check `msg.sender`, which is the diamond itself inside
///   a relayed call, so relaying them fails even if made relayable. Only make relayable the functions
///   that read `LibContext.msgSender()` or act for any caller.
/// - A relayer pays for the gas and is not refunded here. It can delay a request, submit it up to its
///   deadline, or choose which of several requests with the same nonce executes; it cannot change a
///   request, execute it twice or on another diamond or chain, or starve the call: if the call got
///   less than `request.gas` (the 63/64 rule of EIP-150 as in OpenZeppelin `ERC2771Forwarder`), the
///   transaction reverts consuming all gas, so the nonce is not spent on a starved call.
/// - A reverted call reverts the whole transaction with the call's revert data, so the nonce is
///   spent only by calls that succeeded and a failed request can be submitted again until its
///   deadline. A signer cancels a pending request only by having another request with the same nonce
///   executed.
/// - Signatures are 65-byte ECDSA signatures with low `s` (OpenZeppelin `ECDSA`); contract
///   signers (ERC-1271) are not supported.
contract GaslessRelayFacet is IGaslessRelay, IERC5267 {
    /// @inheritdoc IGaslessRelay
    function execute(ForwardRequest calldata request, bytes calldata signature)
        external
        payable
        returns (bytes memory result)
    {
        if (msg.value != request.value) revert MismatchedValue(request.value, msg.value);
        return _execute(LibGaslessRelay.layout(), LibGaslessRelay.domainSeparator(), request, signature);
    }

    /// @inheritdoc IGaslessRelay
    function executeBatch(ForwardRequest[] calldata requests, bytes[] calldata signatures)
        external
        payable
        returns (bytes[] memory results)
    {
        if (requests.length != signatures.length) revert LengthMismatch(requests.length, signatures.length);
        LibGaslessRelay.Layout storage l = LibGaslessRelay.layout();
        bytes32 separator = LibGaslessRelay.domainSeparator();
        results = new bytes[](requests.length);
        uint256 requested;
        for (uint256 i; i < requests.length; ++i) {
            requested += requests[i].value;
            results[i] = _execute(l, separator, requests[i], signatures[i]);
        }
        if (requested != msg.value) revert MismatchedValue(requested, msg.value);
    }

    /// @inheritdoc IGaslessRelay
    function nonces(address signer) external view returns (uint256) {
        return LibGaslessRelay.layout().nonces[signer];
    }

    /// @inheritdoc IGaslessRelay
    function relayable(bytes4 selector) external view returns (bool) {
        return LibGaslessRelay.layout().relayable[selector];
    }

    /// @inheritdoc IGaslessRelay
    function setRelayable(bytes4[] calldata selectors, bool allowed) external {
        LibOwnership.enforceIsOwner();
        LibGaslessRelay.Layout storage l = LibGaslessRelay.layout();
        for (uint256 i; i < selectors.length; ++i) {
            bytes4 selector = selectors[i];
            if (_isRelaySelector(selector)) revert RelaySelector(selector);
            if (l.relayable[selector] != allowed) {
                l.relayable[selector] = allowed;
                emit RelayableSet(selector, allowed);
            }
        }
    }

    /// @inheritdoc IGaslessRelay
    function relayDomainSeparator() external view returns (bytes32) {
        return LibGaslessRelay.domainSeparator();
    }

    /// @notice The EIP-712 domain requests are signed under (ERC-5267): name, version, chain id and
    /// verifying contract (this diamond); no salt, no extensions.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", LibGaslessRelay.NAME, LibGaslessRelay.VERSION, block.chainid, address(this), 0, extensions);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Checks `request` (cheapest checks first), consumes its nonce and makes the call.
    function _execute(
        LibGaslessRelay.Layout storage l,
        bytes32 separator,
        ForwardRequest calldata request,
        bytes calldata signature
    ) private returns (bytes memory) {
        if (block.timestamp > request.deadline) revert RequestExpired(request.deadline, block.timestamp);
        if (request.to != address(this)) revert WrongTarget(request.to);
        bytes calldata data = request.data;
        if (data.length < 4) revert MissingSelector(data.length);
        if (!l.relayable[bytes4(data)]) revert SelectorNotRelayable(bytes4(data));
        address from = request.from;
        uint256 nonce = l.nonces[from];
        if (request.nonce != nonce) revert InvalidNonce(from, nonce, request.nonce);

        // The call's calldata, `data` followed by the signer, is built once; the signed `keccak256(data)`
        // is taken over its first `data.length` bytes rather than over a second copy of `data`.
        bytes memory payload = abi.encodePacked(data, from);
        bytes32 dataHash;
        assembly ("memory-safe") {
            dataHash := keccak256(add(payload, 0x20), data.length)
        }
        (address signer, ECDSA.RecoverError err,) =
            ECDSA.tryRecoverCalldata(_digest(separator, request, dataHash), signature);
        if (err != ECDSA.RecoverError.NoError || signer != from) revert InvalidSigner(signer, from);

        // Consumed before the call, so the call cannot execute the same request again.
        unchecked {
            l.nonces[from] = nonce + 1; // nonce == the stored value, which never reaches 2^256 - 1
        }
        return _call(payload, request.gas, request.value);
    }

    /// @dev The EIP-712 digest of `request` with `dataHash` = `keccak256(request.data)`. The struct
    /// hash is built in assembly: a request's six static fields (from .. deadline) are its first six
    /// calldata words, in the type's order, so one `calldatacopy` lays out `abi.encode` of them (600
    /// gas less per request than Solidity's field-by-field encoding). The caller has read `from`, `to`
    /// and `deadline` through Solidity, which reverts on dirty high bits, so the words are clean.
    function _digest(bytes32 separator, ForwardRequest calldata request, bytes32 dataHash)
        private
        pure
        returns (bytes32)
    {
        bytes32 structHash;
        bytes32 typehash = LibGaslessRelay.FORWARD_REQUEST_TYPEHASH;
        assembly ("memory-safe") {
            // abi.encode(typehash, from, to, value, gas, nonce, deadline, dataHash): the six static
            // fields are the request's first six calldata words, already validated by the caller.
            let ptr := mload(0x40)
            mstore(ptr, typehash)
            calldatacopy(add(ptr, 0x20), request, 0xc0)
            mstore(add(ptr, 0xe0), dataHash)
            structHash := keccak256(ptr, 0x100)
        }
        return MessageHashUtils.toTypedDataHash(separator, structHash);
    }

    /// @dev The diamond calls itself with `payload`, `gasLimit` and `value`. The gas left is read
    /// right after the call, as `ERC2771Forwarder._checkForwardedGas` requires: the call was given at
    /// most 63/64 of the gas available before it (EIP-150), and if that was less than `gasLimit` and
    /// the call ran out of it, under 1/64 of it is left, below `gasLimit / 63`. Then `invalid()`
    /// consumes all gas of this frame (a `revert` would not since Solidity 0.8.20); the diamond's
    /// fallback, which reached this facet by delegatecall, keeps the 1/64 EIP-150 left it and reverts
    /// with empty data. Either way the transaction reverts and the nonce stays unused. Returns the
    /// call's return data; bubbles its revert data.
    function _call(bytes memory payload, uint256 gasLimit, uint256 value) private returns (bytes memory result) {
        bool success;
        uint256 gasLeft;
        assembly ("memory-safe") {
            success := call(gasLimit, address(), value, add(payload, 0x20), mload(payload), 0, 0)
            gasLeft := gas()
        }
        if (gasLeft < gasLimit / 63) {
            assembly ("memory-safe") {
                invalid()
            }
        }
        assembly ("memory-safe") {
            result := mload(0x40)
            mstore(result, returndatasize())
            returndatacopy(add(result, 0x20), 0, returndatasize())
            if iszero(success) { revert(add(result, 0x20), returndatasize()) }
            mstore(0x40, add(add(result, 0x20), and(add(returndatasize(), 31), not(31))))
        }
    }

    /// @dev The relay's own functions: never relayable, so a relayed call cannot reach the relay.
    function _isRelaySelector(bytes4 selector) private pure returns (bool) {
        return selector == IGaslessRelay.execute.selector || selector == IGaslessRelay.executeBatch.selector
            || selector == IGaslessRelay.nonces.selector || selector == IGaslessRelay.relayable.selector
            || selector == IGaslessRelay.setRelayable.selector || selector == IGaslessRelay.relayDomainSeparator.selector
            || selector == IERC5267.eip712Domain.selector;
    }
}
