import { cliIdentityIo } from "../identity-io.js";
import { readFileSync } from "node:fs";
import { cliPipeline } from "../assume-role-options.js";
import type { CliContext, CommandModule } from "../context.js";
import { bool, str } from "../args.js";
import { credentialFlags, identitySpecFromArgs } from "../shared-options.js";
import { sessionInitFromArgs } from "../session-options.js";
import { samlFlags, wantsSaml } from "../saml-options.js";
import type { Credentials } from "../../credentials/types.js";
import { pinStdin } from "../stdin-once.js";
import { RolesAnywhereError, UsageError } from "../../errors.js";

/**
 * Refuses early when the profile holds long-term keys. Reads the file as it is
 * now (a missing or unreadable file is left to the write, which reports it).
 */
async function refuseLongTermKeys(path: string, profile: string, followSymlinks: boolean): Promise<void> {
  const { readFile, lstat } = await import("node:fs/promises");
  const { longTermKeysError, longTermKeysReason } = await import("../../outputs/credentials-file/long-term-keys.js");
  let text: string;
  try {
    if (!followSymlinks && (await lstat(path)).isSymbolicLink()) return;
    text = await readFile(path, "utf8");
  } catch {
    return;
  }
  const reason = longTermKeysReason(text, profile);
  if (reason) throw longTermKeysError(path, profile, reason);
}

/** Resolves once the signal is aborted (SIGINT/SIGTERM). */
function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => signal.addEventListener("abort", () => done(), { once: true }));
}

/**
 * Waits for `work`, unless SIGINT/SIGTERM comes first: then fails (exit 1), and
 * `cleanup` runs on whatever `work` still yields. A write under way finishes
 * (it is atomic) before the process exits.
 */
async function untilStopped<T>(work: Promise<T>, signal: AbortSignal, cleanup?: (value: T) => unknown): Promise<T> {
  const interrupted = Symbol("interrupted");
  const first = await Promise.race([work, stopped(signal).then(() => interrupted)]);
  if (first !== interrupted) return first as T;
  work.then((v) => cleanup?.(v), () => undefined);
  throw new RolesAnywhereError("IO", "update: interrupted before the credentials were written", {
    hint: "the credentials file was left as it was (or holds complete new credentials); run update again",
  });
}

/**
 * `signing-helper update`: writes credentials into a profile of the shared
 * credentials file (atomically, under a lock, mode 0600, every other line kept)
 * and, unless `--once`, keeps them fresh until SIGINT/SIGTERM. The first
 * CreateSession failing is fatal (exit 1); later failures are retried.
 */
export const command: CommandModule = {
  name: "update",
  describe: "Write credentials into the shared credentials file and keep them fresh",
  usage:
    "signing-helper update --certificate FILE --private-key FILE --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN [--profile NAME] [--once] [--credentials-file FILE]",
  longRunning: true,
  flags: [
    ...credentialFlags,
    ...samlFlags,
    { name: "profile", type: "string", describe: "Profile (section) of the credentials file to write", default: "default" },
    { name: "once", type: "boolean", describe: "Write the credentials once and exit, instead of refreshing them until stopped" },
    {
      name: "credentials-file",
      type: "string",
      describe: "Credentials file to update (default: $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)",
    },
    {
      name: "follow-symlinks",
      type: "boolean",
      describe: "Write the file a symbolic link at the credentials path points to (default: refuse the link)",
    },
    {
      name: "force",
      type: "boolean",
      describe: "Replace a profile that holds long-term keys (an AKIA… key, or a key without a session token); refused by default",
    },
  ],
  async run(args, ctx: CliContext) {
    // Usage and configuration checks first: nothing is read or sent before they pass.
    const saml = wantsSaml(args);
    const spec = saml ? undefined : identitySpecFromArgs(args);
    const init = saml ? undefined : sessionInitFromArgs(args);
    const profile = str(args, "profile") ?? "default";
    const fileFlag = str(args, "credentials-file");
    if (fileFlag !== undefined && fileFlag.trim() === "") {
      throw new UsageError("--credentials-file: the path is empty", { hint: "give a file path, or omit the flag to use ~/.aws/credentials" });
    }

    const [{ resolveSessionConfig }, { x509Source }, runner, { parseIni, patchProfile }] = await Promise.all([
      import("../../session/config.js"),
      import("../../credentials/x509-source.js"),
      import("../../outputs/update-runner.js"),
      import("../../credentials/ini.js"),
    ]);
    try {
      // Checks the profile name the way the write will, before any CreateSession.
      patchProfile(parseIni(""), profile, { aws_access_key_id: "x", aws_secret_access_key: "x", aws_session_token: "x" });
    } catch (err) {
      throw new UsageError(`--profile: ${err instanceof Error ? err.message : String(err)}`, {
        hint: "use a name without brackets, line breaks or surrounding spaces, e.g. --profile default",
      });
    }
    const home = ctx.env.HOME || (await import("node:os")).homedir();
    const credentialsFile = fileFlag !== undefined ? runner.expandHome(fileFlag, home) : runner.defaultCredentialsFile(ctx.env, home);

    const config = init === undefined ? undefined : resolveSessionConfig(init, ctx.env);
    for (const w of config?.warnings ?? []) ctx.log(`warning: ${w}`);
    const force = bool(args, "force");
    // Before any CreateSession: long-term keys in the profile are refused (checked again under the lock).
    if (!args.given.has("profile")) ctx.log(`update: writing profile '${profile}' in ${credentialsFile} (choose another with --profile NAME)`);
    if (!force) await refuseLongTermKeys(credentialsFile, profile, bool(args, "follow-symlinks"));
    let fetch: () => Promise<Credentials>;
    if (spec === undefined || config === undefined) {
      // The SAML source: a sign-in at the IdP on every refresh (or one given assertion).
      fetch = (await (await import("../saml-options.js")).samlSourceFromArgs(args, ctx)).fetch;
    } else {
      const pinned = await pinStdin(spec, ctx.stdin);
      const base = x509Source(pinned, config, {
        io: cliIdentityIo(ctx.env),
        ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}),
        warn: (l) => ctx.log(l),
      });
      // AssumeRole hops (--assume-role …) after the session, refreshed with it as one unit.
      fetch = cliPipeline(base, args, config, ctx.env, {
        readFile: (path) => readFileSync(path, "utf8"),
        ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}),
      }).source.fetch;
    }
    const options = {
      fetch,
      credentialsFile,
      profile,
      followSymlinks: bool(args, "follow-symlinks"),
      replaceLongTermKeys: force,
      log: (l: string) => ctx.log(l),
    };

    if (bool(args, "once")) {
      await untilStopped(runner.updateOnce(options), ctx.signal);
      return 0;
    }

    const running = await untilStopped(runner.startUpdate(options), ctx.signal, (r) => r.close());
    // Only the refresher's timer would otherwise keep the process alive while it waits.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      await stopped(ctx.signal);
      ctx.log("update: stopping");
    } finally {
      clearInterval(keepAlive);
      await running.close();
    }
    return 0;
  },
};
