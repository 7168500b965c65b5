import type { CliContext, CommandModule } from "../context.js";
import { bool, type ParsedArgs } from "../args.js";
import { credentialFlags, identitySpecFromArgs } from "../shared-options.js";
import { sessionInitFromArgs } from "../session-options.js";
import { pinStdin } from "../stdin-once.js";
import { systemClock } from "../../clock.js";
import { RolesAnywhereError } from "../../errors.js";
import type { Credentials } from "../../credentials/types.js";
import type { IdentityInput, IdentitySpec, Pkcs11Input } from "../../identity/types.js";
import { resolveSessionConfig, type ResolvedSessionConfig } from "../../session/config.js";
import { cacheDir, cacheKey, getOrCreate } from "../../credentials/cache.js";
import { x509Source } from "../../credentials/x509-source.js";
import type { BaseCredentialSource } from "../../credentials/source.js";
import { formatCredentialProcess } from "../../outputs/credential-process.js";
import { cliPipeline } from "../assume-role-options.js";
import { samlFlags, wantsSaml } from "../saml-options.js";

const { readFileSync } = process.getBuiltinModule("node:fs");

/*
 * Start-up budget: a cache hit must not load undici, the identity parsers,
 * the signer or any X.509 library. Everything a CreateSession needs is
 * imported by the source's fetch, only when a call is really made. The cache
 * and source modules are imported statically: they are light (no node:crypto;
 * the lock and atomic-write parts load on a miss), and in the bundled CLI they
 * then ride in this command's chunk instead of costing one more file to load.
 */

const readsStdin = (v: IdentityInput | Pkcs11Input | undefined) => typeof v === "object" && v !== null && "stdin" in v;

/** The X.509 source (prompting for a password on the terminal if needed). */
function source(spec: IdentitySpec, config: ResolvedSessionConfig, ctx: CliContext): BaseCredentialSource {
  // The prompt module (node:tty) loads only when an encrypted key has no password.
  const promptPassword = async (what: string) => (await import("../../identity/prompt.js")).promptPasswordOnTty(what);
  return x509Source(spec, config, {
    io: { env: ctx.env, promptPassword },
    ...(ctx.debug ? { debug: (line: string) => ctx.log(line) } : {}),
    warn: (line) => ctx.log(line),
  });
}

/**
 * The flags' credential source: the X.509 source, then the AssumeRole hops
 * (the cache key then covers the whole chain). Usage checks come first (exit
 * 2), before anything is read or sent. Also used by `cache clear` for the key.
 */
export async function sourceFromArgs(args: ParsedArgs, ctx: CliContext): Promise<BaseCredentialSource> {
  if (wantsSaml(args)) return (await import("../saml-options.js")).samlSourceFromArgs(args, ctx);
  const flagsSpec = identitySpecFromArgs(args);
  const init = sessionInitFromArgs(args);
  const config = resolveSessionConfig(init, ctx.env);
  for (const w of config.warnings) ctx.log(`warning: ${w}`);
  // ctx.stdin only when a flag says '-': touching process.stdin builds a stream (start-up time).
  const usesStdin = readsStdin(flagsSpec.certificate) || readsStdin(flagsSpec.privateKey) || readsStdin(flagsSpec.intermediates);
  const spec = usesStdin ? await pinStdin(flagsSpec, ctx.stdin) : flagsSpec;
  return cliPipeline(source(spec, config, ctx), args, config, ctx.env, {
    readFile: (path) => readFileSync(path, "utf8"),
    ...(ctx.debug ? { debug: (line: string) => ctx.log(line) } : {}),
  }).source;
}

/**
 * `--cache`: credentials from the per-user cache while more than 15 minutes
 * remain, else from one CreateSession shared by every concurrent process with
 * the same key (the source's description: certificate fingerprint, ARNs,
 * duration, session name, endpoint). Cache trouble is a warning, never a
 * failure. When the certificate cannot be read here, the cache is skipped so
 * the loader reports the problem.
 */
async function cachedCredentials(source: BaseCredentialSource, ctx: CliContext): Promise<Credentials> {
  const description = source.describe();
  if (description === undefined) {
    if (ctx.debug) ctx.log("credential cache: skipped (the certificate input cannot be read directly)");
    return source.fetch();
  }
  const dir = cacheDir(ctx.env);
  const key = cacheKey(description);
  let fetched = false;
  const creds = await getOrCreate(
    dir,
    key,
    () => {
      fetched = true;
      return source.fetch();
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
    ...samlFlags,
    {
      name: "cache",
      type: "boolean",
      describe: "Reuse credentials from a per-user cache while more than 15 minutes remain (one CreateSession across concurrent processes)",
    },
    { name: "no-cache", type: "boolean", describe: "Do not use the cache, even when --cache or rolesanywhere_cache = true says so" },
    {
      name: "no-account-id",
      type: "boolean",
      describe: "Leave AccountId out of the JSON, byte for byte as the official helper prints it (SDKs then use no account-based endpoints)",
    },
  ],
  async run(args, ctx) {
    const src = await sourceFromArgs(args, ctx);
    const useCache = bool(args, "cache") && !bool(args, "no-cache");
    const creds = useCache ? await cachedCredentials(src, ctx) : await src.fetch();
    // An SDK given expired credentials fails later with a confusing ExpiredToken: refuse them here.
    const now = systemClock.now();
    if (creds.expiration.getTime() <= now) {
      throw new RolesAnywhereError(
        "CREATE_SESSION",
        `the credentials obtained expired at ${creds.expirationRaw}, before this machine's time ${new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z")}: not printed`,
        { hint: "check this machine's clock (e.g. timedatectl) and the endpoint's; expired credentials are never printed or cached" },
      );
    }
    ctx.writeOut(formatCredentialProcess(creds, { accountId: !bool(args, "no-account-id") }));
  },
};
