import type { CommandModule } from "../context.js";
import { UsageError } from "../../errors.js";
import { COMPLETION_SHELLS, completionScript, type CompletionCommand, type CompletionShell } from "../completion-scripts.js";

/** `signing-helper completion bash|zsh|fish|powershell`: prints a shell completion script, as the official helper does. */
export const command: CommandModule = {
  name: "completion",
  describe: "Print a shell completion script: bash, zsh, fish or powershell",
  usage: "signing-helper completion bash|zsh|fish|powershell",
  flags: [],
  positionals: true,
  async run(args, ctx) {
    const [shell, ...extra] = args.positionals;
    if (!shell || extra.length || !(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
      throw new UsageError(`completion needs one shell: ${COMPLETION_SHELLS.join(", ")}`, {
        hint: "for example: source <(signing-helper completion bash)",
      });
    }
    const { commands } = await import("./index.js");
    const cmds: CompletionCommand[] = [];
    for (const [name, entry] of Object.entries(commands)) {
      const mod = await entry.load();
      cmds.push({ name, describe: entry.describe, flags: mod.flags });
    }
    ctx.writeOut(completionScript(shell as CompletionShell, cmds));
  },
};
