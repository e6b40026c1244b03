// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DatanetTestToken
/// @notice A mintable ERC-20 for the embedded chain and tests; production uses a real token.
contract DatanetTestToken is ERC20, Ownable {
    constructor(address owner_) ERC20("Datanet Test Token", "DNT") Ownable(owner_) {}

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
