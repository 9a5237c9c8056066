// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {InvariantTest} from "./utils/InvariantTest.sol";
import {PaymentRouterBase} from "./utils/PaymentRouterBase.sol";

/// @title PaymentRouterInvariantTest
/// @author Stablegate
/// @notice Invariant tests of `PaymentRouter`. The fuzzer calls only the HANDLERS, which bound their inputs, fund
/// and approve the payer, pay through the base's `_pay`/`_payWithPermit`, and add what the `PaymentReceived` event
/// reported, and what the merchant's balance grew by, to per-token ghost sums. The INVARIANTS check those sums
/// against the chain.
contract PaymentRouterInvariantTest is InvariantTest, PaymentRouterBase {
    /// @notice The largest payment, in whole tokens.
    uint256 private constant MAX_WHOLE_TOKENS = 1_000_000_000_000;

    /// @notice Each permit's time to its deadline.
    uint256 private constant PERMIT_VALIDITY = 30 minutes;

    /// @notice The customers (disjoint from `merchants`).
    address[] private actors;

    /// @notice The customers' private keys (same order as `actors`), for permits.
    uint256[] private actorKeys;

    /// @notice Per token, the merchants' summed balance at setup.
    mapping(address token => uint256 balance) private merchantsBalanceAtSetUp;

    /// @notice Per token, the sum of the merchants' balance growth measured around each payment.
    mapping(address token => uint256 amount) private ghostMerchantGrowth;

    /// @notice Deploys the router and the tokens and names the accounts.
    function setUp() public override(InvariantTest, PaymentRouterBase) {
        super.setUp();
        string[3] memory actorNames = ["alice", "bob", "carol"];
        for (uint256 i; i < actorNames.length; ++i) {
            (address actor, uint256 key) = makeAddrAndKey(actorNames[i]);
            actors.push(actor);
            actorKeys.push(key);
        }
        address[] memory tokens = _tokens();
        for (uint256 t; t < tokens.length; ++t) {
            merchantsBalanceAtSetUp[tokens[t]] = _sumBalances(tokens[t], merchants);
        }
    }

    /// @inheritdoc InvariantTest
    function _handlers() internal pure override returns (bytes4[] memory selectors) {
        selectors = new bytes4[](6);
        selectors[0] = this.payWithTether.selector;
        selectors[1] = this.payWithPermitUsd.selector;
        selectors[2] = this.payWithBscUsd.selector;
        selectors[3] = this.payWithPermitSignature.selector;
        selectors[4] = this.approveTether.selector;
        selectors[5] = this.setTetherFee.selector;
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
        address actor = _pick(actors, actorSeed);
        amount = bound(amount, 1, MAX_WHOLE_TOKENS * 1e6);
        _fund(address(tether), actor, amount);
        uint256 balance = tether.balanceOf(actor);
        if (amount > balance) amount = balance; // the fee on the way in; never below 1 since the rate is < 0.2 %
        if (tether.allowance(actor, address(router)) < amount) _approve(address(tether), actor, address(router), amount);
        _record(address(tether), _pay(address(tether), actor, _pick(merchants, merchantSeed), amount, orderRef));
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
        _payWithAllowance(address(permitUsd), actorSeed, merchantSeed, bound(amount, 1, MAX_WHOLE_TOKENS * 1e6), orderRef);
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
        _payWithAllowance(address(bscUsd), actorSeed, merchantSeed, bound(amount, 1, MAX_WHOLE_TOKENS * 1e18), orderRef);
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
        amount = bound(amount, 1, MAX_WHOLE_TOKENS * 1e6);
        _fund(address(permitUsd), actors[index], amount);
        address payee = _pick(merchants, merchantSeed);
        uint256 deadline = block.timestamp + PERMIT_VALIDITY;
        _record(address(permitUsd), _payWithPermit(actorKeys[index], payee, amount, orderRef, deadline));
    }

    /// @notice Sets an actor's TetherUSD allowance for the router to any value (unlimited included), going
    /// through zero as Tether demands.
    /// @param actorSeed Picks the actor.
    /// @param amount The new allowance (unbounded).
    function approveTether(uint256 actorSeed, uint256 amount) external countCall {
        _approve(address(tether), _pick(actors, actorSeed), address(router), amount);
    }

    /// @notice Switches TetherUSD's transfer fee, within Tether's own limits (under 20 bp, under 50 tokens).
    /// @param basisPoints The fee rate (bounded).
    /// @param maxFee The fee cap in whole tokens (bounded).
    function setTetherFee(uint256 basisPoints, uint256 maxFee) external countCall {
        _setTetherFee(basisPoints, maxFee);
    }

    /* INVARIANTS */

    /// @notice The router never holds a token: every payment goes straight from payer to merchant.
    function invariant_routerHoldsNoTokens() public view {
        address[] memory tokens = _tokens();
        for (uint256 t; t < tokens.length; ++t) {
            assertEq(IERC20(tokens[t]).balanceOf(address(router)), 0, "router holds tokens");
        }
    }

    /// @notice Per token, the amounts the router reported in `PaymentReceived` add up to exactly what the
    /// merchants' balances grew by since setup (fees on the way included).
    function invariant_emittedEqualsMerchantGrowth() public view {
        address[] memory tokens = _tokens();
        for (uint256 t; t < tokens.length; ++t) {
            address token = tokens[t];
            uint256 growth = _sumBalances(token, merchants) - merchantsBalanceAtSetUp[token];
            assertEq(ghostEmitted[token], growth, "emitted sum != merchant growth");
            assertEq(ghostMerchantGrowth[token], growth, "measured sum != merchant growth");
        }
    }

    /* HELPERS */

    /// @notice Funds an actor, approves the router for `amount` and pays a merchant.
    /// @param token PermitUSD or BinancePegUSD.
    /// @param actorSeed Picks the payer.
    /// @param merchantSeed Picks the merchant.
    /// @param amount The amount (already bounded).
    /// @param orderRef The order reference.
    function _payWithAllowance(
        address token,
        uint256 actorSeed,
        uint256 merchantSeed,
        uint256 amount,
        bytes32 orderRef
    ) private {
        address actor = _pick(actors, actorSeed);
        _fundAndApprove(token, actor, address(router), amount);
        _record(token, _pay(token, actor, _pick(merchants, merchantSeed), amount, orderRef));
    }

    /// @notice Checks a payment's return value against its event and adds its amount and the merchant's measured
    /// growth to the ghost sums.
    /// @param token The token.
    /// @param payment The measured payment.
    function _record(address token, Payment memory payment) private {
        assertEq(payment.received, payment.emitted, "return value != event amount");
        ghostEmitted[token] += payment.emitted;
        ghostMerchantGrowth[token] += payment.growth;
    }
}
