import type { CommandModule } from "../context.js";
import { num, str } from "../args.js";
import { readAllStdin } from "../stdin-once.js";
import { RolesAnywhereError, UsageError } from "../../errors.js";

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/**
 * `signing-helper verify-identity-token`: reads a token (stdin, or --token
 * env:NAME), verifies it with verifyIdentityToken and prints
 * {"arn","account","userId","principalArn"}. Exit 1 with one line naming the
 * reason when it is refused.
 */
export const command: CommandModule = {
  name: "verify-identity-token",
  describe: "Check an identity token with STS and print who made it (exit 1 with the reason when refused)",
  usage: "signing-helper verify-identity-token --audience VALUE [--sts-endpoint URL]… [--allow-account ID]… [--allow-principal ARN-PATTERN]… [--max-age SECONDS] [--token env:NAME]",
  flags: [
    { name: "audience", type: "string", describe: "The audience this service expects" },
    { name: "sts-endpoint", type: "string", repeat: true, describe: "Also accept tokens naming this STS endpoint (exact URL; http only this way)" },
    { name: "allow-account", type: "string", repeat: true, describe: "Accept only principals of this account (repeatable)" },
    { name: "allow-principal", type: "string", repeat: true, describe: "Accept only principals matching this ARN pattern, * = any run (repeatable; assumed roles match as their role)" },
    { name: "max-age", type: "number", default: 900, describe: "Oldest signing date accepted, in seconds (1-900)" },
    { name: "token", type: "string", describe: "Read the token from env:NAME instead of stdin" },
    { name: "audience-header", type: "string", describe: "Audience header of url and akeyless tokens (default X-Identity-Audience)" },
    { name: "debug", type: "boolean", describe: "Stack traces on unexpected errors" },
  ],
  async run(args, ctx) {
    const audience = str(args, "audience");
    if (!audience) throw new UsageError("missing required flag: --audience");
    const from = str(args, "token");
    let token: string;
    if (from !== undefined) {
      if (!from.startsWith("env:") || from.length === 4) {
        throw new UsageError("--token takes env:NAME (a token given as a value would show in ps)", { hint: "or pipe the token to stdin" });
      }
      token = ctx.env[from.slice(4)] ?? "";
      if (token === "") throw new RolesAnywhereError("CONFIG", `--token: the variable ${from.slice(4)} is empty or not set`);
    } else {
      token = (await readAllStdin(ctx.stdin)).toString("utf8").replace(/\r?\n$/, "");
    }
    const { verifyIdentityToken, IdentityTokenError } = await import("../../verifier/index.js");
    const maxAge = num(args, "max-age");
    const audienceHeader = str(args, "audience-header");
    try {
      const id = await verifyIdentityToken(token, {
        audience,
        stsEndpoints: list(args.flags["sts-endpoint"]),
        ...(args.given.has("allow-account") ? { allowAccounts: list(args.flags["allow-account"]) } : {}),
        ...(args.given.has("allow-principal") ? { allowPrincipals: list(args.flags["allow-principal"]) } : {}),
        ...(maxAge !== undefined ? { maxAgeSeconds: maxAge } : {}),
        ...(audienceHeader !== undefined ? { audienceHeader } : {}),
      });
      ctx.writeOut(JSON.stringify({ arn: id.arn, account: id.account, userId: id.userId, principalArn: id.principalArn }) + "\n");
    } catch (err) {
      if (err instanceof IdentityTokenError) throw new RolesAnywhereError(err.code, `token refused: ${err.code}: ${err.message}`, { cause: err });
      throw err;
    }
  },
};
