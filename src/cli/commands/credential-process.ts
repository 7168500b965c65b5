import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { CommandModule } from "../context.js";
import { bool } from "../args.js";
import { credentialFlags, identitySpecFromArgs } from "../shared-options.js";
import { sessionInitFromArgs } from "../session-options.js";
import { pinStdin } from "../stdin-once.js";
import type { IdentityInput } from "../../identity/types.js";
import { formatCredentialProcess } from "../../outputs/credential-process.js";

/** Bytes of an input for the cache key (the certificate's fingerprint and chain). */
async function inputBytes(input: IdentityInput | undefined, env: NodeJS.ProcessEnv): Promise<Buffer> {
  if (input === undefined) return Buffer.alloc(0);
  if (typeof input === "string") return Buffer.from(input);
  if (input instanceof Uint8Array) return Buffer.from(input);
  if (typeof input === "function") return Buffer.alloc(0);
  if ("path" in input) return readFile(input.path).catch(() => Buffer.alloc(0));
  if ("env" in input) return Buffer.from(env[input.env] ?? "");
  return Buffer.alloc(0);
}

export const command: CommandModule = {
  name: "credential-process",
  describe: "Print temporary credentials as credential_process JSON (for ~/.aws/config)",
  flags: [
    ...credentialFlags,
    {
      name: "cache",
      type: "boolean",
      describe: "Reuse credentials from a per-user cache while more than 15 minutes remain (one CreateSession across concurrent processes)",
    },
  ],
  async run(args, ctx) {
    const spec = await pinStdin(identitySpecFromArgs(args), ctx.stdin);
    const init = sessionInitFromArgs(args);
    const [{ resolveSessionConfig }] = await Promise.all([import("../../session/config.js")]);
    const config = resolveSessionConfig(init, ctx.env);
    for (const w of config.warnings) ctx.log(`warning: ${w}`);
    const fetchCredentials = async () => {
      const { createCredentialFetcher } = await import("../../provider/credential-fetcher.js");
      const fetcher = createCredentialFetcher(spec, config, {
        io: { env: ctx.env },
        ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}),
        warn: (l) => ctx.log(l),
      });
      return fetcher();
    };
    let creds;
    if (bool(args, "cache")) {
      const { cacheDir, cacheKey, getOrCreate } = await import("../../credentials/cache.js");
      const [cert, chain] = await Promise.all([inputBytes(spec.certificate, ctx.env), inputBytes(spec.intermediates, ctx.env)]);
      const fingerprint = createHash("sha256").update(cert).update("\0").update(chain).digest("hex");
      const key = cacheKey({
        certFingerprintSha256: fingerprint,
        trustAnchorArn: config.trustAnchorArn,
        profileArn: config.profileArn,
        roleArn: config.roleArn,
        durationSeconds: config.durationSeconds,
        roleSessionName: config.roleSessionName ?? "",
        endpoint: config.endpoint,
      });
      creds = await getOrCreate(cacheDir(ctx.env), key, fetchCredentials);
    } else {
      creds = await fetchCredentials();
    }
    ctx.stdout.write(formatCredentialProcess(creds));
  },
};
