/**
 * The built CLI with keys on PKCS#11 tokens: SoftHSM (keys written by OpenSC's
 * pkcs11-tool, sensitive, not extractable) and a software TPM through
 * tpm2-pkcs11, against the emulator on 127.0.0.1. credential-process for
 * RSA-2048 and P-256, CKA_ALWAYS_AUTHENTICATE with and without --reuse-pin,
 * read-certificate-data's listing, sign-string checked by openssl, doctor,
 * the error lines, and that a PEM run (and a --cache hit) loads no PKCS#11 code.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { createRootCa, issueClientCertificate, type IssuedCertificate } from "../../src/pki/index.js";
import { testMessage } from "../../src/signer/sign-string.js";
import { CLI, cleanEnv, parseOutput, requireBuiltCli, run, type RunResult } from "../integration/credential-process/world.js";
import { SoftHsm, SoftTpm, softhsmMissing, tpmMissing } from "../integration/pkcs11/softhsm.js";
import { imdsCredentials, imdsToken } from "../integration/serve-command/world.js";

const PIN = "e2e-4242";
const T = "e2e-token";
const hasOpenssl = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;
// p11-kit's proxy and SoftHSM's registration with it (Debian's softhsm2 installs the .module file).
const p11kitSofthsm =
  ["/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so", "/usr/lib/p11-kit-proxy.so"].some((p) => existsSync(p)) && existsSync("/usr/share/p11-kit/modules/softhsm2.module");
const p11kitNote = p11kitSofthsm ? "" : " [skipped: p11-kit's proxy or its SoftHSM module file is not installed]";
const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;
const scriptNote = hasScript ? "" : " [skipped: util-linux `script` is not on PATH]";
const note = softhsmMissing ? ` [skipped: ${softhsmMissing}]` : "";
const tpmNote = tpmMissing ? ` [skipped: ${tpmMissing}]` : "";

let hsm: SoftHsm;
let emu: RunningEmulator;
let dir: string;
let home: string;
let rsa: IssuedCertificate;
let ec: IssuedCertificate;
let always: IssuedCertificate;
let root: IssuedCertificate;

beforeAll(async () => {
  requireBuiltCli();
  if (softhsmMissing) return;
  dir = mkdtempSync(join(tmpdir(), "p11-e2e-"));
  home = join(dir, "home");
  mkdirSync(home);
  root = await createRootCa({ keyType: "ec-p256" });
  [rsa, ec, always] = await Promise.all([
    issueClientCertificate(root, { keyType: "rsa-2048" }),
    issueClientCertificate(root, { keyType: "ec-p256" }),
    issueClientCertificate(root, { keyType: "ec-p256" }),
  ]);
  hsm = new SoftHsm();
  hsm.initToken(T, PIN);
  hsm.write(T, PIN, { id: "01", keyLabel: "rsa", certLabel: "rsa", keyPem: rsa.keyPem, certDer: rsa.certDer });
  hsm.write(T, PIN, { id: "02", keyLabel: "ec", certLabel: "ec", keyPem: ec.keyPem, certDer: ec.certDer });
  hsm.write(T, PIN, { id: "03", keyLabel: "always", certLabel: "always", keyPem: always.keyPem, certDer: always.certDer, alwaysAuthenticate: true });
  hsm.write(T, PIN, { id: "04", certLabel: "twin", certDer: rsa.certDer });
  hsm.write(T, PIN, { id: "05", certLabel: "twin", certDer: ec.certDer });
  emu = await startEmulator({ trustAnchorCertPem: root.certPem });
}, 60_000);

afterAll(async () => {
  await emu?.close();
  hsm?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}) => cleanEnv(home, { ...hsm.env(), TOKEN_PIN: PIN, ...extra });
const uri = (path: string, query = "pin-source=env:TOKEN_PIN") => `pkcs11:token=${T};${path}${query ? `?${query}` : ""}`;
const arns = () => ["--trust-anchor-arn", emu.trustAnchorArn, "--profile-arn", emu.profileArn, "--role-arn", emu.roleArn, "--endpoint", emu.endpoint];
const cli = (args: string[], e: NodeJS.ProcessEnv = env()) => run(process.execPath, [CLI, ...args], e);

/** One error line and one hint line, exit 1, no stack, no PIN. */
function expectOneError(r: RunResult, pattern: RegExp, pin = PIN): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^signing-helper: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1]).toMatch(/^hint: ./);
  expect(r.stderr).not.toContain(pin);
}

describe("PKCS#11 through the built CLI (SoftHSM)", () => {
  it.skipIf(!!softhsmMissing)(`credential-process gets credentials with RSA-2048 and P-256 keys on the token${note}`, async () => {
    for (const path of ["object=rsa", "object=ec;type=cert"]) {
      const before = emu.audit.filter((e) => e.operation === "CreateSession").length;
      const r = await cli(["credential-process", "--certificate", uri(path), "--pkcs11-lib", hsm.module, ...arns()]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(parseOutput(r.stdout).AccessKeyId).toMatch(/^ASIA/);
      expect(emu.audit.filter((e) => e.operation === "CreateSession" && e.outcome === "success").length).toBe(before + 1);
    }
    // --private-key as a URI with the certificate from a file works too.
    const certFile = join(dir, "ec.pem");
    writeFileSync(certFile, ec.certPem);
    const r = await cli(["credential-process", "--certificate", certFile, "--private-key", uri("object=ec;type=private"), "--pkcs11-lib", hsm.module, ...arns()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it.skipIf(!!softhsmMissing)(`serve answers with credentials signed on the token, and exits 0 on SIGTERM${note}`, async () => {
    const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--certificate", uri("object=ec"), "--pkcs11-lib", hsm.module, ...arns()], {
      env: env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
    const exit = new Promise<number | null>((resolve) => child.once("close", resolve));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString("utf8");
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      void exit.then(() => reject(new Error(`serve exited: ${err}`)));
    });
    const url = (JSON.parse(line) as { url: string }).url;
    const stopIfLeft = setTimeout(() => child.kill("SIGKILL"), 30_000);
    stopIfLeft.unref();
    const token = await imdsToken(url);
    const creds = await imdsCredentials(url, token, emu.roleArn.split("/").pop());
    expect(creds.status).toBe(200);
    const body = JSON.parse(creds.body) as { AccessKeyId: string };
    expect(emu.audit.filter((e) => e.operation === "CreateSession").at(-1)!.accessKeyId).toBe(body.AccessKeyId);
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(err).not.toContain(PIN);
  });

  it.skipIf(!!softhsmMissing)(`update --once writes the credentials of a token identity into the credentials file${note}`, async () => {
    const file = join(dir, "credentials");
    const r = await cli(["update", "--once", "--profile", "hsm", "--credentials-file", file, "--certificate", uri("object=rsa"), "--pkcs11-lib", hsm.module, ...arns()]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^\[hsm\]\naws_access_key_id = ASIA/);
    const last = emu.audit.filter((e) => e.operation === "CreateSession").at(-1)!;
    expect(text).toContain(`aws_access_key_id = ${last.accessKeyId}`);
  });

  it.skipIf(!!softhsmMissing)(`a pin-value in the URI works, with a warning that never shows the PIN${note}`, async () => {
    const r = await cli(["credential-process", "--certificate", uri("object=ec", `pin-value=${PIN}`), "--pkcs11-lib", hsm.module, ...arns()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: the PIN in --certificate \(pin-value=\) can be read by every user .*pin-source=env:NAME/);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain(PIN);
  });

  it.skipIf(!!softhsmMissing)(`an always-authenticate key signs with --reuse-pin, and without it (no terminal) is one clear error${note}`, async () => {
    const args = ["credential-process", "--certificate", uri("object=always"), "--pkcs11-lib", hsm.module, ...arns()];
    const withReuse = await cli([...args, "--reuse-pin"]);
    expect(withReuse.stderr).toBe("");
    expect(withReuse.code).toBe(0);
    expectOneError(await cli(args), /wants a PIN at every signature \(CKA_ALWAYS_AUTHENTICATE\)/);
  });

  it.skipIf(!!softhsmMissing)(`read-certificate-data lists the matching identities with their URIs${note}`, async () => {
    const r = await cli(["read-certificate-data", "--certificate", `pkcs11:token=${T};object=twin`, "--pkcs11-lib", hsm.module]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("Matching identities");
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe("");
    const sha1 = (pem: string) => spawnSync("openssl", ["x509", "-noout", "-fingerprint", "-sha1"], { input: pem, encoding: "utf8" }).stdout.split("=")[1]!.trim().replace(/:/g, "").toLowerCase();
    const expected = hasOpenssl ? [sha1(rsa.certPem), sha1(ec.certPem)].sort() : undefined;
    const listed = [lines[1], lines[3]].map((l) => /^[12]\) ([0-9a-f]{40}) "CN=.+"$/.exec(l!)?.[1]);
    if (expected) expect(listed.sort()).toEqual(expected);
    for (const l of [lines[2], lines[4]]) expect(l).toMatch(/^\tURI: pkcs11:token=e2e-token;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;serial=\w+;id=%0[45];object=twin;type=cert$/);

    const none = await cli(["read-certificate-data", "--certificate", `pkcs11:token=${T};object=nothing`, "--pkcs11-lib", hsm.module]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("No matching identities\n");
  });

  it.skipIf(!!softhsmMissing || !p11kitSofthsm)(`without --pkcs11-lib, p11-kit's proxy module reaches the SoftHSM token${note}${p11kitNote}`, async () => {
    const r = await cli(["read-certificate-data", "--certificate", `pkcs11:token=${T};object=ec`], env({ TSS2_LOG: "all+NONE" }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Matching identities\n1\) [0-9a-f]{40} "CN=.+"\n\tURI: pkcs11:token=e2e-token;manufacturer=SoftHSM%20project;.*id=%02;object=ec;type=cert\n$/);
  });

  it.skipIf(!!softhsmMissing || !hasOpenssl)(`sign-string's signature verifies with openssl against the certificate, RSA and EC, every digest${note}`, async () => {
    for (const [path, cert] of [
      ["object=rsa", rsa],
      ["object=ec", ec],
    ] as const) {
      const certFile = join(dir, `cert-${cert.keyType}.pem`);
      const pubFile = join(dir, `pub-${cert.keyType}.pem`);
      const msgFile = join(dir, `msg-${cert.keyType}.bin`);
      writeFileSync(certFile, cert.certPem);
      writeFileSync(pubFile, spawnSync("openssl", ["x509", "-in", certFile, "-noout", "-pubkey"], { encoding: "utf8" }).stdout);
      writeFileSync(msgFile, testMessage(cert.privateKey));
      for (const digest of ["SHA256", "SHA384", "SHA512"]) {
        const r = await cli(["sign-string", "--private-key", uri(`${path};type=private`), "--pkcs11-lib", hsm.module, "--format", "text", "--digest", digest]);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        const sigFile = join(dir, `sig-${cert.keyType}-${digest}.bin`);
        writeFileSync(sigFile, Buffer.from(r.stdout, "hex"));
        const v = spawnSync("openssl", ["dgst", `-${digest.toLowerCase()}`, "-verify", pubFile, "-signature", sigFile, msgFile], { encoding: "utf8" });
        expect(v.stdout.trim(), v.stderr).toBe("Verified OK");
      }
    }
  });

  it.skipIf(!!softhsmMissing || !hasScript)(`with no PIN given, asks on the terminal (echo off), again after a wrong one${note}${scriptNote}`, async () => {
    // A real terminal: util-linux `script` runs the CLI on a pseudo-terminal; we type when the prompt shows.
    const cmd = [process.execPath, CLI, "sign-string", "--certificate", `pkcs11:token=${T};object=ec`, "--pkcs11-lib", hsm.module, "--format", "text"]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(" ");
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { env: env({ TOKEN_PIN: "" }), stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    const typed: string[] = [];
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString("utf8");
      const prompts = out.split("Enter password for ").length - 1;
      if (prompts > typed.length) {
        const answer = typed.length === 0 ? "1111-wrong" : PIN;
        typed.push(answer);
        child.stdin.write(`${answer}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/Enter password for the user PIN of PKCS#11 token "e2e-token" \(slot \d+\): /);
    expect(out).toMatch(/Enter password for .*try 2: /);
    expect(out).not.toContain(PIN);
    expect(out).not.toContain("1111-wrong");
    expect(out).toMatch(/\b30[0-9a-f]{130,150}\b/);
  });

  it.skipIf(!!softhsmMissing)(`doctor checks an identity on the token${note}`, async () => {
    const r = await cli(["doctor", "--certificate", uri("object=ec"), "--pkcs11-lib", hsm.module, ...arns()]);
    expect(r.stdout).toMatch(/PKCS#11 key pkcs11:token=e2e-token;.*id=%02;object=ec;type=private \(stays on the token; it signed a test message\): EC P-256/);
    expect(r.stdout).not.toMatch(/does not match|matches none/);
    expect(r.stdout + r.stderr).not.toContain(PIN);
  });

  it.skipIf(!!softhsmMissing)(`wrong PIN, missing token, no matching object, two certificates, bad URI, missing module: one line each${note}`, async () => {
    const base = (cert: string) => ["credential-process", "--certificate", cert, "--pkcs11-lib", hsm.module, ...arns()];
    expectOneError(await cli(base(uri("object=ec")), env({ TOKEN_PIN: "0000-wrong" })), /user PIN was refused \(CKR_PIN_INCORRECT\)/, "0000-wrong");
    expectOneError(await cli(base("pkcs11:token=absent?pin-source=env:TOKEN_PIN")), /no token matches pkcs11:token=absent.*tokens present: .*"e2e-token"/);
    expectOneError(await cli(base(uri("object=nothing"))), /no certificate matches .*holds: certificate pkcs11:.*object=rsa;type=cert/);
    expectOneError(await cli(base(uri("object=twin"))), /2 certificates match .*id=%0[45];object=twin;type=cert, .*id=%0[45];object=twin;type=cert/);
    const bad = await cli(base("pkcs11:token=a;bogus=1"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^signing-helper: PKCS#11 URI pkcs11:token=a;bogus=1: unknown path attribute 'bogus'/);
    expectOneError(await cli(["credential-process", "--certificate", uri("object=ec"), "--pkcs11-lib", join(dir, "missing.so"), ...arns()]), /PKCS#11 module .*missing\.so: could not be loaded/);
    expect(emu.audit.filter((e) => e.operation === "CreateSession" && e.outcome !== "success")).toHaveLength(0);
  });

  it.skipIf(!!softhsmMissing)(`a PEM credential-process and a --cache hit load no PKCS#11 code; a token run does (/proc/self/maps)${note}`, async () => {
    // Measured from inside the child: the shared objects mapped when it exits.
    const probe = join(dir, "maps-probe.cjs");
    writeFileSync(
      probe,
      `process.on("exit", () => { const m = require("fs").readFileSync("/proc/self/maps", "utf8"); require("fs").writeSync(2, "PKCS11_MAPPED=" + /pkcs11\\.node|libsofthsm2/.test(m) + "\\n"); });\n`,
    );
    const pemCert = join(dir, "pem-ec.pem");
    const pemKey = join(dir, "pem-ec.key");
    writeFileSync(pemCert, ec.certPem);
    writeFileSync(pemKey, ec.keyPem, { mode: 0o600 });
    const probed = (args: string[]) => run(process.execPath, ["-r", probe, CLI, ...args], env());
    const pem = await probed(["credential-process", "--certificate", pemCert, "--private-key", pemKey, ...arns()]);
    expect(pem.code, pem.stderr).toBe(0);
    expect(pem.stderr).toBe("PKCS11_MAPPED=false\n");

    const onToken = ["credential-process", "--cache", "--certificate", uri("object=ec"), "--pkcs11-lib", hsm.module, ...arns()];
    const miss = await probed(onToken);
    expect(miss.code, miss.stderr).toBe(0);
    expect(miss.stderr).toBe("PKCS11_MAPPED=true\n");
    const hit = await probed(onToken);
    expect(hit.code, hit.stderr).toBe(0);
    expect(hit.stderr).toBe("PKCS11_MAPPED=false\n");
    expect(hit.stdout).toBe(miss.stdout);
  });

  it.skipIf(!!softhsmMissing)(`without the pkcs11js package, a pkcs11: URI is one line saying what to install${note}`, async () => {
    // A copy of the package whose node_modules lacks pkcs11js (as when its build failed at install).
    const pkg = join(dir, "no-binding");
    const repo = join(import.meta.dirname, "..", "..");
    mkdirSync(join(pkg, "node_modules"), { recursive: true });
    cpSync(join(repo, "dist"), join(pkg, "dist"), { recursive: true });
    cpSync(join(repo, "package.json"), join(pkg, "package.json"));
    for (const name of readdirSync(join(repo, "node_modules"))) {
      if (name !== "pkcs11js" && name !== ".bin") symlinkSync(join(repo, "node_modules", name), join(pkg, "node_modules", name));
    }
    const r = await run(process.execPath, [join(pkg, "dist", "cli.js"), "credential-process", "--certificate", uri("object=ec"), "--pkcs11-lib", hsm.module, ...arns()], env());
    expectOneError(r, /PKCS#11: the optional package pkcs11js is not installed, or its native part did not build/);
    expect(r.stderr).toMatch(/hint: install it .*npm install pkcs11js/);
  });
});

describe("PKCS#11 through the built CLI (TPM 2.0: swtpm and tpm2-pkcs11)", () => {
  let tpm: SoftTpm | undefined;
  let tpmCert: IssuedCertificate;
  beforeAll(async () => {
    if (tpmMissing || softhsmMissing) return;
    tpm = await SoftTpm.start();
    tpmCert = await issueClientCertificate(root, { keyType: "ec-p256" });
    tpm.addToken("tpm-token", PIN, tpmCert.keyPem, tpmCert.certPem, "ecc");
  }, 120_000);
  afterAll(async () => tpm?.remove());

  it.skipIf(!!tpmMissing || !!softhsmMissing)(`credential-process gets credentials with a key wrapped by a software TPM${tpmNote}${note}`, async () => {
    const before = emu.audit.filter((e) => e.operation === "CreateSession" && e.outcome === "success").length;
    const r = await cli(
      ["credential-process", "--certificate", "pkcs11:token=tpm-token;object=leaf?pin-source=env:TOKEN_PIN", "--pkcs11-lib", tpm!.module, ...arns()],
      env(tpm!.env()),
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(parseOutput(r.stdout).AccessKeyId).toMatch(/^ASIA/);
    expect(emu.audit.filter((e) => e.operation === "CreateSession" && e.outcome === "success").length).toBe(before + 1);
  }, 60_000);
});
