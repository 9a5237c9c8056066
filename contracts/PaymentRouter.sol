// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPaymentRouter} from "./interfaces/IPaymentRouter.sol";
import {TokenPull} from "./libraries/TokenPull.sol";

/// @title PaymentRouter
/// @notice Non-custodial payment router: tokens go payer -> merchant in one transfer, tagged with an order reference.
contract PaymentRouter is IPaymentRouter, ReentrancyGuardTransient {
    /// @inheritdoc IPaymentRouter
    function pay(address token, uint256 amount, address merchant, bytes32 orderRef)
        external
        nonReentrant
        returns (uint256 received)
    {
        return _pay(token, amount, merchant, orderRef);
    }

    /// @inheritdoc IPaymentRouter
    function payWithPermit(
        address token,
        uint256 amount,
        address merchant,
        bytes32 orderRef,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 received) {
        TokenPull.permitOrAllowance(token, amount, deadline, v, r, s);
        return _pay(token, amount, merchant, orderRef);
    }

    /// @dev Checks, then the transfer, then the event with the merchant's real balance growth.
    /// The event follows the transfer because its amount is measured from it; the guard blocks re-entry.
    function _pay(address token, uint256 amount, address merchant, bytes32 orderRef)
        private
        returns (uint256 received)
    {
        if (amount == 0) revert ZeroAmount();
        if (merchant == address(0) || merchant == address(this)) revert InvalidMerchant(merchant);

        received = TokenPull.transferFromMeasured(token, merchant, amount);
        emit PaymentReceived(orderRef, merchant, msg.sender, token, received);
    }
}
