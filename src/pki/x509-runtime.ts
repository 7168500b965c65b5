/**
 * Loads @peculiar/x509 the way it must be loaded: `reflect-metadata` first (its
 * dependency injection needs it), then the library, with Node's own WebCrypto
 * as the crypto provider. Every PKI module imports x509 from here.
 * @internal
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";

/** Node's WebCrypto, the provider every PKI call passes to @peculiar/x509 explicitly. @internal */
export const pkiCrypto = webcrypto;

x509.cryptoProvider.set(pkiCrypto);

export { x509 };
