import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { ZkMarginError } from "../errors.js";
import { lazyRequire, optionalBuildFile } from "./lazyRequire.js";

/** The options every schema is compiled with, here and by scripts/build-validators.mjs. */
export const AJV_OPTIONS = { allErrors: false, strict: true } as const;

// Made on first use, like each validator: compiling a schema is generated code, and a command
// that never reads a bundle should not pay for the bundle's schema (CLI start-up). A build made by
// `npm run build` has every schema's validator generated already (scripts/build-validators.mjs:
// dist/src/util/validators.cjs), and then ajv is not even loaded.
let ajv: Ajv | undefined;

/** Every schema given to compileValidator so far, by its `what` (scripts/build-validators.mjs reads it). */
const registry = new Map<string, object>();
export function registeredSchemas(): ReadonlyMap<string, object> {
  return registry;
}

/** The generated validators: `schemas` maps a `what` to its export and the JSON of its schema. */
type Generated = { schemas: Record<string, [string, string]> } & Record<string, ValidateFunction>;
let generated: Generated | null | undefined;

/** The generated validator of exactly this schema, else ajv's compilation of it. */
function compile(schema: object, what: string): ValidateFunction {
  generated ??= optionalBuildFile<Generated>("validators.cjs") ?? null;
  const entry = generated?.schemas?.[what];
  const fn = entry && entry[1] === JSON.stringify(schema) ? generated![entry[0]] : undefined;
  if (typeof fn === "function") return fn;
  ajv ??= new (lazyRequire<typeof import("ajv")>("ajv").Ajv)(AJV_OPTIONS);
  return ajv.compile(schema);
}

/** Turn an Ajv instance path (`/assets/1/haircuts/0`) into our JSON path (`assets[1].haircuts[0]`). */
export function jsonPath(instancePath: string, root = ""): string {
  let out = root;
  for (const raw of instancePath.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^[0-9]+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || "(top level)";
}

function describe(err: ErrorObject, what: string): { path: string; message: string; limit?: string } {
  const path = jsonPath(err.instancePath);
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case "required":
      return { path, message: `missing required field "${String(p.missingProperty)}" in ${what}` };
    case "additionalProperties":
      return { path, message: `unknown field "${String(p.additionalProperty)}" in ${what}` };
    case "type":
      return { path, message: `must be ${String(p.type).replace(",", " or ")}` };
    case "enum":
      return { path, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "const":
      return { path, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case "minimum":
    case "maximum":
      return { path, message: `must be ${err.keyword === "minimum" ? ">=" : "<="} ${String(p.limit)}`, limit: `${String(p.limit)}` };
    case "minItems":
      return { path, message: `must have at least ${String(p.limit)} item(s)`, limit: String(p.limit) };
    case "maxItems":
      return { path, message: `must have at most ${String(p.limit)} item(s)`, limit: String(p.limit) };
    case "pattern":
      return { path, message: `has an invalid format (${err.parentSchema?.description ?? `pattern ${String(p.pattern)}`})` };
    case "maxLength":
      return { path, message: `must be at most ${String(p.limit)} characters`, limit: String(p.limit) };
    case "minLength":
      return { path, message: `must not be empty` };
    case "propertyNames":
      return { path, message: `has an invalid key "${String(p.propertyName)}"` };
    default:
      return { path, message: err.message ?? "is invalid" };
  }
}

export interface Validator {
  (data: unknown): void;
}

/**
 * Compile a JSON Schema into a function that throws a ZkMarginError naming the JSON path. The
 * schema is compiled when the function is first called.
 */
export function compileValidator(schema: object, what: string): Validator {
  let compiled: ValidateFunction | undefined;
  registry.set(what, schema);
  return (data: unknown) => {
    const validate = (compiled ??= compile(schema, what));
    if (validate(data)) return;
    const err = validate.errors?.find((e) => e.keyword !== "propertyNames") ?? validate.errors?.[0];
    if (!err) throw new ZkMarginError("SCHEMA", `${what} is invalid`);
    const d = describe(err, what);
    let value: unknown = data;
    for (const raw of err.instancePath.split("/").slice(1)) {
      value = value && typeof value === "object" ? (value as Record<string, unknown>)[raw.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    }
    throw new ZkMarginError("SCHEMA", d.message, { path: d.path, value, ...(d.limit ? { limit: d.limit } : {}) });
  };
}
