import { formatHelp, parseArgs } from "./args.js";
import type { CliContext } from "./context.js";
import { commands } from "./commands/index.js";
import { RolesAnywhereError, UsageError } from "../errors.js";
import { formatError } from "./format-error.js";

const PROG = "signing-helper";

function topHelp(): string {
  const lines = [`usage: ${PROG} <command> [flags]`, "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(34)} ${c.describe}`);
  lines.push("", `Run '${PROG} <command> --help' for a command's flags.`);
  return lines.join("\n") + "\n";
}

/**
 * Runs the CLI and returns the exit code. The only place that maps errors to
 * exit codes: 0 success, 1 runtime failure, 2 usage error.
 */
export async function main(argv: string[], io?: Partial<CliContext>): Promise<number> {
  const controller = new AbortController();
  const stderr = io?.stderr ?? process.stderr;
  const debug = argv.includes("--debug");
  const ctx: CliContext = {
    env: io?.env ?? process.env,
    stdout: io?.stdout ?? process.stdout,
    stderr,
    stdin: io?.stdin ?? process.stdin,
    debug,
    log: (line: string) => void stderr.write(line.endsWith("\n") ? line : line + "\n"),
    signal: io?.signal ?? controller.signal,
  };
  const [name, ...rest] = argv;
  try {
    if (!name || name === "--help" || name === "-h" || name === "help") {
      ctx.stdout.write(topHelp());
      return name ? 0 : 2;
    }
    if (name === "--version" || name === "version") {
      const { readFileSync } = await import("node:fs");
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
      ctx.stdout.write(pkg.version + "\n");
      return 0;
    }
    const entry = commands[name];
    if (!entry) throw new UsageError(`unknown command: ${name}`, { hint: `run '${PROG} --help' to list the commands` });
    const cmd = await entry.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      ctx.stdout.write(formatHelp(cmd.usage ?? `${PROG} ${cmd.name} [flags]`, cmd.describe, cmd.flags));
      return 0;
    }
    const args = parseArgs(rest, cmd.flags);
    for (const spec of cmd.flags) {
      if (spec.unsupported && args.given.has(spec.name)) {
        throw new RolesAnywhereError("NOT_SUPPORTED", `--${spec.name}: not supported: ${spec.unsupported}`, {
          hint: "use a certificate and private key from files, env:NAME, stdin or PKCS#12",
        });
      }
    }
    if (cmd.longRunning && !io?.signal) {
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    }
    const code = await cmd.run(args, ctx);
    return code ?? 0;
  } catch (err) {
    stderr.write(formatError(err, PROG, debug));
    return err instanceof UsageError ? 2 : 1;
  }
}
