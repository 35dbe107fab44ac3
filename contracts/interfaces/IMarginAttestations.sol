// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Private solvency attestations: an account proves (Groth16, zkmargin circuit) that its
/// hidden portfolio meets margin at `healthBps` under a posted risk-parameter root.
interface IMarginAttestations {
    /// @dev One storage slot per account (gas: a refresh rewrites one word). The full commitment is
    /// in the AttestationRecorded event; storage keeps its low 72 bits to match against it.
    struct Attestation {
        uint32 healthBps; // proven health, 10000 = 1.0x
        uint64 epoch; // risk-parameter epoch the proof was made under
        uint40 expiresAt; // min(now + attestationTtl, the root's acceptance end)
        uint32 nonce; // submissions so far (the next proof's context uses this value)
        uint16 attestorId; // 0 = self-declared; else the attestor's id
        uint72 commitmentTag; // low 72 bits of the portfolio commitment
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
        uint64 expiresAt,
        uint256 commitment
    );
    event AttestorSet(address indexed attestor, bool approved);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event PolicyChanged(bool requireAttestor, uint32 minHealthBps, uint64 attestationTtl, uint64 maxAttestorAge);

    error MarginAttestations__NotOwner();
    error MarginAttestations__SignalNotInField(uint256 index, uint256 value);
    error MarginAttestations__UnknownRoot(uint256 root);
    error MarginAttestations__RootNotAcceptable(uint64 epoch);
    error MarginAttestations__HealthTooLow(uint32 healthBps, uint32 minHealthBps);
    error MarginAttestations__InvalidProof();
    error MarginAttestations__AttestorRequired();
    error MarginAttestations__InvalidAttestorSignature();
    error MarginAttestations__AttestorNotApproved(address attestor);
    error MarginAttestations__AttestorSignatureStale(uint64 asOf, uint64 maxAge);
    error MarginAttestations__ZeroAddress();
    error MarginAttestations__TooManyAttestors();

    /// @notice The context the next proof of `account` must be bound to:
    /// uint256(keccak256(abi.encode(block.chainid, address(this), account, nonce))) mod p.
    function contextOf(address account) external view returns (uint256);

    function submit(Proof calldata proof, uint256 commitment, uint256 paramsRoot, uint32 healthBps) external;

    function submitAttested(
        Proof calldata proof,
        uint256 commitment,
        uint256 paramsRoot,
        uint32 healthBps,
        AttestorSignature calldata attestation
    ) external;

    function attestationOf(address account) external view returns (Attestation memory, address attestor);

    /// @notice True while the account's attestation is unexpired, its epoch still accepted, and its
    /// proven health at least `minHealthBps`.
    function isHealthy(address account, uint32 minHealthBps) external view returns (bool);
}
