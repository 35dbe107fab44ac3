// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGroth16Verifier} from "./interfaces/IGroth16Verifier.sol";
import {IVerifiedGroth16Verifier} from "./interfaces/IVerifiedGroth16Verifier.sol";
import {IMarginAttestations} from "./interfaces/IMarginAttestations.sol";
import {IRiskParamsRegistry} from "./interfaces/IRiskParamsRegistry.sol";

/// @title Private margin attestations with a credit limit
/// @notice Verifies zkmargin proofs and records, per account, that its hidden portfolio met margin
/// at a stated health with a stated credit limit under a posted risk-parameter root:
/// 10000 * adjustedCollateral >= healthBps * (requirement + creditLimit), creditLimit in USD cents.
/// The two statement terms travel as one public signal, terms = healthBps + creditLimitCents * 2^32,
/// which this contract computes from the submitted values (so a proof made for one limit or health
/// cannot be recorded with another). The proof's `context` is derived here from (chain id, this
/// contract, msg.sender, the sender's nonce), so a proof cannot be replayed by another account, on
/// another chain or deployment, or twice (the nonce advances on success, which also defeats
/// re-randomized copies of a used proof).
///
/// Verified mode (`submitVerified`): the circuit also proves that the portfolio is the sum of
/// holdings statements signed by venues listed under the root, for the public `account`; this
/// contract passes uint160(msg.sender) as that signal, so only the account the statements were
/// signed for can record the proof. The attestation records that it was verified. A deployment
/// without a verified verifier (address 0) refuses verified proofs; a `requireVerified` policy
/// refuses the other two kinds and counts only verified attestations in isHealthy/creditLimitOf.
contract MarginAttestations is IMarginAttestations {
    uint256 internal constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 public constant PORTFOLIO_TYPEHASH = keccak256("PortfolioAttestation(uint256 commitment,address account,uint64 asOf)");
    /// @dev secp256k1n / 2: signatures with a higher s are malleable copies.
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// @dev terms = healthBps + creditLimitCents << TERMS_SHIFT (< 2^96, always a field element).
    uint256 internal constant TERMS_SHIFT = 32;

    /// @notice Policy bounds. Every value inside them keeps later calls from reverting: expiry and
    /// signature-age sums stay far below 2^64, and every minimum health can be proven (the SDK
    /// proves health up to 1,000,000 bps; the circuit takes up to 10000 + 2^20 - 1).
    uint32 public constant MIN_HEALTH_FLOOR = 10000;
    uint32 public constant MIN_HEALTH_CEILING = 1_000_000;
    uint64 public constant MIN_TTL = 60;
    uint64 public constant MAX_TTL = 365 days;
    uint64 public constant MIN_ATTESTOR_AGE = 60;
    uint64 public constant MAX_ATTESTOR_AGE = 30 days;

    uint256 internal immutable _cachedChainId;
    bytes32 internal immutable _cachedDomainSeparator;

    IGroth16Verifier public immutable verifier;
    /// @notice The verifier of verified proofs (5 public signals); address 0 if the deployment has none.
    IVerifiedGroth16Verifier public immutable verifiedVerifier;
    IRiskParamsRegistry public immutable registry;

    // policy: one storage slot, read once per submission
    bool public requireAttestor;
    uint32 public minHealthBps;
    uint64 public attestationTtl;
    uint64 public maxAttestorAge;
    /// @notice Only verified proofs are accepted, and only verified attestations count.
    bool public requireVerified;

    address public owner;

    /// @dev attestorId => attestor (index 0 unused: self-declared)
    address[] internal _attestors;
    /// @dev attestor => (id << 1) | approved, one slot read per attested submission
    mapping(address => uint256) internal _attestorInfo;

    mapping(address => Attestation) internal _attestations;

    /// @param verifiedVerifier_ the verified-mode verifier, or address 0 for a deployment that takes
    /// only self-declared (and attested) proofs.
    constructor(
        IGroth16Verifier verifier_,
        IVerifiedGroth16Verifier verifiedVerifier_,
        IRiskParamsRegistry registry_,
        uint32 minHealthBps_,
        uint64 attestationTtl_,
        bool requireAttestor_,
        uint64 maxAttestorAge_,
        bool requireVerified_
    ) {
        if (address(verifier_) == address(0) || address(registry_) == address(0)) revert MarginAttestations__ZeroAddress();
        verifier = verifier_;
        verifiedVerifier = verifiedVerifier_;
        registry = registry_;
        owner = msg.sender;
        _attestors.push(address(0));
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _domainSeparator();
        _setPolicy(requireAttestor_, minHealthBps_, attestationTtl_, maxAttestorAge_);
        _setRequireVerified(requireVerified_);
    }

    // ---------------------------------------------------------------- admin

    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert MarginAttestations__NotOwner();
        if (newOwner == address(0)) revert MarginAttestations__ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function setPolicy(bool requireAttestor_, uint32 minHealthBps_, uint64 attestationTtl_, uint64 maxAttestorAge_) external {
        if (msg.sender != owner) revert MarginAttestations__NotOwner();
        _setPolicy(requireAttestor_, minHealthBps_, attestationTtl_, maxAttestorAge_);
    }

    /// @dev Refuses values outside the documented bounds instead of clamping them.
    function _setPolicy(bool requireAttestor_, uint32 minHealthBps_, uint64 attestationTtl_, uint64 maxAttestorAge_) internal {
        if (minHealthBps_ < MIN_HEALTH_FLOOR || minHealthBps_ > MIN_HEALTH_CEILING) {
            revert MarginAttestations__MinHealthOutOfRange(minHealthBps_, MIN_HEALTH_FLOOR, MIN_HEALTH_CEILING);
        }
        if (attestationTtl_ < MIN_TTL || attestationTtl_ > MAX_TTL) revert MarginAttestations__TtlOutOfRange(attestationTtl_, MIN_TTL, MAX_TTL);
        if (maxAttestorAge_ < MIN_ATTESTOR_AGE || maxAttestorAge_ > MAX_ATTESTOR_AGE) {
            revert MarginAttestations__AttestorAgeOutOfRange(maxAttestorAge_, MIN_ATTESTOR_AGE, MAX_ATTESTOR_AGE);
        }
        requireAttestor = requireAttestor_;
        minHealthBps = minHealthBps_;
        attestationTtl = attestationTtl_;
        maxAttestorAge = maxAttestorAge_;
        emit PolicyChanged(requireAttestor_, minHealthBps_, attestationTtl_, maxAttestorAge_);
    }

    /// @notice Accept only verified proofs (and count only verified attestations), or lift that rule.
    /// Refused without a verified verifier (the pool would accept nothing).
    function setRequireVerified(bool requireVerified_) external {
        if (msg.sender != owner) revert MarginAttestations__NotOwner();
        _setRequireVerified(requireVerified_);
    }

    function _setRequireVerified(bool requireVerified_) internal {
        if (requireVerified_ && address(verifiedVerifier) == address(0)) revert MarginAttestations__VerifiedProofsNotSupported();
        requireVerified = requireVerified_;
        emit VerifiedPolicyChanged(requireVerified_);
    }

    function setAttestor(address attestor, bool approved) external {
        if (msg.sender != owner) revert MarginAttestations__NotOwner();
        if (attestor == address(0)) revert MarginAttestations__ZeroAddress();
        uint256 id = _attestorInfo[attestor] >> 1;
        if (id == 0) {
            if (_attestors.length > type(uint16).max) revert MarginAttestations__TooManyAttestors();
            id = _attestors.length;
            _attestors.push(attestor);
        }
        _attestorInfo[attestor] = (id << 1) | (approved ? 1 : 0);
        emit AttestorSet(attestor, approved);
    }

    function isApprovedAttestor(address attestor) public view returns (bool) {
        return _attestorInfo[attestor] & 1 == 1;
    }

    function attestorIdOf(address attestor) external view returns (uint16) {
        return uint16(_attestorInfo[attestor] >> 1);
    }

    // ---------------------------------------------------------------- proofs

    /// @inheritdoc IMarginAttestations
    function contextOf(address account) public view returns (uint256) {
        return _context(account, _attestations[account].nonce);
    }

    function _context(address account, uint32 nonce) internal view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), account, nonce))) % FIELD;
    }

    /// @inheritdoc IMarginAttestations
    function submit(Proof calldata proof, uint256 commitment, uint256 paramsRoot, uint32 healthBps, uint64 creditLimitCents) external {
        if (requireVerified) revert MarginAttestations__VerifiedProofRequired();
        if (requireAttestor) revert MarginAttestations__AttestorRequired();
        _record(proof, commitment, paramsRoot, healthBps, creditLimitCents, 0, address(0), type(uint64).max, false);
    }

    /// @inheritdoc IMarginAttestations
    function submitVerified(Proof calldata proof, uint256 commitment, uint256 paramsRoot, uint32 healthBps, uint64 creditLimitCents) external {
        if (address(verifiedVerifier) == address(0)) revert MarginAttestations__VerifiedProofsNotSupported();
        _record(proof, commitment, paramsRoot, healthBps, creditLimitCents, 0, address(0), type(uint64).max, true);
    }

    /// @inheritdoc IMarginAttestations
    function submitAttested(
        Proof calldata proof,
        uint256 commitment,
        uint256 paramsRoot,
        uint32 healthBps,
        uint64 creditLimitCents,
        AttestorSignature calldata attestation
    ) external {
        if (requireVerified) revert MarginAttestations__VerifiedProofRequired();
        address signer = _recover(portfolioDigest(commitment, msg.sender, attestation.asOf), attestation.r, attestation.vs);
        uint256 info = _attestorInfo[signer];
        if (info & 1 == 0) revert MarginAttestations__AttestorNotApproved(signer);
        if (attestation.asOf > block.timestamp || block.timestamp - attestation.asOf > maxAttestorAge) {
            revert MarginAttestations__AttestorSignatureStale(attestation.asOf, maxAttestorAge);
        }
        // an attested portfolio is vouched for as of `asOf`: the attestation cannot outlive the
        // signature's own freshness window (asOf <= now and maxAttestorAge <= MAX_ATTESTOR_AGE: no overflow)
        _record(proof, commitment, paramsRoot, healthBps, creditLimitCents, uint16(info >> 1), signer, attestation.asOf + maxAttestorAge, false);
    }

    function _record(
        Proof calldata proof,
        uint256 commitment,
        uint256 paramsRoot,
        uint32 healthBps,
        uint64 creditLimitCents,
        uint16 attestorId,
        address attestor,
        uint64 notAfter,
        bool verified
    ) internal {
        if (commitment >= FIELD) revert MarginAttestations__SignalNotInField(0, commitment);
        if (paramsRoot >= FIELD) revert MarginAttestations__SignalNotInField(1, paramsRoot);
        if (healthBps < minHealthBps) revert MarginAttestations__HealthTooLow(healthBps, minHealthBps);
        Attestation memory n = _accepted(paramsRoot, notAfter);
        n.nonce = _attestations[msg.sender].nonce;
        // terms = healthBps + creditLimitCents * 2^32 < 2^96 < p: a field element by construction
        uint256 terms = uint256(healthBps) | (uint256(creditLimitCents) << TERMS_SHIFT);
        uint256 context = _context(msg.sender, n.nonce);
        // account = uint160(msg.sender) < 2^160 < p: the statements must have been signed for the sender
        if (verified) _verifyVerified(proof, [commitment, paramsRoot, terms, context, uint256(uint160(msg.sender))]);
        else _verify(proof, [commitment, paramsRoot, terms, context]);
        n.healthBps = healthBps;
        n.creditLimitCents = creditLimitCents;
        n.nonce += 1;
        n.attestorId = attestorId;
        n.verified = verified;
        _attestations[msg.sender] = n;
        _emitRecorded(n, attestor, commitment);
    }

    function _emitRecorded(Attestation memory n, address attestor, uint256 commitment) internal {
        emit AttestationRecorded(msg.sender, n.epoch, attestor, n.healthBps, n.creditLimitCents, n.expiresAt, commitment, n.verified);
    }

    /// @dev The root's epoch and the new attestation's expiry: now + ttl, capped by the root's
    /// acceptance end, `notAfter` and the uint40 field.
    function _accepted(uint256 paramsRoot, uint64 notAfter) internal view returns (Attestation memory n) {
        (uint64 epoch, uint64 acceptedUntil, bool known) = registry.rootStatus(paramsRoot);
        if (!known) revert MarginAttestations__UnknownRoot(paramsRoot);
        if (block.timestamp > acceptedUntil) revert MarginAttestations__RootNotAcceptable(epoch);
        uint64 expiresAt = uint64(block.timestamp) + attestationTtl;
        if (acceptedUntil < expiresAt) expiresAt = acceptedUntil;
        if (notAfter < expiresAt) expiresAt = notAfter;
        if (expiresAt > type(uint40).max) expiresAt = type(uint40).max;
        n.epoch = epoch;
        n.expiresAt = uint40(expiresAt);
    }

    /// @dev The generated verifier returns false for a bad proof (and callers must not trust a bare
    /// call's return value): revert here so a failed check can never record anything.
    function _verify(Proof calldata proof, uint256[4] memory pubSignals) internal view {
        if (!verifier.verifyProof(proof.a, proof.b, proof.c, pubSignals)) revert MarginAttestations__InvalidProof();
    }

    function _verifyVerified(Proof calldata proof, uint256[5] memory pubSignals) internal view {
        if (!verifiedVerifier.verifyProof(proof.a, proof.b, proof.c, pubSignals)) revert MarginAttestations__InvalidProof();
    }

    // ---------------------------------------------------------------- attestors (EIP-712)

    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _domainSeparator();
    }

    function _domainSeparator() internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("zkmargin"), keccak256("1"), block.chainid, address(this)));
    }

    function portfolioDigest(uint256 commitment, address account, uint64 asOf) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(PORTFOLIO_TYPEHASH, commitment, account, asOf));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @dev EIP-2098 compact signature: vs = yParity << 255 | s. High-s (malleable) forms are refused.
    function _recover(bytes32 digest, bytes32 r, bytes32 vs) internal pure returns (address signer) {
        uint256 s = uint256(vs) & ((1 << 255) - 1);
        uint8 v = uint8(uint256(vs) >> 255) + 27;
        if (s > HALF_N) revert MarginAttestations__InvalidAttestorSignature();
        signer = ecrecover(digest, v, r, bytes32(s));
        if (signer == address(0)) revert MarginAttestations__InvalidAttestorSignature();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMarginAttestations
    function attestationOf(address account) external view returns (Attestation memory, address attestor) {
        Attestation memory a = _attestations[account];
        if (a.expiresAt != 0) {
            // a superseded epoch's grace end (or its validUntil) can come before the recorded expiry
            (, uint64 acceptedUntil) = registry.isAcceptable(a.epoch);
            if (acceptedUntil < a.expiresAt) a.expiresAt = uint40(acceptedUntil);
        }
        return (a, _attestors[a.attestorId]);
    }

    /// @inheritdoc IMarginAttestations
    function isHealthy(address account, uint32 minHealthBps_) public view returns (bool) {
        return _isHealthy(_attestations[account], minHealthBps_);
    }

    /// @inheritdoc IMarginAttestations
    function creditLimitOf(address account, uint32 minHealthBps_) external view returns (uint64) {
        Attestation memory a = _attestations[account];
        return _isHealthy(a, minHealthBps_) ? a.creditLimitCents : 0;
    }

    function _isHealthy(Attestation memory a, uint32 minHealthBps_) internal view returns (bool) {
        if (a.expiresAt == 0 || block.timestamp > a.expiresAt || a.healthBps < minHealthBps_) return false;
        // under a verified-only policy, only verified attestations count (also those recorded before it)
        if (requireVerified && !a.verified) return false;
        // under an attestor policy, only attestations vouched for by venue statements (verified) or by
        // a still-approved attestor count
        if (requireAttestor && !a.verified && (a.attestorId == 0 || !isApprovedAttestor(_attestors[a.attestorId]))) return false;
        (bool acceptable, ) = registry.isAcceptable(a.epoch);
        return acceptable;
    }
}
