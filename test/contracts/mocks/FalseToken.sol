// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FalseToken
/// @author Stablegate
/// @notice A token whose `transfer` answers `false` without moving anything once refusing (the old ERC-20 way of
/// failing), to prove a forward takes `false` for a failure.
contract FalseToken is ERC20 {
    /// @notice Whether `transfer` refuses.
    bool private _refusing;

    /// @notice Deploys the token.
    constructor() ERC20("False", "FALSE") {}

    /// @notice Mints `amount` to `to`.
    /// @param to The holder.
    /// @param amount The amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes `transfer` refuse, or accept again.
    /// @param refusing Whether it refuses.
    function setRefusing(bool refusing) external {
        _refusing = refusing;
    }

    /// @notice Transfers, or answers `false` and moves nothing while refusing.
    /// @param to The recipient.
    /// @param value The amount.
    /// @return ok Whether it moved.
    function transfer(address to, uint256 value) public override returns (bool ok) {
        if (_refusing) return false;
        return super.transfer(to, value);
    }
}
