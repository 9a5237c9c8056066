// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDepositFactory} from "./interfaces/IDepositFactory.sol";
import {TokenBalance} from "./libraries/TokenBalance.sol";

/// @title DepositFactory
/// @notice Deploys and forwards per-order deposit addresses. It is also their implementation: each deposit address
/// is a minimal clone that delegates to this contract's code, whose `sweep` then runs in the clone's own context.
/// @dev Being its own implementation keeps the forward cheap (the factory is the transaction's target, so the
/// clone's delegatecall to it is warm). Two guards keep the roles apart: factory entry points run only as the
/// factory (`address(this) == _SELF`), `sweep` only in a clone and only when called by the factory. Neither role
/// has storage, an owner or an upgrade path; a clone's one destination is the payout address in its own code.
contract DepositFactory is IDepositFactory, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice This contract's own address: the clones' implementation and the only caller `sweep` accepts.
    address private immutable _SELF = address(this);

    /// @notice Runs the function only as the factory, never delegated from a clone.
    modifier onlyFactoryContext() {
        if (address(this) != _SELF) revert WrongContext();
        _;
    }

    /// @notice Native coin sent to a deposit address is kept there until forwarded; the factory itself takes none.
    receive() external payable {
        if (address(this) == _SELF) revert WrongContext();
    }

    /* FACTORY */

    /// @inheritdoc IDepositFactory
    function depositAddress(address payout_, bytes32 orderRef) external view returns (address) {
        return Clones.predictDeterministicAddressWithImmutableArgs(_SELF, abi.encodePacked(payout_), orderRef, _SELF);
    }

    /// @inheritdoc IDepositFactory
    function deploy(address payout_, bytes32 orderRef)
        external
        onlyFactoryContext
        nonReentrant
        returns (address deposit)
    {
        deposit = _deploy(payout_, orderRef);
        emit DepositAddressDeployed(orderRef, deposit, payout_);
    }

    /// @inheritdoc IDepositFactory
    function deployAndForward(address token, address payout_, bytes32 orderRef)
        external
        onlyFactoryContext
        nonReentrant
        returns (uint256 received)
    {
        return _forward(token, payout_, orderRef, _deploy(payout_, orderRef));
    }

    /// @inheritdoc IDepositFactory
    function forward(address token, address payout_, bytes32 orderRef)
        external
        onlyFactoryContext
        nonReentrant
        returns (uint256 received)
    {
        address deposit = _predict(payout_, orderRef);
        if (deposit.code.length == 0) revert NotDeployed(deposit);
        return _forward(token, payout_, orderRef, deposit);
    }

    /// @inheritdoc IDepositFactory
    function deployAndForwardMany(Forward[] calldata forwards) external onlyFactoryContext nonReentrant {
        for (uint256 i; i < forwards.length; ++i) {
            Forward calldata item = forwards[i];
            address deposit = _predict(item.payout, item.orderRef);
            // Checked first: a CREATE2 onto an existing contract would burn the gas given to it.
            if (deposit.code.length == 0) _deploy(item.payout, item.orderRef);
            try IDepositFactory(deposit).sweep(item.token) returns (uint256 sent, uint256 received) {
                if (sent != 0) emit Forwarded(item.orderRef, deposit, item.payout, item.token, received);
            } catch {
                // The reason is not copied: a token's revert data could be made large enough to exhaust the batch.
                emit ForwardFailed(item.orderRef, deposit, item.payout, item.token);
            }
        }
    }

    /* DEPOSIT ADDRESS (runs in a clone's context) */

    /// @inheritdoc IDepositFactory
    function sweep(address token) external returns (uint256 sent, uint256 received) {
        if (address(this) == _SELF) revert WrongContext();
        if (msg.sender != _SELF) revert OnlyFactory(msg.sender);
        address to = payout();
        if (token == address(0)) {
            sent = address(this).balance;
            if (sent == 0) return (0, 0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok,) = to.call{value: sent}("");
            if (!ok) revert NativeTransferFailed(to);
            return (sent, sent);
        }
        sent = _balanceOf(token, address(this));
        if (sent == 0) return (0, 0);
        uint256 before = _balanceOf(token, to);
        IERC20(token).safeTransfer(to, sent);
        uint256 afterwards = _balanceOf(token, to);
        unchecked {
            received = afterwards > before ? afterwards - before : 0;
        }
    }

    /// @inheritdoc IDepositFactory
    function payout() public view returns (address) {
        if (address(this) == _SELF) revert WrongContext();
        return address(bytes20(Clones.fetchCloneArgs(address(this))));
    }

    /* HELPERS */

    /// @dev Deploys the clone bound to `payout_` and `orderRef`; reverts if it exists already.
    function _deploy(address payout_, bytes32 orderRef) private returns (address) {
        if (payout_ == address(0)) revert InvalidPayout();
        return Clones.cloneDeterministicWithImmutableArgs(_SELF, abi.encodePacked(payout_), orderRef);
    }

    /// @dev The clone bound to `payout_` and `orderRef`, deployed by this factory.
    function _predict(address payout_, bytes32 orderRef) private view returns (address) {
        return Clones.predictDeterministicAddressWithImmutableArgs(_SELF, abi.encodePacked(payout_), orderRef, _SELF);
    }

    /// @dev Sweeps `deposit` (reverting if the sweep fails) and reports the forward when something moved.
    function _forward(address token, address payout_, bytes32 orderRef, address deposit)
        private
        returns (uint256 received)
    {
        uint256 sent;
        (sent, received) = IDepositFactory(deposit).sweep(token);
        if (sent != 0) emit Forwarded(orderRef, deposit, payout_, token, received);
    }

    /// @dev `token`'s balance of `account`; a token address that does not answer is refused by name.
    function _balanceOf(address token, address account) private view returns (uint256 value) {
        bool ok;
        (ok, value) = TokenBalance.read(token, account);
        if (!ok) revert InvalidToken(token);
    }
}
