import type { CommandModule } from "../context.js";
import { RolesAnywhereError } from "../../errors.js";

// PLACEHOLDER: replaced by the real command module.
export const command: CommandModule = {
  name: "sign-string",
  describe: "sign-string (not built yet)",
  flags: [],
  async run() {
    throw new RolesAnywhereError("NOT_SUPPORTED", "sign-string: not built yet");
  },
};
