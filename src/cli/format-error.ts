import { messageNaming, RolesAnywhereError, settingFlag, UsageError } from "../errors.js";

/**
 * Turns any thrown value into the contract's error lines:
 * `signing-helper: <what failed>: <why>` and optionally `hint: <what to do>`.
 * A stack trace only with --debug, and never for a usage error (the user's
 * command line is wrong, not the program).
 */
export function formatError(err: unknown, prog: string, debug: boolean): string {
  const lines: string[] = [];
  if (err instanceof RolesAnywhereError) {
    // A setting is named by its flag here (the library names it by its option).
    lines.push(`${prog}: ${oneLine(messageNaming(err, settingFlag))}`);
    if (err.hint) lines.push(`hint: ${oneLine(err.hint)}`);
  } else if (err instanceof Error) {
    lines.push(`${prog}: unexpected error: ${oneLine(err.message)}`);
    lines.push("hint: run again with --debug for details, and report it if it persists");
  } else {
    lines.push(`${prog}: unexpected error: ${oneLine(String(err))}`);
  }
  if (debug && err instanceof Error && !(err instanceof UsageError) && err.stack) lines.push(err.stack);
  return lines.join("\n") + "\n";
}

function oneLine(s: string): string {
  return s.replace(/\s*\r?\n\s*/g, " ").trim();
}
