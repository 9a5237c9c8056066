// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IDepositFactory
/// @notice Per-order deposit addresses: counterfactual CREATE2 clones, each bound at creation to one merchant payout
/// address and one order reference. Whatever arrives at a deposit address (the expected token, any other ERC-20,
/// native coin) can only ever be forwarded to that payout address; anyone may trigger the forward.
/// @dev A deposit address is the CREATE2 address, from the factory, of a 33-byte delegating clone (`DepositClone`)
/// whose implementation is the factory itself, with salt `keccak256(abi.encode(payout, orderRef))`, which binds the
/// payout address and the order reference. Only the factory may make a clone `sweep`, and it names as payout only
/// the address the clone's salt was made of. No owner, no storage, no upgrade. Every forward goes through the
/// factory, which emits the events below (one address to index).
interface IDepositFactory {
    /// @notice One deposit address to forward in a batch.
    /// @param token The ERC-20 token to forward, or `address(0)` for the chain's native coin.
    /// @param payout The merchant's payout address the deposit address is bound to.
    /// @param orderRef The order reference the deposit address is bound to.
    struct Forward {
        address token;
        address payout;
        bytes32 orderRef;
    }

    /// @notice A deposit address was deployed on its own (ahead of any forward).
    /// @param orderRef The order reference the address is bound to.
    /// @param depositAddress The deposit address.
    /// @param payout The payout address it forwards to.
    event DepositAddressDeployed(bytes32 indexed orderRef, address indexed depositAddress, address indexed payout);

    /// @notice A deposit address's whole balance of `token` went to its payout address. The deposit address and
    /// the payout address follow from the order reference (and are in the token's own `Transfer` log).
    /// @param orderRef The order reference the deposit address is bound to.
    /// @param token The token forwarded (`address(0)`: native coin).
    /// @param amount What the payout address's balance actually grew by (less than what left for a fee-on-transfer
    /// token such as USDT with its fee switched on).
    // solhint-disable-next-line gas-indexed-events
    event Forwarded(bytes32 indexed orderRef, address token, uint256 amount);

    /// @notice A forward in a batch failed (for example the payout address is blacklisted by the token); the funds
    /// stay at the deposit address, and a later forward can move them.
    /// @param orderRef The order reference the deposit address is bound to.
    /// @param depositAddress The deposit address that still holds the funds.
    /// @param payout The payout address that could not be paid.
    /// @param token The token that was not forwarded.
    event ForwardFailed(bytes32 indexed orderRef, address indexed depositAddress, address indexed payout, address token);

    /// @notice The payout address is the zero address.
    error InvalidPayout();

    /// @notice The token address holds no contract that answers `balanceOf`.
    /// @param token The rejected token address.
    error InvalidToken(address token);

    /// @notice `forward` was asked to forward from a deposit address that has not been deployed yet.
    /// @param depositAddress The address without code.
    error NotDeployed(address depositAddress);

    /// @notice A deposit address's `sweep` was called by someone other than the factory.
    /// @param caller The rejected caller.
    error OnlyFactory(address caller);

    /// @notice A factory entry point was called on a deposit address, or a deposit-address function on the factory.
    error WrongContext();

    /// @notice The payout address did not accept the native coin.
    /// @param payout The payout address.
    error NativeTransferFailed(address payout);

    /// @notice The deposit address bound to `payout` and `orderRef` (deployed or not).
    /// @param payout The merchant's payout address.
    /// @param orderRef The order reference.
    /// @return depositAddress The CREATE2 address.
    function depositAddress(address payout, bytes32 orderRef) external view returns (address depositAddress);

    /// @notice Deploys the deposit address bound to `payout` and `orderRef` without forwarding anything.
    /// @param payout The merchant's payout address.
    /// @param orderRef The order reference.
    /// @return depositAddress The deployed address.
    function deploy(address payout, bytes32 orderRef) external returns (address depositAddress);

    /// @notice Deploys the deposit address bound to `payout` and `orderRef` and forwards its whole balance of
    /// `token` to `payout`. Reverts if the forward fails (the funds stay where they were) and if the address is
    /// already deployed (use `forward` then).
    /// @param token The ERC-20 token to forward (tokens that return no value, such as USDT, are supported), or
    /// `address(0)` for native coin.
    /// @param payout The merchant's payout address.
    /// @param orderRef The order reference.
    /// @return received What `payout`'s balance grew by.
    function deployAndForward(address token, address payout, bytes32 orderRef) external returns (uint256 received);

    /// @notice Forwards from an already deployed deposit address. Reverts if the forward fails.
    /// @param token The ERC-20 token to forward, or `address(0)` for native coin.
    /// @param payout The merchant's payout address.
    /// @param orderRef The order reference.
    /// @return received What `payout`'s balance grew by.
    function forward(address token, address payout, bytes32 orderRef) external returns (uint256 received);

    /// @notice Deploys and forwards many new deposit addresses in one transaction: the cheap path for addresses
    /// without code. Each deployment is tried with bounded gas and the sweep follows either way, so an address that
    /// exists already is still forwarded, at the cost of the failed deployment's gas (up to 100,000); send those to
    /// `forwardMany`. A forward that fails (a blacklisted merchant) emits `ForwardFailed` and leaves its funds in
    /// place; the others go on. A zero payout reverts the whole batch.
    /// @param forwards The deposit addresses to forward.
    function deployAndForwardMany(Forward[] calldata forwards) external;

    /// @notice Forwards many deposit addresses in one transaction, deploying those that have no code yet (checked
    /// first, so nothing is wasted on an existing one): the path for late payments to deployed addresses, and for a
    /// mix. Failures are isolated as in `deployAndForwardMany`.
    /// @param forwards The deposit addresses to forward.
    function forwardMany(Forward[] calldata forwards) external;

    /// @notice `deployAndForwardMany`'s own call, with bounded gas, to deploy the clone of `salt`; callable only by
    /// the factory itself.
    /// @param salt The clone's CREATE2 salt, `keccak256(abi.encode(payout, orderRef))`.
    function deployFromBatch(bytes32 salt) external;

    /// @notice Called on a deposit address, by the factory only: sends `amount` of `token` to `payout`, which the
    /// factory names only as the payout address the deposit address's salt binds, and `amount` only as the deposit
    /// address's whole balance, measured just before. The deposit address answers one byte when it went through and
    /// nothing when it failed (it never reverts: see `DepositClone`); the factory measures what moved.
    /// @param token The ERC-20 token, or `address(0)` for native coin.
    /// @param payout The payout address the deposit address is bound to.
    /// @param amount What to send: the deposit address's balance of `token`.
    function sweep(address token, address payout, uint256 amount) external;
}
