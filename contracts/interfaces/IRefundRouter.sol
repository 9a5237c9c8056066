// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IRefundRouter
/// @notice Sends a refund from the merchant's own wallet to the customer in one transfer, tagged with the refund's
/// and the order's references, so the gateway's indexer attributes it as it attributes payments.
/// @dev Immutable and ownerless, writes no storage and never holds a token between calls.
interface IRefundRouter {
    /// @notice Emitted once for every refund sent.
    /// @param refundRef The opaque reference the gateway assigned to the refund.
    /// @param orderRef The reference of the order being refunded.
    /// @param from The wallet the tokens came from (the caller: the merchant).
    /// @param to The customer who received them.
    /// @param token The token refunded.
    /// @param amount What the customer's balance actually grew by (less than requested for a fee-on-transfer token).
    event RefundSent(
        bytes32 indexed refundRef, bytes32 indexed orderRef, address indexed from, address to, address token, uint256 amount
    );

    /// @notice The requested amount was zero.
    error ZeroAmount();

    /// @notice The recipient is the zero address or the router itself.
    /// @param to The rejected recipient.
    error InvalidRecipient(address to);

    /// @notice The token address holds no contract that answers `balanceOf`.
    /// @param token The rejected token address.
    error InvalidToken(address token);

    /// @notice The transfer went through but the recipient's balance did not grow.
    /// @param token The token refunded.
    /// @param to The recipient whose balance did not grow.
    error NothingReceived(address token, address to);

    /// @notice Sends `amount` of `token` from the caller to `to` as refund `refundRef` of order `orderRef`.
    /// @dev The caller must have approved the router for at least `amount`.
    /// @param token The ERC-20 token (tokens that return no value, such as USDT, are supported).
    /// @param to The customer receiving the refund.
    /// @param amount The amount, in the token's base units.
    /// @param refundRef The refund's reference, emitted with the transfer.
    /// @param orderRef The refunded order's reference, emitted with the transfer.
    /// @return received What `to`'s balance grew by.
    function refund(address token, address to, uint256 amount, bytes32 refundRef, bytes32 orderRef)
        external
        returns (uint256 received);
}
