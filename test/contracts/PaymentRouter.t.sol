// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPaymentRouter} from "../../contracts/interfaces/IPaymentRouter.sol";
import {ReentrantToken} from "../../contracts/mocks/ReentrantToken.sol";
import {PaymentRouterBase} from "./utils/PaymentRouterBase.sol";

/// @title PaymentRouterTest
/// @author Stablegate
/// @notice Unit and fuzz tests of `PaymentRouter` with the three USDT flavours the gateway meets: Ethereum's
/// TetherUSD (6 decimals, no return values, optional transfer fee), a USDC-like EIP-2612 token and BSC's
/// 18-decimal BEP-20.
contract PaymentRouterTest is PaymentRouterBase {
    /// @notice The largest payment in the fee test (a billion USDT), so both sides of the fee cap get hit.
    uint256 private constant MAX_FEE_TEST_AMOUNT = 1_000_000_000e6;

    /// @notice A permit deadline comfortably in the future.
    uint256 private constant VALID_FOR = 1 hours;

    /* PAY */

    /// @notice Any amount goes from any payer to any merchant in full, for each token, and is reported as such.
    /// @param amount The fuzzed amount (bounded to `[1, MAX_AMOUNT]`).
    /// @param payer The fuzzed payer.
    /// @param payee The fuzzed merchant.
    function testFuzz_pay_movesExactAmount(uint256 amount, address payer, address payee) public {
        _assumeUsableAccount(payer);
        _assumeUsableAccount(payee);
        vm.assume(payer != payee);
        amount = bound(amount, 1, MAX_AMOUNT);

        address[] memory tokens = _tokens();
        for (uint256 t; t < tokens.length; ++t) {
            _checkPayMovesExactAmount(tokens[t], amount, payer, payee);
        }
    }

    /// @notice With TetherUSD's fee switched on, the event and the return value report what the merchant really
    /// got: the amount less `min(amount * basisPoints / 10_000, maxFee * 10 ** 6)`.
    /// @param basisPoints The fuzzed fee rate (bounded to Tether's limit, under 20).
    /// @param maxFee The fuzzed fee cap in whole tokens (bounded to Tether's limit, under 50).
    /// @param amount The fuzzed amount (bounded to `[1, MAX_FEE_TEST_AMOUNT]`).
    function testFuzz_pay_feeSwitchReportsNet(uint256 basisPoints, uint256 maxFee, uint256 amount) public {
        amount = bound(amount, 1, MAX_FEE_TEST_AMOUNT);
        _fundAndApprove(address(tether), customer, address(router), amount); // before the fee is on: all arrives
        (basisPoints, maxFee) = _setTetherFee(basisPoints, maxFee);
        uint256 fee = _tetherFee(amount, basisPoints, maxFee);
        uint256 ownerBefore = tether.balanceOf(address(this));

        _assertPaysNet(_pay(address(tether), customer, merchant, amount, ORDER_REF), amount - fee);
        assertEq(tether.balanceOf(address(this)) - ownerBefore, fee, "fee not paid to Tether's owner");
        assertEq(tether.balanceOf(customer), 0, "payer not debited in full");
    }

    /// @notice At Tether's highest rate a large payment hits the fee cap: the merchant gets the amount less the cap.
    function test_pay_feeIsCappedAtMaximumFee() public {
        _fundAndApprove(address(tether), customer, address(router), 10_000e6); // 0.19 % would be 19 USDT
        tether.setParams(19, 1);
        assertEq(tether.maximumFee(), 1e6, "cap in base units");
        uint256 ownerBefore = tether.balanceOf(address(this));

        _assertPaysNet(_pay(address(tether), customer, merchant, 10_000e6, ORDER_REF), 10_000e6 - 1e6);
        assertEq(tether.balanceOf(address(this)) - ownerBefore, 1e6, "fee is the cap");
    }

    /// @notice Tether's approve rule (non-zero to non-zero reverts) is met by going through zero, and then it pays.
    function test_pay_afterTetherApproveThroughZero() public {
        _fundAndApprove(address(tether), customer, address(router), 5e6);
        _fund(address(tether), customer, 2e6);
        vm.expectRevert(bytes("approve from non-zero"));
        vm.prank(customer);
        tether.approve(address(router), 7e6);
        assertEq(tether.allowance(customer, address(router)), 5e6, "allowance unchanged");

        _approve(address(tether), customer, address(router), 7e6);

        _assertPaysNet(_pay(address(tether), customer, merchant, 7e6, ORDER_REF), 7e6);
    }

    /// @notice A zero amount is refused.
    function test_pay_revertsWhenAmountIsZero() public {
        _approve(address(bscUsd), customer, address(router), 1);
        vm.expectRevert(IPaymentRouter.ZeroAmount.selector);
        _customerPays(address(bscUsd), 0, merchant);
    }

    /// @notice The zero address is refused as merchant.
    function test_pay_revertsWhenMerchantIsZero() public {
        _fundAndApprove(address(bscUsd), customer, address(router), 1e18);
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.InvalidMerchant.selector, address(0)));
        _customerPays(address(bscUsd), 1e18, address(0));
    }

    /// @notice The router itself is refused as merchant (it must never hold tokens).
    function test_pay_revertsWhenMerchantIsRouter() public {
        _fundAndApprove(address(tether), customer, address(router), 1e6);
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.InvalidMerchant.selector, address(router)));
        _customerPays(address(tether), 1e6, address(router));
    }

    /// @notice A token address without code is refused by name (SafeERC20 alone would let the "transfer" pass).
    function test_pay_revertsWhenTokenIsEoa() public {
        address eoa = makeAddr("not a token");
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.InvalidToken.selector, eoa));
        _customerPays(eoa, 1e6, merchant);
    }

    /// @notice A contract that does not answer `balanceOf` (here the router itself) is refused as token by name.
    function test_pay_revertsWhenTokenHasNoBalanceOf() public {
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.InvalidToken.selector, address(router)));
        _customerPays(address(router), 10e6, merchant);
    }

    /// @notice Paying oneself moves nothing, so it is refused as `NothingReceived`.
    function test_pay_revertsWhenPayerIsMerchant() public {
        _fundAndApprove(address(permitUsd), customer, address(router), 1e6);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentRouter.NothingReceived.selector, address(permitUsd), customer)
        );
        _customerPays(address(permitUsd), 1e6, customer);
    }

    /// @notice A token that calls back into the router from `transferFrom` is stopped by the reentrancy guard, and
    /// nothing moves.
    function test_pay_revertsOnReentry() public {
        ReentrantToken hostile = _armedReentrantToken(2e18);

        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        _customerPays(address(hostile), 1e18, merchant);

        assertEq(hostile.balanceOf(customer), 2e18, "payer balance unchanged");
        assertEq(hostile.balanceOf(merchant), 0, "merchant balance unchanged");
        assertTrue(!hostile.reentryAttempted(), "re-entry not rolled back");
    }

    /// @notice The guard is released after a blocked re-entry (in the same transaction, where transient storage
    /// lives on): the same token, disarmed, pays exactly once.
    function test_pay_releasesGuardAfterBlockedReentry() public {
        ReentrantToken hostile = _armedReentrantToken(1_000);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        _customerPays(address(hostile), 1_000, merchant);
        hostile.arm(IPaymentRouter(address(0)));

        _assertPaysNet(_pay(address(hostile), customer, merchant, 1_000, ORDER_REF), 1_000);
        assertEq(hostile.balanceOf(customer), 0, "payer debited once");
        assertEq(hostile.balanceOf(address(router)), 0, "router kept the hostile token");
    }

    /// @notice TetherUSD's revert reason (here: a frozen merchant) reaches the caller unchanged.
    function test_pay_bubblesTokenRevertReason() public {
        _fundAndApprove(address(tether), customer, address(router), 1e6);
        tether.addBlackList(merchant);
        vm.expectRevert(BLACKLISTED);
        _customerPays(address(tether), 1e6, merchant);
    }

    /// @notice A payer on Tether's blacklist cannot pay: Tether's reason reaches the caller.
    function test_pay_revertsWhenPayerIsBlacklisted() public {
        _fundAndApprove(address(tether), customer, address(router), 10e6);
        tether.addBlackList(customer);
        vm.expectRevert(BLACKLISTED);
        _customerPays(address(tether), 10e6, merchant);
    }

    /// @notice A paused TetherUSD cannot be paid with: Tether's reason reaches the caller.
    function test_pay_revertsWhenTokenIsPaused() public {
        _fundAndApprove(address(tether), customer, address(router), 10e6);
        tether.pause();
        vm.expectRevert(bytes("paused"));
        _customerPays(address(tether), 10e6, merchant);
    }

    /// @notice A TetherUSD allowance one base unit short is refused with Tether's reason.
    function test_pay_revertsWhenTetherAllowanceIsShort() public {
        _fundAndApprove(address(tether), customer, address(router), 10e6);
        _approve(address(tether), customer, address(router), 10e6 - 1);
        vm.expectRevert(bytes("allowance"));
        _customerPays(address(tether), 10e6, merchant);
    }

    /// @notice An OpenZeppelin token's allowance one unit short: the token's own custom error, arguments included,
    /// reaches the caller.
    function test_pay_revertsWithTokenErrorWhenAllowanceIsShort() public {
        _fundAndApprove(address(bscUsd), customer, address(router), 10e18);
        _approve(address(bscUsd), customer, address(router), 10e18 - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(router), 10e18 - 1, 10e18
            )
        );
        _customerPays(address(bscUsd), 10e18, merchant);
    }

    /* PAY WITH PERMIT */

    /// @notice A payment authorised by an EIP-2612 signature alone: no prior approval, nothing left approved.
    /// @param privateKey The fuzzed signer key (bounded to a valid secp256k1 key).
    /// @param amount The fuzzed amount (bounded to `[1, MAX_AMOUNT]`).
    /// @param validFor The fuzzed time until the deadline (bounded to a year; zero means "this very block").
    function testFuzz_payWithPermit_movesExactAmount(uint256 privateKey, uint256 amount, uint256 validFor) public {
        privateKey = bound(privateKey, 1, SECP256K1_ORDER - 1);
        amount = bound(amount, 1, MAX_AMOUNT);
        uint256 deadline = block.timestamp + bound(validFor, 0, 365 days);
        address signer = vm.addr(privateKey);
        _assumeUsableAccount(signer);
        vm.assume(signer != merchant);
        _fund(address(permitUsd), signer, amount);
        uint256 nonce = permitUsd.nonces(signer);

        _assertPaysNet(_payWithPermit(privateKey, merchant, amount, ORDER_REF, deadline), amount);
        assertEq(permitUsd.balanceOf(signer), 0, "signer debited");
        assertEq(permitUsd.nonces(signer), nonce + 1, "permit nonce not used");
        assertEq(permitUsd.allowance(signer, address(router)), 0, "allowance left over");
    }

    /// @notice A deadline equal to the block's timestamp is still valid.
    function test_payWithPermit_acceptsDeadlineEqualToTimestamp() public {
        _fund(address(permitUsd), customer, 3e6);
        _assertPaysNet(_payWithPermit(customerKey, merchant, 3e6, ORDER_REF, block.timestamp), 3e6);
    }

    /// @notice A permit that someone else submitted first still pays: the allowance it granted counts.
    function test_payWithPermit_acceptsFrontRunPermit() public {
        uint256 deadline = block.timestamp + VALID_FOR;
        _fund(address(permitUsd), customer, 5e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(customerKey, customer, address(router), 5e6, deadline);
        permitUsd.permit(customer, address(router), 5e6, deadline, v, r, s); // the front-runner

        uint256 received = _customerPaysWithPermit(address(permitUsd), 5e6, merchant, deadline, v, r, s);

        assertEq(received, 5e6, "return value");
        assertEq(permitUsd.balanceOf(merchant), 5e6, "merchant growth");
    }

    /// @notice A token without `permit` (TetherUSD) pays through `payWithPermit` on a prior approval.
    function test_payWithPermit_paysTokenWithoutPermitFromAllowance() public {
        _fundAndApprove(address(tether), customer, address(router), 15e6);
        uint256 deadline = block.timestamp + VALID_FOR;
        uint256 merchantBefore = tether.balanceOf(merchant);
        vm.recordLogs();
        uint256 received = _customerPaysWithPermit(address(tether), 15e6, merchant, deadline, 27, bytes32(0), bytes32(0));

        assertEq(received, 15e6, "return value");
        assertEq(tether.balanceOf(merchant) - merchantBefore, 15e6, "merchant growth");
        assertEq(_paymentReceivedAmount(vm.getRecordedLogs(), ORDER_REF, merchant, customer, address(tether)), 15e6, "event amount");
        assertEq(tether.balanceOf(address(router)), 0, "router kept tokens");
    }

    /// @notice A permit past its deadline is refused before the token is asked.
    function test_payWithPermit_revertsWhenExpired() public {
        vm.warp(1_700_000_000);
        uint256 deadline = block.timestamp - 1;
        _fund(address(permitUsd), customer, 1e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(customerKey, customer, address(router), 1e6, deadline);

        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.PermitExpired.selector, deadline, block.timestamp));
        _customerPaysWithPermit(address(permitUsd), 1e6, merchant, deadline, v, r, s);
    }

    /// @notice A token address without code is refused by name before the permit is tried.
    function test_payWithPermit_revertsWhenTokenIsEoa() public {
        address eoa = makeAddr("not a token");
        uint256 deadline = block.timestamp + VALID_FOR;
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.InvalidToken.selector, eoa));
        _customerPaysWithPermit(eoa, 1e6, merchant, deadline, 27, bytes32(0), bytes32(0));
    }

    /// @notice A permit signed by someone other than the caller, with no allowance to fall back on, is refused.
    function test_payWithPermit_revertsWhenSignatureIsInvalid() public {
        (, uint256 otherKey) = makeAddrAndKey("impostor");
        uint256 deadline = block.timestamp + VALID_FOR;
        _fund(address(permitUsd), customer, 1e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(otherKey, customer, address(router), 1e6, deadline);
        assertTrue(otherKey != customerKey, "keys must differ");

        _expectPermitFailed(1e6);
        _customerPaysWithPermit(address(permitUsd), 1e6, merchant, deadline, v, r, s);
        assertEq(permitUsd.allowance(customer, address(router)), 0, "no allowance granted");
    }

    /// @notice A permit for less than the amount, with no allowance to fall back on, is refused.
    function test_payWithPermit_revertsWhenPermitIsForLess() public {
        uint256 deadline = block.timestamp + VALID_FOR;
        _fund(address(permitUsd), customer, 2e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(customerKey, customer, address(router), 1e6, deadline);

        _expectPermitFailed(2e6);
        _customerPaysWithPermit(address(permitUsd), 2e6, merchant, deadline, v, r, s);
    }

    /// @notice A front-run permit whose allowance the payer lowered before paying is refused.
    function test_payWithPermit_revertsWhenFrontRunAllowanceIsLowered() public {
        uint256 deadline = block.timestamp + VALID_FOR;
        _fund(address(permitUsd), customer, 20e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(customerKey, customer, address(router), 20e6, deadline);
        vm.prank(stranger);
        permitUsd.permit(customer, address(router), 20e6, deadline, v, r, s);
        _approve(address(permitUsd), customer, address(router), 20e6 - 1);

        _expectPermitFailed(20e6);
        _customerPaysWithPermit(address(permitUsd), 20e6, merchant, deadline, v, r, s);
    }

    /// @notice After a valid permit, `pay`'s checks still apply: a zero amount is refused, and the permit is
    /// rolled back with the call.
    function test_payWithPermit_revertsWhenAmountIsZero() public {
        uint256 deadline = block.timestamp + VALID_FOR;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(customerKey, customer, address(router), 0, deadline);
        vm.expectRevert(IPaymentRouter.ZeroAmount.selector);
        _customerPaysWithPermit(address(permitUsd), 0, merchant, deadline, v, r, s);
        assertEq(permitUsd.nonces(customer), 0, "permit rolled back");
    }

    /// @notice After a valid permit, `pay`'s checks still apply: the zero merchant is refused, and the permit is
    /// rolled back with the call.
    function test_payWithPermit_revertsWhenMerchantIsZero() public {
        uint256 deadline = block.timestamp + VALID_FOR;
        _fund(address(permitUsd), customer, 1e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(customerKey, customer, address(router), 1e6, deadline);
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.InvalidMerchant.selector, address(0)));
        _customerPaysWithPermit(address(permitUsd), 1e6, address(0), deadline, v, r, s);
        assertEq(permitUsd.nonces(customer), 0, "permit rolled back");
    }

    /// @notice A re-entrant token cannot make `payWithPermit` move twice either (it has no permit: the router falls
    /// back to the allowance, and re-entry happens in `transferFrom`).
    function test_payWithPermit_revertsOnReentry() public {
        ReentrantToken hostile = _armedReentrantToken(10_000);
        uint256 deadline = block.timestamp + VALID_FOR;
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        _customerPaysWithPermit(address(hostile), 1_000, merchant, deadline, 27, bytes32(0), bytes32(0));
        assertEq(hostile.balanceOf(customer), 10_000, "payer balance unchanged");
        assertEq(hostile.balanceOf(merchant), 0, "merchant balance unchanged");
    }

    /* HELPERS */

    /// @notice Funds and approves `payer`, pays `payee` and checks balances, allowance, return value and event.
    /// @param token The token to pay with (no fee is on).
    /// @param amount The amount to pay.
    /// @param payer The payer.
    /// @param payee The merchant.
    function _checkPayMovesExactAmount(address token, uint256 amount, address payer, address payee) private {
        _fundAndApprove(token, payer, address(router), amount);
        uint256 payerBefore = IERC20(token).balanceOf(payer);

        _assertPaysNet(_pay(token, payer, payee, amount, ORDER_REF), amount);
        assertEq(payerBefore - IERC20(token).balanceOf(payer), amount, "payer debit");
        assertEq(IERC20(token).allowance(payer, address(router)), 0, "allowance left over");
    }

    /// @notice Checks that a payment's return value, event and merchant growth are all `net`, and that the router
    /// kept none of any token.
    /// @param payment The measured payment.
    /// @param net The amount the merchant should have received.
    function _assertPaysNet(Payment memory payment, uint256 net) private view {
        assertEq(payment.received, net, "return value != net");
        assertEq(payment.emitted, net, "event amount != net");
        assertEq(payment.growth, net, "merchant growth != net");
        address[] memory tokens = _tokens();
        for (uint256 t; t < tokens.length; ++t) {
            assertEq(IERC20(tokens[t]).balanceOf(address(router)), 0, "router kept tokens");
        }
    }

    /// @notice The customer calls `pay` for `ORDER_REF`.
    /// @param token The token.
    /// @param amount The amount.
    /// @param payee The merchant.
    /// @return received What the router returned.
    function _customerPays(address token, uint256 amount, address payee) private returns (uint256 received) {
        vm.prank(customer);
        return router.pay(token, amount, payee, ORDER_REF);
    }

    /// @notice The customer calls `payWithPermit` for `ORDER_REF`.
    /// @param token The token.
    /// @param amount The amount.
    /// @param payee The merchant.
    /// @param deadline The permit's deadline.
    /// @param v The permit signature's recovery byte.
    /// @param r The permit signature's r.
    /// @param s The permit signature's s.
    /// @return received What the router returned.
    function _customerPaysWithPermit(
        address token,
        uint256 amount,
        address payee,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private returns (uint256 received) {
        vm.prank(customer);
        return router.payWithPermit(token, amount, payee, ORDER_REF, deadline, v, r, s);
    }

    /// @notice Expects the next call to revert with `PermitFailed(permitUsd, customer, amount)`.
    /// @param amount The amount the permit was for.
    function _expectPermitFailed(uint256 amount) private {
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentRouter.PermitFailed.selector, address(permitUsd), customer, amount)
        );
    }

    /// @notice A `ReentrantToken` holding `amount` for the customer, approved to the router and armed against it.
    /// @param amount The customer's balance and allowance.
    /// @return hostile The token.
    function _armedReentrantToken(uint256 amount) private returns (ReentrantToken hostile) {
        hostile = new ReentrantToken();
        hostile.mint(customer, amount);
        vm.prank(customer);
        assertTrue(hostile.approve(address(router), amount), "approve failed");
        hostile.arm(router);
    }
}
