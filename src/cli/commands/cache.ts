import type { CommandModule } from "../context.js";
import { credentialFlags } from "../shared-options.js";
import { UsageError } from "../../errors.js";

/** Flags that name a configuration (then only its entry is cleared). */
const CONFIGURATION_FLAGS = ["certificate", "trust-anchor-arn", "profile-arn", "role-arn"];

/**
 * `signing-helper cache clear [--config-profile NAME | credential flags]`:
 * removes credentials `credential-process --cache` keeps. With a configuration
 * (a profile or the credential flags) only its entry goes; with none, every
 * entry of the cache directory. For credentials a service no longer accepts
 * (an emulator restarted on the same port, a revoked session).
 */
export const command: CommandModule = {
  name: "cache",
  describe: "Clear the credentials credential-process --cache keeps: 'cache clear' (all, or one configuration's)",
  usage: "signing-helper cache clear [--config-profile NAME | credential flags]",
  positionals: true,
  flags: credentialFlags,
  async run(args, ctx) {
    const [action, ...extra] = args.positionals;
    if (action !== "clear" || extra.length) {
      throw new UsageError(`cache: ${action === undefined ? "missing the action" : `unknown action '${action.slice(0, 40)}'`}: the only one is 'clear'`, {
        hint: "signing-helper cache clear [--config-profile NAME]",
      });
    }
    const [{ cacheDir, cacheKey }, { clearCache, clearCacheEntry }] = await Promise.all([import("../../credentials/cache.js"), import("../../credentials/cache-clear.js")]);
    const dir = cacheDir(ctx.env);
    const configured = CONFIGURATION_FLAGS.some((f) => args.flags[f] !== undefined);
    if (!configured) {
      const n = clearCache(dir);
      ctx.log(`cache clear: removed ${n} cached credential${n === 1 ? "" : "s"} from ${dir}`);
      return 0;
    }
    const { sourceFromArgs } = await import("./credential-process.js");
    const description = (await sourceFromArgs(args, ctx)).describe();
    if (description === undefined) {
      throw new UsageError("cache clear: this configuration is never cached (its certificate is not read from a file or variable)", {
        hint: "run 'signing-helper cache clear' without flags to remove every entry",
      });
    }
    const removed = clearCacheEntry(dir, cacheKey(description));
    ctx.log(`cache clear: ${removed ? "removed the cached credentials" : "no cached credentials"} of this configuration in ${dir}`);
    return 0;
  },
};
