pragma circom 2.1.5;

include "circomlib/circuits/bitify.circom";

// RangeCheck(n): proves 0 <= in < 2^n (as integers) and outputs the little-endian bits.
// Sound for n <= 252 (2^n < p, so no field element has two n-bit representations).
// Cost: n constraints.
template RangeCheck(n) {
    assert(n >= 1 && n <= 252);
    signal input in;
    signal output bits[n];
    component b = Num2Bits(n);
    b.in <== in;
    bits <== b.out;
}

// Bool(): proves in is 0 or 1. Cost: 1 constraint.
template Bool() {
    signal input in;
    in * (in - 1) === 0;
}

// Log2Ceil(n): smallest b with 2^b >= n (compile-time helper).
function log2ceil(n) {
    var b = 0;
    while ((1 << b) < n) {
        b++;
    }
    return b;
}

function sumArray(n, arr) {
    var s = 0;
    for (var i = 0; i < n; i++) {
        s += arr[i];
    }
    return s;
}

function sumPow2(n, arr) {
    var s = 0;
    for (var i = 0; i < n; i++) {
        s += 1 << arr[i];
    }
    return s;
}
