// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The snarkjs-generated Groth16 verifier of a zkmargin verified-mode circuit configuration
/// (small-verified, standard-verified, ...; generated from the final zkey by `zkmargin setup`, never
/// hand-edited). Public signals, in order: [commitment, paramsRoot, terms, context, account], with
/// terms = healthBps + creditLimitCents * 2^32 and account = the EVM address the venue statements
/// were signed for, as an integer (uint160).
interface IVerifiedGroth16Verifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[5] calldata pubSignals
    ) external view returns (bool);
}
