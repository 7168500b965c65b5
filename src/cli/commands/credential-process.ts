import type { CommandModule } from "../context.js";
import { RolesAnywhereError } from "../../errors.js";

// PLACEHOLDER: replaced by the real command module.
export const command: CommandModule = {
  name: "credential-process",
  describe: "credential-process (not built yet)",
  flags: [],
  async run() {
    throw new RolesAnywhereError("NOT_SUPPORTED", "credential-process: not built yet");
  },
};
