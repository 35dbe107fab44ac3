// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The snarkjs-generated Groth16 verifier of a zkmargin circuit configuration (generated
/// from the final zkey by `zkmargin setup`, never hand-edited). Public signals, in order:
/// [commitment, paramsRoot, terms, context], terms = healthBps + creditLimitCents * 2^32.
interface IGroth16Verifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[4] calldata pubSignals
    ) external view returns (bool);
}
