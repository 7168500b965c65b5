import type { FlagSpec, ParsedArgs } from "./args.js";
import { bool, missingFlags, str } from "./args.js";
import type { IdentityInput, IdentitySpec, Pkcs11Input } from "../identity/types.js";
import { RolesAnywhereError, UsageError } from "../errors.js";
import { assumeRoleFlags } from "./assume-role-options.js";

/** The identity flags (certificate, key, chain, password). */
export const identityFlags: FlagSpec[] = [
  { name: "certificate", type: "string", describe: "Certificate: file (PEM, DER, fullchain, PKCS#12), '-' for stdin, env:NAME, inline PEM (no private key), or a pkcs11: URI" },
  { name: "private-key", type: "string", describe: "Private key: file, '-' for stdin or env:NAME (PKCS#8, encrypted PKCS#8, SEC1, PKCS#1), or a pkcs11: URI; inline PEM is refused" },
  { name: "intermediates", type: "string", describe: "Intermediate CA certificates (PEM bundle): file, '-', env:NAME or inline PEM" },
  {
    name: "pkcs8-password",
    type: "string",
    describe: "Password for an encrypted PKCS#8 key or a PKCS#12 file: env:NAME, or VALUE (visible to other users: warns)",
  },
];

/** The PKCS#11 flags (official names): for `pkcs11:` URIs in --certificate and --private-key. */
export const pkcs11Flags: FlagSpec[] = [
  { name: "pkcs11-lib", type: "string", describe: "PKCS#11 module for pkcs11: URIs (default: p11-kit's proxy module, p11-kit-proxy.so)" },
  { name: "reuse-pin", type: "boolean", describe: "Use the user PIN for a key that wants its PIN at every signature (CKA_ALWAYS_AUTHENTICATE)" },
];

const TPM_ROUTE =
  "TPM key files and handles: use the TPM through tpm2-pkcs11 instead (--pkcs11-lib /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so with --certificate pkcs11:… URIs; see the README, Hardware keys)";

/** Official flags for OS stores and TPM files: recognised, answered with "not supported" (exit 1). */
export const unsupportedFlags: FlagSpec[] = [
  ["cert-selector", "string"],
  ["system-store-name", "string"],
  ["use-latest-expiring-certificate", "boolean"],
  ["tpm-key-password", "string"],
  ["no-tpm-key-password", "boolean"],
].map(([name, type]) => ({
  name: name as string,
  type: type as "string" | "boolean",
  describe: "(official helper flag for OS key stores and TPM key files; not supported)",
  unsupported: (name as string).includes("tpm") ? TPM_ROUTE : "OS certificate stores (system store, cert selector) are not supported yet",
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
  {
    name: "timeout",
    type: "number",
    describe: "Give up on the endpoint after this many seconds in all, retries included (1-600)",
    default: 15,
  },
  { name: "with-proxy", type: "boolean", describe: "Accepted for compatibility: HTTPS_PROXY/HTTP_PROXY/NO_PROXY are always honoured" },
  { name: "debug", type: "boolean", describe: "Print the canonical request, string to sign and headers (no secrets) to stderr" },
];

/** `--config-profile NAME`: the other settings from `[profile NAME]` of the AWS config file (see cli/config-profile.ts). */
export const configProfileFlag: FlagSpec = {
  name: "config-profile",
  type: "string",
  describe: "Read the settings not given as flags from [profile NAME] of the AWS config file (rolesanywhere_* keys; AWS_CONFIG_FILE honoured)",
};

export const credentialFlags: FlagSpec[] = [configProfileFlag, ...identityFlags, ...pkcs11Flags, ...sessionFlags, ...assumeRoleFlags, ...unsupportedFlags];

/** The PKCS#11 flags as given, for pkcs11: values. */
export interface Pkcs11Flags {
  module?: string;
  reusePin?: boolean;
}

/** The PKCS#11 flags of parsed arguments. */
export function pkcs11FlagsOf(args: ParsedArgs): Pkcs11Flags {
  const module = str(args, "pkcs11-lib");
  return { ...(module ? { module } : {}), ...(bool(args, "reuse-pin") ? { reusePin: true } : {}) };
}

/** Maps a certificate or key value onto an input: a `pkcs11:` URI onto a token input, the rest as cliSource does. */
export function cliKeySource(value: string, flag: string, p11: Pkcs11Flags = {}): IdentityInput | Pkcs11Input {
  if (/^pkcs11:/i.test(value)) return { pkcs11: value, ...p11 };
  return cliSource(value, flag);
}

/**
 * A value that names a key store rather than a file (the official helper's
 * `handle:0x81000001` TPM handles, `pkcs11:` URIs) gets a clear "not supported"
 * instead of "no such file".
 */
function refuseKeyStoreReference(value: string, flag?: string): void {
  const at = flag ? `${flag}: ` : "";
  if (/^handle:/i.test(value)) {
    throw new RolesAnywhereError("NOT_SUPPORTED", `${at}TPM key handles (handle:…) are not supported`, {
      hint: "use the TPM through its PKCS#11 module: --pkcs11-lib …/libtpm2_pkcs11.so with a pkcs11: URI (README: Hardware keys), or a key file",
    });
  }
  if (/^pkcs11:/i.test(value)) {
    // --certificate and --private-key take pkcs11: URIs (cliKeySource); other flags do not.
    throw new RolesAnywhereError("NOT_SUPPORTED", `${at}a pkcs11: URI is taken by --certificate and --private-key only`, {
      hint: "give this one as a file, env:NAME or stdin",
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
  if (!cert) throw missingFlags(args, ["certificate"]);
  const stdinUsers = [cert, key, chain].filter((v) => v === "-").length;
  if (stdinUsers > 1) throw new UsageError("only one of --certificate, --private-key and --intermediates can read stdin ('-')");
  const p11 = pkcs11FlagsOf(args);
  const spec: IdentitySpec = { certificate: cliKeySource(cert, "--certificate", p11) };
  if (key) spec.privateKey = cliKeySource(key, "--private-key", p11);
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

/**
 * The warning for a PIN written into a pkcs11: URI on the command line
 * (`?pin-value=`): accepted, as the official helper takes it, but readable by
 * every user in the process list. Never shows the PIN.
 */
export function pinValueWarning(args: ParsedArgs): string | undefined {
  const flags = ["certificate", "private-key"].filter((f) => /^pkcs11:[^?]*\?(?:.*&)?pin-value=/i.test(str(args, f) ?? ""));
  if (flags.length === 0) return undefined;
  return `warning: the PIN in --${flags[0]} (pin-value=) can be read by every user of this machine in the process list; use ?pin-source=env:NAME or ?pin-source=file:PATH (or leave it out to be asked on the terminal)`;
}
