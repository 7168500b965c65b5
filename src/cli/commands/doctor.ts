import type { CommandModule } from "../context.js";
import { RolesAnywhereError } from "../../errors.js";

// PLACEHOLDER: replaced by the real command module.
export const command: CommandModule = {
  name: "doctor",
  describe: "doctor (not built yet)",
  flags: [],
  async run() {
    throw new RolesAnywhereError("NOT_SUPPORTED", "doctor: not built yet");
  },
};
