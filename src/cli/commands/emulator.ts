import { readFileSync } from "node:fs";
import type { CommandModule } from "../context.js";
import { num, str } from "../args.js";
import { ConfigError, UsageError } from "../../errors.js";

function readTrustAnchorCert(value: string): string {
  if (value.trimStart().startsWith("-----BEGIN")) return value;
  try {
    return readFileSync(value, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`--trust-anchor-cert: cannot read ${JSON.stringify(value)}${code ? ` (${code})` : ""}`, {
      cause: err,
      hint: "give the path of the CA certificate (PEM) that issued your client certificate",
    });
  }
}

/** Quick mode's config keys and the flags that set them. */
const QUICK_FLAGS: Record<string, string> = {
  "trustAnchors[0].certificates[0]": "--trust-anchor-cert",
  "trustAnchors[0].certificates": "--trust-anchor-cert",
  "roles[0].arn": "--role-arn",
  "profiles[0].roleArns[0]": "--role-arn",
  region: "--region",
  accountId: "--account-id",
};

/**
 * In quick mode the user gave flags, not a config file: a config error about a
 * key that a flag sets is reported against the flag ("--trust-anchor-cert
 * root.pem: …"), with a hint about the flag.
 */
export function quickModeError(err: unknown, taCert: string): unknown {
  if (!(err instanceof ConfigError)) return err;
  const m = /^config: ([^:]+): (.*)$/s.exec(err.message);
  const flag = m ? QUICK_FLAGS[m[1]!] : undefined;
  if (!m || !flag) return err;
  const shown = flag === "--trust-anchor-cert" ? `${flag} ${taCert.trimStart().startsWith("-----BEGIN") ? "(inline PEM)" : taCert}` : flag;
  const hint =
    flag === "--trust-anchor-cert"
      ? "give the CA certificate (PEM) that issued your client certificates, such as root-cert.pem from generate-credential-process-data"
      : `fix ${flag}, or leave it out to use the default`;
  return new ConfigError(`${shown}: ${m[2]}`, { cause: err, hint });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/** `signing-helper emulator`: a local strict Roles Anywhere CreateSession + STS endpoint. */
export const command: CommandModule = {
  name: "emulator",
  describe: "Run a strict local Roles Anywhere CreateSession + STS emulator",
  usage: "signing-helper emulator (--config FILE | --trust-anchor-cert PEM [--role-arn ARN]) [flags]",
  longRunning: true,
  flags: [
    { name: "config", type: "string", describe: "JSON config file: trust anchors, profiles, roles (see README)" },
    { name: "trust-anchor-cert", type: "string", describe: "Quick mode: CA certificate (PEM file) of the one trust anchor" },
    { name: "role-arn", type: "string", describe: "Quick mode: the role the one profile hands out" },
    { name: "region", type: "string", describe: "Quick mode: region of the emulated endpoint (default us-east-1)" },
    { name: "account-id", type: "string", describe: "Quick mode: account id (default: the role ARN's, else 123456789012)" },
    { name: "host", type: "string", describe: "Address to listen on", default: "127.0.0.1" },
    { name: "port", type: "number", describe: "Port to listen on; 0 picks a free one (printed on the first stdout line)", default: 0 },
    { name: "audit-log", type: "string", describe: "Append one JSON line per request to this file (never a secret)" },
    { name: "clock-skew", type: "number", describe: "Allowed X-Amz-Date skew in seconds", default: 300 },
    { name: "debug", type: "boolean", describe: "Print stack traces of errors", hidden: true },
  ],
  async run(args, ctx) {
    const config = str(args, "config");
    const taCert = str(args, "trust-anchor-cert");
    if (config !== undefined && taCert !== undefined) {
      throw new UsageError("--config and --trust-anchor-cert cannot be used together", {
        hint: "put the trust anchor in the config file, or drop --config for quick mode",
      });
    }
    if (config === undefined && taCert === undefined) {
      throw new UsageError("missing required flag: --config or --trust-anchor-cert", {
        hint: "quick start: signing-helper emulator --trust-anchor-cert root-cert.pem",
      });
    }
    if (config !== undefined) {
      for (const f of ["role-arn", "region", "account-id"]) {
        if (args.given.has(f)) throw new UsageError(`--${f} is a quick-mode flag and conflicts with --config`, { hint: "set it in the config file" });
      }
    }
    const port = num(args, "port") ?? 0;
    if (port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, not ${port}`);
    const skew = num(args, "clock-skew") ?? 300;
    if (skew < 0 || skew > 86400) throw new UsageError(`--clock-skew must be 0-86400 seconds, not ${skew}`);
    const host = str(args, "host") ?? "127.0.0.1";
    if (!isLoopback(host)) ctx.log(`signing-helper: warning: the emulator listens on ${host}, not only on loopback (it is a test server)`);

    const { startEmulator } = await import("../../emulator/server.js");
    const opts: Parameters<typeof startEmulator>[0] = { host, port, clockSkewSeconds: skew };
    if (config !== undefined) opts.config = config;
    if (taCert !== undefined) opts.trustAnchorCertPem = readTrustAnchorCert(taCert);
    const roleArn = str(args, "role-arn");
    const region = str(args, "region");
    const accountId = str(args, "account-id");
    if (roleArn !== undefined) opts.roleArn = roleArn;
    if (region !== undefined) opts.region = region;
    if (accountId !== undefined) opts.accountId = accountId;
    const auditLog = str(args, "audit-log");
    if (auditLog !== undefined) opts.auditLog = auditLog;

    const emu = await startEmulator(opts).catch((err: unknown) => {
      throw taCert !== undefined ? quickModeError(err, taCert) : err;
    });
    const line: Record<string, unknown> = {
      event: "listening",
      endpoint: emu.endpoint,
      trustAnchorArn: emu.trustAnchorArn,
      profileArn: emu.profileArn,
      roleArn: emu.roleArn,
    };
    if (emu.trustAnchors.length > 1 || emu.profiles.length > 1) {
      line.trustAnchors = emu.trustAnchors;
      line.profiles = emu.profiles;
    }
    ctx.stdout.write(JSON.stringify(line) + "\n");
    await new Promise<void>((done) => {
      if (ctx.signal.aborted) done();
      else ctx.signal.addEventListener("abort", () => done(), { once: true });
    });
    await emu.close();
    return 0;
  },
};
