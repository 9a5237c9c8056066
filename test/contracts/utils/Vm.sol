// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IVm
/// @author Stablegate
/// @notice The few Foundry-compatible cheatcodes the Solidity tests use, served by EDR at `VM_ADDRESS`.
/// @dev A hand-written subset of forge-std's `Vm` (its npm package is not usable here). Signatures must match
/// Foundry's exactly, since EDR dispatches on the selector.
interface IVm {
    /// @notice One log captured between `recordLogs` and `getRecordedLogs`.
    /// @param topics The log's topics; `topics[0]` is the event selector for a non-anonymous event.
    /// @param data The log's non-indexed data.
    /// @param emitter The contract that emitted the log.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice Sets `account`'s native balance.
    /// @param account The account.
    /// @param newBalance Its new balance.
    function deal(address account, uint256 newBalance) external;

    /// @notice Makes the next call (only) come from `msgSender`.
    /// @param msgSender The address the next call comes from.
    function prank(address msgSender) external;

    /// @notice Makes every following call come from `msgSender` until `stopPrank`.
    /// @param msgSender The address the following calls come from.
    function startPrank(address msgSender) external;

    /// @notice Ends a `startPrank`.
    function stopPrank() external;

    /// @notice Expects the next call to revert with exactly this custom-error selector (and no arguments).
    /// @param revertData The expected 4-byte revert data.
    function expectRevert(bytes4 revertData) external;

    /// @notice Expects the next call to revert with exactly this revert data.
    /// @param revertData The expected revert data (an ABI-encoded custom error, or a reason string's bytes).
    function expectRevert(bytes calldata revertData) external;

    /// @notice Expects the next emitted event to match the one emitted right after this call, from `emitter`.
    /// @param checkTopic1 Whether to compare the first indexed topic.
    /// @param checkTopic2 Whether to compare the second indexed topic.
    /// @param checkTopic3 Whether to compare the third indexed topic.
    /// @param checkData Whether to compare the non-indexed data.
    /// @param emitter The contract expected to emit the event.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;

    /// @notice Starts capturing every emitted log (and clears what was captured before).
    function recordLogs() external;

    /// @notice Returns, and forgets, the logs captured since `recordLogs`.
    /// @return logs The captured logs, oldest first.
    function getRecordedLogs() external returns (Log[] memory logs);

    /// @notice Discards the current fuzz input unless `condition` holds.
    /// @param condition The condition the input must satisfy.
    function assume(bool condition) external pure;

    /// @notice Sets `block.timestamp`.
    /// @param newTimestamp The new block timestamp.
    function warp(uint256 newTimestamp) external;

    /// @notice Signs `digest` with `privateKey` (secp256k1).
    /// @param privateKey The signing key.
    /// @param digest The 32-byte hash to sign.
    /// @return v The recovery byte.
    /// @return r The signature's r.
    /// @return s The signature's s.
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    /// @notice Computes the address of a private key.
    /// @param privateKey The private key.
    /// @return keyAddr The key's address.
    function addr(uint256 privateKey) external pure returns (address keyAddr);

    /// @notice Names an address in traces.
    /// @param account The address to name.
    /// @param newLabel The name.
    function label(address account, string calldata newLabel) external;
}

// Where EDR serves the cheatcodes: `address(bytes20(uint160(uint256(keccak256("hevm cheat code")))))`.
address constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;
