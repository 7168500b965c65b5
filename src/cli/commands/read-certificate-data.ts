import type { CommandModule } from "../context.js";
import type { FlagSpec } from "../args.js";
import { requireStr } from "../args.js";
import { cliSource, identityFlags, unsupportedFlags } from "../shared-options.js";
import { readAllStdin } from "../stdin-once.js";
import { certificateData, certificateDataJson } from "../../signer/certificate-data.js";

const flags: FlagSpec[] = [
  ...identityFlags.filter((f) => f.name === "certificate"),
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
  usage: "signing-helper read-certificate-data --certificate CERT",
  flags,
  async run(args, ctx) {
    const source = cliSource(requireStr(args, "certificate"));
    const identity = await import("../../identity/index.js");
    const { certificate, der } = await identity.loadCertificate(source, { env: ctx.env, readStdin: () => readAllStdin(ctx.stdin) });
    const data = certificateData({
      keyType: identity.certificateKeyType(certificate),
      der,
      serialDecimal: identity.serialToDecimal(certificate.serialNumber),
    });
    ctx.stdout.write(certificateDataJson(data));
  },
};
