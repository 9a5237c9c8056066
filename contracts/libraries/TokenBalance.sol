// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title TokenBalance
/// @notice `balanceOf` through a raw static call, for contracts that measure what a recipient really received.
/// @dev Cheaper than the ABI path, and an address without code (which SafeERC20's no-return-data rule would let
/// through) is reported as `ok == false` instead of a balance of zero.
library TokenBalance {
    /// @notice Reads `account`'s balance of `token`.
    /// @param token The ERC-20 token.
    /// @param account The holder.
    /// @return ok Whether `token` answered with at least one word.
    /// @return value The balance (zero when `ok` is false).
    function read(address token, address account) internal view returns (bool ok, uint256 value) {
        assembly ("memory-safe") {
            mstore(0x00, 0x70a08231) // balanceOf(address)
            mstore(0x20, account)
            // Two statements: Yul evaluates arguments right to left, so returndatasize() must follow the call.
            ok := staticcall(gas(), token, 0x1c, 0x24, 0x00, 0x20)
            ok := and(ok, gt(returndatasize(), 0x1f))
            value := mul(mload(0x00), ok)
        }
    }
}
