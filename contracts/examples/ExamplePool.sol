// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMarginAttestations} from "../interfaces/IMarginAttestations.sol";

/// @title Example consumer: a minimal credit pool gated by private margin attestations
/// @notice Accounts borrow or withdraw only while their attestation shows the health the action
/// needs; an account whose attestation expired or whose epoch was retired is liquidatable. Balances
/// are plain numbers here; a real pool would move tokens.
contract ExamplePool {
    IMarginAttestations public immutable attestations;
    uint32 public immutable borrowHealthBps;
    uint32 public immutable withdrawHealthBps;
    uint32 public immutable maintenanceHealthBps;

    mapping(address => uint256) public debtOf;
    mapping(address => uint256) public depositOf;

    event Borrowed(address indexed account, uint256 amount);
    event Repaid(address indexed account, uint256 amount);
    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event Liquidated(address indexed account, address indexed liquidator, uint256 debt);

    error ExamplePool__NotHealthy(address account, uint32 requiredHealthBps);
    error ExamplePool__NotLiquidatable(address account);
    error ExamplePool__InsufficientBalance(uint256 available, uint256 requested);

    constructor(IMarginAttestations attestations_, uint32 borrowHealthBps_, uint32 withdrawHealthBps_, uint32 maintenanceHealthBps_) {
        attestations = attestations_;
        borrowHealthBps = borrowHealthBps_;
        withdrawHealthBps = withdrawHealthBps_;
        maintenanceHealthBps = maintenanceHealthBps_;
    }

    function deposit(uint256 amount) external {
        depositOf[msg.sender] += amount;
        emit Deposited(msg.sender, amount);
    }

    function borrow(uint256 amount) external {
        if (!attestations.isHealthy(msg.sender, borrowHealthBps)) revert ExamplePool__NotHealthy(msg.sender, borrowHealthBps);
        debtOf[msg.sender] += amount;
        emit Borrowed(msg.sender, amount);
    }

    function repay(uint256 amount) external {
        uint256 debt = debtOf[msg.sender];
        if (amount > debt) revert ExamplePool__InsufficientBalance(debt, amount);
        debtOf[msg.sender] = debt - amount;
        emit Repaid(msg.sender, amount);
    }

    function withdraw(uint256 amount) external {
        uint256 dep = depositOf[msg.sender];
        if (amount > dep) revert ExamplePool__InsufficientBalance(dep, amount);
        if (debtOf[msg.sender] != 0 && !attestations.isHealthy(msg.sender, withdrawHealthBps)) {
            revert ExamplePool__NotHealthy(msg.sender, withdrawHealthBps);
        }
        depositOf[msg.sender] = dep - amount;
        emit Withdrawn(msg.sender, amount);
    }

    /// @notice An account with debt is liquidatable once it can no longer show maintenance health
    /// (its attestation expired, its epoch was retired, or it never attested).
    function isLiquidatable(address account) public view returns (bool) {
        return debtOf[account] != 0 && !attestations.isHealthy(account, maintenanceHealthBps);
    }

    function liquidate(address account) external {
        if (!isLiquidatable(account)) revert ExamplePool__NotLiquidatable(account);
        uint256 debt = debtOf[account];
        debtOf[account] = 0;
        depositOf[account] = 0;
        emit Liquidated(account, msg.sender, debt);
    }
}
