import { readFileSync } from "node:fs";
import type { CommandModule } from "../context.js";
import { num, str } from "../args.js";
import { ConfigError, UsageError } from "../../errors.js";
import type { AuditEntry } from "../../emulator/types.js";

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

/** `--admin-credentials env:NAME`: NAME holds `ACCESS_KEY_ID:SECRET_ACCESS_KEY`. */
function adminFromEnv(spec: string, env: NodeJS.ProcessEnv): { accessKeyId: string; secretAccessKey: string } {
  const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(spec);
  if (!m) throw new UsageError(`--admin-credentials must be env:NAME, not ${JSON.stringify(spec.slice(0, 40))}`, { hint: "put ACCESS_KEY_ID:SECRET_ACCESS_KEY in an environment variable and name it" });
  const value = env[m[1]!];
  if (value === undefined) throw new ConfigError(`--admin-credentials: environment variable ${m[1]} is not set`, { hint: `export ${m[1]}=ACCESS_KEY_ID:SECRET_ACCESS_KEY` });
  const c = /^([A-Z0-9]{16,128}):(\S{16,128})$/.exec(value);
  if (!c) throw new ConfigError(`--admin-credentials: ${m[1]} must hold ACCESS_KEY_ID:SECRET_ACCESS_KEY (key id 16-128 capitals and digits, secret 16-128 characters)`, { hint: "check the variable's value (it is not shown here)" });
  return { accessKeyId: c[1]!, secretAccessKey: c[2]! };
}

function readPemFile(flag: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${flag}: cannot read ${JSON.stringify(path)}${code ? ` (${code})` : ""}`, { cause: err, hint: `give ${flag} a PEM file` });
  }
}

/** A shell word, quoted only when it needs to be. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** One line per CreateSession for people: outcome, who, and the refusal reason. */
export function requestLine(e: AuditEntry): string | undefined {
  if (e.operation !== "CreateSession") return undefined;
  const who = [e.subject ? `subject=${JSON.stringify(e.subject)}` : "", e.serial ? `serial=${e.serial}` : ""].filter(Boolean).join(" ");
  const head = `${e.time} CreateSession ${e.status}`;
  if (e.outcome === "success") return `${head} ${who} role=${e.roleArn ?? "?"} accessKeyId=${e.accessKeyId ?? "?"}`.replace(/ +/g, " ");
  return `${head} ${e.errorCode ?? "error"}: ${e.reason ?? ""}${who ? ` (${who})` : ""}`;
}

/** `signing-helper emulator`: a local strict Roles Anywhere CreateSession + STS endpoint. */
export const command: CommandModule = {
  name: "emulator",
  describe: "Run a strict local Roles Anywhere CreateSession + STS emulator",
  usage: "signing-helper emulator (--config FILE | --trust-anchor-cert PEM [--role-arn ARN] | --state FILE | --empty) [flags]",
  longRunning: true,
  flags: [
    { name: "config", type: "string", describe: "JSON config file: trust anchors, profiles, roles (see README)" },
    { name: "trust-anchor-cert", type: "string", describe: "Quick mode: CA certificate (PEM file) of the one trust anchor" },
    { name: "role-arn", type: "string", describe: "Quick mode: the role the one profile hands out" },
    { name: "region", type: "string", describe: "Quick mode: region of the emulated endpoint (default us-east-1)" },
    { name: "account-id", type: "string", describe: "Quick mode: account id (default: the role ARN's, else 123456789012)" },
    { name: "bind", type: "string", describe: "Address to listen on", default: "127.0.0.1" },
    { name: "host", type: "string", describe: "Alias of --bind", hidden: true },
    { name: "state", type: "string", describe: "Keep trust anchors, profiles, CRLs and subjects in this JSON file across restarts" },
    { name: "empty", type: "boolean", describe: "Start with no resources (create them with the management API)" },
    { name: "admin-credentials", type: "string", describe: "Management API credentials: env:NAME with ACCESS_KEY_ID:SECRET (default: random, on the first stdout line)" },
    { name: "tls", type: "boolean", describe: "Serve HTTPS with a generated certificate for 127.0.0.1/localhost; its CA file is on the first stdout line" },
    { name: "tls-cert", type: "string", describe: "Serve HTTPS with this certificate (PEM file; with --tls-key)" },
    { name: "tls-key", type: "string", describe: "Private key (PEM file) of --tls-cert" },
    { name: "latency", type: "number", describe: "Hold every answer this many milliseconds (0-60000)", default: 0 },
    { name: "tps", type: "number", describe: "CreateSession quota per second (token bucket, burst = tps; the service's default is 10); default off" },
    { name: "quiet", type: "boolean", describe: "No per-request lines on stderr" },
    { name: "saml-user", type: "string", describe: "Quick mode: a SAML provider and an emulated IdP with this user, trusted by the role" },
    { name: "saml-password", type: "string", describe: "Password of --saml-user: env:NAME (never a literal)" },
    {
      name: "credential-lifetime",
      type: "number",
      describe: "Testing: every minted credential expires after this many seconds (1-43200), whatever duration was asked",
    },
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
    const statePath = str(args, "state");
    const empty = args.given.has("empty");
    if (empty && (config !== undefined || taCert !== undefined)) {
      throw new UsageError("--empty conflicts with --config and --trust-anchor-cert", { hint: "drop --empty, or the other flag" });
    }
    if (config === undefined && taCert === undefined && statePath === undefined && !empty) {
      throw new UsageError("missing required flag: --config or --trust-anchor-cert (or --state FILE / --empty for the management API alone)", {
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
    if (args.given.has("bind") && args.given.has("host")) throw new UsageError("--host is an alias of --bind: give one of them");
    const host = str(args, "host") ?? str(args, "bind") ?? "127.0.0.1";
    const latency = num(args, "latency") ?? 0;
    if (!(latency >= 0 && latency <= 60_000)) throw new UsageError(`--latency must be 0-60000 milliseconds, not ${latency}`);
    const tps = num(args, "tps");
    if (tps !== undefined && !(tps > 0 && tps <= 100_000)) throw new UsageError(`--tps must be a number of requests per second above 0 (at most 100000), not ${tps}`);
    const tlsCert = str(args, "tls-cert");
    const tlsKey = str(args, "tls-key");
    if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError("--tls-cert and --tls-key go together");
    if (tlsCert !== undefined && args.given.has("tls")) throw new UsageError("--tls generates a certificate; it conflicts with --tls-cert/--tls-key");
    const quiet = args.given.has("quiet");
    if (!isLoopback(host)) ctx.log(`signing-helper: warning: the emulator listens on ${host}, not only on loopback (it is a test server)`);

    const { startEmulator } = await import("../../emulator/server.js");
    const opts: Parameters<typeof startEmulator>[0] = { host, port, clockSkewSeconds: skew };
    if (config !== undefined) opts.config = config;
    if (statePath !== undefined) opts.statePath = statePath;
    if (empty || (config === undefined && taCert === undefined)) opts.empty = true;
    const adminSpec = str(args, "admin-credentials");
    if (adminSpec !== undefined) opts.adminCredentials = adminFromEnv(adminSpec, ctx.env);
    if (args.given.has("tls")) opts.tls = "generate";
    if (tlsCert !== undefined && tlsKey !== undefined) opts.tls = { certPem: readPemFile("--tls-cert", tlsCert), keyPem: readPemFile("--tls-key", tlsKey) };
    if (latency > 0) opts.latencyMs = latency;
    const lifetime = num(args, "credential-lifetime");
    if (lifetime !== undefined) {
      if (!(lifetime >= 1 && lifetime <= 43_200)) throw new UsageError(`--credential-lifetime must be 1-43200 seconds, not ${lifetime}`);
      opts.credentialLifetimeSeconds = lifetime;
    }
    if (tps !== undefined) opts.tps = tps;
    if (!quiet) {
      opts.onAudit = (e) => {
        const l = requestLine(e);
        if (l) ctx.stderr.write(l + "\n");
      };
    }
    opts.onWarning = (m) => ctx.log(`signing-helper: warning: ${m}`);
    if (taCert !== undefined) opts.trustAnchorCertPem = readTrustAnchorCert(taCert);
    const samlUser = str(args, "saml-user");
    const samlPassword = str(args, "saml-password");
    if ((samlUser === undefined) !== (samlPassword === undefined)) throw new UsageError("--saml-user and --saml-password go together");
    if (samlUser !== undefined && samlPassword !== undefined) {
      if (taCert === undefined) throw new UsageError("--saml-user is a quick-mode flag (with --trust-anchor-cert)", { hint: "with --config, use samlProviders and samlUsers" });
      if (!samlPassword.startsWith("env:")) throw new UsageError("--saml-password takes env:NAME, never the password itself", { hint: "export the password in a variable and pass --saml-password env:NAME" });
      const value = ctx.env[samlPassword.slice(4)];
      if (value === undefined || value === "") throw new UsageError(`--saml-password: environment variable ${samlPassword.slice(4)} is not set`);
      opts.samlUser = { name: samlUser, password: value };
    }
    const roleArn = str(args, "role-arn");
    const region = str(args, "region");
    const accountId = str(args, "account-id");
    if (roleArn !== undefined && !opts.empty) opts.roleArn = roleArn;
    if (region !== undefined) opts.region = region;
    if (accountId !== undefined) opts.accountId = accountId;
    const auditLog = str(args, "audit-log");
    if (auditLog !== undefined) opts.auditLog = auditLog;

    const emu = await startEmulator(opts).catch((err: unknown) => {
      throw taCert !== undefined ? quickModeError(err, taCert) : err;
    });
    let caFile: string | undefined;
    let caDir: string | undefined;
    if (emu.caCertPem !== undefined) {
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      caDir = mkdtempSync(join(tmpdir(), "signing-helper-emulator-"));
      caFile = join(caDir, "ca.pem");
      writeFileSync(caFile, emu.caCertPem, { mode: 0o644 });
    }
    const line: Record<string, unknown> = {
      event: "listening",
      endpoint: emu.endpoint,
      trustAnchorArn: emu.trustAnchorArn,
      profileArn: emu.profileArn,
      roleArn: emu.roleArn,
      region: emu.region,
      admin: adminSpec === undefined ? emu.admin : { accessKeyId: emu.admin.accessKeyId },
    };
    if (caFile !== undefined) line.caFile = caFile;
    if (emu.samlIdpUrl !== undefined) {
      line.samlIdpUrl = emu.samlIdpUrl;
      line.samlProviderArn = emu.samlProviderArn;
    }
    if (statePath !== undefined) line.state = statePath;
    if (tps !== undefined) line.tps = tps;
    if (emu.trustAnchors.length > 1 || emu.profiles.length > 1) {
      line.trustAnchors = emu.trustAnchors;
      line.profiles = emu.profiles;
    }
    ctx.stdout.write(JSON.stringify(line) + "\n");
    // For people: lines to paste into a shell and into ~/.aws/config.
    const hints = [`export AWS_ENDPOINT_URL=${emu.endpoint}`];
    if (caFile !== undefined) hints.push(`export AWS_CA_BUNDLE=${sh(caFile)}`);
    if (adminSpec === undefined) {
      hints.push(`# management API (aws rolesanywhere …): export AWS_ACCESS_KEY_ID=${emu.admin.accessKeyId} AWS_SECRET_ACCESS_KEY=${emu.admin.secretAccessKey} AWS_REGION=${emu.region} AWS_DEFAULT_REGION=${emu.region}`);
    }
    if (emu.trustAnchorArn !== "" && emu.profileArn !== "") {
      // The running CLI's absolute path: credential_process runs without the user's shell PATH.
      const self = process.argv[1] && (await import("node:path")).isAbsolute(process.argv[1]) ? sh(process.argv[1]) : "signing-helper";
      hints.push(
        `credential_process = ${self} credential-process --certificate client-cert.pem --private-key client-key.pem ` +
          `--trust-anchor-arn ${emu.trustAnchorArn} --profile-arn ${emu.profileArn} --role-arn ${emu.roleArn} --endpoint ${emu.endpoint}`,
      );
    }
    ctx.stderr.write(hints.join("\n") + "\n");
    await new Promise<void>((done) => {
      if (ctx.signal.aborted) done();
      else ctx.signal.addEventListener("abort", () => done(), { once: true });
    });
    await emu.close();
    if (caDir !== undefined) (await import("node:fs")).rmSync(caDir, { recursive: true, force: true });
    return 0;
  },
};
