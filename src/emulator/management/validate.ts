/**
 * Input validation generated from the service model at run time: required
 * members, types, lengths, ranges, patterns and enums, reported in the
 * service's ValidationException text (`1 validation error detected: Value 'x'
 * at 'name' failed to satisfy constraint: Member must …`). Pure.
 */
import type { ServiceModel, ShapeModel } from "./model-types.js";

/** A value that failed a constraint. @internal */
export interface ConstraintViolation {
  path: string;
  value: unknown;
  rule: string;
}

/** How a value is shown in the message: `'text'`, `'5'`, `null`, or a short JSON. */
function shown(v: unknown): string {
  if (v === undefined || v === null) return "null";
  if (typeof v === "string") return `'${v.length > 256 ? v.slice(0, 256) + "…" : v}'`;
  if (typeof v === "number" || typeof v === "boolean") return `'${String(v)}'`;
  const j = JSON.stringify(v) ?? String(v);
  return `'${j.length > 256 ? j.slice(0, 256) + "…" : j}'`;
}

/** The service's message for a list of violations (at most 10 shown, as the service does). @internal */
export function validationMessage(v: ConstraintViolation[]): string {
  const head = v.length === 1 ? "1 validation error detected: " : `${v.length} validation errors detected: `;
  return head + v.slice(0, 10).map((x) => `Value ${shown(x.value)} at '${x.path}' failed to satisfy constraint: ${x.rule}`).join("; ");
}

const patterns = new Map<string, RegExp>();
/** The model's patterns are matched against the whole value (the service's API reference shows them anchored). */
function patternOf(p: string): RegExp {
  let re = patterns.get(p);
  if (!re) {
    re = new RegExp(`^(?:${p})$`, "su");
    patterns.set(p, re);
  }
  return re;
}

/** Strict base64 for blob members; undefined when not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  const t = text.replace(/\s+/g, "");
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, "base64");
}

/**
 * Checks `value` against `shapeName`. Members absent from a structure are
 * allowed unless required; members the model does not know are ignored (as
 * the service's JSON reader ignores them). Depth is bounded.
 * @internal
 */
export function validateShape(model: ServiceModel, shapeName: string, value: unknown, path: string, out: ConstraintViolation[], depth = 0): void {
  const shape = model.shapes[shapeName];
  if (!shape || value === undefined || value === null) return;
  if (depth > 20) {
    out.push({ path, value: "…", rule: "Member nesting is too deep" });
    return;
  }
  const fail = (rule: string, v: unknown = value): void => void out.push({ path, value: v, rule });
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value)) return fail("Member must be a structure");
      const o = value as Record<string, unknown>;
      const members = shape.members ?? {};
      for (const r of shape.required ?? []) {
        if (o[r] === undefined || o[r] === null) out.push({ path: join(path, r), value: null, rule: "Member must not be null" });
      }
      if (shape.union) {
        const set = Object.keys(members).filter((m) => o[m] !== undefined && o[m] !== null);
        if (set.length !== 1) fail(`Member must have exactly one of ${Object.keys(members).join(", ")} set`);
      }
      for (const [m, mm] of Object.entries(members)) {
        if (o[m] !== undefined && o[m] !== null) validateShape(model, mm.shape, o[m], join(path, m), out, depth + 1);
      }
      return;
    }
    case "list": {
      if (!Array.isArray(value)) return fail("Member must be a list");
      lengthRule(shape, value.length, fail);
      value.forEach((item, i) => {
        if (item === null || item === undefined) out.push({ path: `${join(path, String(i + 1))}.member`, value: null, rule: "Member must not be null" });
        else validateShape(model, shape.member!.shape, item, `${join(path, String(i + 1))}.member`, out, depth + 1);
      });
      return;
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) return fail("Member must be a map");
      const entries = Object.entries(value as Record<string, unknown>);
      lengthRule(shape, entries.length, fail);
      for (const [k, v] of entries) {
        validateShape(model, shape.key!.shape, k, `${path}.key`, out, depth + 1);
        validateShape(model, shape.value!.shape, v, `${path}.${k}`, out, depth + 1);
      }
      return;
    }
    case "string": {
      if (typeof value !== "string") return fail("Member must be a string");
      lengthRule(shape, [...value].length, fail);
      if (shape.pattern !== undefined && !patternOf(shape.pattern).test(value)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      if (shape.enum !== undefined && !shape.enum.includes(value)) fail(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`);
      return;
    }
    case "integer":
    case "long": {
      if (typeof value !== "number" || !Number.isInteger(value)) return fail("Member must be an integer");
      if (shape.min !== undefined && value < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    case "boolean":
      if (typeof value !== "boolean") fail("Member must be a boolean");
      return;
    case "blob": {
      if (typeof value !== "string") return fail("Member must be a base64-encoded blob");
      const bytes = decodeBase64(value);
      if (!bytes) return fail("Member must be a base64-encoded blob", value.slice(0, 40));
      lengthRule(shape, bytes.length, (rule) => fail(rule, `${bytes.length} bytes`));
      return;
    }
    default:
      return;
  }
}

function lengthRule(shape: ShapeModel, n: number, fail: (rule: string) => void): void {
  if (shape.min !== undefined && n < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && n > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
}

function join(path: string, member: string): string {
  return path === "" ? member : `${path}.${member}`;
}
