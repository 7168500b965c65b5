import type { CommandModule } from "../context.js";
import type { FlagSpec } from "../args.js";
import { requireStr, str } from "../args.js";
import { cliPassword, cliSource, identityFlags, unsupportedFlags } from "../shared-options.js";
import { cliIdentityIo } from "../identity-io.js";
import { readAllStdin } from "../stdin-once.js";
import { certificateData, certificateDataJson } from "../../signer/certificate-data.js";

const flags: FlagSpec[] = [
  ...identityFlags.filter((f) => f.name === "certificate" || f.name === "pkcs8-password"),
  { name: "debug", type: "boolean", describe: "Print a stack trace on errors" },
  ...unsupportedFlags,
];

/**
 * `read-certificate-data`: prints `{"keyType","certificateData","serialNumber","supportedAlgorithms"}`
 * for the first certificate of --certificate (protocol.md §5.5), no trailing newline.
 */
export const command: CommandModule = {
  name: "read-certificate-data",
  describe: "Print a certificate's key type, DER (base64), decimal serial and supported algorithms as JSON",
  usage: "signing-helper read-certificate-data --certificate CERT [--pkcs8-password VALUE|env:NAME]",
  flags,
  async run(args, ctx) {
    const source = cliSource(requireStr(args, "certificate"), "--certificate");
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
