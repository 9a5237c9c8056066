// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {TokenBalance} from "./TokenBalance.sol";

/// @title TokenPull
/// @notice The routers' pull of the caller's tokens: the EIP-2612 permit (or an allowance that already covers the
/// amount), then the transfer to the recipient, measured by the recipient's balance.
/// @dev It reverts with errors its callers' interfaces declare (`IPaymentRouter`, `IRefundRouter`: the same
/// signatures), by selector: a library's own error would be listed a second time in each caller's ABI.
library TokenPull {
    using SafeERC20 for IERC20;

    /// @notice The selector of `PermitExpired(uint256 deadline, uint256 timestamp)`.
    bytes4 internal constant PERMIT_EXPIRED = bytes4(keccak256("PermitExpired(uint256,uint256)"));

    /// @notice The selector of `InvalidToken(address token)`.
    bytes4 internal constant INVALID_TOKEN = bytes4(keccak256("InvalidToken(address)"));

    /// @notice The selector of `PermitFailed(address token, address from, uint256 amount)` (the signature is hashed
    /// at compile time: no string in the bytecode).
    // solhint-disable-next-line gas-small-strings
    bytes4 internal constant PERMIT_FAILED = bytes4(keccak256("PermitFailed(address,address,uint256)"));

    /// @notice The selector of `NothingReceived(address token, address to)`.
    bytes4 internal constant NOTHING_RECEIVED = bytes4(keccak256("NothingReceived(address,address)"));

    /// @notice Makes sure this contract may pull `amount` of `token` from `msg.sender`: submits the caller's permit,
    /// and if it fails, accepts an allowance that already covers `amount`.
    /// @dev Reverts `PermitExpired(deadline, block.timestamp)` after the deadline, `InvalidToken(token)` for an address
    /// without code, `PermitFailed(token, msg.sender, amount)` when neither the permit nor an allowance covers it.
    /// @param token The EIP-2612 token.
    /// @param amount The amount permitted, in the token's base units.
    /// @param deadline The permit's deadline (unix seconds).
    /// @param v The permit signature's recovery byte.
    /// @param r The permit signature's r.
    /// @param s The permit signature's s.
    function permitOrAllowance(address token, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        internal
    {
        if (block.timestamp > deadline) _revert(abi.encodeWithSelector(PERMIT_EXPIRED, deadline, block.timestamp));
        // Solidity's own code check before `try` cannot be caught; name the bad token instead of reverting bare.
        if (token.code.length == 0) _revert(abi.encodeWithSelector(INVALID_TOKEN, token));
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) {}
        catch {
            // A permit can be front-run (submitted by someone else first); the allowance it granted still counts.
            if (IERC20(token).allowance(msg.sender, address(this)) < amount) {
                _revert(abi.encodeWithSelector(PERMIT_FAILED, token, msg.sender, amount));
            }
        }
    }

    /// @notice Moves `amount` of `token` from `msg.sender` to `to` through SafeERC20 (USDT's `transferFrom` returns
    /// nothing) and answers what `to`'s balance really grew by (less than `amount` for a fee-on-transfer token).
    /// @dev Reverts `InvalidToken(token)` when `token` does not answer `balanceOf` (an address without code, which
    /// SafeERC20's no-return-data rule would let through), `NothingReceived(token, to)` when the balance did not grow.
    /// @param token The ERC-20 token.
    /// @param to The recipient.
    /// @param amount The amount, in the token's base units.
    /// @return received What `to`'s balance grew by.
    function transferFromMeasured(address token, address to, uint256 amount) internal returns (uint256 received) {
        uint256 before = _balanceOf(token, to);
        IERC20(token).safeTransferFrom(msg.sender, to, amount);
        uint256 afterwards = _balanceOf(token, to);
        // solhint-disable-next-line gas-strict-inequalities
        if (afterwards <= before) _revert(abi.encodeWithSelector(NOTHING_RECEIVED, token, to));
        unchecked {
            received = afterwards - before;
        }
    }

    /// @notice `token`'s balance of `account`; a token address that does not answer is refused by name.
    /// @param token The ERC-20 token.
    /// @param account The holder.
    /// @return value The balance.
    function _balanceOf(address token, address account) private view returns (uint256 value) {
        bool ok;
        (ok, value) = TokenBalance.read(token, account);
        if (!ok) _revert(abi.encodeWithSelector(INVALID_TOKEN, token));
    }

    /// @notice Reverts with `data` (an encoded error) as the revert data.
    /// @param data The selector and arguments.
    function _revert(bytes memory data) private pure {
        assembly ("memory-safe") {
            revert(add(data, 0x20), mload(data))
        }
    }
}
