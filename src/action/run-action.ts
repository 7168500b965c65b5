/**
 * The GitHub Action: inputs (values, never files) → one CreateSession through
 * fromRolesAnywhere() → masks, then the credentials exported through
 * $GITHUB_ENV (and, when asked, step outputs). The only files written are the
 * runner's own $GITHUB_ENV and $GITHUB_OUTPUT; the key never leaves memory.
 * I/O comes in through {@link ActionDeps}, so the order of what is printed and
 * written is testable.
 */
import { RolesAnywhereError } from "../errors.js";
import { fromRolesAnywhere, type FromRolesAnywhereInit, type RolesAnywhereProvider } from "../provider/from-roles-anywhere.js";
import { parseTrustAnchorArn } from "../session/arn.js";
import { errorCommand, fileCommandEntry, maskCommand, warningCommand } from "./file-commands.js";
import { readActionInputs, secretInputLines } from "./inputs.js";

/** What the Action touches. @public */
export interface ActionDeps {
  /** The step's environment: INPUT_*, GITHUB_ENV, GITHUB_OUTPUT, proxies, AWS_CA_BUNDLE. */
  env: NodeJS.ProcessEnv;
  /** Writes to the step's log (stdout, where the runner reads workflow commands). */
  log(text: string): void;
  /** Appends to one of the runner's file-command files. */
  appendFile(path: string, text: string): void;
  /** A fresh unguessable heredoc delimiter. */
  delimiter(): string;
  /** The credential provider factory. Default: fromRolesAnywhere. */
  provider?: (init: FromRolesAnywhereInit) => RolesAnywhereProvider;
}

/** Runs the Action; resolves with the process exit code (0, or 1 after an `::error::` line). @public */
export async function runAction(deps: ActionDeps): Promise<number> {
  const { env, log } = deps;
  for (const line of secretInputLines(env)) log(maskCommand(line));
  try {
    const inputs = readActionInputs(env);
    const envFile = env.GITHUB_ENV ?? "";
    if (envFile === "") throw new RolesAnywhereError("CONFIG", "GITHUB_ENV is not set", { hint: "run this as a step of a GitHub Actions job" });
    const outputFile = env.GITHUB_OUTPUT ?? "";
    const make = deps.provider ?? fromRolesAnywhere;
    const provider = make({ ...inputs.init, env, logger: { warn: (m) => log(warningCommand(m)) } });
    const c = await provider();
    // Masked before any of them is written anywhere.
    for (const secret of [c.accessKeyId, c.secretAccessKey, c.sessionToken]) log(maskCommand(secret));

    const region = inputs.init.region ?? (env.AWS_REGION?.trim() || parseTrustAnchorArn(inputs.init.trustAnchorArn).region);
    const expiration = c.expiration.toISOString();
    const exported: [string, string][] = [
      ["AWS_ACCESS_KEY_ID", c.accessKeyId],
      ["AWS_SECRET_ACCESS_KEY", c.secretAccessKey],
      ["AWS_SESSION_TOKEN", c.sessionToken],
      ["AWS_REGION", region],
      ["AWS_DEFAULT_REGION", region],
      ["AWS_CREDENTIAL_EXPIRATION", expiration],
    ];
    deps.appendFile(envFile, exported.map(([k, v]) => fileCommandEntry(k, v, deps.delimiter())).join(""));
    const outputs: [string, string][] = [["aws-account-id", c.accountId]];
    if (inputs.outputCredentials) {
      outputs.push(["aws-access-key-id", c.accessKeyId], ["aws-secret-access-key", c.secretAccessKey], ["aws-session-token", c.sessionToken], ["aws-expiration", expiration]);
    }
    if (outputFile !== "") deps.appendFile(outputFile, outputs.map(([k, v]) => fileCommandEntry(k, v, deps.delimiter())).join(""));
    log(`IAM Roles Anywhere: credentials for ${inputs.init.roleArn} exported to the job's environment (${exported.map(([k]) => k).join(", ")}), valid until ${expiration}\n`);
    return 0;
  } catch (err) {
    log(errorCommand(describe(err)));
    return 1;
  }
}

/** One line: what failed and, when known, what to do. The provider's wrapper is looked through. */
function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof RolesAnywhereError ? err.cause : err;
  if (cause instanceof RolesAnywhereError) return `IAM Roles Anywhere: ${cause.message}${cause.hint ? ` (hint: ${cause.hint})` : ""}`;
  return `IAM Roles Anywhere: ${err instanceof Error ? err.message : String(err)}`;
}
