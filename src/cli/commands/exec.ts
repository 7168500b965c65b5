import { constants } from "node:os";
import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import type { CommandModule } from "../context.js";
import { bool } from "../args.js";
import { credentialFlags } from "../shared-options.js";
import { credentialsFromArgs } from "../credential-pipeline.js";
import { RolesAnywhereError, UsageError } from "../../errors.js";
import { Secret } from "../../secret.js";
import { CREDENTIAL_VARIABLES_TO_CLEAR, credentialVariables } from "../../outputs/shell-env.js";

/** Signals passed on to the child; its own exit then ends this process. */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/** The exit code of a child: its own, or 128 + the signal's number, as shells report it. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? (constants.signals as Record<string, number>)[signal] : undefined;
  return 128 + (n ?? 0);
}

/**
 * `signing-helper exec -- COMMAND ARGS…`: runs a program with temporary
 * credentials in its environment (never on its command line). With
 * `--refresh` the child gets a private container-credentials endpoint on
 * loopback instead (a fresh random token, the container route only), refreshed
 * in the background, so a long-running child always has valid credentials.
 * The child's exit code (or 128 + its signal) is this command's; signals are
 * passed on to it.
 */
export const command: CommandModule = {
  name: "exec",
  describe: "Run a program with temporary credentials in its environment (--refresh: a private endpoint that keeps them fresh)",
  usage: "signing-helper exec [--config-profile NAME | credential flags] [--refresh] -- COMMAND [ARGS…]",
  positionals: true,
  flags: [
    ...credentialFlags,
    {
      name: "refresh",
      type: "boolean",
      describe: "Give the child a private container-credentials endpoint on loopback (refreshed in the background) instead of fixed credentials",
    },
  ],
  async run(args, ctx) {
    const before = args.positionals.length - (args.afterDashes?.length ?? 0);
    if (before > 0) {
      throw new UsageError(`exec: '${args.positionals[0]!.slice(0, 60)}' before '--': put the command after --`, {
        hint: "for example: signing-helper exec --config-profile ra -- aws sts get-caller-identity",
      });
    }
    const [file, ...childArgs] = args.afterDashes ?? [];
    if (!file) throw new UsageError("exec needs a command after --", { hint: "for example: signing-helper exec --config-profile ra -- aws sts get-caller-identity" });
    const { source, region, roleArn, accountId } = await credentialsFromArgs(args, ctx);
    const env: NodeJS.ProcessEnv = { ...ctx.env };
    for (const name of CREDENTIAL_VARIABLES_TO_CLEAR) delete env[name];
    // Both names: the AWS CLI v1 and botocore read only AWS_DEFAULT_REGION.
    if (!env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
      env.AWS_REGION = region;
      env.AWS_DEFAULT_REGION = region;
    }

    let server: { close(): Promise<void> } | undefined;
    if (bool(args, "refresh")) {
      const { startServe } = await import("../../outputs/serve-runner.js");
      const token = new Secret(randomBytes(32).toString("hex"));
      const running = await startServe({
        fetch: source.fetch,
        roleArn,
        accountId,
        bind: "127.0.0.1",
        port: 0,
        routes: ["container"],
        authToken: { get: () => token, origin: "exec's private token" },
        log: (l) => ctx.log(l),
      });
      server = running;
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI = new URL("/v1/credentials", running.url).href;
      env.AWS_CONTAINER_AUTHORIZATION_TOKEN = token.reveal();
    } else {
      const creds = await source.fetch();
      for (const [name, value] of credentialVariables(creds)) env[name] = value;
    }

    const { spawn } = await import("node:child_process");
    let child: ChildProcess;
    try {
      const code = await new Promise<number>((resolve, reject) => {
        child = spawn(file, childArgs, { stdio: "inherit", env });
        const forward = (sig: NodeJS.Signals) => () => void child.kill(sig);
        const handlers = FORWARDED.map((sig) => [sig, forward(sig)] as const);
        for (const [sig, h] of handlers) process.on(sig, h);
        const done = () => {
          for (const [sig, h] of handlers) process.off(sig, h);
        };
        child.once("error", (err: NodeJS.ErrnoException) => {
          done();
          reject(
            new RolesAnywhereError("IO", `exec: ${file}: ${err.code === "ENOENT" ? "command not found" : err.code === "EACCES" ? "permission denied" : err.message}`, {
              hint: "check the command's name and PATH",
            }),
          );
        });
        child.once("exit", (c, s) => {
          done();
          resolve(exitCodeOf(c, s));
        });
      });
      return code;
    } finally {
      await server?.close();
    }
  },
};
