// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Private margin attestations: an account proves (Groth16, zkmargin circuit v2) that its
/// hidden portfolio meets margin at `healthBps` with a credit limit of `creditLimitCents` under a
/// posted risk-parameter root: 10000 * adjustedCollateral >= healthBps * (requirement + creditLimit).
/// A self-declared proof's public signals are [commitment, paramsRoot, terms, context]; a verified
/// proof's (the portfolio is the sum of venue-signed holdings statements, checked in the circuit)
/// are [commitment, paramsRoot, terms, context, account] with account = uint160(msg.sender).
/// terms = healthBps + creditLimitCents * 2^32 is computed by the contract from the submitted values.
interface IMarginAttestations {
    /// @dev One storage slot per account (256 bits; a refresh rewrites one word). The portfolio
    /// commitment is not stored: it is in the account's latest AttestationRecorded event.
    struct Attestation {
        uint32 healthBps; // proven health, 10000 = 1.0x
        uint64 creditLimitCents; // proven credit limit, USD in integer cents
        uint64 epoch; // risk-parameter epoch the proof was made under
        uint40 expiresAt; // recorded: min(now + attestationTtl, the root's acceptance end, attestor signature end)
        uint32 nonce; // submissions so far (the next proof's context uses this value)
        uint16 attestorId; // 0 = no attestor (self-declared or verified); else the attestor's id
        bool verified; // true: a verified proof (the portfolio is the sum of venue-signed statements for this account)
    }

    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice Signature of an approved attestor over (commitment, account, asOf), EIP-712, in the
    /// compact EIP-2098 form (r, yParityAndS).
    struct AttestorSignature {
        uint64 asOf;
        bytes32 r;
        bytes32 vs;
    }

    event AttestationRecorded(
        address indexed account,
        uint64 indexed epoch,
        address indexed attestor,
        uint32 healthBps,
        uint64 creditLimitCents,
        uint64 expiresAt,
        uint256 commitment,
        bool verified
    );
    event AttestorSet(address indexed attestor, bool approved);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event PolicyChanged(bool requireAttestor, uint32 minHealthBps, uint64 attestationTtl, uint64 maxAttestorAge);
    event VerifiedPolicyChanged(bool requireVerified);

    error MarginAttestations__NotOwner();
    error MarginAttestations__SignalNotInField(uint256 index, uint256 value);
    error MarginAttestations__UnknownRoot(uint256 root);
    error MarginAttestations__RootNotAcceptable(uint64 epoch);
    error MarginAttestations__HealthTooLow(uint32 healthBps, uint32 minHealthBps);
    error MarginAttestations__InvalidProof();
    error MarginAttestations__AttestorRequired();
    /// @notice The pool accepts only verified proofs (submitVerified); submit and submitAttested are refused.
    error MarginAttestations__VerifiedProofRequired();
    /// @notice This deployment has no verifier for verified proofs (deployed with address 0).
    error MarginAttestations__VerifiedProofsNotSupported();
    error MarginAttestations__InvalidAttestorSignature();
    error MarginAttestations__AttestorNotApproved(address attestor);
    error MarginAttestations__AttestorSignatureStale(uint64 asOf, uint64 maxAge);
    error MarginAttestations__ZeroAddress();
    error MarginAttestations__TooManyAttestors();
    /// @notice The owner's policy is refused when a value lies outside [min, max] (each bound is a
    /// constant of the contract, chosen so that no later submission can revert because of it).
    error MarginAttestations__MinHealthOutOfRange(uint32 minHealthBps, uint32 min, uint32 max);
    error MarginAttestations__TtlOutOfRange(uint64 attestationTtl, uint64 min, uint64 max);
    error MarginAttestations__AttestorAgeOutOfRange(uint64 maxAttestorAge, uint64 min, uint64 max);

    /// @notice The context the next proof of `account` must be bound to:
    /// uint256(keccak256(abi.encode(block.chainid, address(this), account, nonce))) mod p.
    function contextOf(address account) external view returns (uint256);

    /// @notice Record the sender's attestation from a proof made for (commitment, paramsRoot,
    /// healthBps, creditLimitCents, contextOf(sender)). Refused unless the proof verifies for exactly
    /// these values, the root is posted and accepted, and healthBps meets the policy's minimum.
    function submit(Proof calldata proof, uint256 commitment, uint256 paramsRoot, uint32 healthBps, uint64 creditLimitCents) external;

    /// @notice As `submit`, with an approved attestor's signature over the portfolio commitment.
    function submitAttested(
        Proof calldata proof,
        uint256 commitment,
        uint256 paramsRoot,
        uint32 healthBps,
        uint64 creditLimitCents,
        AttestorSignature calldata attestation
    ) external;

    /// @notice Record the sender's attestation from a verified proof: the proven portfolio is the sum
    /// of holdings statements signed, for the sender's address, by venues listed under `paramsRoot`.
    /// The public signals are [commitment, paramsRoot, terms, contextOf(sender), uint160(sender)], so
    /// the proof can only be submitted by the account the statements were signed for. Accepted under
    /// every policy (the venues vouch for the holdings, so an attestor policy does not apply to it);
    /// refused with VerifiedProofsNotSupported when the deployment has no verified verifier.
    function submitVerified(Proof calldata proof, uint256 commitment, uint256 paramsRoot, uint32 healthBps, uint64 creditLimitCents) external;

    /// @notice The account's attestation and its attestor (zero if self-declared or verified). `expiresAt` is the
    /// effective expiry: the recorded one, capped by the end of its epoch's acceptance (the grace
    /// period's end once the epoch was superseded), so an attestation of a retired epoch reads as
    /// expired. 0 if the account never attested.
    function attestationOf(address account) external view returns (Attestation memory, address attestor);

    /// @notice True while the account's attestation is unexpired, its epoch still accepted, its
    /// proven health at least `minHealthBps`, it is verified (under a verified-only policy), and it
    /// is verified or its attestor still approved (under an attestor policy).
    function isHealthy(address account, uint32 minHealthBps) external view returns (bool);

    /// @notice The credit limit (USD cents) the account's attestation covers at `minHealthBps`: its
    /// proven credit limit while `isHealthy(account, minHealthBps)`, else 0. A proof at health h
    /// with limit L also holds at every health below h with the same L.
    function creditLimitOf(address account, uint32 minHealthBps) external view returns (uint64);
}
