import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Ajv } from "ajv";
import { repoFile } from "../helpers.js";

/**
 * scripts/build-validators.mjs (a step of `npm run build`) generates ajv's standalone validators for
 * every schema given to compileValidator; compileValidator uses one only for the exact schema it was
 * generated from. Here: the generated code gives the same verdicts and the same error objects (from
 * which the messages are made) as ajv compiling the schema at run time, on valid files and on every
 * single-field change of them, and the build's file is current.
 */
const dist = (p: string) => repoFile(`dist/src/${p}`);
const built = existsSync(dist("util/schema.js"));

const hex = (n: number, d = "a") => `0x${d.repeat(n)}`;
const SAMPLES: Record<string, unknown[]> = {
  "risk parameters": [JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8"))],
  portfolio: ["hedged-book.json", "pair-trade.json", "concentrated-collateral.json"].map((f) => JSON.parse(readFileSync(repoFile(`examples/${f}`), "utf8"))),
  "proof bundle": [
    {
      zkmargin: 2,
      protocol: "groth16",
      curve: "bn128",
      config: "small",
      circuitHash: "ab".repeat(32),
      paramsRoot: hex(64),
      epoch: 7,
      healthBps: 12500,
      creditLimitCents: "0",
      context: hex(64, "0"),
      commitment: hex(64, "1"),
      account: hex(40, "2"),
      publicSignals: ["1", "2", "3", "4", "5"],
      proof: { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["5", "6", "1"], protocol: "groth16", curve: "bn128" },
      setup: { insecure: true, label: "dev", vkeySha256: "00" },
      prover: "native",
      createdAt: "2026-12-08T00:00:00.000Z",
    },
  ],
  "commitment opening": [
    { zkmarginOpening: 2, config: "small", paramsRoot: hex(64), epoch: 1, commitment: hex(64, "b"), salt: hex(64, "c"), collateral: { "1": "100", "2": "-5" }, positions: { "10": "3" } },
  ],
  statement: [
    {
      zkmarginStatement: 2,
      venue: 1,
      account: hex(40, "A"),
      asOf: 1700000000,
      collateral: { "1": "100" },
      positions: { "2": "-3" },
      publicKey: ["1", "2"],
      signature: { R8: ["3", "4"], S: "5" },
    },
  ],
};

/** Every value with one change: each field removed, replaced by other types and odd values, one field added. */
function* variants(value: unknown): Generator<unknown> {
  yield value;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(value, []);
  const odd: unknown[] = [null, true, 0, -1, 1.5, 2 ** 60, "", "x", "-0", "01", "1e3", "0x1", [], [1], {}, { a: 1 }, "9".repeat(80)];
  for (const path of paths) {
    for (const replacement of [...odd, undefined, "add"]) {
      const copy = structuredClone(value) as Record<string | number, unknown>;
      if (path.length === 0) {
        if (replacement !== "add" && replacement !== undefined) yield replacement;
        continue;
      }
      let parent: any = copy;
      for (const k of path.slice(0, -1)) parent = parent[k];
      const last = path[path.length - 1]!;
      if (replacement === undefined) {
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
      } else if (replacement === "add") {
        if (parent[last] && typeof parent[last] === "object" && !Array.isArray(parent[last])) parent[last].zzUnknown = 1;
        else if (Array.isArray(parent[last])) parent[last].push(parent[last][0] ?? "1");
        else continue;
      } else parent[last] = replacement;
      yield copy;
    }
  }
}

describe("generated validators (scripts/build-validators.mjs) behave as ajv does", function () {
  this.timeout(120_000);
  before(function () {
    if (!built) this.skip(); // needs dist/ (npm run build; `npm test` builds first)
  });

  it("the same verdict and the same errors as ajv's own compilation, on valid files and every one-field change", async () => {
    const { validatorsSource } = (await import(pathToFileURL(repoFile("scripts/build-validators.mjs")).href)) as {
      validatorsSource(): Promise<{ names: string[]; source: string }>;
    };
    const { registeredSchemas, AJV_OPTIONS } = (await import(pathToFileURL(dist("util/schema.js")).href)) as {
      registeredSchemas(): ReadonlyMap<string, object>;
      AJV_OPTIONS: object;
    };
    const { source, names } = await validatorsSource();
    const mod = { exports: {} as Record<string, any> };
    new Function("module", "exports", "require", source)(mod, mod.exports, createRequire(dist("util/validators.cjs")));
    const generated = mod.exports;
    assert.deepEqual(names.sort(), Object.keys(SAMPLES).sort(), "a schema without samples here: add some");
    const ajv = new Ajv(AJV_OPTIONS);
    let compared = 0;
    let refused = 0;
    for (const [what, schema] of registeredSchemas()) {
      const [name, json] = generated.schemas[what];
      assert.equal(json, JSON.stringify(schema));
      const mine = generated[name];
      const reference = ajv.compile(schema);
      for (const sample of SAMPLES[what]!) {
        for (const v of variants(sample)) {
          const a = mine(v);
          const b = reference(v);
          assert.equal(a, b, `${what}: ${JSON.stringify(v).slice(0, 200)}`);
          assert.deepEqual(mine.errors, reference.errors, `${what}: ${JSON.stringify(v).slice(0, 200)}`);
          compared++;
          if (!a) refused++;
        }
        assert.equal(mine(sample), true, `${what}: the sample is valid`);
      }
    }
    assert.ok(compared > 1000 && refused > 1000, `${compared} compared, ${refused} refused`);
  });

  it("the build's dist/src/util/validators.cjs, when there, is current: every schema with its generated validator", function () {
    const file = dist("util/validators.cjs");
    if (!existsSync(file)) this.skip(); // tsc alone does not write it: schemas are then compiled at run time
    const generated = createRequire(import.meta.url)(file) as { schemas: Record<string, [string, string]> };
    const { source } = { source: readFileSync(file, "utf8") };
    assert.match(source, /^\/\/ Generated by scripts\/build-validators\.mjs/);
    return import(pathToFileURL(dist("util/schema.js")).href).then(async (m: { registeredSchemas(): ReadonlyMap<string, object> }) => {
      for (const f of ["params/parse.js", "portfolio/parse.js", "prove/bundle.js", "statements/parse.js"]) await import(pathToFileURL(dist(f)).href);
      for (const [what, schema] of m.registeredSchemas()) {
        assert.ok(generated.schemas[what], `no generated validator for ${what}: run npm run build`);
        assert.equal(generated.schemas[what]![1], JSON.stringify(schema), `the generated validator for ${what} is stale: run npm run build`);
      }
    });
  });
});
