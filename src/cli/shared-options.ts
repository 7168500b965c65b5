import type { FlagSpec, ParsedArgs } from "./args.js";
import { str } from "./args.js";
import type { IdentityInput, IdentitySpec } from "../identity/types.js";
import { RolesAnywhereError, UsageError } from "../errors.js";
import { assumeRoleFlags } from "./assume-role-options.js";

/** The identity flags (certificate, key, chain, password). */
export const identityFlags: FlagSpec[] = [
  { name: "certificate", type: "string", describe: "Certificate: file (PEM, DER, fullchain, PKCS#12), '-' for stdin, env:NAME, or inline PEM (no private key)" },
  { name: "private-key", type: "string", describe: "Private key: file, '-' for stdin or env:NAME (PKCS#8, encrypted PKCS#8, SEC1, PKCS#1); inline PEM is refused" },
  { name: "intermediates", type: "string", describe: "Intermediate CA certificates (PEM bundle): file, '-', env:NAME or inline PEM" },
  {
    name: "pkcs8-password",
    type: "string",
    describe: "Password for an encrypted PKCS#8 key or a PKCS#12 file: env:NAME, or VALUE (visible to other users: warns)",
  },
];

/** Official flags for hardware stores: recognised, answered with "not supported" (exit 1). */
export const unsupportedFlags: FlagSpec[] = [
  ["cert-selector", "string"],
  ["system-store-name", "string"],
  ["use-latest-expiring-certificate", "boolean"],
  ["pkcs11-lib", "string"],
  ["reuse-pin", "boolean"],
  ["tpm-key-password", "string"],
  ["no-tpm-key-password", "boolean"],
].map(([name, type]) => ({
  name: name as string,
  type: type as "string" | "boolean",
  describe: "(official helper flag for OS/hardware key stores; not supported yet)",
  unsupported: "hardware and OS certificate stores (PKCS#11, TPM, system store, cert selector) are not supported yet",
  hidden: true,
}));

/** Flags every credential command accepts (official names and meanings). */
export const sessionFlags: FlagSpec[] = [
  { name: "trust-anchor-arn", type: "string", describe: "ARN of the trust anchor used to authenticate" },
  { name: "profile-arn", type: "string", describe: "ARN of the profile that provides the role" },
  { name: "role-arn", type: "string", describe: "ARN of the role to assume" },
  { name: "session-duration", type: "number", describe: "Session duration in seconds (900-43200)", default: 3600 },
  { name: "region", type: "string", describe: "Signing region (default: the trust anchor ARN's region)" },
  { name: "endpoint", type: "string", describe: "Roles Anywhere endpoint URL (default: from the region)" },
  { name: "role-session-name", type: "string", describe: "Role session name (the profile must accept it)" },
  { name: "no-verify-ssl", type: "boolean", describe: "Do not verify the endpoint's TLS certificate (testing only)" },
  { name: "with-proxy", type: "boolean", describe: "Accepted for compatibility: HTTPS_PROXY/HTTP_PROXY/NO_PROXY are always honoured" },
  { name: "debug", type: "boolean", describe: "Print the canonical request, string to sign and headers (no secrets) to stderr" },
];

export const credentialFlags: FlagSpec[] = [...identityFlags, ...sessionFlags, ...assumeRoleFlags, ...unsupportedFlags];

/**
 * A value that names a key store rather than a file (the official helper's
 * `handle:0x81000001` TPM handles, `pkcs11:` URIs) gets a clear "not supported"
 * instead of "no such file".
 */
function refuseKeyStoreReference(value: string, flag?: string): void {
  const at = flag ? `${flag}: ` : "";
  if (/^handle:/i.test(value)) {
    throw new RolesAnywhereError("NOT_SUPPORTED", `${at}TPM key handles (handle:…) are not supported`, {
      hint: "use the TPM through its PKCS#11 module (tpm2-pkcs11) with a pkcs11: URI, or a key file",
    });
  }
  if (/^pkcs11:/i.test(value)) {
    throw new RolesAnywhereError("NOT_SUPPORTED", `${at}PKCS#11 URIs (pkcs11:…) are not supported yet`, {
      hint: "use a certificate and private key from files, env:NAME, stdin or PKCS#12",
    });
  }
}

/** Maps one CLI source value onto an identity input; `flag` names it in errors. */
export function cliSource(value: string, flag?: string): IdentityInput {
  refuseKeyStoreReference(value, flag);
  if (value === "-") return { stdin: true };
  if (value.startsWith("env:")) {
    const name = value.slice(4);
    if (!name) throw new UsageError(`${flag ? `${flag}: ` : ""}env: needs a variable name, as in env:MY_CERT`);
    return { env: name };
  }
  if (value.trimStart().startsWith("-----BEGIN")) {
    // Every user can read a process's arguments (/proc/PID/cmdline, ps).
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(value)) {
      throw new UsageError(`${flag ? `${flag}: ` : ""}a private key given inline is refused: other users could read it in the process list`, {
        hint: "put the key in a file only you can read, or pass it as env:NAME or on stdin with '-'",
      });
    }
    return value;
  }
  return { path: value };
}

/**
 * The warning for a literal `--pkcs8-password VALUE`: accepted, because the
 * official helper takes only a literal and existing configurations use it, but
 * every user can read it in the process list. Undefined when there is nothing to say.
 */
export function literalPasswordWarning(args: ParsedArgs): string | undefined {
  const pass = str(args, "pkcs8-password");
  if (pass === undefined || pass === "" || pass.startsWith("env:")) return undefined;
  return "warning: --pkcs8-password VALUE can be read by every user of this machine in the process list; use --pkcs8-password env:NAME (or leave it out to be asked on the terminal)";
}

/** Builds the identity spec from the identity flags. */
export function identitySpecFromArgs(args: ParsedArgs): IdentitySpec {
  const cert = str(args, "certificate");
  const key = str(args, "private-key");
  const chain = str(args, "intermediates");
  const pass = str(args, "pkcs8-password");
  if (!cert) throw new UsageError("missing required flag: --certificate");
  const stdinUsers = [cert, key, chain].filter((v) => v === "-").length;
  if (stdinUsers > 1) throw new UsageError("only one of --certificate, --private-key and --intermediates can read stdin ('-')");
  const spec: IdentitySpec = { certificate: cliSource(cert, "--certificate") };
  if (key) spec.privateKey = cliSource(key, "--private-key");
  if (chain) spec.intermediates = cliSource(chain, "--intermediates");
  if (pass !== undefined) spec.passphrase = cliPassword(pass);
  return spec;
}

/** Maps a `--pkcs8-password` value (VALUE or env:NAME) onto an identity input. */
export function cliPassword(value: string): IdentityInput {
  if (!value.startsWith("env:")) return value;
  const name = value.slice(4);
  if (!name) throw new UsageError("--pkcs8-password: env: needs a variable name, as in env:KEY_PASSWORD");
  return { env: name };
}
