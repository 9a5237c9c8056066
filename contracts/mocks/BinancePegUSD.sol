// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title BinancePegUSD
/// @notice 18-decimal USDT as BSC has it (a plain BEP-20 that returns bool). For local chains and tests only.
contract BinancePegUSD is ERC20, Ownable {
    constructor(uint256 initialSupply) ERC20("Tether USD (BSC)", "USDT18") Ownable(msg.sender) {
        _mint(msg.sender, initialSupply);
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
