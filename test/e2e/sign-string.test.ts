import { spawnSync } from "node:child_process";
import { createHash, verify, X509Certificate } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasOpenssl,
  makeOpensslKeys,
  NO_MLDSA,
  NO_OPENSSL,
  opensslPublicKeyBytes,
  opensslSign,
  opensslVerify,
  runOpenssl,
  supportsMlDsa,
  type KeyName,
  type OpensslKey,
} from "../unit/signer/openssl-helper.js";
import { official, OFFICIAL_MLDSA_DIR } from "../helpers/fixtures.js";

const CLI = join(import.meta.dirname, "../../dist/cli.js");
const TEXT = "AWS Roles Anywhere Credential Helper Signing Test";

function cli(args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: opts.input ?? "",
    env: { PATH: process.env.PATH, ...opts.env },
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** The contract's error shape: one `signing-helper:` line, optionally a `hint:` line, no stack. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^signing-helper: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1]).toMatch(/^hint: ./);
  expect(stderr).not.toMatch(/^\s+at /m);
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' (or BUILD_ALLOW_TYPE_ERRORS=1 node scripts/build.mjs) first`);
});

describe.skipIf(!hasOpenssl)("sign-string (built CLI) with openssl-made keys", () => {
  const names: KeyName[] = ["rsa-2048", "ec-p256", "ec-p384"];
  let keys: Record<KeyName, OpensslKey>;
  let dir: string;
  let cleanup: () => void = () => {};
  beforeAll(() => {
    const made = makeOpensslKeys(names);
    keys = made.keys;
    dir = made.dir;
    cleanup = made.cleanup;
  });
  afterAll(() => cleanup());

  function message(k: OpensslKey): Buffer {
    const digest = createHash("sha256").update("IAM RA").update(opensslPublicKeyBytes(k)).digest();
    return Buffer.concat([Buffer.from(`${TEXT}1`), digest]);
  }

  it("prints a JSON string of hex by default, with no trailing newline, equal to openssl's RSA signature", () => {
    const k = keys["rsa-2048"];
    const r = cli(["sign-string", "--private-key", k.keyPath]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(JSON.stringify(opensslSign(k.keyPath, message(k), "sha256").toString("hex")));
  });

  it("prints bare hex with --format text and raw bytes with --format bin", () => {
    const k = keys["rsa-2048"];
    const expected = opensslSign(k.keyPath, message(k), "sha512");
    const text = cli(["sign-string", "--private-key", k.keyPath, "--format", "text", "--digest", "SHA512"]);
    expect(text.status).toBe(0);
    expect(text.stdout.toString()).toBe(expected.toString("hex"));
    const bin = cli(["sign-string", "--private-key", k.keyPath, "--format=bin", "-digest", "SHA512"]);
    expect(bin.status).toBe(0);
    expect(Buffer.compare(bin.stdout, expected)).toBe(0);
  });

  const cases = names.flatMap((n) => (["SHA256", "SHA384", "SHA512"] as const).map((d) => [n, d] as const));
  it.each(cases)("%s --digest %s: `openssl dgst -verify` accepts the printed signature", (name, digest) => {
    const k = keys[name];
    const r = cli(["sign-string", "--private-key", k.keyPath, "--format", "bin", "--digest", digest]);
    expect(r.status).toBe(0);
    expect(opensslVerify(k.pubPath, r.stdout, message(k), digest.toLowerCase())).toBe(true);
  });

  it("takes the key from a --certificate file that also holds it (combined PEM)", () => {
    const k = keys["rsa-2048"];
    const certPath = join(dir, "rsa-cert.pem");
    const made = runOpenssl(["req", "-x509", "-new", "-key", k.keyPath, "-subj", "/CN=sign-string e2e", "-days", "2", "-out", certPath]);
    expect(made.status).toBe(0);
    const combo = join(dir, "combo.pem");
    writeFileSync(combo, Buffer.concat([readFileSync(k.keyPath), readFileSync(certPath)]));
    const r = cli(["sign-string", "--certificate", combo, "--format", "text"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.toString()).toBe(opensslSign(k.keyPath, message(k)).toString("hex"));
    const both = cli(["sign-string", "--certificate", certPath, "--private-key", k.keyPath, "--format", "text"]);
    expect(both.stdout.toString()).toBe(r.stdout.toString());
  });

  it("reads an encrypted PKCS#8 key with --pkcs8-password env:NAME, and the key from stdin or env:NAME", () => {
    const k = keys["ec-p256"];
    const enc = join(dir, "enc.pem");
    const made = runOpenssl(["pkcs8", "-topk8", "-in", k.keyPath, "-v2", "aes-256-cbc", "-passout", "pass:s3cret", "-out", enc]);
    expect(made.status).toBe(0);
    const r = cli(["sign-string", "--private-key", enc, "--pkcs8-password", "env:KEY_PW", "--format", "bin"], { env: { KEY_PW: "s3cret" } });
    expect(r.stderr).toBe("");
    expect(opensslVerify(k.pubPath, r.stdout, message(k))).toBe(true);
    const stdin = cli(["sign-string", "--private-key", "-", "--format", "bin"], { input: readFileSync(k.keyPath) });
    expect(opensslVerify(k.pubPath, stdin.stdout, message(k))).toBe(true);
    const env = cli(["sign-string", "--private-key", "env:THE_KEY", "--format", "bin"], { env: { THE_KEY: readFileSync(k.keyPath, "utf8") } });
    expect(opensslVerify(k.pubPath, env.stdout, message(k))).toBe(true);
  });

  it("fails with exit 1 and one error line when the password is wrong, never echoing it", () => {
    const k = keys["ec-p256"];
    const enc = join(dir, "enc2.pem");
    runOpenssl(["pkcs8", "-topk8", "-in", k.keyPath, "-v2", "aes-256-cbc", "-passout", "pass:right-pw", "-out", enc]);
    const r = cli(["sign-string", "--private-key", enc, "--pkcs8-password", "env:KEY_PW"], { env: { KEY_PW: "wrong-pw-XYZ" } });
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBe(0);
    expectOneLineError(r.stderr, /private key/i);
    expect(r.stderr).not.toContain("wrong-pw-XYZ");
  });

  it("with --debug prints the algorithm and message to stderr, stdout unchanged", () => {
    const k = keys["ec-p384"];
    const r = cli(["sign-string", "--private-key", k.keyPath, "--format", "bin", "--debug"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("AWS4-X509-ECDSA-SHA256");
    expect(r.stderr).toContain(message(k).toString("hex"));
    expect(r.stderr).not.toContain("PRIVATE KEY");
    expect(opensslVerify(k.pubPath, r.stdout, message(k))).toBe(true);
  });
});
if (!hasOpenssl) describe("sign-string (built CLI) with openssl-made keys", () => it.skip(NO_OPENSSL, () => {}));

describe("sign-string (built CLI) errors", () => {
  it("exits 2 without --private-key or --certificate", () => {
    const r = cli(["sign-string"]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, /^signing-helper: missing required flag: --private-key$/);
  });
  it("exits 2 for a bad --format or --digest", () => {
    const f = cli(["sign-string", "--private-key", "k.pem", "--format", "xml"]);
    expect(f.status).toBe(2);
    expectOneLineError(f.stderr, /--format must be one of json, text, bin, not 'xml'/);
    const d = cli(["sign-string", "--private-key", "k.pem", "--digest", "MD5"]);
    expect(d.status).toBe(2);
    expectOneLineError(d.stderr, /--digest must be one of SHA256, SHA384, SHA512/);
  });
  it("exits 1 with one line and a hint for a missing key file", () => {
    const r = cli(["sign-string", "--private-key", "/nonexistent/key.pem"]);
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBe(0);
    expectOneLineError(r.stderr, /\/nonexistent\/key\.pem/);
    expect(r.stderr).toMatch(/\nhint: /);
  });
  it("exits 1 for the official truncated RSA key", () => {
    const r = cli(["sign-string", "--private-key", official("tst/certs/invalid-rsa-key.pem")]);
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, /private key/i);
    expect(r.stderr).toMatch(/\nhint: /);
  });
  it("answers TPM key handles and --tpm-key-password with 'not supported' naming the PKCS#11 route, exit 1", () => {
    for (const args of [
      ["--private-key", "handle:0x81000001"],
      ["--private-key", "k.pem", "--tpm-key-password", "x"],
    ]) {
      const r = cli(["sign-string", ...args]);
      expect(r.status).toBe(1);
      expectOneLineError(r.stderr, /not supported/);
      expect(r.stderr).toMatch(/PKCS#11|pkcs11/);
    }
  });
});

describe("sign-string (built CLI) with ML-DSA", () => {
  const variants = [
    ["44", 2420],
    ["65", 3309],
    ["87", 4627],
  ] as const;
  it.runIf(supportsMlDsa).each(variants)(
    "ML-DSA-%s official fixture: the signature of the text and '1' verifies with the certificate (%i bytes)",
    (v, size) => {
      const certPath = join(OFFICIAL_MLDSA_DIR, `mldsa${v}-cert.pem`);
      const r = cli(["sign-string", "--private-key", join(OFFICIAL_MLDSA_DIR, `mldsa${v}-key-pkcs8-aes256cbc.pem`), "--pkcs8-password", "env:MLDSA_PW", "--certificate", certPath, "--format", "bin", "--digest", "SHA512"], { env: { MLDSA_PW: "password" } });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout.length).toBe(size);
      const cert = new X509Certificate(readFileSync(certPath));
      expect(verify(null, Buffer.from(`${TEXT}1`), cert.publicKey, r.stdout)).toBe(true);
    },
  );
  it.runIf(!supportsMlDsa)("refuses an ML-DSA key on a Node.js without ML-DSA, exit 1, naming Node.js 24", () => {
    const r = cli(["sign-string", "--private-key", join(OFFICIAL_MLDSA_DIR, "mldsa44-key.pem")]);
    expect(r.status).toBe(1);
    expectOneLineError(r.stderr, /Node\.js 24/);
  });
  if (!supportsMlDsa) it.skip(`ML-DSA signing: ${NO_MLDSA}`, () => {});
});
