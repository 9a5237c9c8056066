// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title PermitUSD
/// @notice USDC-like test token: 6 decimals and EIP-2612 `permit`. For local chains and tests only.
contract PermitUSD is ERC20, ERC20Permit, Ownable {
    constructor(uint256 initialSupply) ERC20("Permit USD", "USDC") ERC20Permit("Permit USD") Ownable(msg.sender) {
        _mint(msg.sender, initialSupply);
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
