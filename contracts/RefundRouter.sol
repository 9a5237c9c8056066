// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
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
