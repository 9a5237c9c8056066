// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title NativeRefuser
/// @author Stablegate
/// @notice A payout contract that refuses native coin.
contract NativeRefuser {
    /// @notice Always refuses.
    error Refused();

    /// @notice Refuses every native transfer.
    receive() external payable {
        revert Refused();
    }
}
