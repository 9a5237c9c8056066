// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title DepositClone
/// @notice The deposit addresses' code: a 33-byte proxy that delegates every call to one implementation, deployed
/// with CREATE2. It is ERC-7511's minimal proxy (ERC-1167 redone with PUSH0) without the return-data handling: it
/// answers the outcome alone, one byte when the delegated call succeeded and nothing when it failed, and never
/// reverts. Eleven bytes fewer than ERC-7511 (2,200 gas less code deposit per deployment); the implementation
/// measures what moved itself, so it needs nothing back but success.
/// @dev Creation code (42 bytes): `60218060095f395ff3` (copy the 33 bytes that follow and return them), then the
/// runtime `365f5f375f5f365f73 <implementation> 5af45ff3`: copy the calldata, delegatecall the implementation with
/// all gas, then `return(0, success)`. A failed call's state changes are undone by the delegatecall itself; the
/// one byte returned is the calldata's first (its content means nothing, its presence means success).
library DepositClone {
    /// @notice The creation code and the runtime up to the implementation's address (18 bytes).
    uint256 private constant _HEAD = 0x60218060095f395ff3365f5f375f5f365f73;

    /// @notice The runtime after the implementation's address (4 bytes).
    uint256 private constant _TAIL = 0x5af45ff3;

    /// @notice The creation code's length.
    uint256 private constant _INIT_CODE_SIZE = 0x2a;

    /// @notice Deploys the clone of `implementation` with `salt`.
    /// @param implementation The contract every call is delegated to.
    /// @param salt The CREATE2 salt.
    /// @return instance The clone, or `address(0)` if the deployment failed (an address in use).
    function deploy(address implementation, bytes32 salt) internal returns (address instance) {
        uint256 head = _HEAD;
        uint256 tail = _TAIL;
        assembly ("memory-safe") {
            let impl := and(implementation, 0xffffffffffffffffffffffffffffffffffffffff)
            // In the 64-byte scratch space: bytes 0-17 the head, 18-37 the address, 38-41 the tail.
            mstore(0x00, or(shl(112, head), shr(48, impl)))
            mstore(0x20, or(shl(208, impl), shl(176, tail)))
            instance := create2(0, 0x00, _INIT_CODE_SIZE, salt)
        }
    }

    /// @notice The hash of the creation code of `implementation`'s clones (what CREATE2 addresses depend on).
    /// @param implementation The contract every call is delegated to.
    /// @return hash `keccak256` of the 42-byte creation code.
    function initCodeHash(address implementation) internal pure returns (bytes32 hash) {
        uint256 head = _HEAD;
        uint256 tail = _TAIL;
        assembly ("memory-safe") {
            let impl := and(implementation, 0xffffffffffffffffffffffffffffffffffffffff)
            mstore(0x00, or(shl(112, head), shr(48, impl)))
            mstore(0x20, or(shl(208, impl), shl(176, tail)))
            hash := keccak256(0x00, _INIT_CODE_SIZE)
        }
    }

    /// @notice The CREATE2 address of the clone with creation code hash `hash` and `salt`, deployed by `deployer`.
    /// @param hash The creation code's hash (`initCodeHash`).
    /// @param salt The CREATE2 salt.
    /// @param deployer The deploying contract.
    /// @return predicted The clone's address.
    function predict(bytes32 hash, bytes32 salt, address deployer) internal pure returns (address predicted) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, deployer)
            mstore8(add(m, 0x0b), 0xff)
            mstore(add(m, 0x20), salt)
            mstore(add(m, 0x40), hash)
            predicted := and(keccak256(add(m, 0x0b), 0x55), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }
}
