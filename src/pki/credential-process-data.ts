import { createIntermediateCa, createRootCa, issueClientCertificate } from "./issue-certificate.js";
import type { IssuedCertificate, PkiKeyType } from "./options.js";

/** Key types offered by `generate-credential-process-data` ("rsa" = rsa-2048). @public */
export type CredentialProcessDataKeyType = "rsa" | "ec-p256" | "ec-p384";

/** The choices of `--key-type`, in help order. @public */
export const CREDENTIAL_PROCESS_DATA_KEY_TYPES: readonly CredentialProcessDataKeyType[] = ["rsa", "ec-p256", "ec-p384"];

/**
 * Names of the files `makeCredentialProcessData` produces, in write order, so a
 * caller can check the target directory before making keys.
 * @public
 */
export function credentialProcessDataFileNames(intermediate: boolean): string[] {
  return intermediate
    ? ["root-cert.pem", "root-key.pem", "intermediate-cert.pem", "intermediate-key.pem", "client-cert.pem", "client-key.pem", "client-fullchain.pem"]
    : ["root-cert.pem", "root-key.pem", "client-cert.pem", "client-key.pem"];
}

/** One file of the generated set. @public */
export interface PkiFile {
  /** File name, no directory. */
  name: string;
  contents: string;
  /** A private key: written with mode 0600. */
  secret: boolean;
  /** What the file is, for the summary. */
  describe: string;
}

/** A generated test PKI and the files that hold it. @public */
export interface CredentialProcessData {
  keyType: PkiKeyType;
  root: IssuedCertificate;
  intermediate?: IssuedCertificate;
  client: IssuedCertificate;
  /** In write order: certificates before keys, root first. */
  files: PkiFile[];
}

/**
 * Makes the private PKI of `generate-credential-process-data`: a root CA, an
 * optional intermediate CA, and a client certificate signed by the last CA, all
 * with keys of `keyType` (default ec-p256). Pure apart from key generation and
 * the default `now`. TEST AND DEMO USE ONLY.
 * @public
 */
export async function makeCredentialProcessData(
  opts: { keyType?: CredentialProcessDataKeyType; intermediate?: boolean; now?: Date } = {},
): Promise<CredentialProcessData> {
  const keyType: PkiKeyType = opts.keyType === "rsa" ? "rsa-2048" : (opts.keyType ?? "ec-p256");
  const now = opts.now ?? new Date();
  const root = await createRootCa({ keyType, now });
  const intermediate = opts.intermediate
    ? await createIntermediateCa(root, { keyType, now })
    : undefined;
  const client = await issueClientCertificate(intermediate ?? root, { keyType, now });

  const files: PkiFile[] = [
    { name: "root-cert.pem", contents: root.certPem, secret: false, describe: "root CA certificate (the trust anchor)" },
    { name: "root-key.pem", contents: root.keyPem, secret: true, describe: "root CA private key" },
  ];
  if (intermediate) {
    files.push(
      { name: "intermediate-cert.pem", contents: intermediate.certPem, secret: false, describe: "intermediate CA certificate" },
      { name: "intermediate-key.pem", contents: intermediate.keyPem, secret: true, describe: "intermediate CA private key" },
    );
  }
  files.push(
    { name: "client-cert.pem", contents: client.certPem, secret: false, describe: "client certificate" },
    { name: "client-key.pem", contents: client.keyPem, secret: true, describe: "client private key" },
  );
  if (intermediate) {
    files.push({
      name: "client-fullchain.pem",
      contents: client.certPem + intermediate.certPem,
      secret: false,
      describe: "client certificate followed by the intermediate",
    });
  }
  return { keyType, root, ...(intermediate ? { intermediate } : {}), client, files };
}
