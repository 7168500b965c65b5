import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasOpenssl, NO_OPENSSL, runOpenssl } from "../unit/signer/openssl-helper.js";
import { official, OFFICIAL_MLDSA_DIR } from "../helpers/fixtures.js";

const CLI = join(import.meta.dirname, "../../dist/cli.js");

function cli(args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: opts.input ?? "",
    env: { PATH: process.env.PATH, ...opts.env },
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^signing-helper: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1]).toMatch(/^hint: ./);
  expect(stderr).not.toMatch(/^\s+at /m);
}

function mustOpenssl(args: string[]): Buffer {
  const r = runOpenssl(args);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' (or BUILD_ALLOW_TYPE_ERRORS=1 node scripts/build.mjs) first`);
});

describe.skipIf(!hasOpenssl)("read-certificate-data (built CLI) with openssl-made certificates", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "read-cert-e2e-"));
    const make = (name: string, alg: string[], serial: string) => {
      const key = join(dir, `${name}-key.pem`);
      mustOpenssl(["genpkey", ...alg, "-out", key]);
      mustOpenssl(["req", "-x509", "-new", "-key", key, "-subj", `/CN=read-certificate-data ${name}`, "-days", "2", "-set_serial", serial, "-out", join(dir, `${name}.pem`)]);
      mustOpenssl(["x509", "-in", join(dir, `${name}.pem`), "-outform", "DER", "-out", join(dir, `${name}.der`)]);
    };
    make("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "0x00c0ffee00112233445566778899aabbccddeeff01");
    make("ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "7");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The expected output, every value derived by openssl. */
  function expected(name: string, keyType: string, algorithms: string[]): string {
    const hex = mustOpenssl(["x509", "-in", join(dir, `${name}.pem`), "-noout", "-serial"]).toString().trim().replace(/^serial=/, "");
    return JSON.stringify({
      keyType,
      certificateData: readFileSync(join(dir, `${name}.der`)).toString("base64"),
      serialNumber: BigInt(`0x${hex}`).toString(10),
      supportedAlgorithms: algorithms,
    });
  }

  it("prints the RSA certificate's data byte for byte, decimal serial as openssl reports it, no newline", () => {
    const r = cli(["read-certificate-data", "--certificate", join(dir, "rsa.pem")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected("rsa", "RSA", ["RSASHA256", "RSASHA384", "RSASHA512"]));
    expect(JSON.parse(r.stdout).serialNumber).toBe(BigInt("0xc0ffee00112233445566778899aabbccddeeff01").toString(10));
  });

  it("prints the EC certificate's data, from PEM and from DER alike", () => {
    const want = expected("ec", "EC", ["ECSHA256", "ECSHA384", "ECSHA512"]);
    expect(cli(["read-certificate-data", "--certificate", join(dir, "ec.pem")]).stdout).toBe(want);
    expect(cli(["read-certificate-data", "--certificate", join(dir, "ec.der")]).stdout).toBe(want);
    expect(JSON.parse(want).serialNumber).toBe("7");
  });

  it("uses only the first CERTIFICATE block of a bundle", () => {
    const bundle = join(dir, "bundle.pem");
    writeFileSync(bundle, Buffer.concat([readFileSync(join(dir, "ec.pem")), readFileSync(join(dir, "rsa.pem"))]));
    const r = cli(["read-certificate-data", "--certificate", bundle]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected("ec", "EC", ["ECSHA256", "ECSHA384", "ECSHA512"]));
  });

  it("reads the certificate from stdin and from env:NAME", () => {
    const want = expected("rsa", "RSA", ["RSASHA256", "RSASHA384", "RSASHA512"]);
    const pem = readFileSync(join(dir, "rsa.pem"), "utf8");
    expect(cli(["read-certificate-data", "--certificate", "-"], { input: pem }).stdout).toBe(want);
    expect(cli(["read-certificate-data", "--certificate", "env:THE_CERT"], { env: { THE_CERT: pem } }).stdout).toBe(want);
  });
});
if (!hasOpenssl) describe("read-certificate-data (built CLI) with openssl-made certificates", () => it.skip(NO_OPENSSL, () => {}));

describe("read-certificate-data (built CLI) with the official ML-DSA certificates", () => {
  // Decimal serials as listed in the official fixtures' MANIFEST.md.
  const cases = [
    ["44", "380107767491078309882765566837975439057989904442"],
    ["65", "175904824604684358944061260626166596171304517034"],
    ["87", "461014492413836077166337701768413355473408023458"],
  ] as const;
  it.each(cases)("ML-DSA-%s: keyType, serial and algorithms as the official helper prints them", (v, serial) => {
    const certPath = join(OFFICIAL_MLDSA_DIR, `mldsa${v}-cert.pem`);
    const r = cli(["read-certificate-data", "--certificate", certPath]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const der = new X509Certificate(readFileSync(certPath)).raw;
    expect(r.stdout).toBe(
      JSON.stringify({ keyType: `ML-DSA-${v}`, certificateData: der.toString("base64"), serialNumber: serial, supportedAlgorithms: [`ML-DSA-${v}`] }),
    );
  });
});

describe("read-certificate-data (built CLI) errors", () => {
  it("exits 2 without --certificate", () => {
    const r = cli(["read-certificate-data"]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, /missing required flag: --certificate/);
  });
  it("exits 2 for an unknown flag", () => {
    const r = cli(["read-certificate-data", "--certificate", "x.pem", "--format", "json"]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, /unknown flag: --format/);
  });
  it("exits 1 with one line and a hint for a missing file", () => {
    const r = cli(["read-certificate-data", "--certificate", "/nonexistent/cert.pem"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expectOneLineError(r.stderr, /\/nonexistent\/cert\.pem/);
    expect(r.stderr).toMatch(/\nhint: /);
  });
  it("exits 1 for the official corrupted certificate (could not parse)", () => {
    const r = cli(["read-certificate-data", "--certificate", official("tst/certs/invalid-rsa-cert.pem")]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expectOneLineError(r.stderr, /could not parse/);
    expect(r.stderr).toMatch(/\nhint: /);
  });
  it("exits 1 for a file that holds no certificate", () => {
    const dir = mkdtempSync(join(tmpdir(), "read-cert-bad-"));
    try {
      const f = join(dir, "junk.txt");
      writeFileSync(f, "this is not a certificate\n");
      const r = cli(["read-certificate-data", "--certificate", f]);
      expect(r.status).toBe(1);
      expectOneLineError(r.stderr, /certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
