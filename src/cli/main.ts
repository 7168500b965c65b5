import { formatHelp, parseArgs } from "./args.js";
import type { CliContext, CommandModule } from "./context.js";
import { closest } from "./suggest.js";
import { commands } from "./commands/index.js";
import { RolesAnywhereError, UsageError } from "../errors.js";
import { formatError } from "./format-error.js";
import { unexpectedArgument } from "./unexpected-argument.js";
import { literalPasswordWarning, pinValueWarning } from "./shared-options.js";
// The one command imported statically, for its start-up time: the AWS SDKs run
// it for every credential refresh, and its lazy import() would cost one more
// module to resolve, read and link (about 1 ms). It is light: its heavy parts
// (identity loading, signing, the HTTP client) stay behind import().
import { command as credentialProcess } from "./commands/credential-process.js";

/** The official helper release whose commands, flags and outputs this one matches. */
export const COMPATIBLE_WITH = "aws_signing_helper 1.8.0";

/**
 * The name the program was invoked as, for its messages: `aws_signing_helper`
 * when run under the official name (a drop-in), else `signing-helper`.
 */
export function programName(invokedAs: string | undefined = process.argv[1]): string {
  const base = (invokedAs ?? "").split(/[\\/]/).pop() ?? "";
  return base.replace(/\.(c|m)?js$/, "") === "aws_signing_helper" ? "aws_signing_helper" : "signing-helper";
}

/** Flags that every command takes and that may also stand before the command name. */
const GLOBAL_FLAG = /^--?debug(=.*)?$/;
/** `--help`, `-h`, `-help`, `--help=true|false`… anywhere after the command. */
const HELP_FLAG = /^--?(help|h)(=(.*))?$/;

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

/** The width help is wrapped to: the terminal's, else 80. */
function helpWidth(out: NodeJS.WritableStream): number {
  const tty = out as Partial<NodeJS.WriteStream>;
  return tty.isTTY && tty.columns ? Math.max(40, tty.columns) : 80;
}

function topHelp(prog: string, width: number): string {
  const lines = [`usage: ${prog} <command> [flags]`, "", "commands:"];
  const all: [string, string][] = [
    ...Object.entries(commands).map(([name, c]) => [name, c.describe] as [string, string]),
    ["help [command]", "Show this list, or a command's flags, examples and environment"],
    ["version", `Print the version (also --version, -v)`],
  ];
  const col = 36;
  for (const [name, describe] of all) {
    const words = describe.split(" ");
    let line = `  ${name}`.padEnd(col);
    let first = true;
    for (const w of words) {
      if (!first && line.length + 1 + w.length > width) {
        lines.push(line);
        line = " ".repeat(col) + w;
      } else line += (first ? "" : " ") + w;
      first = false;
    }
    lines.push(line);
  }
  lines.push("", "global flags: --debug (may stand before the command)", `Run '${prog} help <command>' for a command's flags.`);
  return lines.join("\n") + "\n";
}

async function commandHelp(cmd: CommandModule, prog: string, width: number): Promise<string> {
  const { helpExtras } = await import("./help-extras.js");
  const usage = (cmd.usage ?? `signing-helper ${cmd.name} [flags]`).replace(/^signing-helper\b/, prog);
  return formatHelp(usage, cmd.describe, cmd.flags, width, helpExtras[cmd.name] ?? {});
}

function unknownCommand(name: string, prog: string): UsageError {
  const near = closest(name, [...Object.keys(commands), "help", "version"]);
  return new UsageError(`unknown command: ${name}`, {
    hint: near ? `did you mean '${prog} ${near}'? (run '${prog} help' to list the commands)` : `run '${prog} help' to list the commands`,
  });
}

async function loadCommand(name: string, prog: string): Promise<CommandModule> {
  const entry = commands[name];
  if (!entry) throw unknownCommand(name, prog);
  return name === credentialProcess.name ? credentialProcess : entry.load();
}

/**
 * Runs the CLI and returns the exit code. The only place that maps errors to
 * exit codes: 0 success, 1 runtime failure, 2 usage error.
 */
export async function main(argv: string[], io?: Partial<CliContext> & { prog?: string }): Promise<number> {
  const prog = io?.prog ?? programName();
  // Built on first use: a command that never looks at ctx.signal does not pay for it.
  let controller: AbortController | undefined;
  const control = () => (controller ??= new AbortController());
  // process.stdin, process.stdout and process.stderr are built on first use, and
  // building one (a pipe's socket, a TTY) costs start-up time: they are handed out
  // lazily, so credential-process on a cache hit builds none of them.
  const stderrOf = () => io?.stderr ?? process.stderr;
  // Global flags before the command name move behind it (`--debug serve …`).
  let lead = 0;
  while (lead < argv.length && GLOBAL_FLAG.test(argv[lead]!)) lead++;
  const [name, ...after] = argv.slice(lead);
  const dashes = after.indexOf("--");
  // Our flags stop at "--": what follows is another program's (exec).
  const ours = [...(dashes >= 0 ? after.slice(0, dashes) : after), ...argv.slice(0, lead)];
  const theirs = dashes >= 0 ? after.slice(dashes) : [];
  const rest = [...ours, ...theirs];
  const debug = ours.some((a) => /^--?debug(=(true|1|yes))?$/i.test(a));
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
  try {
    if (!name || HELP_FLAG.test(name)) {
      // No command is a usage error: the help goes to stderr, stdout stays empty.
      (name ? ctx.stdout : stderrOf()).write(topHelp(prog, helpWidth(name ? ctx.stdout : stderrOf())));
      return name ? 0 : 2;
    }
    if (name === "--version" || name === "-v" || name === "-version" || name === "version") {
      ctx.stdout.write(`${packageVersion()} (compatible with ${COMPATIBLE_WITH})\n`);
      return 0;
    }
    if (name === "help") {
      const topic = rest.find((a) => !a.startsWith("-"));
      if (!topic) {
        ctx.stdout.write(topHelp(prog, helpWidth(ctx.stdout)));
        return 0;
      }
      if (topic === "help" || topic === "version") {
        ctx.stdout.write(topHelp(prog, helpWidth(ctx.stdout)));
        return 0;
      }
      ctx.stdout.write(await commandHelp(await loadCommand(topic, prog), prog, helpWidth(ctx.stdout)));
      return 0;
    }
    if (name.startsWith("-")) {
      throw new UsageError(`${name} before a command: only --debug may stand there`, { hint: `usage: ${prog} <command> [flags]; run '${prog} help'` });
    }
    const cmd = await loadCommand(name, prog);
    const helpArgs = ours.filter((a) => HELP_FLAG.test(a));
    const wantsHelp = helpArgs.some((a) => !/=(false|0|no)$/i.test(a));
    if (wantsHelp) {
      ctx.stdout.write(await commandHelp(cmd, prog, helpWidth(ctx.stdout)));
      return 0;
    }
    // --debug is global: a command without a flag of its own for it still gets ctx.debug.
    const takesDebug = cmd.flags.some((f) => f.name === "debug");
    const own = [...ours.filter((a) => !HELP_FLAG.test(a) && (takesDebug || !GLOBAL_FLAG.test(a))), ...theirs];
    const args = parseArgs(own, cmd.flags);
    for (const w of args.warnings) ctx.log(`warning: ${w}`);
    const profile = args.flags["config-profile"];
    if (typeof profile === "string" && !cmd.writesConfigProfile) {
      if (!profile.trim()) throw new UsageError("--config-profile: the profile name is empty");
      const { applyConfigProfile } = await import("./config-profile.js");
      applyConfigProfile(args, cmd.flags, ctx.env, profile.trim(), (w) => ctx.log(`warning: ${w}`));
    }
    if (args.positionals.length && !cmd.positionals) throw unexpectedArgument(rest, args.positionals[0]!);
    for (const spec of cmd.flags) {
      if (spec.unsupported && args.given.has(spec.name)) {
        throw new RolesAnywhereError("NOT_SUPPORTED", `--${spec.name}: not supported: ${spec.unsupported}`, {
          hint: "use a certificate and private key from files, env:NAME, stdin or PKCS#12",
        });
      }
    }
    const passwordWarning = literalPasswordWarning(args);
    if (passwordWarning) ctx.log(passwordWarning);
    const pinWarning = pinValueWarning(args);
    if (pinWarning) ctx.log(pinWarning);
    if (cmd.longRunning && !io?.signal) {
      const stop = () => control().abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    }
    const code = await cmd.run(args, ctx);
    return code ?? 0;
  } catch (err) {
    stderrOf().write(formatError(err, prog, debug));
    return err instanceof UsageError ? 2 : 1;
  }
}
