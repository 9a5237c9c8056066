// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IDepositFactory} from "../../../contracts/interfaces/IDepositFactory.sol";

/// @title ReenteringToken
/// @author Stablegate
/// @notice A token whose `transfer` calls back into the factory once, to prove the forward cannot be re-entered.
contract ReenteringToken is ERC20 {
    /// @notice The factory to call back into.
    IDepositFactory private immutable _FACTORY;

    /// @notice The payout and order reference of the deposit address to forward from inside `transfer`.
    address private _payout;

    /// @notice See `_payout`.
    bytes32 private _orderRef;

    /// @notice Deploys the token.
    /// @param factory The factory to call back into.
    constructor(IDepositFactory factory) ERC20("Reentering", "REENT") {
        _FACTORY = factory;
    }

    /// @notice Mints `amount` to `to`.
    /// @param to The holder.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the call-back.
    /// @param payout_ The payout of the deposit address to forward.
    /// @param orderRef The order reference of the deposit address to forward.
    function arm(address payout_, bytes32 orderRef) external {
        _payout = payout_;
        _orderRef = orderRef;
    }

    /// @notice Transfers, after calling back into the factory once if armed.
    /// @param to The recipient.
    /// @param value The amount.
    /// @return ok Always true.
    function transfer(address to, uint256 value) public override returns (bool ok) {
        if (_payout != address(0)) {
            address payout_ = _payout;
            _payout = address(0);
            _FACTORY.forward(address(this), payout_, _orderRef);
        }
        return super.transfer(to, value);
    }
}
