/**
 * The credential pipeline of the flags, for the commands that only consume
 * credentials (`env`, `exec`): identity and session flags → the X.509 base
 * source → the AssumeRole hops. Usage checks happen before anything is read.
 */
import { readFileSync } from "node:fs";
import type { ParsedArgs } from "./args.js";
import type { CliContext } from "./context.js";
import { cliPipeline, type CliPipeline } from "./assume-role-options.js";
import { cliIdentityIo } from "./identity-io.js";
import { identitySpecFromArgs } from "./shared-options.js";
import { sessionInitFromArgs } from "./session-options.js";
import { pinStdin } from "./stdin-once.js";

/** The pipeline and the signing region (the region handed to children as AWS_REGION). */
export interface CliCredentials extends CliPipeline {
  region: string;
}

export async function credentialsFromArgs(args: ParsedArgs, ctx: CliContext): Promise<CliCredentials> {
  const spec = identitySpecFromArgs(args);
  const init = sessionInitFromArgs(args);
  const [{ resolveSessionConfig }, { x509Source }] = await Promise.all([import("../session/config.js"), import("../credentials/x509-source.js")]);
  const config = resolveSessionConfig(init, ctx.env);
  for (const w of config.warnings) ctx.log(`warning: ${w}`);
  const base = x509Source(await pinStdin(spec, ctx.stdin), config, {
    io: cliIdentityIo(ctx.env),
    ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}),
    warn: (l) => ctx.log(l),
  });
  const pipeline = cliPipeline(base, args, config, ctx.env, {
    readFile: (path) => readFileSync(path, "utf8"),
    ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}),
  });
  return { ...pipeline, region: config.region };
}
