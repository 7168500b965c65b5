/**
 * Encodes DER bytes as one PEM block: 64-character base64 lines, LF line ends,
 * trailing newline.
 * @public
 */
export function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
