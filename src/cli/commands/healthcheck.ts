import type { CommandModule } from "../context.js";
import { num, str } from "../args.js";
import { RolesAnywhereError, UsageError } from "../../errors.js";

/** The default probe: `serve`'s health route on its default port. */
export const DEFAULT_HEALTHCHECK_URL = "http://127.0.0.1:9911/healthz";

/**
 * `signing-helper healthcheck [--url URL] [--timeout-ms N]`: GET a health
 * route (by default `serve`'s /healthz on 127.0.0.1:9911) and exit 0 on 200,
 * 1 otherwise. For container images that have no shell, curl or node beside
 * the helper: `HEALTHCHECK CMD ["signing-helper", "healthcheck"]`, or an exec
 * probe in Kubernetes. Prints nothing on success.
 */
export const command: CommandModule = {
  name: "healthcheck",
  describe: "Exit 0 when a serve health route answers 200 (for container health checks)",
  usage: "signing-helper healthcheck [--url http://127.0.0.1:9911/healthz] [--timeout-ms 3000]",
  flags: [
    { name: "url", type: "string", describe: "http:// URL to GET", default: DEFAULT_HEALTHCHECK_URL },
    { name: "timeout-ms", type: "number", describe: "Give up after this many milliseconds", default: 3000 },
    { name: "debug", type: "boolean", describe: "Print a stack trace on errors" },
  ],
  async run(args) {
    const raw = str(args, "url") ?? DEFAULT_HEALTHCHECK_URL;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UsageError(`--url is not a URL: ${JSON.stringify(raw)}`, { hint: `for example ${DEFAULT_HEALTHCHECK_URL}` });
    }
    if (url.protocol !== "http:") throw new UsageError(`--url must be an http:// URL, got ${url.protocol}`, { hint: `for example ${DEFAULT_HEALTHCHECK_URL}` });
    const timeoutMs = num(args, "timeout-ms") ?? 3000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) throw new UsageError(`--timeout-ms must be 1-600000, got ${timeoutMs}`);
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: "GET", timeout: timeoutMs, headers: { Connection: "close" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end();
    }).catch((err: Error) => {
      throw new RolesAnywhereError("NETWORK", `healthcheck: ${url.href}: ${err.message}`, { hint: "is serve running and listening there?" });
    });
    if (status !== 200) throw new RolesAnywhereError("NETWORK", `healthcheck: ${url.href} answered ${status}`);
    return 0;
  },
};
