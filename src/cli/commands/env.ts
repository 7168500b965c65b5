import type { CommandModule } from "../context.js";
import { str } from "../args.js";
import { credentialFlags } from "../shared-options.js";
import { credentialsFromArgs } from "../credential-pipeline.js";
import { UsageError } from "../../errors.js";
import { ENV_SHELLS, credentialVariables, shellLines, type EnvShell } from "../../outputs/shell-env.js";

/**
 * `signing-helper env`: prints the lines that export temporary credentials into
 * the current shell, for `eval "$(signing-helper env …)"`. Values are quoted for
 * the shell; AWS_REGION is printed only when the environment has none.
 */
export const command: CommandModule = {
  name: "env",
  describe: "Print shell lines that export temporary credentials (for eval)",
  usage: "signing-helper env [--config-profile NAME | credential flags] [--shell sh|fish|powershell]",
  flags: [
    ...credentialFlags,
    { name: "shell", type: "string", describe: "Syntax of the lines: sh (bash, zsh, dash), fish or powershell", choices: ENV_SHELLS, default: "sh" },
  ],
  async run(args, ctx) {
    const shell = (str(args, "shell") ?? "sh") as EnvShell;
    if (!ENV_SHELLS.includes(shell)) throw new UsageError(`--shell must be one of ${ENV_SHELLS.join(", ")}`);
    const { source, region } = await credentialsFromArgs(args, ctx);
    const creds = await source.fetch();
    ctx.writeOut(shellLines(shell, credentialVariables(creds, ctx.env.AWS_REGION ? undefined : region)));
  },
};
