// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPaymentRouter} from "../../contracts/interfaces/IPaymentRouter.sol";
import {PaymentRouter} from "../../contracts/PaymentRouter.sol";
import {BinancePegUSD} from "../../contracts/mocks/BinancePegUSD.sol";
import {PermitUSD} from "../../contracts/mocks/PermitUSD.sol";
import {ReentrantToken} from "../../contracts/mocks/ReentrantToken.sol";
import {TetherUSD} from "../../contracts/mocks/TetherUSD.sol";
import {IVm, VM_ADDRESS} from "./utils/Vm.sol";
import {Test} from "./utils/Test.sol";

/// @title PaymentRouterTest
/// @author Stablegate
/// @notice Unit and fuzz tests of `PaymentRouter` with the three USDT flavours the gateway meets: Ethereum's
/// TetherUSD (6 decimals, no return values, optional transfer fee), a USDC-like EIP-2612 token and BSC's
/// 18-decimal BEP-20.
contract PaymentRouterTest is Test {
    /// @notice EIP-2612's `Permit` struct type hash:
    /// `keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")`.
    bytes32 private constant PERMIT_TYPEHASH = 0x6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9;

    /// @notice The order reference used where its value does not matter.
    bytes32 private constant ORDER_REF = keccak256("order-42");

    /// @notice The largest fuzzed payment: big enough for any real payment, small enough that minting never
    /// overflows a total supply and TetherUSD's `value * basisPointsRate` never overflows.
    uint256 private constant MAX_AMOUNT = type(uint128).max;

    /// @notice The largest payment in the fee test (a billion USDT), so both sides of the fee cap get hit.
    uint256 private constant MAX_FEE_TEST_AMOUNT = 1_000_000_000e6;

    /// @notice Each token's supply minted to this contract (the tokens' owner) at deployment.
    uint256 private constant INITIAL_SUPPLY = 1_000_000e6;

    /// @notice The router under test.
    PaymentRouter private router;

    /// @notice Ethereum-style USDT: 6 decimals, no return values, approve-through-zero, optional fee.
    TetherUSD private tether;

    /// @notice USDC-like token: 6 decimals and EIP-2612 `permit`.
    PermitUSD private permitUsd;

    /// @notice BSC-style USDT: 18 decimals, returns `bool`.
    BinancePegUSD private bscUsd;

    /// @notice A customer.
    address private payer;

    /// @notice A shop.
    address private merchant;

    /// @notice Deploys the router and the tokens (this contract owns the tokens) and names two accounts.
    function setUp() public {
        router = new PaymentRouter();
        tether = new TetherUSD(INITIAL_SUPPLY, "Tether USD", "USDT", 6);
        permitUsd = new PermitUSD(INITIAL_SUPPLY);
        bscUsd = new BinancePegUSD(INITIAL_SUPPLY);
        payer = makeAddr("payer");
        merchant = makeAddr("merchant");
    }

    /* PAY */

    /// @notice Any amount goes from any payer to any merchant in full, for each token, and is reported as such.
    /// @param amount The fuzzed amount (bounded to `[1, MAX_AMOUNT]`).
    /// @param payerAccount The fuzzed payer.
    /// @param merchantAccount The fuzzed merchant.
    function testFuzz_pay_movesExactAmount(uint256 amount, address payerAccount, address merchantAccount) public {
        _assumeUsableAccount(payerAccount);
        _assumeUsableAccount(merchantAccount);
        vm.assume(payerAccount != merchantAccount);
        amount = bound(amount, 1, MAX_AMOUNT);

        _checkPayMovesExactAmount(address(tether), amount, payerAccount, merchantAccount);
        _checkPayMovesExactAmount(address(permitUsd), amount, payerAccount, merchantAccount);
        _checkPayMovesExactAmount(address(bscUsd), amount, payerAccount, merchantAccount);
    }

    /// @notice With TetherUSD's fee switched on, the event and the return value report what the merchant really
    /// got: the amount less `min(amount * basisPoints / 10_000, maxFee * 10 ** 6)`.
    /// @param basisPoints The fuzzed fee rate (bounded to Tether's limit, under 20).
    /// @param maxFee The fuzzed fee cap in whole tokens (bounded to Tether's limit, under 50).
    /// @param amount The fuzzed amount (bounded to `[1, MAX_FEE_TEST_AMOUNT]`).
    function testFuzz_pay_feeSwitchReportsNet(uint256 basisPoints, uint256 maxFee, uint256 amount) public {
        basisPoints = bound(basisPoints, 0, 19);
        maxFee = bound(maxFee, 0, 49);
        amount = bound(amount, 1, MAX_FEE_TEST_AMOUNT);
        _fund(address(tether), payer, amount); // before the fee is on, so the payer gets all of it
        _approve(address(tether), payer, amount);
        tether.setParams(basisPoints, maxFee);

        uint256 fee = (amount * basisPoints) / 10_000;
        if (fee > maxFee * 10 ** 6) fee = maxFee * 10 ** 6;
        uint256 expected = amount - fee;
        uint256 merchantBefore = tether.balanceOf(merchant);
        uint256 ownerBefore = tether.balanceOf(address(this));

        vm.recordLogs();
        vm.prank(payer);
        uint256 received = router.pay(address(tether), amount, merchant, ORDER_REF);
        uint256 emitted = _emittedAmount(vm.getRecordedLogs(), ORDER_REF, merchant, payer, address(tether));

        assertEq(received, expected, "return value != net");
        assertEq(emitted, expected, "event amount != net");
        assertEq(tether.balanceOf(merchant) - merchantBefore, expected, "merchant growth != net");
        assertEq(tether.balanceOf(address(this)) - ownerBefore, fee, "fee not paid to Tether's owner");
        assertEq(tether.balanceOf(payer), 0, "payer not debited in full");
        assertEq(tether.balanceOf(address(router)), 0, "router kept tokens");
    }

    /// @notice A zero amount is refused.
    function test_pay_revertsWhenAmountIsZero() public {
        _approve(address(bscUsd), payer, 1);
        vm.expectRevert(IPaymentRouter.ZeroAmount.selector);
        vm.prank(payer);
        router.pay(address(bscUsd), 0, merchant, ORDER_REF);
    }

    /// @notice The zero address is refused as merchant.
    function test_pay_revertsWhenMerchantIsZero() public {
        _fund(address(bscUsd), payer, 1e18);
        _approve(address(bscUsd), payer, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.InvalidMerchant.selector, address(0)));
        vm.prank(payer);
        router.pay(address(bscUsd), 1e18, address(0), ORDER_REF);
    }

    /// @notice The router itself is refused as merchant (it must never hold tokens).
    function test_pay_revertsWhenMerchantIsRouter() public {
        _fund(address(tether), payer, 1e6);
        _approve(address(tether), payer, 1e6);
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.InvalidMerchant.selector, address(router)));
        vm.prank(payer);
        router.pay(address(tether), 1e6, address(router), ORDER_REF);
    }

    /// @notice A token address without code is refused by name (SafeERC20 alone would let the "transfer" pass).
    function test_pay_revertsWhenTokenIsEoa() public {
        address eoa = makeAddr("not a token");
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.InvalidToken.selector, eoa));
        vm.prank(payer);
        router.pay(eoa, 1e6, merchant, ORDER_REF);
    }

    /// @notice Paying oneself moves nothing, so it is refused as `NothingReceived`.
    function test_pay_revertsWhenPayerIsMerchant() public {
        _fund(address(permitUsd), payer, 1e6);
        _approve(address(permitUsd), payer, 1e6);
        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.NothingReceived.selector, address(permitUsd), payer));
        vm.prank(payer);
        router.pay(address(permitUsd), 1e6, payer, ORDER_REF);
    }

    /// @notice A token that calls back into the router from `transferFrom` is stopped by the reentrancy guard.
    function test_pay_revertsOnReentry() public {
        ReentrantToken hostile = new ReentrantToken();
        hostile.mint(payer, 2e18);
        vm.prank(payer);
        hostile.approve(address(router), 2e18);
        hostile.arm(router);

        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        vm.prank(payer);
        router.pay(address(hostile), 1e18, merchant, ORDER_REF);
    }

    /// @notice TetherUSD's revert reason (here: a frozen merchant) reaches the caller unchanged.
    function test_pay_bubblesTokenRevertReason() public {
        _fund(address(tether), payer, 1e6);
        _approve(address(tether), payer, 1e6);
        tether.addBlackList(merchant);
        vm.expectRevert(bytes("blacklisted"));
        vm.prank(payer);
        router.pay(address(tether), 1e6, merchant, ORDER_REF);
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
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(privateKey, signer, amount, nonce, deadline);
        uint256 merchantBefore = permitUsd.balanceOf(merchant);

        vm.expectEmit(true, true, true, true, address(router));
        emit IPaymentRouter.PaymentReceived(ORDER_REF, merchant, signer, address(permitUsd), amount);
        vm.prank(signer);
        uint256 received =
            router.payWithPermit(address(permitUsd), amount, merchant, ORDER_REF, deadline, v, r, s);

        assertEq(received, amount, "return value");
        assertEq(permitUsd.balanceOf(merchant) - merchantBefore, amount, "merchant growth");
        assertEq(permitUsd.balanceOf(signer), 0, "signer debited");
        assertEq(permitUsd.nonces(signer), nonce + 1, "permit nonce not used");
        assertEq(permitUsd.allowance(signer, address(router)), 0, "allowance left over");
        assertEq(permitUsd.balanceOf(address(router)), 0, "router kept tokens");
    }

    /// @notice A permit that someone else submitted first still pays: the allowance it granted counts.
    function test_payWithPermit_acceptsFrontRunPermit() public {
        (address signer, uint256 privateKey) = makeAddrAndKey("signer");
        uint256 deadline = block.timestamp + 1 hours;
        _fund(address(permitUsd), signer, 5e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(privateKey, signer, 5e6, 0, deadline);
        permitUsd.permit(signer, address(router), 5e6, deadline, v, r, s); // the front-runner

        vm.prank(signer);
        uint256 received = router.payWithPermit(address(permitUsd), 5e6, merchant, ORDER_REF, deadline, v, r, s);

        assertEq(received, 5e6, "return value");
        assertEq(permitUsd.balanceOf(merchant), 5e6, "merchant growth");
    }

    /// @notice A permit past its deadline is refused before the token is asked.
    function test_payWithPermit_revertsWhenExpired() public {
        (address signer, uint256 privateKey) = makeAddrAndKey("signer");
        vm.warp(1_700_000_000);
        uint256 deadline = block.timestamp - 1;
        _fund(address(permitUsd), signer, 1e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(privateKey, signer, 1e6, 0, deadline);

        vm.expectRevert(abi.encodeWithSelector(IPaymentRouter.PermitExpired.selector, deadline, block.timestamp));
        vm.prank(signer);
        router.payWithPermit(address(permitUsd), 1e6, merchant, ORDER_REF, deadline, v, r, s);
    }

    /// @notice A permit signed by someone other than the caller, with no allowance to fall back on, is refused.
    function test_payWithPermit_revertsWhenSignatureIsInvalid() public {
        (address signer, uint256 privateKey) = makeAddrAndKey("signer");
        (, uint256 otherKey) = makeAddrAndKey("impostor");
        uint256 deadline = block.timestamp + 1 hours;
        _fund(address(permitUsd), signer, 1e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(otherKey, signer, 1e6, 0, deadline);
        assertTrue(otherKey != privateKey, "keys must differ");

        vm.expectRevert(
            abi.encodeWithSelector(IPaymentRouter.PermitFailed.selector, address(permitUsd), signer, 1e6)
        );
        vm.prank(signer);
        router.payWithPermit(address(permitUsd), 1e6, merchant, ORDER_REF, deadline, v, r, s);
    }

    /// @notice A permit for less than the amount, with no allowance to fall back on, is refused.
    function test_payWithPermit_revertsWhenPermitIsForLess() public {
        (address signer, uint256 privateKey) = makeAddrAndKey("signer");
        uint256 deadline = block.timestamp + 1 hours;
        _fund(address(permitUsd), signer, 2e6);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(privateKey, signer, 1e6, 0, deadline);

        vm.expectRevert(
            abi.encodeWithSelector(IPaymentRouter.PermitFailed.selector, address(permitUsd), signer, 2e6)
        );
        vm.prank(signer);
        router.payWithPermit(address(permitUsd), 2e6, merchant, ORDER_REF, deadline, v, r, s);
    }

    /* HELPERS */

    /// @notice Funds and approves `from`, pays `to` and checks balances, allowance, return value and event.
    /// @param token The token to pay with (no fee is on).
    /// @param amount The amount to pay.
    /// @param from The payer.
    /// @param to The merchant.
    function _checkPayMovesExactAmount(address token, uint256 amount, address from, address to) private {
        _fund(token, from, amount);
        _approve(token, from, amount);
        uint256 fromBefore = IERC20(token).balanceOf(from);
        uint256 toBefore = IERC20(token).balanceOf(to);

        vm.expectEmit(true, true, true, true, address(router));
        emit IPaymentRouter.PaymentReceived(ORDER_REF, to, from, token, amount);
        vm.prank(from);
        uint256 received = router.pay(token, amount, to, ORDER_REF);

        assertEq(received, amount, "return value");
        assertEq(IERC20(token).balanceOf(to) - toBefore, amount, "merchant growth");
        assertEq(fromBefore - IERC20(token).balanceOf(from), amount, "payer debit");
        assertEq(IERC20(token).balanceOf(address(router)), 0, "router kept tokens");
        assertEq(IERC20(token).allowance(from, address(router)), 0, "allowance left over");
    }

    /// @notice Mints `amount` of `token` to `to` (TetherUSD: issues it to this contract, its owner, and sends it on).
    /// @param token One of the three test tokens.
    /// @param to The recipient.
    /// @param amount The amount.
    function _fund(address token, address to, uint256 amount) private {
        if (token == address(tether)) {
            tether.issue(amount);
            tether.transfer(to, amount);
        } else if (token == address(permitUsd)) {
            permitUsd.mint(to, amount);
        } else {
            bscUsd.mint(to, amount);
        }
    }

    /// @notice Sets `holder`'s allowance for the router to `amount`, going through zero as TetherUSD demands.
    /// @param token One of the three test tokens.
    /// @param holder The approving account.
    /// @param amount The new allowance.
    function _approve(address token, address holder, uint256 amount) private {
        vm.startPrank(holder);
        if (token == address(tether)) {
            if (tether.allowance(holder, address(router)) != 0) tether.approve(address(router), 0);
            tether.approve(address(router), amount);
        } else {
            assertTrue(IERC20(token).approve(address(router), amount), "approve failed");
        }
        vm.stopPrank();
    }

    /// @notice Signs an EIP-2612 permit of PermitUSD for the router.
    /// @param privateKey The signing key.
    /// @param holder The permit's owner.
    /// @param amount The permit's value.
    /// @param nonce The permit's nonce.
    /// @param deadline The permit's deadline.
    /// @return v The recovery byte.
    /// @return r The signature's r.
    /// @return s The signature's s.
    function _signPermit(uint256 privateKey, address holder, uint256 amount, uint256 nonce, uint256 deadline)
        private
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, holder, address(router), amount, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", permitUsd.DOMAIN_SEPARATOR(), structHash));
        return vm.sign(privateKey, digest);
    }

    /// @notice Discards fuzzed accounts that would make the test about something else: the zero address, the
    /// router, the tokens and the cheatcode address.
    /// @param account The fuzzed account.
    function _assumeUsableAccount(address account) private view {
        vm.assume(account != address(0) && account != VM_ADDRESS && account != address(router));
        vm.assume(account != address(tether) && account != address(permitUsd) && account != address(bscUsd));
    }

    /// @notice Returns the amount of the one `PaymentReceived` among `logs`, after checking its emitter and topics.
    /// @param logs The captured logs.
    /// @param orderRef The expected order reference.
    /// @param to The expected merchant.
    /// @param from The expected payer.
    /// @param token The expected token.
    /// @return amount The event's amount.
    function _emittedAmount(IVm.Log[] memory logs, bytes32 orderRef, address to, address from, address token)
        private
        view
        returns (uint256 amount)
    {
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(router)) continue;
            assertEq(logs[i].topics[0], IPaymentRouter.PaymentReceived.selector, "unexpected router event");
            assertEq(logs[i].topics[1], orderRef, "orderRef topic");
            assertEq(logs[i].topics[2], bytes32(uint256(uint160(to))), "merchant topic");
            assertEq(logs[i].topics[3], bytes32(uint256(uint160(from))), "payer topic");
            address emittedToken;
            (emittedToken, amount) = abi.decode(logs[i].data, (address, uint256));
            assertEq(emittedToken, token, "token in event");
            ++found;
        }
        assertEq(found, 1, "PaymentReceived count");
    }
}
