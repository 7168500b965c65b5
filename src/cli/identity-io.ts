import type { IdentityIo } from "../identity/types.js";

/**
 * The identity I/O the CLI uses: the process env, and a password prompt on the
 * terminal (/dev/tty, echo off) when an encrypted key has no password and a
 * terminal is attached. The library never prompts.
 */
export function cliIdentityIo(env: NodeJS.ProcessEnv): IdentityIo {
  return {
    env,
    promptPassword: async (what: string) => (await import("../identity/prompt.js")).promptPasswordOnTty(what),
  };
}
