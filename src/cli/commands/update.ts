import type { CommandModule } from "../context.js";
import { RolesAnywhereError } from "../../errors.js";

// PLACEHOLDER: replaced by the real command module.
export const command: CommandModule = {
  name: "update",
  describe: "update (not built yet)",
  flags: [],
  async run() {
    throw new RolesAnywhereError("NOT_SUPPORTED", "update: not built yet");
  },
};
