import type { CliContext, CommandModule } from "../context.js";
import { bool } from "../args.js";
import { credentialFlags, identitySpecFromArgs } from "../shared-options.js";
import { sessionInitFromArgs } from "../session-options.js";
import { pinStdin } from "../stdin-once.js";
import { systemClock } from "../../clock.js";
import type { Credentials } from "../../credentials/types.js";
import type { IdentityInput, IdentitySpec, Pkcs11Input } from "../../identity/types.js";
import { resolveSessionConfig, type ResolvedSessionConfig } from "../../session/config.js";
import { cacheDir, cacheKey, getOrCreate } from "../../credentials/cache.js";
import { certificateFingerprint, formatCredentialProcess } from "../../outputs/credential-process.js";
import { enableCodeCache } from "../code-cache.js";

// node:fs through getBuiltinModule: an ESM `import … from "node:fs"` builds the
// module namespace, which loads fs/promises and the streams (~3 ms of start-up).
const { readFileSync } = process.getBuiltinModule("node:fs");

/*
 * Start-up budget: a cache hit must not load undici, the identity parsers,
 * the signer or any X.509 library. Everything a CreateSession needs is
 * imported inside fetchCredentials, only when a call is really made. The
 * cache module is imported statically: it is light (no node:crypto, its lock and
 * atomic-write parts load on a miss), and in the bundled CLI it then rides in
 * this command's chunk instead of costing one more file to load.
 */

/**
 * The bytes of a certificate input, or undefined when they cannot be had
 * without the identity loader (then the cache is skipped and the loader reports
 * the problem). Synchronous: one small local file on the start-up path.
 */
function inputBytes(input: IdentityInput | Pkcs11Input | undefined, env: NodeJS.ProcessEnv): Uint8Array | undefined {
  if (input === undefined) return undefined;
  if (typeof input === "string") return Buffer.from(input);
  if (input instanceof Uint8Array) return input;
  if (typeof input === "function" || "stdin" in input) return undefined;
  // A certificate on a token: keyed by its URI and module (no PIN), so a hit loads no PKCS#11 code.
  if ("pkcs11" in input) return Buffer.from(`pkcs11\0${input.module ?? ""}\0${input.pkcs11.replace(/([?&])pin-value=[^&]*/gi, "$1")}`);
  if ("path" in input) {
    try {
      return readFileSync(input.path);
    } catch {
      return undefined;
    }
  }
  const value = env[input.env];
  return value ? Buffer.from(value) : undefined;
}

const readsStdin = (v: IdentityInput | Pkcs11Input | undefined) => typeof v === "object" && v !== null && "stdin" in v;

/** One CreateSession: loads the identity (prompting for a password on the terminal if needed), signs, sends. */
async function fetchCredentials(spec: IdentitySpec, config: ResolvedSessionConfig, ctx: CliContext): Promise<Credentials> {
  // Before the CreateSession code loads: its chunk then compiles from the V8 code cache (code-cache.ts).
  enableCodeCache(ctx.env);
  const { createCredentialFetcher } = await import("../../provider/credential-fetcher.js");
  // The prompt module (node:tty) loads only when an encrypted key has no password.
  const promptPassword = async (what: string) => (await import("../../identity/prompt.js")).promptPasswordOnTty(what);
  const fetcher = createCredentialFetcher(spec, config, {
    io: { env: ctx.env, promptPassword },
    ...(ctx.debug ? { debug: (line: string) => ctx.log(line) } : {}),
    warn: (line) => ctx.log(line),
  });
  return fetcher();
}

/**
 * `--cache`: credentials from the per-user cache while more than 15 minutes
 * remain, else from one CreateSession shared by every concurrent process with
 * the same key (certificate fingerprint, ARNs, duration, session name,
 * endpoint). Cache trouble is a warning, never a failure. When the certificate
 * cannot be read here, the cache is skipped so the loader reports the problem.
 */
async function cachedCredentials(spec: IdentitySpec, config: ResolvedSessionConfig, ctx: CliContext): Promise<Credentials> {
  const cert = inputBytes(spec.certificate, ctx.env);
  const chain = inputBytes(spec.intermediates, ctx.env);
  if (cert === undefined || (spec.intermediates !== undefined && chain === undefined)) {
    if (ctx.debug) ctx.log("credential cache: skipped (the certificate input cannot be read directly)");
    return fetchCredentials(spec, config, ctx);
  }
  const dir = cacheDir(ctx.env);
  const key = cacheKey({
    certFingerprintSha256: certificateFingerprint(cert, chain),
    trustAnchorArn: config.trustAnchorArn,
    profileArn: config.profileArn,
    roleArn: config.roleArn,
    durationSeconds: config.durationSeconds,
    ...(config.roleSessionName !== undefined ? { roleSessionName: config.roleSessionName } : {}),
    endpoint: config.endpoint,
  });
  let fetched = false;
  const creds = await getOrCreate(
    dir,
    key,
    () => {
      fetched = true;
      return fetchCredentials(spec, config, ctx);
    },
    systemClock,
    { onWarning: (message) => ctx.log(`warning: ${message}`) },
  );
  if (ctx.debug) {
    ctx.log(`credential cache: ${fetched ? "stored new" : "reused"} credentials in ${dir} (key ${key.slice(0, 12)}…, expire ${creds.expirationRaw})`);
  }
  return creds;
}

/**
 * `signing-helper credential-process`: prints temporary credentials as the
 * credential_process JSON (Version 1 plus AccountId, no trailing newline) for
 * `credential_process = …` in ~/.aws/config. Flags are the official helper's,
 * plus `--cache`.
 */
export const command: CommandModule = {
  name: "credential-process",
  describe: "Print temporary credentials as credential_process JSON (for ~/.aws/config)",
  usage:
    "signing-helper credential-process --certificate FILE [--private-key FILE] --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN [flags]",
  flags: [
    ...credentialFlags,
    {
      name: "cache",
      type: "boolean",
      describe: "Reuse credentials from a per-user cache while more than 15 minutes remain (one CreateSession across concurrent processes)",
    },
  ],
  async run(args, ctx) {
    // Usage checks first (exit 2) before anything is read or sent.
    const flagsSpec = identitySpecFromArgs(args);
    const init = sessionInitFromArgs(args);
    const config = resolveSessionConfig(init, ctx.env);
    for (const w of config.warnings) ctx.log(`warning: ${w}`);
    // ctx.stdin only when a flag says '-': touching process.stdin builds a stream (start-up time).
    const usesStdin = readsStdin(flagsSpec.certificate) || readsStdin(flagsSpec.privateKey) || readsStdin(flagsSpec.intermediates);
    const spec = usesStdin ? await pinStdin(flagsSpec, ctx.stdin) : flagsSpec;
    const creds = bool(args, "cache") ? await cachedCredentials(spec, config, ctx) : await fetchCredentials(spec, config, ctx);
    ctx.writeOut(formatCredentialProcess(creds));
  },
};
