/**
 * The decimal form of a certificate serial number, as SigV4-X509 puts it in the
 * Credential field (Go's `big.Int.String()`): no leading zeros, no sign.
 * Accepts hex as Node's X509Certificate.serialNumber gives it, with or without
 * leading zeros, colons or spaces ("8F:1E:…"), in either case.
 * @public
 */
export function serialToDecimal(hexSerial: string): string {
  const hex = hexSerial.replace(/[\s:]/g, "");
  if (!/^[0-9A-Fa-f]+$/.test(hex)) throw new TypeError(`serialToDecimal: not a hex serial number: ${JSON.stringify(hexSerial)}`);
  return BigInt(`0x${hex}`).toString(10);
}
