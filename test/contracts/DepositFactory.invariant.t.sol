// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDepositFactory} from "../../contracts/interfaces/IDepositFactory.sol";
import {IVm} from "./utils/Vm.sol";
import {DepositFactoryBase} from "./utils/DepositFactoryBase.sol";
import {InvariantTest} from "./utils/InvariantTest.sol";

/// @title DepositFactoryInvariantTest
/// @author Stablegate
/// @notice Invariant tests of `DepositFactory`. The fuzzer pays deposit addresses (three tokens and native coin),
/// forwards them one by one or in batches, switches Tether's fee and blacklists merchants, and lets attackers try
/// every way to make a deposit address pay them. The INVARIANTS: funds that reached a deposit address are either
/// still there or at its payout address (less the token's own fee), the `Forwarded` events add up to the payout
/// addresses' growth, and attackers never gain anything.
/// @dev A handler never reverts (`failOnRevert`): calls that may fail are made with try/catch and their failure is
/// checked to have moved nothing.
contract DepositFactoryInvariantTest is InvariantTest, DepositFactoryBase {
    /// @notice How many deposit addresses the run uses (two orders per merchant).
    uint256 private constant DEPOSITS = 6;

    /// @notice The largest payment, in whole tokens.
    uint256 private constant MAX_WHOLE_TOKENS = 1_000_000_000;

    /// @notice The largest native payment.
    uint256 private constant MAX_NATIVE = 10 ether;

    /// @notice The three tokens and native coin (`NATIVE`).
    address[] private assets;

    /// @notice Each deposit address's payout (an entry of `merchants`).
    address[] private depositPayouts;

    /// @notice Each deposit address's order reference.
    bytes32[] private depositRefs;

    /// @notice The deposit addresses.
    address[] private deposits;

    /// @notice Accounts that try to take funds from the deposit addresses.
    address[] private attackers;

    /// @notice Per asset, what reached the deposit addresses (their measured balance growth).
    mapping(address asset => uint256 amount) private ghostArrived;

    /// @notice Per asset, Tether's fee taken on the forward leg (collected by this contract as Tether's owner).
    mapping(address asset => uint256 amount) private ghostForwardFees;

    /// @notice How many attack calls reverted.
    uint256 private ghostAttacksRefused;

    /// @notice Deploys the factory and the tokens, names merchants and attackers, and derives the deposit addresses.
    function setUp() public override(InvariantTest, DepositFactoryBase) {
        super.setUp();
        assets = [address(tether), address(permitUsd), address(bscUsd), NATIVE];
        attackers = [makeAddr("mallory"), makeAddr("trudy")];
        for (uint256 i; i < DEPOSITS; ++i) {
            bytes32 orderRef = keccak256(abi.encode("order", i));
            address payout_ = merchants[i % merchants.length];
            depositPayouts.push(payout_);
            depositRefs.push(orderRef);
            deposits.push(factory.depositAddress(payout_, orderRef));
        }
    }

    /// @inheritdoc InvariantTest
    function _handlers() internal pure override returns (bytes4[] memory selectors) {
        selectors = new bytes4[](7);
        selectors[0] = this.pay.selector;
        selectors[1] = this.forwardOne.selector;
        selectors[2] = this.forwardBatch.selector;
        selectors[3] = this.toggleBlacklist.selector;
        selectors[4] = this.setTetherFee.selector;
        selectors[5] = this.attackSweep.selector;
        selectors[6] = this.attackRedirect.selector;
    }

    /* HANDLERS */

    /// @notice A customer sends an asset to a deposit address by a plain transfer (before or after it has code).
    /// @param assetSeed Picks the asset.
    /// @param depositSeed Picks the deposit address.
    /// @param amount The amount (bounded per asset).
    function pay(uint256 assetSeed, uint256 depositSeed, uint256 amount) external countCall {
        address asset = assets[assetSeed % assets.length];
        uint256 i = depositSeed % DEPOSITS;
        uint256 unit = asset == NATIVE ? 0 : (asset == address(bscUsd) ? 1e18 : 1e6);
        amount = bound(amount, 1, unit == 0 ? MAX_NATIVE : MAX_WHOLE_TOKENS * unit);
        uint256 before = _balance(asset, deposits[i]);
        _payDeposit(asset, depositPayouts[i], depositRefs[i], amount);
        // solhint-disable-next-line reentrancy
        ghostArrived[asset] += _balance(asset, deposits[i]) - before; // measured after the transfer, by design
    }

    /// @notice Anyone forwards one deposit address (deploying it if needed); a failure must move nothing.
    /// @param assetSeed Picks the asset.
    /// @param depositSeed Picks the deposit address.
    /// @param callerSeed Picks who triggers it (a merchant or an attacker).
    function forwardOne(uint256 assetSeed, uint256 depositSeed, uint256 callerSeed) external countCall {
        address asset = assets[assetSeed % assets.length];
        uint256 i = depositSeed % DEPOSITS;
        address caller = callerSeed % 2 == 0 ? _pick(attackers, callerSeed / 2) : depositPayouts[i];
        (uint256 depositBefore, uint256 payoutBefore, uint256 feesBefore) = _snapshot(asset, i);
        vm.recordLogs();
        vm.startPrank(caller);
        (bool ok,) = _tryForward(asset, depositPayouts[i], depositRefs[i]);
        vm.stopPrank();
        IVm.Log[] memory logs = vm.getRecordedLogs();
        if (!ok) {
            // a blacklisted merchant
            assertEq(_balance(asset, deposits[i]), depositBefore, "failed forward moved funds");
            assertEq(_balance(asset, depositPayouts[i]), payoutBefore, "failed forward paid out");
            return;
        }
        _recordForward(asset, logs, feesBefore);
    }

    /// @notice Forwards three deposit addresses (repeats, deployed or not, blacklisted merchants allowed) in one
    /// batch, through `deployAndForwardMany` or `forwardMany`.
    /// @param assetSeed Picks the asset of each item (one byte each).
    /// @param depositSeed Picks the deposit address of each item (one byte each).
    function forwardBatch(uint256 assetSeed, uint256 depositSeed) external countCall {
        IDepositFactory.Forward[] memory items = new IDepositFactory.Forward[](3);
        for (uint256 k; k < items.length; ++k) {
            uint256 i = (depositSeed >> (8 * k)) % DEPOSITS;
            address asset = assets[(assetSeed >> (8 * k)) % assets.length];
            items[k] = IDepositFactory.Forward(asset, depositPayouts[i], depositRefs[i]);
        }
        uint256 feesBefore = tether.balanceOf(address(this));
        vm.recordLogs();
        // A batch of valid items never reverts, whichever entry point (and deployed or not).
        if ((assetSeed >> 128) % 2 == 0) factory.deployAndForwardMany(items);
        else factory.forwardMany(items);
        IVm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 a; a < assets.length; ++a) {
            _recordForward(assets[a], logs, assets[a] == address(tether) ? feesBefore : 0);
        }
    }

    /// @notice Puts a merchant on Tether's blacklist, or takes it off.
    /// @param merchantSeed Picks the merchant.
    function toggleBlacklist(uint256 merchantSeed) external countCall {
        address payout_ = _pick(merchants, merchantSeed);
        if (tether.isBlackListed(payout_)) tether.removeBlackList(payout_);
        else tether.addBlackList(payout_);
    }

    /// @notice Switches Tether's transfer fee, within Tether's own limits.
    /// @param basisPoints The fee rate (bounded).
    /// @param maxFee The fee cap in whole tokens (bounded).
    function setTetherFee(uint256 basisPoints, uint256 maxFee) external countCall {
        _setTetherFee(basisPoints, maxFee);
    }

    /// @notice An attacker calls a deployed deposit address directly: `sweep`, and factory entry points naming
    /// itself as payout (which run delegated in the clone). All must fail.
    /// @param attackerSeed Picks the attacker.
    /// @param assetSeed Picks the asset.
    /// @param depositSeed Picks the deposit address.
    function attackSweep(uint256 attackerSeed, uint256 assetSeed, uint256 depositSeed) external countCall {
        address attacker = _pick(attackers, attackerSeed);
        address asset = assets[assetSeed % assets.length];
        IDepositFactory deposit = IDepositFactory(deposits[depositSeed % DEPOSITS]);
        if (address(deposit).code.length == 0) return;
        uint256 held = _balance(asset, address(deposit));
        _attack(attacker, address(deposit), abi.encodeCall(IDepositFactory.sweep, (asset, attacker, held)));
        _attack(
            attacker,
            address(deposit),
            abi.encodeCall(IDepositFactory.deployAndForward, (asset, attacker, depositRefs[depositSeed % DEPOSITS]))
        );
    }

    /// @notice An attacker names itself as payout with a real order's reference, through the factory: that is
    /// another (empty) address, so whatever it forwards is nothing.
    /// @param attackerSeed Picks the attacker.
    /// @param assetSeed Picks the asset.
    /// @param depositSeed Picks the order whose reference is reused.
    function attackRedirect(uint256 attackerSeed, uint256 assetSeed, uint256 depositSeed) external countCall {
        address attacker = _pick(attackers, attackerSeed);
        vm.startPrank(attacker);
        (bool ok, uint256 received) =
            _tryForward(assets[assetSeed % assets.length], attacker, depositRefs[depositSeed % DEPOSITS]);
        vm.stopPrank();
        if (ok) assertEq(received, 0, "attacker received funds");
        else ++ghostAttacksRefused;
    }

    /* INVARIANTS */

    /// @notice Per asset, everything that reached a deposit address is still at a deposit address or reached its
    /// payout address (less Tether's fee on the way out): nothing ever went anywhere else.
    function invariant_fundsOnlyReachPayouts() public view {
        for (uint256 a; a < assets.length; ++a) {
            address asset = assets[a];
            uint256 held;
            for (uint256 i; i < DEPOSITS; ++i) {
                held += _balance(asset, deposits[i]);
            }
            assertEq(held + _sumBalances(asset, merchants) + ghostForwardFees[asset], ghostArrived[asset], "funds leaked");
        }
    }

    /// @notice Per asset, the `Forwarded` amounts add up to exactly what the payout addresses received.
    function invariant_emittedEqualsPayoutGrowth() public view {
        for (uint256 a; a < assets.length; ++a) {
            assertEq(ghostEmitted[assets[a]], _sumBalances(assets[a], merchants), "emitted != payout growth");
        }
    }

    /// @notice Attackers never hold anything, and neither does the factory.
    function invariant_attackersAndFactoryGetNothing() public view {
        for (uint256 a; a < assets.length; ++a) {
            for (uint256 k; k < attackers.length; ++k) {
                assertEq(_balance(assets[a], attackers[k]), 0, "attacker gained");
            }
            assertEq(_balance(assets[a], address(factory)), 0, "factory holds funds");
        }
    }

    /* HELPERS */

    /// @notice `attacker` calls deposit address `deposit` with `data`; the call must fail, which a deposit address
    /// tells by answering nothing (it never reverts).
    /// @param attacker The attacker.
    /// @param deposit The deposit address.
    /// @param data The calldata.
    function _attack(address attacker, address deposit, bytes memory data) private {
        vm.prank(attacker);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory answer) = deposit.call(data);
        assertTrue(ok && answer.length == 0, "an attack went through");
        ++ghostAttacksRefused;
    }

    /// @notice Forwards the deposit address bound to `payout_` and `orderRef`, deploying it first if it has no
    /// code; a revert is caught and reported as `ok == false`.
    /// @param asset The asset.
    /// @param payout_ The payout address.
    /// @param orderRef The order reference.
    /// @return ok Whether the forward went through.
    /// @return received What the factory returned.
    function _tryForward(address asset, address payout_, bytes32 orderRef)
        private
        returns (bool ok, uint256 received)
    {
        if (factory.depositAddress(payout_, orderRef).code.length == 0) {
            try factory.deployAndForward(asset, payout_, orderRef) returns (uint256 amount) {
                return (true, amount);
            } catch {
                return (false, 0);
            }
        }
        try factory.forward(asset, payout_, orderRef) returns (uint256 amount) {
            return (true, amount);
        } catch {
            return (false, 0);
        }
    }

    /// @notice Adds the `Forwarded` events for `asset` among `logs` to the ghosts, and Tether's fee since
    /// `feesBefore` (this contract's Tether balance before the forward).
    /// @param asset The asset.
    /// @param logs The captured logs.
    /// @param feesBefore This contract's Tether balance before the forward (ignored for other assets).
    function _recordForward(address asset, IVm.Log[] memory logs, uint256 feesBefore) private {
        IVm.Log[] memory forwarded = _forwardedEvents(logs);
        for (uint256 k; k < forwarded.length; ++k) {
            (address token, uint256 amount) = abi.decode(forwarded[k].data, (address, uint256));
            if (token == asset) ghostEmitted[asset] += amount;
        }
        if (asset == address(tether)) ghostForwardFees[asset] += tether.balanceOf(address(this)) - feesBefore;
    }

    /// @notice Balances around a forward of deposit `i`.
    /// @param asset The asset.
    /// @param i The deposit's index.
    /// @return depositBalance The deposit address's balance.
    /// @return payoutBalance Its payout address's balance.
    /// @return fees This contract's Tether balance (Tether's fee collector).
    function _snapshot(address asset, uint256 i)
        private
        view
        returns (uint256 depositBalance, uint256 payoutBalance, uint256 fees)
    {
        return (_balance(asset, deposits[i]), _balance(asset, depositPayouts[i]), tether.balanceOf(address(this)));
    }
}
