// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IPaymentRouter
/// @notice Moves a customer's tokens straight into a merchant's wallet and tells the world which order they pay.
/// @dev The router is immutable and ownerless, writes no storage and never holds a token between calls.
/// Duplicate, late and partial payments are the off-chain gateway's business, not the router's.
interface IPaymentRouter {
    /// @notice Emitted once for every successful payment.
    /// @param orderRef The opaque reference the gateway assigned to the order.
    /// @param merchant The wallet that received the tokens.
    /// @param payer The wallet the tokens came from (the caller).
    /// @param token The token paid with.
    /// @param amount What the merchant's balance actually grew by; less than requested for a fee-on-transfer token.
    event PaymentReceived(
        bytes32 indexed orderRef, address indexed merchant, address indexed payer, address token, uint256 amount
    );

    /// @notice The requested amount was zero.
    error ZeroAmount();

    /// @notice The merchant is the zero address or the router itself.
    /// @param merchant The rejected merchant address.
    error InvalidMerchant(address merchant);

    /// @notice The token address holds no contract that answers `balanceOf`.
    /// @param token The rejected token address.
    error InvalidToken(address token);

    /// @notice The transfer went through but the merchant's balance did not grow.
    /// @param token The token paid with.
    /// @param merchant The merchant whose balance did not grow.
    error NothingReceived(address token, address merchant);

    /// @notice The permit's deadline has passed.
    /// @param deadline The permit's deadline.
    /// @param timestamp The current block's timestamp.
    error PermitExpired(uint256 deadline, uint256 timestamp);

    /// @notice The token rejected the permit and the payer has not otherwise approved enough.
    /// @param token The token whose permit failed.
    /// @param payer The signer the permit was for.
    /// @param amount The amount the permit was for.
    error PermitFailed(address token, address payer, uint256 amount);

    /// @notice Pays `amount` of `token` from the caller to `merchant` for order `orderRef`.
    /// @dev The caller must have approved the router for at least `amount`.
    /// @param token The ERC-20 token (tokens that return no value, such as USDT, are supported).
    /// @param amount The amount to pay, in the token's base units.
    /// @param merchant The wallet that receives the tokens.
    /// @param orderRef The order's reference, emitted with the payment.
    /// @return received What the merchant's balance grew by.
    function pay(address token, uint256 amount, address merchant, bytes32 orderRef)
        external
        returns (uint256 received);

    /// @notice Like `pay`, with an EIP-2612 permit signed by the caller instead of a prior approval.
    /// @dev A permit that fails because it was already used (for example front-run) is accepted when the
    /// allowance it granted is still there.
    /// @param token The EIP-2612 token.
    /// @param amount The amount to pay and to permit, in the token's base units.
    /// @param merchant The wallet that receives the tokens.
    /// @param orderRef The order's reference, emitted with the payment.
    /// @param deadline The permit's deadline (unix seconds).
    /// @param v The permit signature's recovery byte.
    /// @param r The permit signature's r.
    /// @param s The permit signature's s.
    /// @return received What the merchant's balance grew by.
    function payWithPermit(
        address token,
        uint256 amount,
        address merchant,
        bytes32 orderRef,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 received);
}
