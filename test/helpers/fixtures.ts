/**
 * Paths of the committed test fixtures, relative to the repository (a fresh
 * clone has them all: no test skips for want of a fixture).
 */
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The official helper's committed test data (aws/rolesanywhere-credential-helper,
 * tst/), copied byte for byte with its LICENSE and NOTICE (Apache-2.0); see its MANIFEST.md.
 */
export const OFFICIAL_HELPER = resolve(ROOT, "fixtures/official-helper");

/** A path under fixtures/official-helper. */
export function official(...parts: string[]): string {
  return resolve(OFFICIAL_HELPER, ...parts);
}

/** The official ML-DSA certificates and keys (one certificate and several key encodings per variant). */
export const OFFICIAL_MLDSA_DIR = official("tst/mldsa-fixtures");
