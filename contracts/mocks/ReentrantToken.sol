// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IPaymentRouter} from "../interfaces/IPaymentRouter.sol";

/// @title ReentrantToken
/// @notice Hostile test token: inside `transferFrom` it calls the router again to make it move a second time.
contract ReentrantToken is ERC20 {
    IPaymentRouter public router;
    bool public reentryAttempted;

    constructor() ERC20("Reentrant", "REENT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(IPaymentRouter target) external {
        router = target;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (address(router) != address(0) && !reentryAttempted) {
            reentryAttempted = true;
            router.pay(address(this), value, to, bytes32("reentered"));
        }
        return super.transferFrom(from, to, value);
    }
}
