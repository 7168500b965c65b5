import type { KeyType } from "../identity/types.js";

/**
 * The algorithm names read-certificate-data lists for a key type:
 * RSA → RSASHA256/384/512, EC → ECSHA256/384/512, ML-DSA-xx → just its name.
 * @public
 */
export function supportedAlgorithms(keyType: KeyType): string[] {
  if (keyType === "RSA") return ["RSASHA256", "RSASHA384", "RSASHA512"];
  if (keyType === "EC") return ["ECSHA256", "ECSHA384", "ECSHA512"];
  return [keyType];
}

/** What read-certificate-data prints. @public */
export interface CertificateData {
  keyType: KeyType;
  certificateData: string;
  serialNumber: string;
  supportedAlgorithms: string[];
}

/**
 * The read-certificate-data object for a certificate: key type, standard base64
 * of the DER, the decimal serial as given, and the supported algorithms.
 * @public
 */
export function certificateData(input: { keyType: KeyType; der: Uint8Array; serialDecimal: string }): CertificateData {
  return {
    keyType: input.keyType,
    certificateData: Buffer.from(input.der).toString("base64"),
    serialNumber: input.serialDecimal,
    supportedAlgorithms: supportedAlgorithms(input.keyType),
  };
}

/**
 * The exact output of read-certificate-data: compact JSON with the fields in the
 * official order, no trailing newline.
 * @public
 */
export function certificateDataJson(data: CertificateData): string {
  return JSON.stringify({
    keyType: data.keyType,
    certificateData: data.certificateData,
    serialNumber: data.serialNumber,
    supportedAlgorithms: data.supportedAlgorithms,
  });
}
