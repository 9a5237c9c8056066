// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPaymentRouter} from "../../../contracts/interfaces/IPaymentRouter.sol";
import {PaymentRouter} from "../../../contracts/PaymentRouter.sol";
import {IVm} from "./Vm.sol";
import {BaseTest} from "./BaseTest.sol";

/// @title PaymentRouterBase
/// @author Stablegate
/// @notice `BaseTest` with a `PaymentRouter`: paying (by allowance and by permit) with the payment measured three
/// ways (return value, `PaymentReceived`, the merchant's balance growth), for the unit tests and the invariant
/// handlers alike.
abstract contract PaymentRouterBase is BaseTest {
    /// @notice One payment, measured.
    /// @param received What the router returned.
    /// @param emitted The amount in the one `PaymentReceived` (its topics and token checked).
    /// @param growth What the merchant's balance grew by.
    struct Payment {
        uint256 received;
        uint256 emitted;
        uint256 growth;
    }

    /// @notice The router under test.
    PaymentRouter internal router;

    /// @notice Deploys the tokens, names the accounts and deploys the router.
    function setUp() public virtual override {
        super.setUp();
        router = new PaymentRouter();
    }

    /// @notice `payer` (who holds and has approved at least `amount`) pays `payee` through `pay`.
    /// @param token The token.
    /// @param payer The payer.
    /// @param payee The merchant.
    /// @param amount The amount.
    /// @param orderRef The order reference.
    /// @return payment The payment, measured.
    function _pay(address token, address payer, address payee, uint256 amount, bytes32 orderRef)
        internal
        returns (Payment memory payment)
    {
        uint256 before = IERC20(token).balanceOf(payee);
        vm.recordLogs();
        vm.prank(payer);
        payment.received = router.pay(token, amount, payee, orderRef);
        payment.emitted = _paymentReceivedAmount(vm.getRecordedLogs(), orderRef, payee, payer, token);
        payment.growth = IERC20(token).balanceOf(payee) - before;
    }

    /// @notice The holder of `key` (who holds at least `amount` of PermitUSD) signs a permit for the router at its
    /// current nonce and pays `payee` through `payWithPermit`.
    /// @param key The payer's private key.
    /// @param payee The merchant.
    /// @param amount The amount.
    /// @param orderRef The order reference.
    /// @param deadline The permit's deadline.
    /// @return payment The payment, measured.
    function _payWithPermit(uint256 key, address payee, uint256 amount, bytes32 orderRef, uint256 deadline)
        internal
        returns (Payment memory payment)
    {
        address payer = vm.addr(key);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(key, payer, address(router), amount, deadline);
        uint256 before = permitUsd.balanceOf(payee);
        vm.recordLogs();
        vm.prank(payer);
        payment.received = router.payWithPermit(address(permitUsd), amount, payee, orderRef, deadline, v, r, s);
        payment.emitted = _paymentReceivedAmount(vm.getRecordedLogs(), orderRef, payee, payer, address(permitUsd));
        payment.growth = permitUsd.balanceOf(payee) - before;
    }

    /// @notice Returns the amount of the one `PaymentReceived` among `logs`, after checking that it is the router's
    /// only event and checking its topics and token.
    /// @param logs The captured logs.
    /// @param orderRef The expected order reference.
    /// @param payee The expected merchant.
    /// @param payer The expected payer.
    /// @param token The expected token.
    /// @return amount The event's amount.
    function _paymentReceivedAmount(
        IVm.Log[] memory logs,
        bytes32 orderRef,
        address payee,
        address payer,
        address token
    ) internal view returns (uint256 amount) {
        IVm.Log memory log =
            _soleEvent(logs, address(router), IPaymentRouter.PaymentReceived.selector, "PaymentReceived");
        assertEq(log.topics[1], orderRef, "orderRef topic");
        assertEq(log.topics[2], _topic(payee), "merchant topic");
        assertEq(log.topics[3], _topic(payer), "payer topic");
        address emittedToken;
        (emittedToken, amount) = abi.decode(log.data, (address, uint256));
        assertEq(emittedToken, token, "token in event");
    }

    /// @notice Discards fuzzed accounts that would make the test about something else: the zero address, the
    /// cheatcode address, the tokens and the router.
    /// @param account The fuzzed account.
    function _assumeUsableAccount(address account) internal view {
        _assumeNotTokenOrZero(account);
        vm.assume(account != address(router));
    }
}
