// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Risk-parameter roots posted by the pool's risk oracle (docs/params-tree.md).
interface IRiskParamsRegistry {
    struct Params {
        uint256 root; // paramsRoot (a BN254 field element)
        uint64 asOf; // the parameters' as-of time (unix seconds)
        uint64 validUntil; // last second the parameters may be used
        uint64 supersededAt; // when a later epoch was posted (0 while current)
    }

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event OracleChanged(address indexed previousOracle, address indexed newOracle);
    event GracePeriodChanged(uint64 gracePeriod);
    event ParamsPosted(uint64 indexed epoch, uint256 indexed root, uint64 asOf, uint64 validUntil);
    /// @notice Where the parameter file behind an epoch's root can be fetched (an http(s) or other
    /// URI). Emitted by postParamsWithUri and setParamsUri; the latest one for an epoch wins. Not
    /// trusted: a prover recomputes the fetched file's root and refuses it unless it is `root`.
    event ParamsUri(uint64 indexed epoch, uint256 indexed root, string uri);

    error RiskParamsRegistry__NotOwner();
    error RiskParamsRegistry__NotOracle();
    error RiskParamsRegistry__EpochNotIncreasing(uint64 epoch, uint64 latestEpoch);
    error RiskParamsRegistry__RootNotInField(uint256 root);
    error RiskParamsRegistry__RootAlreadyPosted(uint256 root);
    error RiskParamsRegistry__BadValidity(uint64 asOf, uint64 validUntil);
    error RiskParamsRegistry__ZeroAddress();
    error RiskParamsRegistry__GracePeriodTooLong(uint64 gracePeriod, uint64 max);
    error RiskParamsRegistry__UnknownEpoch(uint64 epoch);

    function postParams(uint256 root, uint64 epoch, uint64 asOf, uint64 validUntil) external;

    /// @notice postParams, and announce where the parameter file can be fetched (ParamsUri).
    function postParamsWithUri(uint256 root, uint64 epoch, uint64 asOf, uint64 validUntil, string calldata uri) external;

    /// @notice Announce a (new) location of an already posted epoch's parameter file (ParamsUri).
    function setParamsUri(uint64 epoch, string calldata uri) external;

    function latestEpoch() external view returns (uint64);

    function paramsOf(uint64 epoch) external view returns (Params memory);

    function epochOfRoot(uint256 root) external view returns (uint64 epoch, bool known);

    /// @notice One-read status of a root for verifiers: its epoch, the last second proofs against it
    /// are accepted (its validUntil, or the end of its grace period once superseded), and whether it
    /// was ever posted.
    function rootStatus(uint256 root) external view returns (uint64 epoch, uint64 acceptedUntil, bool known);

    /// @notice Whether proofs against this epoch's root are accepted now, and until when.
    function isAcceptable(uint64 epoch) external view returns (bool acceptable, uint64 acceptedUntil);
}
