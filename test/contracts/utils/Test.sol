// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IVm, VM_ADDRESS} from "./Vm.sol";

/// @title Test
/// @author Stablegate
/// @notice Minimal base for Hardhat 3 Solidity tests run by EDR: the cheatcode handle, `bound`, named accounts
/// and assertion helpers that revert with a message (a failing test is one that reverts).
/// @dev Stands in for the parts of forge-std the tests need.
abstract contract Test {
    /// @notice The cheatcodes, named as in Foundry.
    // solhint-disable-next-line const-name-snakecase
    IVm internal constant vm = IVm(VM_ADDRESS);

    /// @notice The order of secp256k1's group: valid private keys are `1 .. SECP256K1_ORDER - 1`.
    uint256 internal constant SECP256K1_ORDER =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @notice An assertion failed.
    /// @param message What was being checked.
    error AssertionFailed(string message);

    /// @notice Two unsigned integers that should be equal are not.
    /// @param message What was being compared.
    /// @param left The actual value.
    /// @param right The expected value.
    error UintsNotEqual(string message, uint256 left, uint256 right);

    /// @notice Two addresses that should be equal are not.
    /// @param message What was being compared.
    /// @param left The actual value.
    /// @param right The expected value.
    error AddressesNotEqual(string message, address left, address right);

    /// @notice Two 32-byte words that should be equal are not.
    /// @param message What was being compared.
    /// @param left The actual value.
    /// @param right The expected value.
    error Bytes32NotEqual(string message, bytes32 left, bytes32 right);

    /// @notice `bound` was called with an empty range.
    /// @param min The lower end.
    /// @param max The upper end.
    error InvalidBounds(uint256 min, uint256 max);

    /// @notice Fails unless `condition` holds.
    /// @param condition The condition.
    /// @param message What was being checked.
    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert AssertionFailed(message);
    }

    /// @notice Fails unless `left == right`.
    /// @param left The actual value.
    /// @param right The expected value.
    /// @param message What was being compared.
    function assertEq(uint256 left, uint256 right, string memory message) internal pure {
        if (left != right) revert UintsNotEqual(message, left, right);
    }

    /// @notice Fails unless `left == right`.
    /// @param left The actual value.
    /// @param right The expected value.
    /// @param message What was being compared.
    function assertEq(address left, address right, string memory message) internal pure {
        if (left != right) revert AddressesNotEqual(message, left, right);
    }

    /// @notice Fails unless `left == right`.
    /// @param left The actual value.
    /// @param right The expected value.
    /// @param message What was being compared.
    function assertEq(bytes32 left, bytes32 right, string memory message) internal pure {
        if (left != right) revert Bytes32NotEqual(message, left, right);
    }

    /// @notice Maps any `x` into `[min, max]` without discarding the input, as forge-std's `bound` does: values
    /// already in range are kept, values just past either end of `uint256` land on that end of the range, and the
    /// rest wrap around it.
    /// @param x The fuzzed value.
    /// @param min The lowest allowed value.
    /// @param max The highest allowed value.
    /// @return result A value in `[min, max]`.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256 result) {
        if (min > max) revert InvalidBounds(min, max);
        if (!(x < min || x > max)) return x; // already in range
        // `max - min + 1` cannot overflow here: the full range returned above.
        uint256 size = max - min + 1;
        if (x < 4 && x < size) return min + x;
        if (x > type(uint256).max - 4 && type(uint256).max - x < size) return max - (type(uint256).max - x);
        if (x > max) {
            uint256 rem = (x - max) % size;
            return rem == 0 ? max : min + rem - 1;
        }
        uint256 remBelow = (min - x) % size;
        return remBelow == 0 ? min : max - remBelow + 1;
    }

    /// @notice A labelled account whose private key is derived from `name`.
    /// @param name The account's name.
    /// @return account The account's address.
    /// @return privateKey The account's private key.
    function makeAddrAndKey(string memory name) internal returns (address account, uint256 privateKey) {
        privateKey = uint256(keccak256(bytes(name))) % (SECP256K1_ORDER - 1) + 1;
        account = vm.addr(privateKey);
        vm.label(account, name);
    }

    /// @notice A labelled account derived from `name`.
    /// @param name The account's name.
    /// @return account The account's address.
    function makeAddr(string memory name) internal returns (address account) {
        (account,) = makeAddrAndKey(name);
    }
}
