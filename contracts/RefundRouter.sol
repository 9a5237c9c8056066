// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRefundRouter} from "./interfaces/IRefundRouter.sol";
import {TokenBalance} from "./libraries/TokenBalance.sol";

/// @title RefundRouter
/// @notice Non-custodial refunds: tokens go merchant -> customer in one transfer, tagged with the refund reference.
/// @dev A contract of its own so that `PaymentRouter`'s bytecode, and with it its CREATE2 address, stays as it is.
contract RefundRouter is IRefundRouter, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IRefundRouter
    function refund(address token, address to, uint256 amount, bytes32 refundRef, bytes32 orderRef)
        external
        nonReentrant
        returns (uint256 received)
    {
        return _refund(token, to, amount, refundRef, orderRef);
    }

    /// @inheritdoc IRefundRouter
    function refundWithPermit(
        address token,
        address to,
        uint256 amount,
        bytes32 refundRef,
        bytes32 orderRef,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 received) {
        if (block.timestamp > deadline) revert PermitExpired(deadline, block.timestamp);
        // Solidity's own code check before `try` cannot be caught; name the bad token instead of reverting bare.
        if (token.code.length == 0) revert InvalidToken(token);
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) {}
        catch {
            // A permit can be front-run (submitted by someone else first); the allowance it granted still counts.
            if (IERC20(token).allowance(msg.sender, address(this)) < amount) {
                revert PermitFailed(token, msg.sender, amount);
            }
        }
        return _refund(token, to, amount, refundRef, orderRef);
    }

    /// @dev Checks, then the transfer, then the event with the customer's real balance growth.
    function _refund(address token, address to, uint256 amount, bytes32 refundRef, bytes32 orderRef)
        private
        returns (uint256 received)
    {
        if (amount == 0) revert ZeroAmount();
        if (to == address(0) || to == address(this)) revert InvalidRecipient(to);

        uint256 before = _balanceOf(token, to);
        IERC20(token).safeTransferFrom(msg.sender, to, amount);
        uint256 afterwards = _balanceOf(token, to);
        // solhint-disable-next-line gas-strict-inequalities
        if (afterwards <= before) revert NothingReceived(token, to);
        unchecked {
            received = afterwards - before;
        }

        emit RefundSent(refundRef, orderRef, msg.sender, to, token, received);
    }

    /// @dev `token`'s balance of `account`; a token address that does not answer is refused by name.
    function _balanceOf(address token, address account) private view returns (uint256 value) {
        bool ok;
        (ok, value) = TokenBalance.read(token, account);
        if (!ok) revert InvalidToken(token);
    }
}
