// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRefundRouter} from "../../contracts/interfaces/IRefundRouter.sol";
import {RefundRouter} from "../../contracts/RefundRouter.sol";
import {BinancePegUSD} from "../../contracts/mocks/BinancePegUSD.sol";
import {PermitUSD} from "../../contracts/mocks/PermitUSD.sol";
import {TetherUSD} from "../../contracts/mocks/TetherUSD.sol";
import {IVm} from "./utils/Vm.sol";
import {Test} from "./utils/Test.sol";

/// @title RefundRouterTest
/// @author Stablegate
/// @notice Unit and fuzz tests of `RefundRouter`: the merchant's refund reaches the customer with both references
/// on-chain and the customer's real balance growth, with Tether's no-return-value token (fee and blacklist included)
/// and an 18-decimal token returning `bool`.
contract RefundRouterTest is Test {
    /// @notice EIP-2612's `Permit` struct type hash:
    /// `keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")`.
    bytes32 private constant PERMIT_TYPEHASH = 0x6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9;

    /// @notice The refund's reference.
    bytes32 private constant REFUND_REF = keccak256("refund-7");

    /// @notice The refunded order's reference.
    bytes32 private constant ORDER_REF = keccak256("order-42");

    /// @notice Each token's supply minted to this contract at deployment.
    uint256 private constant INITIAL_SUPPLY = 1_000_000_000e6;

    /// @notice The router under test.
    RefundRouter private router;

    /// @notice Ethereum-style USDT.
    TetherUSD private tether;

    /// @notice BSC-style USDT.
    BinancePegUSD private bscUsd;

    /// @notice USDC-like token with EIP-2612 `permit`.
    PermitUSD private permitUsd;

    /// @notice The merchant sending the refund.
    address private merchant;

    /// @notice The merchant's private key, for permits.
    uint256 private merchantKey;

    /// @notice The customer receiving it.
    address private customer;

    /// @notice Deploys the router and the tokens, funds the merchant and approves the router for it.
    function setUp() public {
        router = new RefundRouter();
        tether = new TetherUSD(INITIAL_SUPPLY, "Tether USD", "USDT", 6);
        bscUsd = new BinancePegUSD(0);
        permitUsd = new PermitUSD(INITIAL_SUPPLY);
        (merchant, merchantKey) = makeAddrAndKey("merchant");
        customer = makeAddr("customer");
        assertTrue(permitUsd.transfer(merchant, 1_000e6), "transfer");
        tether.transfer(merchant, 1_000e6);
        bscUsd.mint(merchant, 1_000e18);
        vm.startPrank(merchant);
        tether.approve(address(router), type(uint256).max);
        assertTrue(bscUsd.approve(address(router), type(uint256).max), "approve");
        vm.stopPrank();
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
        vm.expectRevert(abi.encodeWithSignature("Error(string)", "blacklisted"));
        router.refund(address(tether), customer, 1e6, REFUND_REF, ORDER_REF);
        assertEq(tether.balanceOf(merchant), 1_000e6, "merchant balance unchanged");
    }

    /// @notice Only the caller's own tokens move: a stranger cannot spend the merchant's allowance.
    function test_refund_pullsFromCallerOnly() public {
        address stranger = makeAddr("stranger");
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
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(router)) continue;
            assertEq(logs[i].topics[1], refundRef, "refundRef topic");
            assertEq(logs[i].topics[2], ORDER_REF, "orderRef topic");
            assertEq(logs[i].topics[3], bytes32(uint256(uint160(merchant))), "from topic");
        }
    }

    /// @notice With a permit signed by the merchant, no prior approval is needed: one transaction.
    function test_refundWithPermit_sendsWithoutPriorApproval() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(merchantKey, 25e6, deadline);
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
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(merchantKey, 25e6, deadline);
        permitUsd.permit(merchant, address(router), 25e6, deadline, v, r, s);
        vm.prank(merchant);
        router.refundWithPermit(address(permitUsd), customer, 25e6, REFUND_REF, ORDER_REF, deadline, v, r, s);
        assertEq(permitUsd.balanceOf(customer), 25e6, "customer balance");
    }

    /// @notice An expired permit is refused by name.
    function test_refundWithPermit_revertsWhenExpired() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(merchantKey, 25e6, deadline);
        vm.warp(deadline + 1);
        vm.prank(merchant);
        vm.expectRevert(abi.encodeWithSelector(IRefundRouter.PermitExpired.selector, deadline, deadline + 1));
        router.refundWithPermit(address(permitUsd), customer, 25e6, REFUND_REF, ORDER_REF, deadline, v, r, s);
    }

    /// @notice A permit signed by another key fails, and without an allowance the refund reverts by name.
    function test_refundWithPermit_revertsOnWrongSigner() public {
        (, uint256 otherKey) = makeAddrAndKey("someone else");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(otherKey, 25e6, deadline);
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
    function _signPermit(uint256 key, uint256 amount, uint256 deadline)
        private
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, merchant, address(router), amount, permitUsd.nonces(merchant), deadline)
        );
        return vm.sign(key, keccak256(abi.encodePacked("\x19\x01", permitUsd.DOMAIN_SEPARATOR(), structHash)));
    }

    /// @notice The amount of the one `RefundSent` among `logs`.
    /// @param logs The captured logs.
    /// @return amount The event's amount.
    function _refundedAmount(IVm.Log[] memory logs) private view returns (uint256 amount) {
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(router)) continue;
            assertEq(logs[i].topics[0], IRefundRouter.RefundSent.selector, "unexpected event");
            (,, amount) = abi.decode(logs[i].data, (address, address, uint256));
            ++found;
        }
        assertEq(found, 1, "RefundSent count");
    }
}
