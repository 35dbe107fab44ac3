pragma circom 2.1.5;

// Every operator circom evaluates while computing a witness, on inputs the test chooses (zero, one,
// minus one, values around (p - 1) / 2 and p, random 254-bit values, shift amounts beyond 254 and
// negative): test/native/witness.test.ts compares the native witness calculator with the wasm one
// on it. Nothing here is constrained except the checks at the end, which a test input fails on
// purpose.
template Ops() {
    signal input a;
    signal input b;
    signal input s;
    signal input guard;
    signal input p;
    signal input q;
    signal output o[40];

    var x = a;
    var y = b;
    o[0] <-- x + y;
    o[1] <-- x - y;
    o[2] <-- x * y;
    o[3] <-- x / y;
    o[4] <-- y == 0 ? 0 : x \ y;
    o[5] <-- y == 0 ? 0 : x % y;
    o[6] <-- x ** 5;
    o[7] <-- x ** y;
    o[8] <-- x & y;
    o[9] <-- x | y;
    o[10] <-- x ^ y;
    o[11] <-- ~x;
    o[12] <-- x << s;
    o[13] <-- x >> s;
    o[14] <-- x < y;
    o[15] <-- x > y;
    o[16] <-- x <= y;
    o[17] <-- x >= y;
    o[18] <-- x == y;
    o[19] <-- x != y;
    o[20] <-- x && y;
    o[21] <-- x || y;
    o[22] <-- !x;
    o[23] <-- -x;
    var bits = 0;
    for (var i = 0; i < 20; i++) {
        bits += (x >> i) & 1;
    }
    o[24] <-- bits;
    o[25] <-- (s << 3) + (s >> 1);
    o[26] <-- s * s * s * s;
    o[27] <-- (x + y) * (x - y) + 1;
    // array indices from values (circom's toInt)
    var t[8] = [3, 1, 4, 1, 5, 9, 2, 6];
    o[28] <-- t[s & 7];
    o[29] <-- s < 0 ? s \ 3 : s % 7;
    o[30] <-- x * x - y * y;
    o[31] <-- (x & 0xffffffff) * (y & 0xffffffff);
    o[32] <-- 2147483647 + s;
    o[33] <-- -2147483648 - s;
    o[34] <-- s * 65536 * 65536;
    o[35] <-- s >= 0 ? 1 << (s % 256) : 0;
    o[36] <-- ~s;
    o[37] <-- s ^ 0x7fffffff;
    o[38] <-- x > 0 && y < 0;
    o[39] <-- (x + 1) / (y + 1);

    // a failed assert and a failed === while computing the witness: the input is refused
    assert(guard != 7);
    p === q;
}

// K inputs per witness, so that the test runs one calculator process per K cases (each process
// start costs more than the cases themselves); a refused case refuses the whole witness.
template Batch(K) {
    signal input a[K];
    signal input b[K];
    signal input s[K];
    signal input guard[K];
    signal input p[K];
    signal input q[K];
    signal output o[K][40];

    component ops[K];
    for (var k = 0; k < K; k++) {
        ops[k] = Ops();
        ops[k].a <== a[k];
        ops[k].b <== b[k];
        ops[k].s <== s[k];
        ops[k].guard <== guard[k];
        ops[k].p <== p[k];
        ops[k].q <== q[k];
        for (var i = 0; i < 40; i++) {
            o[k][i] <== ops[k].o[i];
        }
    }
}

component main = Batch(8);
