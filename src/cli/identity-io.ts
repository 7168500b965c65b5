import type { IdentityIo } from "../identity/types.js";

/**
 * The identity I/O the CLI uses: the process env, and a password prompt on the
 * terminal (/dev/tty, echo off) when an encrypted key has no password and a
 * terminal is attached. The answer is remembered for the life of the process,
 * so long-running commands (serve, update) ask once, at start, and reuse it at
 * every refresh. The library never prompts.
 */
export function cliIdentityIo(env: NodeJS.ProcessEnv): IdentityIo {
  const answers = new Map<string, Promise<string | undefined>>();
  return {
    env,
    promptPassword: (what: string) => {
      let answer = answers.get(what);
      if (!answer) {
        answer = import("../identity/prompt.js").then((m) => m.promptPasswordOnTty(what));
        answers.set(what, answer);
        // A refused or empty answer is not remembered: ask again next time.
        void answer.then((a) => {
          if (!a) answers.delete(what);
        });
      }
      return answer;
    },
  };
}
