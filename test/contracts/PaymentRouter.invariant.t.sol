// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPaymentRouter} from "../../contracts/interfaces/IPaymentRouter.sol";
import {PaymentRouter} from "../../contracts/PaymentRouter.sol";
import {BinancePegUSD} from "../../contracts/mocks/BinancePegUSD.sol";
import {PermitUSD} from "../../contracts/mocks/PermitUSD.sol";
import {TetherUSD} from "../../contracts/mocks/TetherUSD.sol";
import {IVm} from "./utils/Vm.sol";
import {Test} from "./utils/Test.sol";

/// @title PaymentRouterInvariantTest
/// @author Stablegate
/// @notice Invariant tests of `PaymentRouter`, Morpho-style: this contract is its own handler. The fuzzer calls
/// only the functions under HANDLERS (see `targetContracts` and `targetSelectors`), which bound their inputs, fund
/// and approve the payer, pay, and add what the `PaymentReceived` event reported, and what the merchant's balance
/// grew by, to per-token ghost sums. The INVARIANTS check those sums against the chain.
/// @dev The config sets `failOnRevert`, so a handler must never revert; they only make calls that are valid.
contract PaymentRouterInvariantTest is Test {
    /// @notice A target contract and the functions of it the fuzzer may call (Foundry's `targetSelectors` shape).
    /// @param addr The target contract.
    /// @param selectors The functions of it to call.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice The largest payment, in whole tokens.
    uint256 private constant MAX_WHOLE_TOKENS = 1_000_000_000_000;

    /// @notice EIP-2612's `Permit` struct type hash:
    /// `keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")`.
    bytes32 private constant PERMIT_TYPEHASH = 0x6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9;

    /// @notice Each permit's time to its deadline.
    uint256 private constant PERMIT_VALIDITY = 30 minutes;

    /// @notice The router under test.
    PaymentRouter private router;

    /// @notice Ethereum-style USDT: 6 decimals, no return values, approve-through-zero, optional fee.
    TetherUSD private tether;

    /// @notice USDC-like token: 6 decimals and EIP-2612 `permit`.
    PermitUSD private permitUsd;

    /// @notice BSC-style USDT: 18 decimals, returns `bool`.
    BinancePegUSD private bscUsd;

    /// @notice The three tokens, for the invariants to loop over.
    address[] private tokens;

    /// @notice The customers.
    address[] private actors;

    /// @notice The customers' private keys (same order as `actors`), for permits.
    uint256[] private actorKeys;

    /// @notice The shops; disjoint from `actors`, and none is a token's owner (which collects TetherUSD's fee).
    address[] private merchants;

    /// @notice Per token, the merchants' summed balance at setup.
    mapping(address token => uint256 balance) private merchantsBalanceAtSetUp;

    /// @notice Per token, the sum of the amounts the router emitted in `PaymentReceived`.
    mapping(address token => uint256 amount) private ghostEmitted;

    /// @notice Per token, the sum of the merchants' balance growth measured around each payment.
    mapping(address token => uint256 amount) private ghostMerchantGrowth;

    /// @notice How many handler calls the fuzzer made in the current run (checked by `afterInvariant`).
    uint256 private ghostCalls;

    /// @notice Counts a handler call.
    modifier countCall() {
        ++ghostCalls;
        _;
    }

    /// @notice Deploys the router and the tokens (this contract owns the tokens) and names the accounts.
    function setUp() public {
        router = new PaymentRouter();
        tether = new TetherUSD(0, "Tether USD", "USDT", 6);
        permitUsd = new PermitUSD(0);
        bscUsd = new BinancePegUSD(0);
        tokens = [address(tether), address(permitUsd), address(bscUsd)];

        string[3] memory actorNames = ["alice", "bob", "carol"];
        for (uint256 i; i < actorNames.length; ++i) {
            (address actor, uint256 key) = makeAddrAndKey(actorNames[i]);
            actors.push(actor);
            actorKeys.push(key);
        }
        merchants = [makeAddr("coffee shop"), makeAddr("book shop"), makeAddr("bike shop")];

        for (uint256 t; t < tokens.length; ++t) {
            merchantsBalanceAtSetUp[tokens[t]] = _merchantsBalance(tokens[t]);
        }
    }

    /// @notice Foundry's target list: only this contract, whose callable functions `targetSelectors` narrows.
    /// @return targetedContracts_ The contracts the fuzzer calls.
    function targetContracts() public view returns (address[] memory targetedContracts_) {
        targetedContracts_ = new address[](1);
        targetedContracts_[0] = address(this);
    }

    /// @notice Foundry's selector list: the HANDLERS below and nothing else (not `setUp`, not the invariants).
    /// @return targetedSelectors_ The functions the fuzzer calls.
    function targetSelectors() public view returns (FuzzSelector[] memory targetedSelectors_) {
        bytes4[] memory selectors = new bytes4[](6);
        selectors[0] = this.payWithTether.selector;
        selectors[1] = this.payWithPermitUsd.selector;
        selectors[2] = this.payWithBscUsd.selector;
        selectors[3] = this.payWithPermitSignature.selector;
        selectors[4] = this.approveTether.selector;
        selectors[5] = this.setTetherFee.selector;
        targetedSelectors_ = new FuzzSelector[](1);
        targetedSelectors_[0] = FuzzSelector({addr: address(this), selectors: selectors});
    }

    /* HANDLERS */

    /// @notice Issues TetherUSD to an actor (a fee may apply on the way) and pays a merchant with it, approving
    /// through zero first if the current allowance is short.
    /// @param actorSeed Picks the payer.
    /// @param merchantSeed Picks the merchant.
    /// @param amount The amount (bounded; capped at what the payer holds).
    /// @param orderRef The order reference.
    function payWithTether(uint256 actorSeed, uint256 merchantSeed, uint256 amount, bytes32 orderRef)
        external
        countCall
    {
        address actor = _actor(actorSeed);
        amount = bound(amount, 1, MAX_WHOLE_TOKENS * 1e6);
        tether.issue(amount);
        tether.transfer(actor, amount);
        uint256 balance = tether.balanceOf(actor);
        if (amount > balance) amount = balance; // the fee on the way in; never below 1 since the rate is < 0.2 %
        if (tether.allowance(actor, address(router)) < amount) _approveTetherThroughZero(actor, amount);
        _pay(address(tether), actor, _merchant(merchantSeed), amount, orderRef);
    }

    /// @notice Mints PermitUSD to an actor, approves the router and pays a merchant with it.
    /// @param actorSeed Picks the payer.
    /// @param merchantSeed Picks the merchant.
    /// @param amount The amount (bounded).
    /// @param orderRef The order reference.
    function payWithPermitUsd(uint256 actorSeed, uint256 merchantSeed, uint256 amount, bytes32 orderRef)
        external
        countCall
    {
        address actor = _actor(actorSeed);
        amount = bound(amount, 1, MAX_WHOLE_TOKENS * 1e6);
        permitUsd.mint(actor, amount);
        vm.prank(actor);
        assertTrue(permitUsd.approve(address(router), amount), "approve failed");
        _pay(address(permitUsd), actor, _merchant(merchantSeed), amount, orderRef);
    }

    /// @notice Mints BinancePegUSD to an actor, approves the router and pays a merchant with it.
    /// @param actorSeed Picks the payer.
    /// @param merchantSeed Picks the merchant.
    /// @param amount The amount (bounded).
    /// @param orderRef The order reference.
    function payWithBscUsd(uint256 actorSeed, uint256 merchantSeed, uint256 amount, bytes32 orderRef)
        external
        countCall
    {
        address actor = _actor(actorSeed);
        amount = bound(amount, 1, MAX_WHOLE_TOKENS * 1e18);
        bscUsd.mint(actor, amount);
        vm.prank(actor);
        assertTrue(bscUsd.approve(address(router), amount), "approve failed");
        _pay(address(bscUsd), actor, _merchant(merchantSeed), amount, orderRef);
    }

    /// @notice Mints PermitUSD to an actor and pays a merchant with `payWithPermit`, signed with the actor's key.
    /// @param actorSeed Picks the payer.
    /// @param merchantSeed Picks the merchant.
    /// @param amount The amount (bounded).
    /// @param orderRef The order reference.
    function payWithPermitSignature(uint256 actorSeed, uint256 merchantSeed, uint256 amount, bytes32 orderRef)
        external
        countCall
    {
        uint256 index = actorSeed % actors.length;
        address merchant = _merchant(merchantSeed);
        amount = bound(amount, 1, MAX_WHOLE_TOKENS * 1e6);
        permitUsd.mint(actors[index], amount);
        uint256 merchantBefore = permitUsd.balanceOf(merchant);
        vm.recordLogs();
        uint256 received = _payWithPermit(index, merchant, amount, orderRef);
        _record(address(permitUsd), actors[index], merchant, orderRef, received, merchantBefore);
    }

    /// @notice Sets an actor's TetherUSD allowance for the router to any value (unlimited included), going
    /// through zero as Tether demands.
    /// @param actorSeed Picks the actor.
    /// @param amount The new allowance (unbounded).
    function approveTether(uint256 actorSeed, uint256 amount) external countCall {
        _approveTetherThroughZero(_actor(actorSeed), amount);
    }

    /// @notice Switches TetherUSD's transfer fee, within Tether's own limits (under 20 bp, under 50 tokens).
    /// @param basisPoints The fee rate (bounded to `[0, 19]`).
    /// @param maxFee The fee cap in whole tokens (bounded to `[0, 49]`).
    function setTetherFee(uint256 basisPoints, uint256 maxFee) external countCall {
        tether.setParams(bound(basisPoints, 0, 19), bound(maxFee, 0, 49));
    }

    /* INVARIANTS */

    /// @notice The router never holds a token: every payment goes straight from payer to merchant.
    function invariant_routerHoldsNoTokens() public view {
        for (uint256 t; t < tokens.length; ++t) {
            assertEq(IERC20(tokens[t]).balanceOf(address(router)), 0, "router holds tokens");
        }
    }

    /// @notice Per token, the amounts the router reported in `PaymentReceived` add up to exactly what the
    /// merchants' balances grew by since setup (fees on the way included).
    function invariant_emittedEqualsMerchantGrowth() public view {
        for (uint256 t; t < tokens.length; ++t) {
            address token = tokens[t];
            uint256 growth = _merchantsBalance(token) - merchantsBalanceAtSetUp[token];
            assertEq(ghostEmitted[token], growth, "emitted sum != merchant growth");
            assertEq(ghostMerchantGrowth[token], growth, "measured sum != merchant growth");
        }
    }

    /// @notice Runs after each invariant run and fails if the fuzzer called no handler, which would let the
    /// invariants pass vacuously (for example if the targeting below stopped working).
    function afterInvariant() public view {
        assertTrue(ghostCalls > 0, "no handler was called");
    }

    /* HELPERS */

    /// @notice Pays from `actor` (who holds and has approved at least `amount`) and records the payment.
    /// @param token The token.
    /// @param actor The payer.
    /// @param merchant The merchant.
    /// @param amount The amount.
    /// @param orderRef The order reference.
    function _pay(address token, address actor, address merchant, uint256 amount, bytes32 orderRef) private {
        uint256 merchantBefore = IERC20(token).balanceOf(merchant);
        vm.recordLogs();
        vm.prank(actor);
        uint256 received = router.pay(token, amount, merchant, orderRef);
        _record(token, actor, merchant, orderRef, received, merchantBefore);
    }

    /// @notice Signs a PermitUSD permit for the router with actor `index`'s key and pays with it.
    /// @param index The actor's index in `actors`.
    /// @param merchant The merchant.
    /// @param amount The amount (the actor holds at least that much).
    /// @param orderRef The order reference.
    /// @return received What the router returned.
    function _payWithPermit(uint256 index, address merchant, uint256 amount, bytes32 orderRef)
        private
        returns (uint256 received)
    {
        address actor = actors[index];
        uint256 deadline = block.timestamp + PERMIT_VALIDITY;
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, actor, address(router), amount, permitUsd.nonces(actor), deadline)
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", permitUsd.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(actorKeys[index], digest);
        vm.prank(actor);
        return router.payWithPermit(address(permitUsd), amount, merchant, orderRef, deadline, v, r, s);
    }

    /// @notice Decodes the payment's `PaymentReceived` from the recorded logs, checks it against the return value,
    /// and adds its amount and the merchant's measured growth to the ghost sums.
    /// @param token The token.
    /// @param actor The payer.
    /// @param merchant The merchant.
    /// @param orderRef The order reference.
    /// @param received What the router returned.
    /// @param merchantBefore The merchant's balance before the payment.
    function _record(
        address token,
        address actor,
        address merchant,
        bytes32 orderRef,
        uint256 received,
        uint256 merchantBefore
    ) private {
        uint256 emitted = _emittedAmount(vm.getRecordedLogs(), orderRef, merchant, actor, token);
        assertEq(received, emitted, "return value != event amount");
        ghostEmitted[token] += emitted;
        ghostMerchantGrowth[token] += IERC20(token).balanceOf(merchant) - merchantBefore;
    }

    /// @notice Sets `actor`'s TetherUSD allowance for the router to `amount` via zero.
    /// @param actor The approving account.
    /// @param amount The new allowance.
    function _approveTetherThroughZero(address actor, uint256 amount) private {
        vm.startPrank(actor);
        if (tether.allowance(actor, address(router)) != 0) tether.approve(address(router), 0);
        tether.approve(address(router), amount);
        vm.stopPrank();
    }

    /// @notice Returns the amount of the one `PaymentReceived` among `logs`, after checking its emitter and topics.
    /// @param logs The captured logs.
    /// @param orderRef The expected order reference.
    /// @param merchant The expected merchant.
    /// @param payer The expected payer.
    /// @param token The expected token.
    /// @return amount The event's amount.
    function _emittedAmount(IVm.Log[] memory logs, bytes32 orderRef, address merchant, address payer, address token)
        private
        view
        returns (uint256 amount)
    {
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(router)) continue;
            assertEq(logs[i].topics[0], IPaymentRouter.PaymentReceived.selector, "unexpected router event");
            assertEq(logs[i].topics[1], orderRef, "orderRef topic");
            assertEq(logs[i].topics[2], bytes32(uint256(uint160(merchant))), "merchant topic");
            assertEq(logs[i].topics[3], bytes32(uint256(uint160(payer))), "payer topic");
            address emittedToken;
            (emittedToken, amount) = abi.decode(logs[i].data, (address, uint256));
            assertEq(emittedToken, token, "token in event");
            ++found;
        }
        assertEq(found, 1, "PaymentReceived count");
    }

    /// @notice The merchants' summed balance of `token`.
    /// @param token The token.
    /// @return total The sum.
    function _merchantsBalance(address token) private view returns (uint256 total) {
        for (uint256 m; m < merchants.length; ++m) {
            total += IERC20(token).balanceOf(merchants[m]);
        }
    }

    /// @notice Picks an actor.
    /// @param seed Any number.
    /// @return actor One of `actors`.
    function _actor(uint256 seed) private view returns (address actor) {
        return actors[seed % actors.length];
    }

    /// @notice Picks a merchant.
    /// @param seed Any number.
    /// @return merchant One of `merchants`.
    function _merchant(uint256 seed) private view returns (address merchant) {
        return merchants[seed % merchants.length];
    }
}
