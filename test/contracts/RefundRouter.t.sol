// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRefundRouter} from "../../contracts/interfaces/IRefundRouter.sol";
import {RefundRouter} from "../../contracts/RefundRouter.sol";
import {IVm} from "./utils/Vm.sol";
import {BaseTest} from "./utils/BaseTest.sol";

/// @title RefundRouterTest
/// @author Stablegate
/// @notice Unit and fuzz tests of `RefundRouter`: the merchant's refund reaches the customer with both references
/// on-chain and the customer's real balance growth, with Tether's no-return-value token (fee and blacklist included)
/// and an 18-decimal token returning `bool`.
contract RefundRouterTest is BaseTest {
    /// @notice The refund's reference.
    bytes32 private constant REFUND_REF = keccak256("refund-7");

    /// @notice The router under test.
    RefundRouter private router;

    /// @notice Deploys the router and the tokens, funds the merchant and approves the router for it.
    function setUp() public override {
        super.setUp();
        router = new RefundRouter();
        _fund(address(permitUsd), merchant, 1_000e6);
        _fund(address(tether), merchant, 1_000e6);
        _fund(address(bscUsd), merchant, 1_000e18);
        _approve(address(tether), merchant, address(router), type(uint256).max);
        _approve(address(bscUsd), merchant, address(router), type(uint256).max);
    }

    /// @notice A refund moves the amount from the caller to the customer and says so with both references.
    function test_refund_sendsAmountWithReferences() public {
        vm.expectEmit(true, true, true, true, address(router));
        emit IRefundRouter.RefundSent(REFUND_REF, ORDER_REF, merchant, customer, address(tether), 40e6);
        vm.prank(merchant);
        assertEq(router.refund(address(tether), customer, 40e6, REFUND_REF, ORDER_REF), 40e6, "received");
        assertEq(tether.balanceOf(customer), 40e6, "customer balance");
        assertEq(tether.balanceOf(merchant), 960e6, "merchant balance");
        assertEq(tether.balanceOf(address(router)), 0, "router holds nothing");
    }

    /// @notice With Tether's fee on, the event reports what the customer really got.
    function test_refund_reportsBalanceDeltaWithFee() public {
        tether.setParams(10, 5);
        vm.recordLogs();
        vm.prank(merchant);
        uint256 received = router.refund(address(tether), customer, 100e6, REFUND_REF, ORDER_REF);
        assertEq(received, 99_900_000, "less the 0.1 % fee");
        assertEq(_refundedAmount(vm.getRecordedLogs()), received, "event amount");
    }

    /// @notice A token returning `bool` works the same.
    function test_refund_worksWithTokenReturningBool() public {
        vm.prank(merchant);
        assertEq(router.refund(address(bscUsd), customer, 2e18, REFUND_REF, ORDER_REF), 2e18, "received");
        assertEq(bscUsd.balanceOf(customer), 2e18, "customer balance");
    }

    /// @notice A zero amount is refused.
    function test_refund_revertsOnZeroAmount() public {
        vm.prank(merchant);
        vm.expectRevert(IRefundRouter.ZeroAmount.selector);
        router.refund(address(tether), customer, 0, REFUND_REF, ORDER_REF);
    }

    /// @notice The zero address and the router itself are refused as recipients, by name.
    function test_refund_revertsOnInvalidRecipient() public {
        vm.prank(merchant);
        vm.expectRevert(abi.encodeWithSelector(IRefundRouter.InvalidRecipient.selector, address(0)));
        router.refund(address(tether), address(0), 1e6, REFUND_REF, ORDER_REF);
        vm.prank(merchant);
        vm.expectRevert(abi.encodeWithSelector(IRefundRouter.InvalidRecipient.selector, address(router)));
        router.refund(address(tether), address(router), 1e6, REFUND_REF, ORDER_REF);
    }

    /// @notice A token address without code is refused by name.
    function test_refund_revertsOnTokenWithoutCode() public {
        vm.prank(merchant);
        vm.expectRevert(abi.encodeWithSelector(IRefundRouter.InvalidToken.selector, customer));
        router.refund(customer, customer, 1e6, REFUND_REF, ORDER_REF);
    }

    /// @notice A blacklisted customer: the refund reverts and nothing moves.
    function test_refund_revertsWhenRecipientBlacklisted() public {
        tether.addBlackList(customer);
        vm.prank(merchant);
        vm.expectRevert(BLACKLISTED);
        router.refund(address(tether), customer, 1e6, REFUND_REF, ORDER_REF);
        assertEq(tether.balanceOf(merchant), 1_000e6, "merchant balance unchanged");
    }

    /// @notice Only the caller's own tokens move: a stranger cannot spend the merchant's allowance.
    function test_refund_pullsFromCallerOnly() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSignature("Error(string)", "allowance"));
        router.refund(address(tether), stranger, 1e6, REFUND_REF, ORDER_REF);
        assertEq(tether.balanceOf(merchant), 1_000e6, "merchant balance unchanged");
    }

    /// @notice Any amount up to the merchant's balance reaches any customer in full, with the references.
    /// @param amount The fuzzed amount.
    /// @param to The fuzzed customer.
    /// @param refundRef The fuzzed refund reference.
    function testFuzz_refund_movesExactAmount(uint256 amount, address to, bytes32 refundRef) public {
        vm.assume(to != address(0) && to != address(router) && to != merchant);
        amount = bound(amount, 1, 1_000e6);
        uint256 before = tether.balanceOf(to);
        vm.recordLogs();
        vm.prank(merchant);
        assertEq(router.refund(address(tether), to, amount, refundRef, ORDER_REF), amount, "received");
        IVm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(tether.balanceOf(to) - before, amount, "customer growth");
        assertEq(_refundedAmount(logs), amount, "event amount");
        IVm.Log memory log = _soleEvent(logs, address(router), IRefundRouter.RefundSent.selector, "RefundSent");
        assertEq(log.topics[1], refundRef, "refundRef topic");
        assertEq(log.topics[2], ORDER_REF, "orderRef topic");
        assertEq(log.topics[3], _topic(merchant), "from topic");
    }

    /// @notice With a permit signed by the merchant, no prior approval is needed: one transaction.
    function test_refundWithPermit_sendsWithoutPriorApproval() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signMerchantPermit(merchantKey, 25e6, deadline);
        vm.prank(merchant);
        uint256 received =
            router.refundWithPermit(address(permitUsd), customer, 25e6, REFUND_REF, ORDER_REF, deadline, v, r, s);
        assertEq(received, 25e6, "received");
        assertEq(permitUsd.balanceOf(customer), 25e6, "customer balance");
        assertEq(permitUsd.allowance(merchant, address(router)), 0, "permit used up");
    }

    /// @notice A permit submitted by someone else first still lets the refund through on its allowance.
    function test_refundWithPermit_acceptsFrontRunPermit() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signMerchantPermit(merchantKey, 25e6, deadline);
        permitUsd.permit(merchant, address(router), 25e6, deadline, v, r, s);
        vm.prank(merchant);
        router.refundWithPermit(address(permitUsd), customer, 25e6, REFUND_REF, ORDER_REF, deadline, v, r, s);
        assertEq(permitUsd.balanceOf(customer), 25e6, "customer balance");
    }

    /// @notice An expired permit is refused by name.
    function test_refundWithPermit_revertsWhenExpired() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signMerchantPermit(merchantKey, 25e6, deadline);
        vm.warp(deadline + 1);
        vm.prank(merchant);
        vm.expectRevert(abi.encodeWithSelector(IRefundRouter.PermitExpired.selector, deadline, deadline + 1));
        router.refundWithPermit(address(permitUsd), customer, 25e6, REFUND_REF, ORDER_REF, deadline, v, r, s);
    }

    /// @notice A token address without code is refused by name before the permit is tried.
    function test_refundWithPermit_revertsOnTokenWithoutCode() public {
        uint256 deadline = block.timestamp + 1 hours;
        vm.prank(merchant);
        vm.expectRevert(abi.encodeWithSelector(IRefundRouter.InvalidToken.selector, customer));
        router.refundWithPermit(customer, customer, 25e6, REFUND_REF, ORDER_REF, deadline, 27, bytes32(0), bytes32(0));
    }

    /// @notice A permit signed by another key fails, and without an allowance the refund reverts by name.
    function test_refundWithPermit_revertsOnWrongSigner() public {
        (, uint256 otherKey) = makeAddrAndKey("someone else");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signMerchantPermit(otherKey, 25e6, deadline);
        vm.prank(merchant);
        vm.expectRevert(
            abi.encodeWithSelector(IRefundRouter.PermitFailed.selector, address(permitUsd), merchant, 25e6)
        );
        router.refundWithPermit(address(permitUsd), customer, 25e6, REFUND_REF, ORDER_REF, deadline, v, r, s);
    }

    /// @notice Signs a PermitUSD permit for the router over the merchant's tokens.
    /// @param key The signing key.
    /// @param amount The permitted amount.
    /// @param deadline The permit's deadline.
    /// @return v The recovery byte.
    /// @return r The signature's r.
    /// @return s The signature's s.
    function _signMerchantPermit(uint256 key, uint256 amount, uint256 deadline)
        private
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        return _signPermit(key, merchant, address(router), amount, deadline);
    }

    /// @notice The amount of the one `RefundSent` among `logs` (the router's only event).
    /// @param logs The captured logs.
    /// @return amount The event's amount.
    function _refundedAmount(IVm.Log[] memory logs) private view returns (uint256 amount) {
        IVm.Log memory log = _soleEvent(logs, address(router), IRefundRouter.RefundSent.selector, "RefundSent");
        (,, amount) = abi.decode(log.data, (address, address, uint256));
    }
}
