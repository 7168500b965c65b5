import type { CommandModule } from "../context.js";
import { RolesAnywhereError } from "../../errors.js";

// PLACEHOLDER: replaced by the real command module.
export const command: CommandModule = {
  name: "generate-credential-process-data",
  describe: "generate-credential-process-data (not built yet)",
  flags: [],
  async run() {
    throw new RolesAnywhereError("NOT_SUPPORTED", "generate-credential-process-data: not built yet");
  },
};
