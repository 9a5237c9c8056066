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

    /// @notice The permit's deadline has passed.
    /// @param deadline The permit's deadline.
    /// @param timestamp The current block's timestamp.
    error PermitExpired(uint256 deadline, uint256 timestamp);

    /// @notice The token rejected the permit and the caller has not otherwise approved enough.
    /// @param token The token whose permit failed.
    /// @param from The signer the permit was for.
    /// @param amount The amount the permit was for.
    error PermitFailed(address token, address from, uint256 amount);

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

    /// @notice Like `refund`, with an EIP-2612 permit signed by the caller instead of a prior approval (one
    /// transaction for a USDC-like token). A permit already used (for example front-run) is accepted when the
    /// allowance it granted is still there.
    /// @param token The EIP-2612 token.
    /// @param to The customer receiving the refund.
    /// @param amount The amount to refund and to permit, in the token's base units.
    /// @param refundRef The refund's reference, emitted with the transfer.
    /// @param orderRef The refunded order's reference, emitted with the transfer.
    /// @param deadline The permit's deadline (unix seconds).
    /// @param v The permit signature's recovery byte.
    /// @param r The permit signature's r.
    /// @param s The permit signature's s.
    /// @return received What `to`'s balance grew by.
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
    ) external returns (uint256 received);
}
