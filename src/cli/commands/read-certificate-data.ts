import type { CliContext, CommandModule } from "../context.js";
import type { FlagSpec, ParsedArgs } from "../args.js";
import { requireStr, str } from "../args.js";
import { cliPassword, cliSource, identityFlags, pkcs11Flags, pkcs11FlagsOf, unsupportedFlags } from "../shared-options.js";
import { cliIdentityIo } from "../identity-io.js";
import { readAllStdin } from "../stdin-once.js";
import { certificateData, certificateDataJson } from "../../signer/certificate-data.js";

const flags: FlagSpec[] = [
  ...identityFlags.filter((f) => f.name === "certificate" || f.name === "pkcs8-password"),
  { name: "debug", type: "boolean", describe: "Print a stack trace on errors" },
  ...pkcs11Flags.filter((f) => f.name === "pkcs11-lib"),
  ...unsupportedFlags,
];

/**
 * A pkcs11: URI lists every certificate it matches, as the official helper
 * does: "Matching identities", then `N) <SHA-1 fingerprint> "<subject>"` and a
 * tab-indented `URI: pkcs11:…` line for each (or "No matching identities").
 */
async function listTokenCertificates(uri: string, args: ParsedArgs, ctx: CliContext): Promise<void> {
  const { listPkcs11Certificates } = await import("../../identity/pkcs11/identity.js");
  const found = await listPkcs11Certificates({ pkcs11: uri, ...pkcs11FlagsOf(args) }, cliIdentityIo(ctx.env));
  if (found.length === 0) {
    ctx.stdout.write("No matching identities\n");
    return;
  }
  const lines = ["Matching identities"];
  found.forEach((c, i) => {
    const sha1 = c.certificate.fingerprint.replace(/:/g, "").toLowerCase();
    lines.push(`${i + 1}) ${sha1} "${c.certificate.subject.split("\n").reverse().join(",")}"`, `\tURI: ${c.uri}`);
  });
  ctx.stdout.write(lines.join("\n") + "\n");
}

/**
 * `read-certificate-data`: prints `{"keyType","certificateData","serialNumber","supportedAlgorithms"}`
 * for the first certificate of --certificate (protocol.md §5.5), no trailing newline.
 */
export const command: CommandModule = {
  name: "read-certificate-data",
  describe: "Print a certificate's key type, DER (base64), decimal serial and supported algorithms as JSON",
  usage: "signing-helper read-certificate-data --certificate CERT|pkcs11:URI [--pkcs8-password VALUE|env:NAME] [--pkcs11-lib MODULE]",
  flags,
  async run(args, ctx) {
    const value = requireStr(args, "certificate");
    if (/^pkcs11:/i.test(value)) return listTokenCertificates(value, args, ctx);
    const source = cliSource(value, "--certificate");
    const pass = str(args, "pkcs8-password");
    const passphrase = pass === undefined ? undefined : cliPassword(pass);
    const identity = await import("../../identity/index.js");
    // A PKCS#12 file may need its password: --pkcs8-password, else asked on the terminal.
    const io = { ...cliIdentityIo(ctx.env), readStdin: () => readAllStdin(ctx.stdin) };
    const { certificate, der } = await identity.loadCertificate(source, io, passphrase);
    const data = certificateData({
      keyType: identity.certificateKeyType(certificate),
      der,
      serialDecimal: identity.serialToDecimal(certificate.serialNumber),
    });
    ctx.stdout.write(certificateDataJson(data));
  },
};
