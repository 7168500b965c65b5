import { formatHelp, parseArgs } from "./args.js";
import type { CliContext } from "./context.js";
import { commands } from "./commands/index.js";
import { RolesAnywhereError, UsageError } from "../errors.js";
import { formatError } from "./format-error.js";
import { unexpectedArgument } from "./unexpected-argument.js";
import { literalPasswordWarning } from "./shared-options.js";
// The one command imported statically, for its start-up time: the AWS SDKs run
// it for every credential refresh, and its lazy import() would cost one more
// module to resolve, read and link (about 1 ms). It is light: its heavy parts
// (identity loading, signing, the HTTP client) stay behind import().
import { command as credentialProcess } from "./commands/credential-process.js";

const PROG = "signing-helper";

// Set by scripts/build.mjs (esbuild `define`); undefined when src/ runs as is (tests).
declare const __PACKAGE_VERSION__: string | undefined;

/** This package's version: built in, else from package.json (two folders up in src/ and dist/). */
function packageVersion(): string {
  if (typeof __PACKAGE_VERSION__ === "string") return __PACKAGE_VERSION__;
  const { readFileSync } = process.getBuiltinModule("node:fs");
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/**
 * Writes all of `data` to file descriptor `fd` synchronously: no stream is
 * built (process.stdout costs start-up time), and the bytes are out before the
 * process exits. Waits out EAGAIN when the descriptor is a full non-blocking pipe.
 */
function writeAllSync(fd: number, data: string): void {
  const { writeSync } = process.getBuiltinModule("node:fs");
  let buf = Buffer.from(data);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

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
  // Built on first use: a command that never looks at ctx.signal does not pay for it.
  let controller: AbortController | undefined;
  const control = () => (controller ??= new AbortController());
  // process.stdin, process.stdout and process.stderr are built on first use, and
  // building one (a pipe's socket, a TTY) costs start-up time: they are handed out
  // lazily, so credential-process on a cache hit builds none of them.
  const stderrOf = () => io?.stderr ?? process.stderr;
  const debug = argv.includes("--debug");
  const ctx: CliContext = {
    env: io?.env ?? process.env,
    get stdout() {
      return io?.stdout ?? process.stdout;
    },
    get stderr() {
      return stderrOf();
    },
    get stdin() {
      return io?.stdin ?? process.stdin;
    },
    writeOut: (data: string) => {
      if (io?.stdout) io.stdout.write(data);
      else writeAllSync(1, data);
    },
    debug,
    log: (line: string) => void stderrOf().write(line.endsWith("\n") ? line : line + "\n"),
    get signal() {
      return io?.signal ?? control().signal;
    },
  };
  const [name, ...rest] = argv;
  try {
    if (!name || name === "--help" || name === "-h" || name === "help") {
      // No command is a usage error: the help goes to stderr, stdout stays empty.
      (name ? ctx.stdout : stderrOf()).write(topHelp());
      return name ? 0 : 2;
    }
    if (name === "--version" || name === "version") {
      ctx.stdout.write(packageVersion() + "\n");
      return 0;
    }
    const entry = commands[name];
    if (!entry) throw new UsageError(`unknown command: ${name}`, { hint: `run '${PROG} --help' to list the commands` });
    const cmd = name === credentialProcess.name ? credentialProcess : await entry.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      ctx.stdout.write(formatHelp(cmd.usage ?? `${PROG} ${cmd.name} [flags]`, cmd.describe, cmd.flags));
      return 0;
    }
    const args = parseArgs(rest, cmd.flags);
    if (args.positionals.length) throw unexpectedArgument(rest, args.positionals[0]!);
    for (const spec of cmd.flags) {
      if (spec.unsupported && args.given.has(spec.name)) {
        throw new RolesAnywhereError("NOT_SUPPORTED", `--${spec.name}: not supported: ${spec.unsupported}`, {
          hint: "use a certificate and private key from files, env:NAME, stdin or PKCS#12",
        });
      }
    }
    const passwordWarning = literalPasswordWarning(args);
    if (passwordWarning) ctx.log(passwordWarning);
    if (cmd.longRunning && !io?.signal) {
      const stop = () => control().abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    }
    const code = await cmd.run(args, ctx);
    return code ?? 0;
  } catch (err) {
    stderrOf().write(formatError(err, PROG, debug));
    return err instanceof UsageError ? 2 : 1;
  }
}
