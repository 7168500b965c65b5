/** Paths and small helpers shared by the identity tests. */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect } from "vitest";
import { RolesAnywhereError, type ErrorCode } from "../../../src/errors.js";

export { official, ROOT } from "../../helpers/fixtures.js";
import { ROOT } from "../../helpers/fixtures.js";
/** fixtures/interop, made by scripts/gen-interop-fixtures.sh. */
export const INTEROP = resolve(ROOT, "fixtures/interop");

export const PASSWORD = "password";
export const KEY_NAMES = ["rsa-2048", "rsa-4096", "ec-p256", "ec-p384", "ec-p521"] as const;
export type KeyName = (typeof KEY_NAMES)[number];

export function interop(...parts: string[]): string {
  return resolve(INTEROP, ...parts);
}

interface LeafMeta {
  keyType: "RSA" | "EC";
  serialHex: string;
  serialDecimal: string;
  sha256: string;
  spkiSha256: string;
}
/** Values openssl computed when the fixtures were made (serials, fingerprints). */
export const manifest = JSON.parse(readFileSync(interop("manifest.json"), "utf8")) as { leaves: Record<KeyName, LeafMeta> };

/** SHA-256 (hex) of a key's SubjectPublicKeyInfo DER, to compare with manifest.spkiSha256. */
export function spkiSha256(key: KeyObject): string {
  return createHash("sha256").update(createPublicKey(key).export({ format: "der", type: "spki" })).digest("hex");
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Awaits `p`, expects a RolesAnywhereError with `code`, and returns it for more checks. */
export async function rejection(p: Promise<unknown>, code: ErrorCode): Promise<RolesAnywhereError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a ${code} error`).toBeInstanceOf(RolesAnywhereError);
  const err = caught as RolesAnywhereError;
  expect({ code: err.code, message: err.message }).toMatchObject({ code });
  expect(err.message).not.toContain("\n");
  return err;
}

/** Same as rejection() for a synchronous call. */
export function syncRejection(fn: () => unknown, code: ErrorCode): RolesAnywhereError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a ${code} error`).toBeInstanceOf(RolesAnywhereError);
  const err = caught as RolesAnywhereError;
  expect(err.code).toBe(code);
  return err;
}
