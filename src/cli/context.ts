import type { FlagSpec, ParsedArgs } from "./args.js";

/** What a command gets from the CLI: streams, env, a stop signal. @internal */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  /**
   * Writes a command's whole result to stdout. For the real process it is one
   * synchronous write to file descriptor 1, without building process.stdout
   * (start-up time); with an injected `stdout` stream, a write to that stream.
   */
  writeOut(data: string): void;
  /** `--debug` was given. */
  debug: boolean;
  /** One diagnostic line to stderr (never stdout). */
  log(line: string): void;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
}

/** One CLI command; registered explicitly in commands/index.ts. @internal */
export interface CommandModule {
  name: string;
  describe: string;
  usage?: string;
  flags: FlagSpec[];
  /** `--config-profile` names the profile this command writes (init), not one to read settings from. */
  writesConfigProfile?: boolean;
  /** Takes positional arguments (`completion bash`); others refuse any. */
  positionals?: boolean;
  /** Runs until stopped: SIGINT/SIGTERM abort ctx.signal instead of killing the process. */
  longRunning?: boolean;
  /** Returns the exit code (default 0). Throws RolesAnywhereError for failures. */
  run(args: ParsedArgs, ctx: CliContext): Promise<number | void>;
}
