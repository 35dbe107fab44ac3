import { strict as assert } from "node:assert";
import { createDecipheriv, createPublicKey, diffieHellman, hkdfSync } from "node:crypto";
import { TypedDataEncoder, Wallet, verifyTypedData } from "ethers";
import fc from "fast-check";
import {
  STATEMENT_REQUEST_TYPES,
  VENUE_EIP712_DOMAIN,
  generateResponseKeyPair,
  openResponse,
  sealResponse,
  statementRequestDigest,
  type StatementRequest,
} from "../../src/venue/request.js";
import { x25519PrivateKey, x25519PublicKey } from "../../src/venue/x25519.js";

const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => `0x${Buffer.from(b).toString("hex")}`);

/** The worked example of docs/venue-api.md: every value below is printed there. */
export const EXAMPLE = {
  accountKey: `0x${"a1".repeat(32)}`,
  request: {
    venue: 1,
    account: "", // filled below: the address of accountKey
    nonce: `0x${"5e".repeat(32)}`,
    expiry: 1795190400,
    responseKey: "", // filled below: the public key of responsePrivateKey
  } as StatementRequest,
  responsePrivateKey: Buffer.from("77".repeat(32), "hex"),
  serverPrivateKey: Buffer.from("88".repeat(32), "hex"),
  iv: Buffer.from("99".repeat(12), "hex"),
  plaintext: '{"zkmarginStatement":2}',
};
EXAMPLE.request.account = new Wallet(EXAMPLE.accountKey).address.toLowerCase();
EXAMPLE.request.responseKey = `0x${createPublicKey(x25519PrivateKey(EXAMPLE.responsePrivateKey)).export({ format: "der", type: "spki" }).subarray(12).toString("hex")}`;

describe("venue: statement request (EIP-712 digest, response encryption)", () => {
  it("the digest equals ethers' TypedDataEncoder.hash, and verifyTypedData recovers the signer (random requests)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 32 - 1 }), hex(20), hex(32), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), hex(32), async (venue, account, nonce, expiry, responseKey) => {
        const request = { venue, account, nonce, expiry, responseKey };
        assert.equal(statementRequestDigest(request), TypedDataEncoder.hash(VENUE_EIP712_DOMAIN, STATEMENT_REQUEST_TYPES as any, request));
      }),
      { numRuns: 50 },
    );
    const w = new Wallet(EXAMPLE.accountKey);
    const sig = await w.signTypedData(VENUE_EIP712_DOMAIN, STATEMENT_REQUEST_TYPES as any, EXAMPLE.request);
    assert.equal(verifyTypedData(VENUE_EIP712_DOMAIN, STATEMENT_REQUEST_TYPES as any, EXAMPLE.request, sig), w.address);
    if (process.env.ZKMARGIN_PRINT_VECTORS) process.stdout.write(`${JSON.stringify({ request: EXAMPLE.request, signature: sig, typeHash: TypedDataEncoder.from(STATEMENT_REQUEST_TYPES as any).encodeType("StatementRequest"), domainSeparator: TypedDataEncoder.hashDomain(VENUE_EIP712_DOMAIN) })}\n`);
    // RFC 6979: the example's signature is deterministic (docs/venue-api.md, "Worked example").
    assert.equal(sig, EXAMPLE_SIGNATURE);
  });

  it("seal/open round trip; another key, another digest or a flipped byte does not open", () => {
    const kp = generateResponseKeyPair();
    const responseKey = `0x${Buffer.from(kp.publicKey).toString("hex")}`;
    const digest = `0x${"12".repeat(32)}`;
    const sealed = sealResponse("hello statement", responseKey, digest);
    assert.equal(openResponse(sealed, kp.privateKey, responseKey, digest), "hello statement");
    assert.throws(() => openResponse(sealed, generateResponseKeyPair().privateKey, responseKey, digest));
    assert.throws(() => openResponse(sealed, kp.privateKey, responseKey, `0x${"13".repeat(32)}`));
    const body = Buffer.from(sealed.ciphertext, "base64");
    body[body.length - 1]! ^= 1;
    assert.throws(() => openResponse({ ...sealed, ciphertext: body.toString("base64") }, kp.privateKey, responseKey, digest));
  });

  it("a low-order response key (all zero) is refused", () => {
    assert.throws(() => sealResponse("x", `0x${"00".repeat(32)}`, `0x${"12".repeat(32)}`));
  });

  it("the worked example of docs/venue-api.md, recomputed from its definition with node:crypto only", () => {
    const digest = statementRequestDigest(EXAMPLE.request);
    const sealed = sealResponse(EXAMPLE.plaintext, EXAMPLE.request.responseKey, digest, { serverPrivateKey: EXAMPLE.serverPrivateKey, iv: EXAMPLE.iv });
    // Independently: ECDH, HKDF, AES-GCM exactly as the page says.
    const serverKey = Buffer.from(sealed.serverKey.slice(2), "hex");
    const shared = diffieHellman({ privateKey: x25519PrivateKey(EXAMPLE.responsePrivateKey), publicKey: x25519PublicKey(serverKey) });
    const salt = Buffer.concat([Buffer.from(EXAMPLE.request.responseKey.slice(2), "hex"), serverKey]);
    const info = Buffer.concat([Buffer.from("zkmargin venue statement v1"), Buffer.from(digest.slice(2), "hex")]);
    const key = Buffer.from(hkdfSync("sha256", shared, salt, info, 32));
    const body = Buffer.from(sealed.ciphertext, "base64");
    const d = createDecipheriv("aes-256-gcm", key, EXAMPLE.iv);
    d.setAAD(Buffer.from(digest.slice(2), "hex"));
    d.setAuthTag(body.subarray(-16));
    assert.equal(Buffer.concat([d.update(body.subarray(0, -16)), d.final()]).toString(), EXAMPLE.plaintext);
    const printed = {
      account: EXAMPLE.request.account,
      responseKey: EXAMPLE.request.responseKey,
      digest,
      serverKey: sealed.serverKey,
      sharedSecret: `0x${shared.toString("hex")}`,
      aesKey: `0x${key.toString("hex")}`,
      ciphertext: sealed.ciphertext,
    };
    if (process.env.ZKMARGIN_PRINT_VECTORS) process.stdout.write(`${JSON.stringify(printed, null, 2)}\n`);
    // The values printed in docs/venue-api.md ("Worked example").
    assert.deepEqual(printed, {
      account: "0x5d5c99edf529335160ff180fa141dd4967fc00d2",
      responseKey: "0x1cf579aba45a10ba1d1ef06d91fca2aa9ed0a1150515653155405d0b18cb9a67",
      digest: "0x30f47bf1fbb28cebd440921eeed3bba6ef2d1ea165833f14d6d2251a7f0e76f8",
      serverKey: "0x30d3c865a48fceb3d6118577cf2e5f228d6ff69866264757785b253cb7a4806a",
      sharedSecret: "0x28f9816c74bb247a7bf39fce1c17df73be4f7ae513b04bcecf2cb29760bf445d",
      aesKey: "0xb306c4ac4fc36c16f19522d8684bd83e5d789753410776338c1539b31b553c7e",
      ciphertext: "o/OkabMv4SfyLDf09eJeVjBkmEs//EKoJHa9kkQrf+x3L+gQuTZt",
    });
  });
});

const EXAMPLE_SIGNATURE = "0x5e83f405c8c62fc63f00579607d6dadfde40a427e7b7f12fb8ae86c44df1d539532b239b44e807438abf88642ac419dfef48c2a41e57767d334274508ca74cc21b";
