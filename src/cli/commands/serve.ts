import { cliIdentityIo } from "../identity-io.js";
import { readFileSync } from "node:fs";
import { cliPipeline } from "../assume-role-options.js";
import { isAbsolute, resolve } from "node:path";
import type { CliContext, CommandModule } from "../context.js";
import { num, str } from "../args.js";
import { UsageError } from "../../errors.js";
import { credentialFlags, identitySpecFromArgs } from "../shared-options.js";
import { sessionInitFromArgs } from "../session-options.js";
import { samlFlags, wantsSaml } from "../saml-options.js";
import type { Credentials } from "../../credentials/types.js";
import { pinStdin } from "../stdin-once.js";
import { checkBind, DEFAULT_HOP_LIMIT, parseAuthTokenOptions, resolveServeRoutes, validateHopLimit } from "../../outputs/serve/index.js";
import type { AuthTokenSpec } from "../../outputs/serve/index.js";

const DEFAULT_PORT = 9911;
const DEFAULT_BIND = "127.0.0.1";

/** Resolves once the signal is aborted (SIGINT/SIGTERM). */
function stopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => signal.addEventListener("abort", () => done(), { once: true }));
}

/** The shell lines that point AWS clients at this server; they name where the token is, never its value. */
function clientHints(url: string, routes: readonly string[], token: AuthTokenSpec | undefined): string[] {
  const lines: string[] = [];
  if (routes.includes("imds")) lines.push(`export AWS_EC2_METADATA_SERVICE_ENDPOINT=${url}`);
  if (token && routes.includes("container")) {
    lines.push(`export AWS_CONTAINER_CREDENTIALS_FULL_URI=${new URL("/v1/credentials", url).href}`);
    lines.push(
      token.kind === "file"
        ? `export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=${isAbsolute(token.path) ? token.path : resolve(token.path)}`
        : `export AWS_CONTAINER_AUTHORIZATION_TOKEN="$${token.name}"`,
    );
  }
  return lines;
}

/**
 * `signing-helper serve`: a local credential endpoint (IMDSv2 and, with a token,
 * the container route), refreshed in the background. Runs until SIGINT/SIGTERM.
 */
export const command: CommandModule = {
  name: "serve",
  describe: "Serve credentials on an IMDSv2-compatible and a container endpoint, refreshed in the background",
  usage: "signing-helper serve --certificate FILE --private-key FILE --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN [flags]",
  longRunning: true,
  flags: [
    ...credentialFlags,
    ...samlFlags,
    { name: "port", type: "number", describe: "Port to listen on; 0 picks a free one (see the listening line)", default: DEFAULT_PORT },
    { name: "hop-limit", type: "number", describe: "IP TTL / hop limit on answers, 1-255 (enforced on Linux when the native addon is built)", default: DEFAULT_HOP_LIMIT },
    { name: "bind", type: "string", describe: "Address to listen on (IPv4 or IPv6); non-loopback needs an auth token", default: DEFAULT_BIND },
    { name: "auth-token-file", type: "string", describe: "File holding the token the container route (/v1/credentials) requires in Authorization" },
    { name: "auth-token", type: "string", describe: "env:NAME: the container route's token from environment variable NAME" },
    {
      name: "routes",
      type: "string",
      describe: "Credential routes to serve: imds, container or imds,container (default: both on loopback, the container route only with a token)",
    },
    {
      name: "allow-host",
      type: "string",
      repeat: true,
      describe: "Another name a request's Host header may carry (default: the bind address and localhost only); repeatable",
    },
  ],
  async run(args, ctx: CliContext) {
    // Usage and configuration checks first: nothing is read or sent before they pass.
    const saml = wantsSaml(args);
    const spec = saml ? {} as ReturnType<typeof identitySpecFromArgs> : identitySpecFromArgs(args);
    const init = saml ? undefined : sessionInitFromArgs(args);
    const port = num(args, "port") ?? DEFAULT_PORT;
    const hopLimit = validateHopLimit(num(args, "hop-limit") ?? DEFAULT_HOP_LIMIT);
    const bind = str(args, "bind") ?? DEFAULT_BIND;
    const tokenSpec = parseAuthTokenOptions({ authTokenFile: str(args, "auth-token-file"), authToken: str(args, "auth-token") });
    const mode = checkBind(bind, tokenSpec !== undefined);
    const routesFlag = str(args, "routes");
    const routes = resolveServeRoutes(routesFlag?.split(",").map((r) => r.trim()), mode, tokenSpec !== undefined);
    const allowHost = args.flags["allow-host"];
    const allowHosts = Array.isArray(allowHost) ? allowHost : [];
    for (const h of allowHosts) {
      if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/.test(h)) {
        throw new UsageError(`--allow-host: '${h.slice(0, 60)}' is not a host name`, { hint: "give a name or address without a port, e.g. --allow-host ra.local" });
      }
    }

    const [{ resolveSessionConfig }, { createAuthTokenSource }, { x509Source }, { startServe }] = await Promise.all([
      import("../../session/config.js"),
      import("../../outputs/serve/auth-token.js"),
      import("../../credentials/x509-source.js"),
      import("../../outputs/serve-runner.js"),
    ]);
    const authToken = tokenSpec ? createAuthTokenSource(tokenSpec, { env: ctx.env, log: (l) => ctx.log(l) }) : undefined;
    let pipeline: { source: { fetch: () => Promise<Credentials> }; roleArn: string; accountId?: string };
    if (saml) {
      // The SAML source: the role is known once STS answered, so the first credentials are fetched here
      // (a failure is the command's error) and handed to the refresher as its first fetch.
      const samlBase = await (await import("../saml-options.js")).samlSourceFromArgs(args, ctx);
      let primed: Credentials | undefined = await samlBase.fetch();
      const first = primed;
      pipeline = {
        source: { fetch: async () => {
          if (primed) {
            const c = primed;
            primed = undefined;
            return c;
          }
          return samlBase.fetch();
        } },
        roleArn: first.roleArn,
        accountId: first.accountId,
      };
    } else {
      const config = resolveSessionConfig(init!, ctx.env);
      for (const w of config.warnings) ctx.log(`warning: ${w}`);
      const pinned = await pinStdin(spec, ctx.stdin);
      const base = x509Source(pinned, config, {
        io: cliIdentityIo(ctx.env),
        ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}),
        warn: (l) => ctx.log(l),
      });
      // AssumeRole hops (--assume-role …) after the session, refreshed with it as one unit.
      pipeline = cliPipeline(base, args, config, ctx.env, {
        readFile: (path) => readFileSync(path, "utf8"),
        ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}),
      });
    }
    const fetch = pipeline.source.fetch;

    const running = await startServe({
      fetch,
      roleArn: pipeline.roleArn,
      ...(pipeline.accountId !== undefined ? { accountId: pipeline.accountId } : {}),
      bind,
      port,
      hopLimit,
      ...(authToken ? { authToken } : {}),
      routes,
      allowHosts,
      log: (l) => ctx.log(l),
    });
    try {
      // Stopped while starting: no listening line for a server that is going away.
      if (ctx.signal.aborted) return 0;
      ctx.stdout.write(JSON.stringify({ event: "listening", url: running.url }) + "\n");
      for (const line of clientHints(running.url, routes, tokenSpec)) ctx.log(line);
      await stopped(ctx.signal);
      ctx.log("serve: stopping");
    } finally {
      await running.close();
    }
    return 0;
  },
};
