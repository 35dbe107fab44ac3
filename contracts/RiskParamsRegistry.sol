// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRiskParamsRegistry} from "./interfaces/IRiskParamsRegistry.sol";

/// @title Risk-parameter registry
/// @notice The risk oracle posts each epoch's paramsRoot with its as-of time and validity window.
/// Epochs only increase. A superseded root stays accepted for `gracePeriod` seconds after the next
/// epoch is posted (never beyond its own validUntil), so provers have time to re-prove. The grace
/// end is fixed when the root is superseded (a later change of gracePeriod does not move it).
/// Where each epoch's parameter file can be fetched is announced in ParamsUri events only (no
/// storage): provers read the log and check the file's root themselves.
contract RiskParamsRegistry is IRiskParamsRegistry {
    /// @dev BN254 scalar field modulus.
    uint256 internal constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Longest grace period the owner may set: keeps `now + gracePeriod` far from overflow
    /// (a larger value would make every later postParams revert).
    uint64 public constant MAX_GRACE_PERIOD = 30 days;

    address public owner;
    address public oracle;
    uint64 public gracePeriod;
    uint64 public latestEpoch;
    bool public hasParams;

    /// @dev What a verifier needs about a root, in one storage slot.
    struct RootInfo {
        uint64 epoch;
        uint64 acceptedUntil;
        bool known;
    }

    mapping(uint64 => Params) internal _params;
    mapping(uint256 => RootInfo) internal _roots;

    constructor(address oracle_, uint64 gracePeriod_) {
        if (oracle_ == address(0)) revert RiskParamsRegistry__ZeroAddress();
        if (gracePeriod_ > MAX_GRACE_PERIOD) revert RiskParamsRegistry__GracePeriodTooLong(gracePeriod_, MAX_GRACE_PERIOD);
        owner = msg.sender;
        oracle = oracle_;
        gracePeriod = gracePeriod_;
        emit OracleChanged(address(0), oracle_);
        emit GracePeriodChanged(gracePeriod_);
    }

    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert RiskParamsRegistry__NotOwner();
        if (newOwner == address(0)) revert RiskParamsRegistry__ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function setOracle(address newOracle) external {
        if (msg.sender != owner) revert RiskParamsRegistry__NotOwner();
        if (newOracle == address(0)) revert RiskParamsRegistry__ZeroAddress();
        emit OracleChanged(oracle, newOracle);
        oracle = newOracle;
    }

    function setGracePeriod(uint64 newGracePeriod) external {
        if (msg.sender != owner) revert RiskParamsRegistry__NotOwner();
        if (newGracePeriod > MAX_GRACE_PERIOD) revert RiskParamsRegistry__GracePeriodTooLong(newGracePeriod, MAX_GRACE_PERIOD);
        gracePeriod = newGracePeriod;
        emit GracePeriodChanged(newGracePeriod);
    }

    /// @inheritdoc IRiskParamsRegistry
    function postParams(uint256 root, uint64 epoch, uint64 asOf, uint64 validUntil) external {
        _postParams(root, epoch, asOf, validUntil);
    }

    /// @inheritdoc IRiskParamsRegistry
    function postParamsWithUri(uint256 root, uint64 epoch, uint64 asOf, uint64 validUntil, string calldata uri) external {
        _postParams(root, epoch, asOf, validUntil);
        emit ParamsUri(epoch, root, uri);
    }

    /// @inheritdoc IRiskParamsRegistry
    function setParamsUri(uint64 epoch, string calldata uri) external {
        if (msg.sender != oracle) revert RiskParamsRegistry__NotOracle();
        uint256 root = _params[epoch].root;
        RootInfo storage r = _roots[root];
        if (!r.known || r.epoch != epoch) revert RiskParamsRegistry__UnknownEpoch(epoch);
        emit ParamsUri(epoch, root, uri);
    }

    function _postParams(uint256 root, uint64 epoch, uint64 asOf, uint64 validUntil) internal {
        if (msg.sender != oracle) revert RiskParamsRegistry__NotOracle();
        if (hasParams && epoch <= latestEpoch) revert RiskParamsRegistry__EpochNotIncreasing(epoch, latestEpoch);
        if (root >= FIELD) revert RiskParamsRegistry__RootNotInField(root);
        if (_roots[root].known) revert RiskParamsRegistry__RootAlreadyPosted(root);
        if (validUntil <= asOf || validUntil <= block.timestamp) revert RiskParamsRegistry__BadValidity(asOf, validUntil);
        if (hasParams) {
            Params storage prev = _params[latestEpoch];
            prev.supersededAt = uint64(block.timestamp);
            uint64 graceEnd = uint64(block.timestamp) + gracePeriod;
            RootInfo storage prevInfo = _roots[prev.root];
            if (graceEnd < prevInfo.acceptedUntil) prevInfo.acceptedUntil = graceEnd;
        }
        _params[epoch] = Params({root: root, asOf: asOf, validUntil: validUntil, supersededAt: 0});
        _roots[root] = RootInfo({epoch: epoch, acceptedUntil: validUntil, known: true});
        latestEpoch = epoch;
        hasParams = true;
        emit ParamsPosted(epoch, root, asOf, validUntil);
    }

    function paramsOf(uint64 epoch) external view returns (Params memory) {
        return _params[epoch];
    }

    function epochOfRoot(uint256 root) external view returns (uint64 epoch, bool known) {
        RootInfo storage r = _roots[root];
        return (r.epoch, r.known);
    }

    /// @inheritdoc IRiskParamsRegistry
    function rootStatus(uint256 root) external view returns (uint64 epoch, uint64 acceptedUntil, bool known) {
        RootInfo storage r = _roots[root];
        return (r.epoch, r.acceptedUntil, r.known);
    }

    /// @inheritdoc IRiskParamsRegistry
    function isAcceptable(uint64 epoch) public view returns (bool acceptable, uint64 acceptedUntil) {
        Params storage p = _params[epoch];
        RootInfo storage r = _roots[p.root];
        if (!r.known || r.epoch != epoch) return (false, 0);
        acceptedUntil = r.acceptedUntil;
        acceptable = block.timestamp <= acceptedUntil;
    }
}
