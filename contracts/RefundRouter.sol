// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRefundRouter} from "./interfaces/IRefundRouter.sol";
import {TokenPull} from "./libraries/TokenPull.sol";

/// @title RefundRouter
/// @notice Non-custodial refunds: tokens go merchant -> customer in one transfer, tagged with the refund reference.
/// @dev A contract of its own beside `PaymentRouter`, whose interface stays as it is; both pull through `TokenPull`.
contract RefundRouter is IRefundRouter, ReentrancyGuardTransient {
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
        TokenPull.permitOrAllowance(token, amount, deadline, v, r, s);
        return _refund(token, to, amount, refundRef, orderRef);
    }

    /// @dev Checks, then the transfer, then the event with the customer's real balance growth.
    function _refund(address token, address to, uint256 amount, bytes32 refundRef, bytes32 orderRef)
        private
        returns (uint256 received)
    {
        if (amount == 0) revert ZeroAmount();
        if (to == address(0) || to == address(this)) revert InvalidRecipient(to);

        received = TokenPull.transferFromMeasured(token, to, amount);
        emit RefundSent(refundRef, orderRef, msg.sender, to, token, received);
    }
}
