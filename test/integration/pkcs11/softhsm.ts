/**
 * Test tokens: SoftHSM in its own SOFTHSM2_CONF directory, keys and
 * certificates written with OpenSC's pkcs11-tool (an independent PKCS#11
 * client), keys imported sensitive and non-extractable. And a software TPM
 * (swtpm) with a tpm2-pkcs11 store made by tpm2_ptool.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const onPath = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

export const SOFTHSM_MODULE = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so"].find((p) =>
  existsSync(p),
);
export const TPM2_MODULE = ["/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so", "/usr/lib/x86_64-linux-gnu/libtpm2_pkcs11.so.1", "/usr/lib/pkcs11/libtpm2_pkcs11.so"].find((p) =>
  existsSync(p),
);

function bindingLoads(): boolean {
  try {
    createRequire(import.meta.url)("pkcs11js");
    return true;
  } catch {
    return false;
  }
}

/** Why SoftHSM tests cannot run here, or undefined when they can. */
export const softhsmMissing: string | undefined = !bindingLoads()
  ? "the optional package pkcs11js is not installed or did not build"
  : !SOFTHSM_MODULE
    ? "SoftHSM (libsofthsm2.so) is not installed"
    : !onPath("softhsm2-util") || !onPath("pkcs11-tool")
      ? "softhsm2-util or pkcs11-tool (opensc) is not on PATH"
      : undefined;

/** Why the TPM test cannot run here, or undefined when it can. */
export const tpmMissing: string | undefined =
  softhsmMissing && softhsmMissing.startsWith("the optional")
    ? softhsmMissing
    : !TPM2_MODULE
      ? "tpm2-pkcs11 (libtpm2_pkcs11.so) is not installed"
      : !onPath("swtpm") || !onPath("tpm2_ptool") || !onPath("tpm2_flushcontext")
        ? "swtpm, tpm2_ptool or tpm2-tools is not on PATH"
        : undefined;

export interface ImportOptions {
  /** CKA_ID as hex. */
  id: string;
  keyLabel?: string;
  certLabel?: string;
  keyPem?: string;
  certDer?: Buffer;
  alwaysAuthenticate?: boolean;
}

/** A SoftHSM installation of its own: a token directory and a config file in a temp dir. */
export class SoftHsm {
  readonly dir: string;
  readonly conf: string;
  readonly module = SOFTHSM_MODULE!;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "softhsm-"));
    mkdirSync(join(this.dir, "tokens"));
    this.conf = join(this.dir, "softhsm2.conf");
    writeFileSync(this.conf, `directories.tokendir = ${join(this.dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  }

  /** Environment for processes that use these tokens. */
  env(): NodeJS.ProcessEnv {
    return { SOFTHSM2_CONF: this.conf };
  }

  private run(cmd: string, args: string[]): string {
    return execFileSync(cmd, args, { env: { ...process.env, SOFTHSM2_CONF: this.conf }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  initToken(label: string, pin: string, soPin = "so-pin-1"): void {
    this.run("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", soPin]);
  }

  /** Writes a private key (sensitive, not extractable) and/or a certificate with pkcs11-tool. */
  write(token: string, pin: string, o: ImportOptions): void {
    const base = ["--module", this.module, "--token-label", token, "--login", "--pin", pin];
    if (o.keyPem) {
      const f = join(this.dir, `key-${o.id}-${Math.random().toString(36).slice(2)}.pem`);
      writeFileSync(f, o.keyPem, { mode: 0o600 });
      this.run("pkcs11-tool", [
        ...base,
        "--write-object",
        f,
        "--type",
        "privkey",
        "--id",
        o.id,
        "--label",
        o.keyLabel ?? `key-${o.id}`,
        "--usage-sign",
        "--sensitive",
        ...(o.alwaysAuthenticate ? ["--always-auth"] : []),
      ]);
      rmSync(f);
    }
    if (o.certDer) {
      const f = join(this.dir, `cert-${o.id}-${Math.random().toString(36).slice(2)}.der`);
      writeFileSync(f, o.certDer);
      this.run("pkcs11-tool", [...base, "--write-object", f, "--type", "cert", "--id", o.id, "--label", o.certLabel ?? `cert-${o.id}`]);
      rmSync(f);
    }
  }

  /** pkcs11-tool's listing of a token (as a person would check it). */
  list(token: string, pin: string): string {
    return this.run("pkcs11-tool", ["--module", this.module, "--token-label", token, "--login", "--pin", pin, "--list-objects"]);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

// tpm2_ptool drives the tpm2-tools commands; with no resource manager in front of swtpm
// each leaves its objects loaded and the TPM runs out of slots, so each call is wrapped
// to flush transient objects and sessions afterwards (their contexts are saved in files).
const PTOOL_COMMANDS = [
  "tpm2_changeauth",
  "tpm2_create",
  "tpm2_createprimary",
  "tpm2_encryptdecrypt",
  "tpm2_evictcontrol",
  "tpm2_getcap",
  "tpm2_import",
  "tpm2_load",
  "tpm2_loadexternal",
  "tpm2_readpublic",
  "tpm2_sign",
  "tpm2_unseal",
];

/** A software TPM on a loopback port, with a tpm2-pkcs11 store holding one token. */
export class SoftTpm {
  readonly dir: string;
  readonly module = TPM2_MODULE!;
  private proc: ChildProcess | undefined;
  private port = 0;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async start(): Promise<SoftTpm> {
    const t = new SoftTpm(mkdtempSync(join(tmpdir(), "swtpm-")));
    mkdirSync(join(t.dir, "state"));
    mkdirSync(join(t.dir, "store"));
    mkdirSync(join(t.dir, "wrap"));
    const wrapper = join(t.dir, "wrap", "run");
    const bin = dirname(execFileSync("sh", ["-c", "command -v tpm2_flushcontext"], { encoding: "utf8" }).trim());
    writeFileSync(
      wrapper,
      `#!/bin/sh\nname=$(basename "$0")\n${bin}/$name "$@"; rc=$?\n${bin}/tpm2_flushcontext -t >/dev/null 2>&1; ${bin}/tpm2_flushcontext -s >/dev/null 2>&1\nexit $rc\n`,
    );
    chmodSync(wrapper, 0o755);
    for (const c of PTOOL_COMMANDS) symlinkSync("run", join(t.dir, "wrap", c));
    // The swtpm TCTI talks to the control channel on the next port up.
    for (;;) {
      t.port = await freePort();
      if (await portFree(t.port + 1)) break;
    }
    await t.launch();
    return t;
  }

  /** Starts swtpm on the TPM's ports and state (again, after stop()); resolves once it answers. */
  async launch(): Promise<void> {
    this.proc = spawn(
      "swtpm",
      [
        "socket",
        "--tpm2",
        "--tpmstate",
        `dir=${join(this.dir, "state")}`,
        "--server",
        `type=tcp,port=${this.port},bindaddr=127.0.0.1`,
        "--ctrl",
        `type=tcp,port=${this.port + 1},bindaddr=127.0.0.1`,
        "--flags",
        "not-need-init,startup-clear",
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; ; i++) {
      const r = spawnSync("tpm2_getcap", ["properties-fixed"], { env: { ...process.env, ...this.toolEnv() }, stdio: "ignore" });
      if (r.status === 0) return;
      if (i > 100) throw new Error("swtpm did not start");
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** Environment of the tpm2 tools (tpm2_ptool). */
  private toolEnv(): NodeJS.ProcessEnv {
    return {
      PATH: `${join(this.dir, "wrap")}:${process.env.PATH ?? ""}`,
      TPM2TOOLS_TCTI: `swtpm:host=127.0.0.1,port=${this.port}`,
      TPM2_PKCS11_TCTI: `swtpm:host=127.0.0.1,port=${this.port}`,
      TPM2_PKCS11_STORE: join(this.dir, "store"),
    };
  }

  /** Environment of processes that use the token through tpm2-pkcs11. */
  env(): NodeJS.ProcessEnv {
    return { TPM2_PKCS11_TCTI: `swtpm:host=127.0.0.1,port=${this.port}`, TPM2_PKCS11_STORE: join(this.dir, "store"), TPM2_PKCS11_LOG_LEVEL: "0", TSS2_LOG: "all+NONE" };
  }

  private ptool(args: string[]): void {
    execFileSync("tpm2_ptool", [...args, `--path=${join(this.dir, "store")}`], { env: { ...process.env, ...this.toolEnv() }, stdio: ["ignore", "pipe", "pipe"] });
  }

  /** A token with one key imported into the TPM (wrapped by it) and its certificate. */
  addToken(label: string, pin: string, keyPem: string, certPem: string, algorithm: "ecc" | "rsa", keyLabel = "leaf"): void {
    this.ptool(["init"]);
    this.ptool(["addtoken", "--pid=1", "--sopin=so-pin-1", `--userpin=${pin}`, `--label=${label}`]);
    const keyFile = join(this.dir, "key.pem");
    const certFile = join(this.dir, "cert.pem");
    writeFileSync(keyFile, keyPem, { mode: 0o600 });
    writeFileSync(certFile, certPem);
    this.ptool(["import", `--label=${label}`, `--key-label=${keyLabel}`, `--userpin=${pin}`, `--privkey=${keyFile}`, `--algorithm=${algorithm}`]);
    rmSync(keyFile);
    this.ptool(["addcert", `--label=${label}`, `--key-label=${keyLabel}`, certFile]);
  }

  /** Stops the TPM (as pulling it out would); resolves once the process is gone. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((res) => p.once("exit", res));
    p.kill("SIGKILL");
    await gone;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
