/**
 * Credentials as environment variables: the variable set a child process gets
 * (`exec`) and the shell lines that set it (`env`, for `eval`), quoted so that
 * no value can break out of its string in sh, fish or PowerShell. Pure.
 */
import type { Credentials } from "../session/types.js";

/** The shells `env --shell` writes for. @public */
export const ENV_SHELLS = ["sh", "fish", "powershell"] as const;
export type EnvShell = (typeof ENV_SHELLS)[number];

/** Variables that would make an SDK prefer other credentials than the ones handed over. @public */
export const CREDENTIAL_VARIABLES_TO_CLEAR = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_SECURITY_TOKEN"] as const;

/** The variables of static credentials, in a fixed order. AWS_REGION only when given. @public */
export function credentialVariables(creds: Credentials, region?: string): [string, string][] {
  const vars: [string, string][] = [
    ["AWS_ACCESS_KEY_ID", creds.accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", creds.secretAccessKey.reveal()],
    ["AWS_SESSION_TOKEN", creds.sessionToken.reveal()],
    ["AWS_CREDENTIAL_EXPIRATION", creds.expirationRaw],
  ];
  if (region) vars.push(["AWS_REGION", region]);
  return vars;
}

/** One value as a literal string of the shell. @public */
export function quoteFor(shell: EnvShell, value: string): string {
  switch (shell) {
    case "sh":
      return `'${value.replace(/'/g, `'\\''`)}'`;
    case "fish":
      return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
    case "powershell":
      return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (c) => c + c)}'`;
  }
}

/** The lines that set the variables in the shell, one per variable. @public */
export function shellLines(shell: EnvShell, vars: readonly [string, string][]): string {
  const line = ([name, value]: [string, string]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`not a variable name: ${name}`);
    const v = quoteFor(shell, value);
    return shell === "sh" ? `export ${name}=${v}` : shell === "fish" ? `set -gx ${name} ${v}` : `$env:${name} = ${v}`;
  };
  return vars.map(line).join("\n") + "\n";
}
