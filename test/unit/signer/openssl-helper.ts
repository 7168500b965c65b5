// Test helper (not a test file): keys made by the openssl CLI and signature
// checks run through `openssl dgst -verify`, an implementation independent of node:crypto's API use in src/.
import { spawnSync } from "node:child_process";
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const hasOpenssl: boolean = (() => {
  const r = spawnSync("openssl", ["version"], { encoding: "utf8" });
  return r.status === 0 && /^OpenSSL 3\./.test(r.stdout);
})();
export const NO_OPENSSL = "openssl 3.x is not on PATH: skipping the openssl cross-check";

/** Whether this Node.js can make and use ML-DSA keys (Node 24+; Node 20 cannot). */
export const supportsMlDsa: boolean = (() => {
  try {
    (generateKeyPairSync as (type: string) => unknown)("ml-dsa-44");
    return true;
  } catch {
    return false;
  }
})();
export const NO_MLDSA = `Node.js ${process.version} cannot load ML-DSA keys: ML-DSA checks run on Node 24`;

export const KEY_SPECS = {
  "rsa-2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
  "rsa-4096": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
  "ec-p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  "ec-p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  "ec-p521": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
} as const;
export type KeyName = keyof typeof KEY_SPECS;
export const KEY_NAMES = Object.keys(KEY_SPECS) as KeyName[];

export interface OpensslKey {
  name: KeyName;
  keyPath: string;
  pubPath: string;
  key: KeyObject;
}

function run(args: string[], input?: Uint8Array): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync("openssl", args, input ? { input } : {});
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

function mustRun(args: string[]): Buffer {
  const r = run(args);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** A temp dir with openssl-made keys (PKCS#8 private, SPKI public). Call cleanup() after. */
export function makeOpensslKeys(names: readonly KeyName[] = KEY_NAMES): { dir: string; keys: Record<KeyName, OpensslKey>; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "signer-openssl-"));
  const keys = {} as Record<KeyName, OpensslKey>;
  for (const name of names) {
    const keyPath = join(dir, `${name}-key.pem`);
    const pubPath = join(dir, `${name}-pub.pem`);
    mustRun(["genpkey", ...KEY_SPECS[name], "-out", keyPath]);
    mustRun(["pkey", "-in", keyPath, "-pubout", "-out", pubPath]);
    keys[name] = { name, keyPath, pubPath, key: createPrivateKey(readFileSync(keyPath)) };
  }
  return { dir, keys, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `openssl dgst -<digest> -verify pub.pem -signature sig.bin msg.bin`: true only on "Verified OK". */
export function opensslVerify(pubPath: string, signature: Uint8Array, message: string | Uint8Array, digest = "sha256"): boolean {
  const dir = mkdtempSync(join(tmpdir(), "signer-verify-"));
  try {
    const sig = join(dir, "sig.bin");
    const msg = join(dir, "msg.bin");
    writeFileSync(sig, signature);
    writeFileSync(msg, message);
    const r = run(["dgst", `-${digest}`, "-verify", pubPath, "-signature", sig, msg]);
    return r.status === 0 && r.stdout.toString().trim() === "Verified OK";
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl dgst -sha256 -sign key`: the signature bytes. */
export function opensslSign(keyPath: string, message: string | Uint8Array, digest = "sha256"): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "signer-sign-"));
  try {
    const msg = join(dir, "msg.bin");
    const sig = join(dir, "sig.bin");
    writeFileSync(msg, message);
    mustRun(["dgst", `-${digest}`, "-sign", keyPath, "-out", sig, msg]);
    return readFileSync(sig);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Public key bytes as openssl writes them: EC uncompressed point, RSA PKCS#1 RSAPublicKey DER. */
export function opensslPublicKeyBytes(k: OpensslKey): Buffer {
  if (k.name.startsWith("rsa")) return mustRun(["rsa", "-in", k.keyPath, "-RSAPublicKey_out", "-outform", "DER"]);
  // The uncompressed point is the BIT STRING at the end of the SPKI: the last (1 + 2 * field size) bytes.
  const spki = mustRun(["pkey", "-in", k.keyPath, "-pubout", "-outform", "DER"]);
  const field = { "ec-p256": 32, "ec-p384": 48, "ec-p521": 66 }[k.name as "ec-p256"];
  return spki.subarray(spki.length - (1 + 2 * field));
}

export { run as runOpenssl };
