// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPaymentRouter} from "./interfaces/IPaymentRouter.sol";

/// @title PaymentRouter
/// @notice Non-custodial payment router: tokens go payer -> merchant in one transfer, tagged with an order reference.
contract PaymentRouter is IPaymentRouter, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

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

        uint256 before = _balanceOf(token, merchant);
        IERC20(token).safeTransferFrom(msg.sender, merchant, amount);
        uint256 afterwards = _balanceOf(token, merchant);
        // solhint-disable-next-line gas-strict-inequalities
        if (afterwards <= before) revert NothingReceived(token, merchant);
        unchecked {
            received = afterwards - before;
        }

        emit PaymentReceived(orderRef, merchant, msg.sender, token, received);
    }

    /// @dev `balanceOf` through a raw static call: cheaper than the ABI path, and a token address without code
    /// (which would otherwise pass SafeERC20's no-return-data rule) is refused by name.
    function _balanceOf(address token, address account) private view returns (uint256 value) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, 0x70a08231) // balanceOf(address)
            mstore(0x20, account)
            // Two statements: Yul evaluates arguments right to left, so returndatasize() must follow the call.
            ok := staticcall(gas(), token, 0x1c, 0x24, 0x00, 0x20)
            ok := and(ok, gt(returndatasize(), 0x1f))
            value := mload(0x00)
        }
        if (!ok) revert InvalidToken(token);
    }
}
