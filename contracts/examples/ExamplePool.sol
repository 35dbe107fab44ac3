// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMarginAttestations} from "../interfaces/IMarginAttestations.sol";

/// @notice The ERC-20 surface the example pool uses.
interface IERC20Like {
    function decimals() external view returns (uint8);
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title Example consumer: a credit line against private margin attestations
/// @notice Lends one token against the borrower's attested credit limit. The borrower's collateral
/// stays off-chain in the portfolio its proof covers; the proof shows
/// 10000 * adjustedCollateral >= healthBps * (requirement + creditLimit), so the portfolio still
/// meets margin with the loan counted as a further requirement.
///
/// Valuation (how the pool turns its loan into the attested unit, USD cents): the lent token is a
/// USD stablecoin valued at exactly 1.00 USD per whole token (no oracle, no depeg handling), so
/// debt in cents = ceil(debt * 100 / 10^decimals), rounded UP (against the borrower: a debt of
/// 0.000001 tokens counts as 1 cent). An account may borrow only while, after the loan, its debt in
/// cents is at most `attestations.creditLimitOf(account, borrowHealthBps)`; the pool charges no
/// interest, so debt changes only by borrowing, repaying and liquidation.
///
/// Liquidation: an account with debt becomes liquidatable when its debt in cents exceeds
/// `creditLimitOf(account, maintenanceHealthBps)`, which is 0 once its attestation expired, its
/// epoch was retired (past the grace period), its attestor was revoked under an attestor policy,
/// or it never attested, and otherwise its live proven limit (e.g. after a refresh with a lower
/// limit). The liquidator must repay the whole debt in the pool's token (transferred in, so the
/// pool's lenders are made whole); in return it receives the pool's claim on that amount against the
/// account (`claimOf[account][liquidator]`), which the account settles through `payClaim` (paying the
/// liquidator directly). This example gives the liquidator no bonus and seizes nothing on-chain (the
/// collateral is off-chain); recovering an unpaid claim is a matter for the credit agreement. An
/// account with an outstanding claim cannot borrow.
///
/// Lenders supply liquidity with `deposit` and take it back with `withdraw` while the pool holds
/// the cash (no interest, no shares: an example, not a lending protocol).
contract ExamplePool {
    IMarginAttestations public immutable attestations;
    IERC20Like public immutable token;
    /// @notice Health the attestation must show to borrow (>= maintenanceHealthBps).
    uint32 public immutable borrowHealthBps;
    /// @notice Health below which the credit limit no longer counts (liquidation threshold).
    uint32 public immutable maintenanceHealthBps;
    /// @notice Token base units per USD cent: 10^(decimals - 2) (1 token = 1.00 USD).
    uint256 public immutable unitsPerCent;

    /// @notice Borrowed amount outstanding, in token base units.
    mapping(address => uint256) public debtOf;
    /// @notice Liquidity supplied by a lender, in token base units.
    mapping(address => uint256) public depositOf;
    /// @notice account => liquidator => amount the account owes the liquidator after a liquidation.
    mapping(address => mapping(address => uint256)) public claimOf;
    /// @notice Total of the claims against an account.
    mapping(address => uint256) public claimsOf;

    event Deposited(address indexed lender, uint256 amount);
    event Withdrawn(address indexed lender, uint256 amount);
    event Borrowed(address indexed account, uint256 amount, uint256 debt);
    event Repaid(address indexed account, uint256 amount, uint256 debt);
    event Liquidated(address indexed account, address indexed liquidator, uint256 debt, uint256 debtCents, uint64 creditLimitCents);
    event ClaimPaid(address indexed account, address indexed liquidator, uint256 amount);

    error ExamplePool__BadConfig();
    error ExamplePool__ZeroAmount();
    error ExamplePool__NotHealthy(address account, uint32 requiredHealthBps);
    /// @notice The loan would bring the debt to `debtCents` (rounded up), above the attested limit.
    error ExamplePool__CreditLimitExceeded(address account, uint256 amount, uint256 debt, uint256 debtCents, uint64 creditLimitCents);
    error ExamplePool__NotLiquidatable(address account, uint256 debtCents, uint64 creditLimitCents);
    error ExamplePool__OutstandingClaims(address account, uint256 claims);
    error ExamplePool__InsufficientBalance(uint256 available, uint256 requested);
    error ExamplePool__InsufficientLiquidity(uint256 available, uint256 requested);
    error ExamplePool__TransferFailed();

    constructor(IMarginAttestations attestations_, IERC20Like token_, uint32 borrowHealthBps_, uint32 maintenanceHealthBps_) {
        if (address(attestations_).code.length == 0 || address(token_).code.length == 0) revert ExamplePool__BadConfig();
        if (maintenanceHealthBps_ < 10000 || borrowHealthBps_ < maintenanceHealthBps_) revert ExamplePool__BadConfig();
        uint8 decimals = token_.decimals();
        if (decimals < 2 || decimals > 38) revert ExamplePool__BadConfig();
        attestations = attestations_;
        token = token_;
        borrowHealthBps = borrowHealthBps_;
        maintenanceHealthBps = maintenanceHealthBps_;
        unitsPerCent = 10 ** (decimals - 2);
    }

    // ---------------------------------------------------------------- lenders

    function deposit(uint256 amount) external {
        if (amount == 0) revert ExamplePool__ZeroAmount();
        depositOf[msg.sender] += amount;
        _pull(msg.sender, address(this), amount);
        emit Deposited(msg.sender, amount);
    }

    function withdraw(uint256 amount) external {
        uint256 dep = depositOf[msg.sender];
        if (amount > dep) revert ExamplePool__InsufficientBalance(dep, amount);
        uint256 cash = token.balanceOf(address(this));
        if (amount > cash) revert ExamplePool__InsufficientLiquidity(cash, amount);
        depositOf[msg.sender] = dep - amount;
        _push(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ---------------------------------------------------------------- borrowers

    /// @notice Borrow `amount` base units; the debt after it, in cents rounded up, must stay within
    /// the attested credit limit at `borrowHealthBps`.
    function borrow(uint256 amount) external {
        if (amount == 0) revert ExamplePool__ZeroAmount();
        uint256 claims = claimsOf[msg.sender];
        if (claims != 0) revert ExamplePool__OutstandingClaims(msg.sender, claims);
        uint64 limit = attestations.creditLimitOf(msg.sender, borrowHealthBps);
        if (limit == 0 && !attestations.isHealthy(msg.sender, borrowHealthBps)) revert ExamplePool__NotHealthy(msg.sender, borrowHealthBps);
        uint256 debt = debtOf[msg.sender] + amount;
        uint256 cents = debtCents(debt);
        if (cents > limit) revert ExamplePool__CreditLimitExceeded(msg.sender, amount, debt, cents, limit);
        uint256 cash = token.balanceOf(address(this));
        if (amount > cash) revert ExamplePool__InsufficientLiquidity(cash, amount);
        debtOf[msg.sender] = debt;
        _push(msg.sender, amount);
        emit Borrowed(msg.sender, amount, debt);
    }

    /// @notice Repay `amount` base units of the sender's debt (the pool must be approved for it).
    function repay(uint256 amount) external {
        if (amount == 0) revert ExamplePool__ZeroAmount();
        uint256 debt = debtOf[msg.sender];
        if (amount > debt) revert ExamplePool__InsufficientBalance(debt, amount);
        debtOf[msg.sender] = debt - amount;
        _pull(msg.sender, address(this), amount);
        emit Repaid(msg.sender, amount, debt - amount);
    }

    /// @notice Settle (part of) a claim a liquidator holds against the sender: pays the liquidator.
    function payClaim(address liquidator, uint256 amount) external {
        if (amount == 0) revert ExamplePool__ZeroAmount();
        uint256 claim = claimOf[msg.sender][liquidator];
        if (amount > claim) revert ExamplePool__InsufficientBalance(claim, amount);
        claimOf[msg.sender][liquidator] = claim - amount;
        claimsOf[msg.sender] -= amount;
        _pull(msg.sender, liquidator, amount);
        emit ClaimPaid(msg.sender, liquidator, amount);
    }

    // ---------------------------------------------------------------- liquidation

    /// @notice Debt in USD cents, rounded up: ceil(debt / unitsPerCent) (1 token = 1.00 USD).
    function debtCents(uint256 debt) public view returns (uint256) {
        uint256 u = unitsPerCent;
        return debt / u + (debt % u == 0 ? 0 : 1);
    }

    /// @notice True when the account has debt above the credit limit its attestation covers at
    /// maintenance health (0 when the attestation is expired, retired or unhealthy).
    function isLiquidatable(address account) public view returns (bool) {
        uint256 debt = debtOf[account];
        return debt != 0 && debtCents(debt) > attestations.creditLimitOf(account, maintenanceHealthBps);
    }

    /// @notice Repay a liquidatable account's whole debt (the pool must be approved for it) and take
    /// over the claim on that amount against the account.
    function liquidate(address account) external {
        uint256 debt = debtOf[account];
        uint256 cents = debtCents(debt);
        uint64 limit = attestations.creditLimitOf(account, maintenanceHealthBps);
        if (debt == 0 || cents <= limit) revert ExamplePool__NotLiquidatable(account, cents, limit);
        debtOf[account] = 0;
        claimOf[account][msg.sender] += debt;
        claimsOf[account] += debt;
        _pull(msg.sender, address(this), debt);
        emit Liquidated(account, msg.sender, debt, cents, limit);
    }

    // ---------------------------------------------------------------- token moves

    function _push(address to, uint256 amount) internal {
        _call(abi.encodeCall(IERC20Like.transfer, (to, amount)));
    }

    function _pull(address from, address to, uint256 amount) internal {
        _call(abi.encodeCall(IERC20Like.transferFrom, (from, to, amount)));
    }

    /// @dev A token revert is re-thrown as is (its custom error reaches the caller); a `false`
    /// return is refused.
    function _call(bytes memory data) internal {
        (bool ok, bytes memory ret) = address(token).call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        if (ret.length != 0 && !abi.decode(ret, (bool))) revert ExamplePool__TransferFailed();
    }
}
