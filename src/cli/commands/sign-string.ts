import type { KeyObject } from "node:crypto";
import type { CommandModule, CliContext } from "../context.js";
import type { FlagSpec, ParsedArgs } from "../args.js";
import { str } from "../args.js";
import { cliKeySource, cliPassword, cliSource, identityFlags, pkcs11Flags, pkcs11FlagsOf, unsupportedFlags } from "../shared-options.js";
import { readAllStdin } from "../stdin-once.js";
import { UsageError } from "../../errors.js";
import type { IdentityInput, IdentityIo, Pkcs11Input } from "../../identity/types.js";
import {
  SIGN_STRING_DIGESTS,
  SIGN_STRING_FORMATS,
  formatSignature,
  signTestMessage,
  testMessage,
  type SignStringDigest,
  type SignStringFormat,
} from "../../signer/sign-string.js";
import { signingAlgorithmFor } from "../../signer/key-signer.js";

const flags: FlagSpec[] = [
  ...identityFlags.filter((f) => f.name !== "intermediates"),
  { name: "format", type: "string", describe: "Output: json (a JSON string of hex), text (hex) or bin (raw bytes)", choices: SIGN_STRING_FORMATS, default: "json" },
  { name: "digest", type: "string", describe: "Digest for RSA and ECDSA (ML-DSA ignores it)", choices: SIGN_STRING_DIGESTS, default: "SHA256" },
  { name: "debug", type: "boolean", describe: "Print the key's algorithm and the message signed to stderr" },
  ...pkcs11Flags,
  ...unsupportedFlags,
];

function identityIo(ctx: CliContext, prompt: (what: string) => Promise<string | undefined>): IdentityIo {
  return { env: ctx.env, readStdin: () => readAllStdin(ctx.stdin), promptPassword: prompt };
}

function passphraseOf(args: ParsedArgs): IdentityInput | undefined {
  const pass = str(args, "pkcs8-password");
  if (pass === undefined) return undefined;
  return cliPassword(pass);
}

/** Loads the private key: from --private-key, else from the --certificate file (combined PEM or PKCS#12). */
async function loadKey(args: ParsedArgs, ctx: CliContext): Promise<KeyObject> {
  const cert = str(args, "certificate");
  const key = str(args, "private-key");
  if (!key && !cert) {
    throw new UsageError("missing required flag: --private-key", {
      hint: "give --private-key, or a --certificate file that also holds the key (combined PEM or PKCS#12)",
    });
  }
  if (cert === "-" && key === "-") throw new UsageError("only one of --certificate and --private-key can read stdin ('-')");
  const identity = await import("../../identity/index.js");
  const io = identityIo(ctx, (what) => identity.promptPasswordOnTty(what));
  const passphrase = passphraseOf(args);
  if (key) {
    const loaded = await identity.loadPrivateKey(cliSource(key, "--private-key"), passphrase, io);
    // As the official helper does, a given certificate must at least be readable.
    if (cert) await identity.loadCertificate(cliSource(cert, "--certificate"), io);
    return loaded.key;
  }
  const spec = passphrase === undefined ? { certificate: cliSource(cert!, "--certificate") } : { certificate: cliSource(cert!, "--certificate"), passphrase };
  return (await identity.loadIdentity(spec, io)).privateKey;
}

/** A key on a PKCS#11 token (--private-key or --certificate is a pkcs11: URI): the token signs the test message. */
async function signOnToken(args: ParsedArgs, ctx: CliContext, digest: SignStringDigest): Promise<{ signature: Uint8Array; publicKey: KeyObject } | undefined> {
  const cert = str(args, "certificate");
  const key = str(args, "private-key");
  const isUri = (v: string | undefined) => v !== undefined && /^pkcs11:/i.test(v);
  if (!isUri(key) && !(isUri(cert) && !key)) return undefined;
  const p11 = pkcs11FlagsOf(args);
  const identity = await import("../../identity/index.js");
  const io = identityIo(ctx, (what) => identity.promptPasswordOnTty(what));
  const { loadPkcs11Key } = await import("../../identity/pkcs11/identity.js");
  const keyInput = cliKeySource(key ?? cert!, key ? "--private-key" : "--certificate", p11);
  const tokenKey = isUri(key)
    ? await loadPkcs11Key(keyInput as Pkcs11Input, cert ? cliKeySource(cert, "--certificate", p11) : undefined, io)
    : (await identity.loadIdentity({ certificate: keyInput }, io)).tokenKey!;
  const message = testMessage(tokenKey.publicKey);
  const signature = await tokenKey.sign(message, digest.toLowerCase() as "sha256" | "sha384" | "sha512");
  return { signature, publicKey: tokenKey.publicKey };
}

/** `sign-string`: signs the fixed test message (protocol.md §5.4) and prints the signature. */
export const command: CommandModule = {
  name: "sign-string",
  describe: "Sign the fixed test message with the private key (checks that a key works)",
  usage: "signing-helper sign-string --private-key KEY|pkcs11:URI [--certificate CERT] [--pkcs11-lib MODULE] [--format json|text|bin] [--digest SHA256|SHA384|SHA512]",
  flags,
  async run(args, ctx) {
    const format = (str(args, "format") ?? "json") as SignStringFormat;
    const digest = (str(args, "digest") ?? "SHA256") as SignStringDigest;
    const onToken = await signOnToken(args, ctx, digest);
    if (onToken) {
      if (ctx.debug) {
        ctx.log(`sign-string: key on a PKCS#11 token (${signingAlgorithmFor(onToken.publicKey)}), digest ${digest}`);
        ctx.log(`sign-string: message (hex) ${testMessage(onToken.publicKey).toString("hex")}`);
      }
      ctx.stdout.write(formatSignature(onToken.signature, format));
      return;
    }
    const key = await loadKey(args, ctx);
    const signature = signTestMessage(key, digest);
    if (ctx.debug) {
      const algorithm = signingAlgorithmFor(key);
      ctx.log(`sign-string: key ${key.asymmetricKeyType} (${algorithm}), digest ${algorithm === "AWS4-X509-MLDSA" ? "none" : digest}`);
      ctx.log(`sign-string: message (hex) ${testMessage(key).toString("hex")}`);
    }
    ctx.stdout.write(formatSignature(signature, format));
  },
};
