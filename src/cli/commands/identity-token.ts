import { readFileSync } from "node:fs";
import type { CliContext, CommandModule } from "../context.js";
import { cliPipeline } from "../assume-role-options.js";
import { str, type ParsedArgs } from "../args.js";
import { credentialFlags, identitySpecFromArgs } from "../shared-options.js";
import { sessionInitFromArgs } from "../session-options.js";
import { pinStdin } from "../stdin-once.js";
import { UsageError } from "../../errors.js";
import { IDENTITY_TOKEN_FORMATS, type IdentityTokenFormat } from "../../identity-token-wire.js";
import type { IdentityTokenCredentials } from "../../outputs/identity-token/index.js";

function withoutFlag(args: ParsedArgs, name: string): ParsedArgs {
  const flags = { ...args.flags };
  delete flags[name];
  const given = new Set(args.given);
  given.delete(name);
  return { ...args, flags, given };
}

/**
 * Credentials from Roles Anywhere (the credential flags, then any
 * --assume-role hops) or, with none of them, from AWS_ACCESS_KEY_ID and friends.
 */
async function credentialsFor(args: Parameters<CommandModule["run"]>[0], ctx: CliContext): Promise<IdentityTokenCredentials> {
  if (args.given.has("certificate") || args.given.has("trust-anchor-arn")) {
    const flagsSpec = identitySpecFromArgs(args);
    const init = sessionInitFromArgs(args);
    const { resolveSessionConfig } = await import("../../session/config.js");
    const config = resolveSessionConfig(init, ctx.env);
    for (const w of config.warnings) ctx.log(`warning: ${w}`);
    const spec = await pinStdin(flagsSpec, ctx.stdin);
    const { x509Source } = await import("../../credentials/x509-source.js");
    const promptPassword = async (what: string) => (await import("../../identity/prompt.js")).promptPasswordOnTty(what);
    const source = x509Source(spec, config, {
      io: { env: ctx.env, promptPassword },
      ...(ctx.debug ? { debug: (line: string) => ctx.log(line) } : {}),
      warn: (line) => ctx.log(line),
    });
    // --sts-endpoint names the token's endpoint even with no hop; the hops see it only when there are some.
    const hopArgs = args.given.has("assume-role") ? args : withoutFlag(args, "sts-endpoint");
    const pipeline = cliPipeline(source, hopArgs, config, ctx.env, {
      readFile: (path) => readFileSync(path, "utf8"),
      ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}),
    });
    return pipeline.source.fetch();
  }
  if (args.given.has("assume-role")) {
    throw new UsageError("--assume-role needs the Roles Anywhere flags (--certificate, --trust-anchor-arn, …) as the first credentials");
  }
  const accessKeyId = ctx.env["AWS_ACCESS_KEY_ID"];
  const secretAccessKey = ctx.env["AWS_SECRET_ACCESS_KEY"];
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError("no credentials: give the Roles Anywhere flags (--certificate, --trust-anchor-arn, …) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", {
      hint: "run 'signing-helper identity-token --help' for the flags",
    });
  }
  const sessionToken = ctx.env["AWS_SESSION_TOKEN"];
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/**
 * `signing-helper identity-token`: prints an identity token (a signed
 * sts:GetCallerIdentity request in the layout of --format) on stdout, with no
 * newline. Credentials come from Roles Anywhere (the credential flags) or
 * from the AWS_* environment variables.
 */
export const command: CommandModule = {
  name: "identity-token",
  describe: "Print a token that proves this IAM identity to a service outside AWS (Vault, Kubernetes, Akeyless, your own)",
  usage: "signing-helper identity-token --audience VALUE [--format vault|k8s|akeyless|url] [--region R] [--sts-endpoint URL] [credential flags]",
  flags: [
    { name: "audience", type: "string", describe: "The receiving service's name, signed into the token (optional for akeyless)" },
    { name: "format", type: "string", choices: IDENTITY_TOKEN_FORMATS, default: "url", describe: "Token layout: vault, k8s, akeyless or url" },
    // The credential flags' --sts-endpoint (also used by --assume-role hops), described for tokens.
    { name: "sts-endpoint", type: "string", describe: "STS endpoint the token names, and the hops call (default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else from --region, else the global endpoint)" },
    { name: "audience-header", type: "string", describe: "Header that carries the audience in url and akeyless tokens (default X-Identity-Audience)" },
    ...credentialFlags.filter((f) => f.name !== "sts-endpoint"),
  ],
  async run(args, ctx) {
    const format = str(args, "format") as IdentityTokenFormat;
    const audience = str(args, "audience");
    if (audience === undefined && format !== "akeyless") throw new UsageError("missing required flag: --audience");
    const region = str(args, "region");
    const stsEndpoint = str(args, "sts-endpoint");
    const audienceHeader = str(args, "audience-header");
    const credentials = await credentialsFor(args, ctx);
    const { createIdentityToken } = await import("../../outputs/identity-token/index.js");
    const token = await createIdentityToken(credentials, {
      format,
      ...(audience !== undefined ? { audience } : {}),
      ...(region !== undefined ? { region } : {}),
      ...(stsEndpoint !== undefined ? { stsEndpoint } : {}),
      ...(audienceHeader !== undefined ? { audienceHeader } : {}),
      endpointEnv: {
        AWS_ENDPOINT_URL_STS: ctx.env["AWS_ENDPOINT_URL_STS"],
        AWS_ENDPOINT_URL: ctx.env["AWS_ENDPOINT_URL"],
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: ctx.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"],
      },
    });
    ctx.writeOut(token);
  },
};
