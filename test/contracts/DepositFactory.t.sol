// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {IDepositFactory} from "../../contracts/interfaces/IDepositFactory.sol";
import {FalseToken} from "./mocks/FalseToken.sol";
import {NativeRefuser} from "./mocks/NativeRefuser.sol";
import {ReenteringToken} from "./mocks/ReenteringToken.sol";
import {IVm} from "./utils/Vm.sol";
import {DepositFactoryBase} from "./utils/DepositFactoryBase.sol";

/// @title DepositFactoryTest
/// @author Stablegate
/// @notice Unit and fuzz tests of `DepositFactory` and its deposit addresses with the three USDT flavours (Tether's
/// no-return-value token with fee switch and blacklist, a USDC-like token, BSC's 18-decimal token) and native coin.
contract DepositFactoryTest is DepositFactoryBase {
    /* DEPOSIT ADDRESS */

    /// @notice The predicted address is where the clone lands: the 33-byte delegating clone of the factory, nothing
    /// else.
    function test_depositAddress_isWhereTheCloneIsDeployed() public {
        address predicted = factory.depositAddress(merchant, ORDER_REF);
        assertEq(predicted.code.length, 0, "no code before");
        address deployed = factory.deploy(merchant, ORDER_REF);
        assertEq(deployed, predicted, "not at the predicted address");
        bytes memory clone = abi.encodePacked(hex"365f5f375f5f365f73", address(factory), hex"5af45ff3");
        assertEq(deployed.code.length, 33, "33 bytes of code");
        assertEq(keccak256(deployed.code), keccak256(clone), "delegating clone of the factory");
    }

    /// @notice The salt binds the payout address and the order reference, as `contracts/deposit-address.ts` says.
    function test_depositAddress_isCreate2OfPayoutAndOrderRef() public view {
        bytes memory initCode =
            abi.encodePacked(hex"60218060095f395ff3365f5f375f5f365f73", address(factory), hex"5af45ff3");
        bytes32 salt = keccak256(abi.encode(merchant, ORDER_REF));
        bytes32 digest = keccak256(abi.encodePacked(bytes1(0xff), address(factory), salt, keccak256(initCode)));
        assertEq(factory.depositAddress(merchant, ORDER_REF), address(uint160(uint256(digest))), "CREATE2 address");
    }

    /// @notice Another payout or another order reference gives another address.
    /// @param otherPayout The fuzzed other payout.
    /// @param otherRef The fuzzed other order reference.
    function testFuzz_depositAddress_bindsPayoutAndOrderRef(address otherPayout, bytes32 otherRef) public view {
        address predicted = factory.depositAddress(merchant, ORDER_REF);
        if (otherPayout != merchant) {
            assertTrue(factory.depositAddress(otherPayout, ORDER_REF) != predicted, "other payout, same address");
        }
        if (otherRef != ORDER_REF) {
            assertTrue(factory.depositAddress(merchant, otherRef) != predicted, "other order, same address");
        }
    }

    /// @notice `deploy` refuses the zero payout address.
    function test_deploy_revertsOnZeroPayout() public {
        vm.expectRevert(IDepositFactory.InvalidPayout.selector);
        factory.deploy(address(0), ORDER_REF);
    }

    /* DEPLOY AND FORWARD */

    /// @notice A plain transfer to the counterfactual address is forwarded in full to the payout address, by anyone,
    /// with the order reference in the event and the amount returned.
    function test_deployAndForward_forwardsWholeBalanceToPayout() public {
        address deposit = _fundDeposit(address(tether), 125_500_000);
        vm.expectEmit(true, true, true, true, address(factory));
        emit IDepositFactory.Forwarded(ORDER_REF, address(tether), 125_500_000);
        vm.prank(stranger);
        uint256 received = factory.deployAndForward(address(tether), merchant, ORDER_REF);
        assertEq(received, 125_500_000, "received");
        assertEq(tether.balanceOf(merchant), 125_500_000, "merchant balance");
        assertEq(tether.balanceOf(deposit), 0, "deposit emptied");
        assertEq(tether.balanceOf(stranger), 0, "caller got nothing");
    }

    /// @notice With Tether's fee switched on, the event and the return value say what the merchant really got.
    function test_deployAndForward_reportsBalanceDeltaWithFee() public {
        address deposit = _fundDeposit(address(tether), 1_000e6);
        tether.setParams(10, 5); // 0.1 %, at most 5 USDT
        uint256 received = factory.deployAndForward(address(tether), merchant, ORDER_REF);
        assertEq(received, 999e6, "amount less the 0.1 % fee");
        assertEq(tether.balanceOf(merchant), 999e6, "merchant balance");
        assertEq(tether.balanceOf(deposit), 0, "deposit emptied");
    }

    /// @notice A token other than the expected one (returning `bool`) is forwarded to the same payout address.
    function test_deployAndForward_forwardsAnyToken() public {
        _fundDeposit(address(bscUsd), 3e18);
        _fundDeposit(address(permitUsd), 7e6);
        factory.deployAndForward(address(bscUsd), merchant, ORDER_REF);
        factory.forward(address(permitUsd), merchant, ORDER_REF);
        assertEq(bscUsd.balanceOf(merchant), 3e18, "BSC USDT forwarded");
        assertEq(permitUsd.balanceOf(merchant), 7e6, "USDC-like forwarded");
    }

    /// @notice Native coin sent before and after deployment goes to the payout address.
    function test_deployAndForward_forwardsNativeCoin() public {
        address deposit = _fundDeposit(NATIVE, 1 ether);
        assertEq(factory.deployAndForward(address(0), merchant, ORDER_REF), 1 ether, "received before deployment");
        _sendNative(deposit, 2 ether); // now through the clone's delegated `receive`
        assertEq(factory.forward(address(0), merchant, ORDER_REF), 2 ether, "received after deployment");
        assertEq(merchant.balance, 3 ether, "merchant's native balance");
        assertEq(deposit.balance, 0, "deposit emptied");
    }

    /// @notice A blacklisted merchant's forward reverts as a whole, naming the token that refused: the clone is not
    /// even deployed, the funds stay.
    function test_deployAndForward_revertsWhenPayoutBlacklisted() public {
        address deposit = _fundDeposit(address(tether), 50e6);
        tether.addBlackList(merchant);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(tether)));
        factory.deployAndForward(address(tether), merchant, ORDER_REF);
        assertEq(tether.balanceOf(deposit), 50e6, "funds left the deposit");
        assertEq(deposit.code.length, 0, "nothing deployed");
        tether.removeBlackList(merchant);
        factory.deployAndForward(address(tether), merchant, ORDER_REF);
        assertEq(tether.balanceOf(merchant), 50e6, "not forwarded after unlisting");
    }

    /// @notice A payout contract that refuses native coin: the forward reverts by name, the coin stays.
    function test_deployAndForward_revertsWhenPayoutRefusesNativeCoin() public {
        address refuser = address(new NativeRefuser());
        address deposit = _payDeposit(NATIVE, refuser, ORDER_REF, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IDepositFactory.NativeTransferFailed.selector, refuser));
        factory.deployAndForward(address(0), refuser, ORDER_REF);
        assertEq(deposit.balance, 1 ether, "coin stays");
    }

    /// @notice Nothing at the address: deployed, nothing moved, no `Forwarded` event.
    function test_deployAndForward_emitsNothingWhenEmpty() public {
        vm.recordLogs();
        assertEq(factory.deployAndForward(address(tether), merchant, ORDER_REF), 0, "nothing received");
        IVm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 0, "no event");
        assertTrue(factory.depositAddress(merchant, ORDER_REF).code.length > 0, "deployed");
    }

    /// @notice A second deploy of the same address reverts (`forward` is the entry point then).
    function test_deployAndForward_revertsWhenAlreadyDeployed() public {
        factory.deploy(merchant, ORDER_REF);
        vm.expectRevert(Errors.FailedDeployment.selector);
        factory.deployAndForward(address(tether), merchant, ORDER_REF);
    }

    /// @notice An address without code as the token is refused by name, before anything moves.
    function test_deployAndForward_revertsOnTokenWithoutCode() public {
        vm.expectRevert(abi.encodeWithSelector(IDepositFactory.InvalidToken.selector, stranger));
        factory.deployAndForward(stranger, merchant, ORDER_REF);
    }

    /// @notice Any amount of each token reaches the payout address in full (no fee), whoever triggers it.
    /// @param amount The fuzzed amount (bounded to `[1, MAX_AMOUNT]`).
    /// @param payout_ The fuzzed payout address.
    /// @param orderRef The fuzzed order reference.
    /// @param caller The fuzzed caller.
    function testFuzz_deployAndForward_movesExactAmountToPayout(
        uint256 amount,
        address payout_,
        bytes32 orderRef,
        address caller
    ) public {
        vm.assume(payout_ != address(0) && payout_ != address(this) && payout_.code.length == 0);
        vm.assume(caller != payout_);
        amount = bound(amount, 1, MAX_AMOUNT);
        _payDeposit(address(tether), payout_, orderRef, amount);
        _payDeposit(address(bscUsd), payout_, orderRef, amount);
        uint256 callerTether = tether.balanceOf(caller);

        vm.prank(caller);
        assertEq(factory.deployAndForward(address(tether), payout_, orderRef), amount, "tether received");
        vm.prank(caller);
        assertEq(factory.forward(address(bscUsd), payout_, orderRef), amount, "bsc received");
        assertEq(tether.balanceOf(payout_), amount, "tether at payout");
        assertEq(bscUsd.balanceOf(payout_), amount, "bsc at payout");
        assertEq(tether.balanceOf(caller), callerTether, "caller's balance unchanged");
    }

    /// @notice Under any fee within Tether's limits, what the event reports is exactly the payout's growth.
    /// @param amount The fuzzed amount.
    /// @param basisPoints The fuzzed fee rate (bounded to `[0, 19]`).
    /// @param maxFee The fuzzed fee cap in whole tokens (bounded to `[0, 49]`).
    function testFuzz_deployAndForward_reportsReceivedUnderAnyFee(uint256 amount, uint256 basisPoints, uint256 maxFee)
        public
    {
        amount = bound(amount, 1, 1_000_000_000e6);
        address deposit = _fundDeposit(address(tether), amount);
        _setTetherFee(basisPoints, maxFee);
        vm.recordLogs();
        uint256 received = factory.deployAndForward(address(tether), merchant, ORDER_REF);
        assertEq(received, tether.balanceOf(merchant), "return value == payout growth");
        assertEq(_forwardedAmount(vm.getRecordedLogs()), received, "event amount == return value");
        assertEq(tether.balanceOf(deposit), 0, "deposit emptied");
    }

    /* FORWARD */

    /// @notice A late transfer to an address already deployed and forwarded once is forwarded again.
    function test_forward_forwardsLateTransfer() public {
        _fundDeposit(address(tether), 10e6);
        factory.deployAndForward(address(tether), merchant, ORDER_REF);
        _fundDeposit(address(tether), 4e6);
        assertEq(factory.forward(address(tether), merchant, ORDER_REF), 4e6, "late transfer forwarded");
        assertEq(tether.balanceOf(merchant), 14e6, "merchant got both");
    }

    /// @notice `forward` refuses an address that has no code yet, naming it.
    function test_forward_revertsWhenNotDeployed() public {
        address deposit = _fundDeposit(address(tether), 1e6);
        vm.expectRevert(abi.encodeWithSelector(IDepositFactory.NotDeployed.selector, deposit));
        factory.forward(address(tether), merchant, ORDER_REF);
    }

    /// @notice Naming another payout for an order's reference points at another (empty) address: nothing moves.
    function test_forward_cannotRedirectToAnotherPayout() public {
        address deposit = _fundDeposit(address(tether), 9e6);
        factory.deploy(merchant, ORDER_REF);
        vm.startPrank(stranger);
        factory.deployAndForward(address(tether), stranger, ORDER_REF);
        vm.stopPrank();
        assertEq(tether.balanceOf(stranger), 0, "stranger got nothing");
        assertEq(tether.balanceOf(deposit), 9e6, "funds left the deposit");
    }

    /// @notice A token that calls back into the factory during the forward is stopped by the reentrancy guard: the
    /// call back reverts, so the token's transfer and with it the sweep fail, and nothing moves.
    function test_forward_revertsOnReentry() public {
        ReenteringToken token = new ReenteringToken(factory);
        address deposit = factory.deploy(merchant, ORDER_REF);
        token.mint(deposit, 5e18);
        token.arm(merchant, ORDER_REF);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(token)));
        factory.forward(address(token), merchant, ORDER_REF);
        assertEq(token.balanceOf(deposit), 5e18, "nothing moved");
    }

    /* BATCH */

    /// @notice A batch deploys what is missing, forwards everything, and a blacklisted merchant's item fails alone
    /// (`ForwardFailed`, funds left in place) without blocking the others.
    function test_deployAndForwardMany_isolatesBlacklistedMerchant() public {
        address blocked = makeAddr("blocked merchant");
        address other = makeAddr("other merchant");
        IDepositFactory.Forward[] memory items = new IDepositFactory.Forward[](3);
        items[0] = IDepositFactory.Forward(address(tether), merchant, keccak256("a"));
        items[1] = IDepositFactory.Forward(address(tether), blocked, keccak256("b"));
        items[2] = IDepositFactory.Forward(address(tether), other, keccak256("c"));
        for (uint256 i; i < items.length; ++i) {
            _payDeposit(address(tether), items[i].payout, items[i].orderRef, (i + 1) * 1e6);
        }
        factory.deploy(other, keccak256("c")); // one of them exists already
        tether.addBlackList(blocked);
        address blockedDeposit = factory.depositAddress(blocked, keccak256("b"));

        vm.expectEmit(true, true, true, true, address(factory));
        emit IDepositFactory.ForwardFailed(keccak256("b"), blockedDeposit, blocked, address(tether));
        vm.prank(stranger);
        factory.deployAndForwardMany(items);

        assertEq(tether.balanceOf(merchant), 1e6, "first forwarded");
        assertEq(tether.balanceOf(other), 3e6, "third forwarded");
        assertEq(tether.balanceOf(blockedDeposit), 2e6, "blacklisted funds moved");
        assertTrue(blockedDeposit.code.length > 0, "but its address is deployed");
        tether.removeBlackList(blocked);
        assertEq(factory.forward(address(tether), blocked, keccak256("b")), 2e6, "forwarded later");
    }

    /// @notice A token that answers `false` is a failed forward: the single forward reverts naming it, a batch
    /// reports `ForwardFailed`; nothing moves, and the forward goes through once the token accepts.
    function test_forward_takesFalseForAFailure() public {
        FalseToken token = new FalseToken();
        address deposit = factory.deploy(merchant, ORDER_REF);
        token.mint(deposit, 4e18);
        token.setRefusing(true);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(token)));
        factory.forward(address(token), merchant, ORDER_REF);
        IDepositFactory.Forward[] memory items = new IDepositFactory.Forward[](1);
        items[0] = IDepositFactory.Forward(address(token), merchant, ORDER_REF);
        vm.expectEmit(true, true, true, true, address(factory));
        emit IDepositFactory.ForwardFailed(ORDER_REF, deposit, merchant, address(token));
        factory.forwardMany(items);
        assertEq(token.balanceOf(deposit), 4e18, "funds moved");
        token.setRefusing(false);
        assertEq(factory.forward(address(token), merchant, ORDER_REF), 4e18, "forwarded once accepted");
    }

    /// @notice In a batch, a "token" without code and a payout that refuses native coin each fail alone
    /// (`ForwardFailed`, nothing moved), and the item after them is forwarded.
    function test_deployAndForwardMany_isolatesTokenWithoutCodeAndRefusedCoin() public {
        address refuser = address(new NativeRefuser());
        address coinDeposit = _payDeposit(NATIVE, refuser, keccak256("coin"), 1 ether);
        address tokenDeposit = _payDeposit(address(tether), merchant, keccak256("token"), 5e6);
        IDepositFactory.Forward[] memory items = new IDepositFactory.Forward[](3);
        items[0] = IDepositFactory.Forward(stranger, merchant, keccak256("token"));
        items[1] = IDepositFactory.Forward(NATIVE, refuser, keccak256("coin"));
        items[2] = IDepositFactory.Forward(address(tether), merchant, keccak256("token"));
        vm.expectEmit(true, true, true, true, address(factory));
        emit IDepositFactory.ForwardFailed(keccak256("token"), tokenDeposit, merchant, stranger);
        vm.expectEmit(true, true, true, true, address(factory));
        emit IDepositFactory.ForwardFailed(keccak256("coin"), coinDeposit, refuser, NATIVE);
        vm.expectEmit(true, true, true, true, address(factory));
        emit IDepositFactory.Forwarded(keccak256("token"), address(tether), 5e6);
        factory.deployAndForwardMany(items);
        assertEq(coinDeposit.balance, 1 ether, "refused coin moved");
        assertEq(tether.balanceOf(merchant), 5e6, "the next item was not forwarded");
    }

    /// @notice The same deposit address twice in one batch: the second finds nothing and emits nothing.
    function test_deployAndForwardMany_forwardsRepeatedItemOnce() public {
        _fundDeposit(address(tether), 6e6);
        IDepositFactory.Forward[] memory items = new IDepositFactory.Forward[](2);
        items[0] = IDepositFactory.Forward(address(tether), merchant, ORDER_REF);
        items[1] = items[0];
        vm.recordLogs();
        factory.deployAndForwardMany(items);
        assertEq(tether.balanceOf(merchant), 6e6, "forwarded once, in full");
        assertEq(_forwardedEvents(vm.getRecordedLogs()).length, 1, "one Forwarded event");
    }

    /// @notice `forwardMany` forwards a mix of deployed and new addresses, deploying only the new ones, and
    /// isolates a blacklisted merchant's item like the other batch.
    function test_forwardMany_forwardsLateAndNewAddresses() public {
        address blocked = makeAddr("blocked merchant");
        IDepositFactory.Forward[] memory items = new IDepositFactory.Forward[](3);
        items[0] = IDepositFactory.Forward(address(tether), merchant, keccak256("late"));
        items[1] = IDepositFactory.Forward(address(tether), merchant, keccak256("new"));
        items[2] = IDepositFactory.Forward(address(tether), blocked, keccak256("blocked"));
        _payDeposit(address(tether), merchant, keccak256("late"), 5e6);
        factory.deployAndForward(address(tether), merchant, keccak256("late"));
        _payDeposit(address(tether), merchant, keccak256("late"), 2e6); // a late payment after the forward
        _payDeposit(address(tether), merchant, keccak256("new"), 3e6);
        address blockedDeposit = _payDeposit(address(tether), blocked, keccak256("blocked"), 4e6);
        tether.addBlackList(blocked);

        vm.recordLogs();
        vm.prank(stranger);
        factory.forwardMany(items);
        assertEq(_forwardedEvents(vm.getRecordedLogs()).length, 2, "two Forwarded events");
        assertEq(tether.balanceOf(merchant), 10e6, "late and new forwarded");
        assertEq(tether.balanceOf(blockedDeposit), 4e6, "blacklisted funds stay, visible");
        assertTrue(factory.depositAddress(merchant, keccak256("new")).code.length > 0, "new one deployed");
    }

    /// @notice `deployAndForwardMany` given an address deployed already still forwards it (its bounded deployment
    /// fails, the sweep follows), and a late payment to it is forwarded by the next batch.
    function test_deployAndForwardMany_forwardsAnAlreadyDeployedAddress() public {
        address deposit = _fundDeposit(address(tether), 8e6);
        IDepositFactory.Forward[] memory items = new IDepositFactory.Forward[](1);
        items[0] = IDepositFactory.Forward(address(tether), merchant, ORDER_REF);
        factory.deployAndForwardMany(items);
        assertEq(tether.balanceOf(merchant), 8e6, "first forward");
        _fundDeposit(address(tether), 1e6);
        factory.deployAndForwardMany(items);
        assertEq(tether.balanceOf(merchant), 9e6, "late payment forwarded by the same entry point");
        assertEq(tether.balanceOf(deposit), 0, "deposit emptied");
    }

    /// @notice A zero payout in a batch is the caller's mistake: the whole batch reverts.
    function test_deployAndForwardMany_revertsOnZeroPayout() public {
        IDepositFactory.Forward[] memory items = new IDepositFactory.Forward[](1);
        items[0] = IDepositFactory.Forward(address(tether), address(0), ORDER_REF);
        vm.expectRevert(IDepositFactory.InvalidPayout.selector);
        factory.deployAndForwardMany(items);
        vm.expectRevert(IDepositFactory.InvalidPayout.selector);
        factory.forwardMany(items);
    }

    /* ROLES */

    /// @notice A deposit address's `sweep` takes orders from the factory only: anyone else's call, whatever payout
    /// and amount it names, moves nothing, and the deposit address answers nothing (its sign of a failed call).
    function test_sweep_movesNothingForAnyoneButTheFactory() public {
        address deposit = _fundDeposit(address(tether), 1e6);
        _sendNative(deposit, 1 ether);
        factory.deploy(merchant, ORDER_REF);
        _assertRefused(stranger, deposit, abi.encodeCall(IDepositFactory.sweep, (address(tether), stranger, 1e6)));
        _assertRefused(merchant, deposit, abi.encodeCall(IDepositFactory.sweep, (address(tether), merchant, 1e6)));
        _assertRefused(stranger, deposit, abi.encodeCall(IDepositFactory.sweep, (NATIVE, stranger, 1 ether)));
        assertEq(tether.balanceOf(deposit), 1e6, "tokens moved");
        assertEq(deposit.balance, 1 ether, "coin moved");
    }

    /// @notice Any call by anyone to a deployed deposit address, with any data and any value, moves nothing out:
    /// the address still holds its funds (plus what the call sent), and the forward then pays the payout.
    /// @param caller The fuzzed caller.
    /// @param data The fuzzed calldata.
    /// @param value The fuzzed native coin sent along (bounded).
    function testFuzz_depositAddress_anyCallMovesNothingOut(address caller, bytes calldata data, uint256 value)
        public
    {
        vm.assume(caller != address(factory) && caller != merchant);
        _assumeNotTokenOrZero(caller);
        value = bound(value, 0, 1 ether);
        address deposit = _fundDeposit(address(tether), 3e6);
        _sendNative(deposit, 2 ether);
        factory.deploy(merchant, ORDER_REF);
        vm.deal(caller, value);
        vm.prank(caller);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok,) = deposit.call{value: value}(data);
        assertTrue(ok, "a deposit address never reverts");
        assertEq(tether.balanceOf(deposit), 3e6, "tokens moved");
        assertEq(deposit.balance, 2 ether + value, "coin moved");
        assertEq(factory.forward(address(tether), merchant, ORDER_REF), 3e6, "tokens forwarded");
        assertEq(factory.forward(NATIVE, merchant, ORDER_REF), 2 ether + value, "coin forwarded");
        assertEq(merchant.balance, 2 ether + value, "merchant's coin");
    }

    /// @notice Native coin sent with calldata (an exchange's memo, a mistaken call) stays at the deposit address
    /// (the delegated call fails, the clone keeps the coin and does not revert) and is the merchant's all the same.
    function test_depositAddress_keepsNativeCoinSentWithCalldata() public {
        address deposit = factory.deploy(merchant, ORDER_REF);
        vm.deal(customer, 1 ether);
        vm.prank(customer);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok,) = deposit.call{value: 1 ether}(hex"deadbeef");
        assertTrue(ok, "refused");
        assertEq(deposit.balance, 1 ether, "coin not kept");
        assertEq(factory.forward(NATIVE, merchant, ORDER_REF), 1 ether, "coin forwarded");
    }

    /// @notice The factory's own `sweep` is not a deposit-address function, even when it calls itself.
    function test_sweep_revertsOnTheFactory() public {
        vm.expectRevert(abi.encodeWithSelector(IDepositFactory.OnlyFactory.selector, address(this)));
        factory.sweep(address(tether), merchant, 1);
        vm.prank(address(factory));
        vm.expectRevert(IDepositFactory.WrongContext.selector);
        factory.sweep(address(tether), merchant, 1);
    }

    /// @notice `deployFromBatch` (the batch's bounded deployment) takes orders from the factory itself only, and
    /// not on a deposit address (where it answers nothing).
    function test_deployFromBatch_revertsForAnyoneButTheFactory() public {
        bytes32 salt = keccak256(abi.encode(stranger, ORDER_REF));
        vm.prank(stranger);
        vm.expectRevert(IDepositFactory.WrongContext.selector);
        factory.deployFromBatch(salt);
        address deposit = factory.deploy(merchant, ORDER_REF);
        _assertRefused(address(factory), deposit, abi.encodeCall(IDepositFactory.deployFromBatch, (salt)));
    }

    /// @notice Factory entry points called on a deposit address (delegated into the factory's code) fail: the
    /// address answers nothing, and nothing moves.
    function test_deployAndForward_failsOnADepositAddress() public {
        address deposit = _fundDeposit(address(tether), 2e6);
        factory.deploy(merchant, ORDER_REF);
        address token = address(tether);
        _assertRefused(
            stranger, deposit, abi.encodeCall(IDepositFactory.deployAndForward, (token, stranger, ORDER_REF))
        );
        _assertRefused(stranger, deposit, abi.encodeCall(IDepositFactory.forward, (token, stranger, ORDER_REF)));
        _assertRefused(stranger, deposit, abi.encodeCall(IDepositFactory.deploy, (stranger, ORDER_REF)));
        IDepositFactory.Forward[] memory items = new IDepositFactory.Forward[](1);
        items[0] = IDepositFactory.Forward(address(tether), stranger, ORDER_REF);
        _assertRefused(stranger, deposit, abi.encodeCall(IDepositFactory.deployAndForwardMany, (items)));
        _assertRefused(stranger, deposit, abi.encodeCall(IDepositFactory.forwardMany, (items)));
        assertEq(tether.balanceOf(deposit), 2e6, "funds moved");
    }

    /// @notice The factory itself takes no native coin.
    function test_receive_factoryRefusesNativeCoin() public {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory reason) = address(factory).call{value: 1}("");
        assertTrue(!ok, "factory accepted native coin");
        assertEq(bytes4(reason), IDepositFactory.WrongContext.selector, "reason");
    }

    /* HELPERS */

    /// @notice Calls the deposit address `deposit` as `caller` with `data` and checks it failed: the call itself
    /// succeeds (a deposit address never reverts) and answers nothing.
    /// @param caller The caller.
    /// @param deposit The deposit address.
    /// @param data The calldata.
    function _assertRefused(address caller, address deposit, bytes memory data) private {
        vm.prank(caller);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory answer) = deposit.call(data);
        assertTrue(ok, "a deposit address never reverts");
        assertEq(answer.length, 0, "the call went through");
    }

    /// @notice Pays the test deposit address (`merchant`, `ORDER_REF`).
    /// @param token The token.
    /// @param amount The amount.
    /// @return deposit The deposit address.
    function _fundDeposit(address token, uint256 amount) private returns (address deposit) {
        return _payDeposit(token, merchant, ORDER_REF, amount);
    }
}
