import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { ZkMarginError } from "../errors.js";

// Made on first use, like each validator: compiling a schema is generated code, and a command
// that never reads a bundle should not pay for the bundle's schema (CLI start-up).
let ajv: Ajv | undefined;

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
  return (data: unknown) => {
    const validate = (compiled ??= (ajv ??= new Ajv({ allErrors: false, strict: true })).compile(schema));
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
