// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDepositFactory} from "../../../contracts/interfaces/IDepositFactory.sol";
import {DepositFactory} from "../../../contracts/DepositFactory.sol";
import {IVm} from "./Vm.sol";
import {BaseTest} from "./BaseTest.sol";

/// @title DepositFactoryBase
/// @author Stablegate
/// @notice `BaseTest` with a `DepositFactory`: paying a deposit address and reading the factory's `Forwarded`
/// events, for the unit tests and the invariant handlers alike.
abstract contract DepositFactoryBase is BaseTest {
    /// @notice The factory under test.
    DepositFactory internal factory;

    /// @notice Deploys the tokens, names the accounts and deploys the factory.
    function setUp() public virtual override {
        super.setUp();
        factory = new DepositFactory();
    }

    /// @notice A customer pays the deposit address bound to `payout_` and `orderRef` by a plain transfer (of native
    /// coin for `NATIVE`), before or after it has code.
    /// @param asset A token, or `NATIVE`.
    /// @param payout_ The deposit address's payout address.
    /// @param orderRef The deposit address's order reference.
    /// @param amount The amount sent (TetherUSD's fee, if on, applies on the way).
    /// @return deposit The deposit address.
    function _payDeposit(address asset, address payout_, bytes32 orderRef, uint256 amount)
        internal
        returns (address deposit)
    {
        deposit = factory.depositAddress(payout_, orderRef);
        if (asset == NATIVE) _sendNative(deposit, amount);
        else _fund(asset, deposit, amount);
    }

    /// @notice The factory's `Forwarded` events among `logs`.
    /// @param logs The captured logs.
    /// @return forwarded The matching logs, in order.
    function _forwardedEvents(IVm.Log[] memory logs) internal view returns (IVm.Log[] memory forwarded) {
        return _eventsOf(logs, address(factory), IDepositFactory.Forwarded.selector);
    }

    /// @notice The amount of the one `Forwarded` event among `logs`.
    /// @param logs The captured logs.
    /// @return amount The event's amount.
    function _forwardedAmount(IVm.Log[] memory logs) internal view returns (uint256 amount) {
        IVm.Log[] memory forwarded = _forwardedEvents(logs);
        assertEq(forwarded.length, 1, "Forwarded count");
        (, amount) = abi.decode(forwarded[0].data, (address, uint256));
    }
}
