import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { keyTypeOf, loadPrivateKey } from "../../../src/identity/index.js";
import { interop, KEY_NAMES, manifest, official, PASSWORD, rejection, spkiSha256 } from "./helpers.js";

const ENCRYPTED = ["hmacWithSHA1", "hmacWithSHA224", "hmacWithSHA256", "hmacWithSHA384", "hmacWithSHA512", "scrypt", "aes128cbc", "aes192cbc", "aes256cbc"].map(
  (v) => `key-pkcs8-${v}.pem`,
);
const PLAIN_COMMON = ["key-pkcs8.pem", "key-pkcs8.der"];
const PLAIN_RSA = ["key-pkcs1.pem", "key-pkcs1.der"];
const PLAIN_EC = ["key-sec1.pem", "key-sec1.der", "key-sec1-params.pem"];

function plainFiles(name: string): string[] {
  return [...PLAIN_COMMON, ...(name.startsWith("rsa") ? PLAIN_RSA : PLAIN_EC)];
}
function encryptedFiles(name: string): string[] {
  return [...ENCRYPTED, "key-pkcs8-encrypted.der", name.startsWith("rsa") ? "key-pkcs1-encrypted.pem" : "key-sec1-encrypted.pem"];
}

describe("loadPrivateKey: every openssl-made key of fixtures/interop", () => {
  for (const name of KEY_NAMES) {
    const meta = manifest.leaves[name];

    it.each(plainFiles(name))(`loads ${name}/%s, the certificate's key`, async (file) => {
      const { key, keyType } = await loadPrivateKey({ path: interop(name, file) });
      expect(keyType).toBe(meta.keyType);
      expect(key.type).toBe("private");
      expect(spkiSha256(key)).toBe(meta.spkiSha256);
    });

    it.each(encryptedFiles(name))(`decrypts ${name}/%s with the password`, async (file) => {
      const { key, keyType } = await loadPrivateKey({ path: interop(name, file) }, PASSWORD);
      expect(keyType).toBe(meta.keyType);
      expect(spkiSha256(key)).toBe(meta.spkiSha256);
    });
  }

  it.each(encryptedFiles("ec-p256"))("refuses ec-p256/%s with a wrong password (KEY_DECRYPT)", async (file) => {
    const path = interop("ec-p256", file);
    const err = await rejection(loadPrivateKey({ path }, "incorrect-password"), "KEY_DECRYPT");
    expect(err.message).toBe(`private key (file ${path}): wrong password for the encrypted key`);
    expect(err.hint).toContain("--pkcs8-password");
  });

  it.each(encryptedFiles("rsa-2048"))("asks for a password for rsa-2048/%s, and without one says PASSWORD_REQUIRED", async (file) => {
    const path = interop("rsa-2048", file);
    const err = await rejection(loadPrivateKey({ path }), "PASSWORD_REQUIRED");
    expect(err.message).toBe(`private key (file ${path}): the key is encrypted and no password was given`);
    expect(err.hint).toBe("pass --pkcs8-password VALUE|env:NAME (passphrase in the library), or run in a terminal to be asked for it");
  });
});

describe("loadPrivateKey: sources and passwords", () => {
  const pem = readFileSync(interop("ec-p384/key-pkcs8-hmacWithSHA384.pem"), "utf8");
  const meta = manifest.leaves["ec-p384"];

  it("uses the prompt when no password is given, and names the key in the question", async () => {
    const asked: string[] = [];
    const { key } = await loadPrivateKey(pem, undefined, {
      promptPassword: async (what) => {
        asked.push(what);
        return PASSWORD;
      },
    });
    expect(spkiSha256(key)).toBe(meta.spkiSha256);
    expect(asked).toEqual(["private key (inline PEM)"]);
  });

  it("does not prompt when a password is given, nor for a plain key", async () => {
    const promptPassword = async (): Promise<string> => {
      throw new Error("must not prompt");
    };
    await loadPrivateKey(pem, PASSWORD, { promptPassword });
    await loadPrivateKey(readFileSync(interop("ec-p384/key-pkcs8.pem")), undefined, { promptPassword });
  });

  it("says PASSWORD_REQUIRED when the prompt gets no answer (no terminal, or Ctrl-D)", async () => {
    await rejection(loadPrivateKey(pem, undefined, { promptPassword: async () => undefined }), "PASSWORD_REQUIRED");
    await rejection(loadPrivateKey(pem, undefined, { promptPassword: async () => "" }), "PASSWORD_REQUIRED");
  });

  it("says KEY_DECRYPT for a wrong prompted password", async () => {
    await rejection(loadPrivateKey(pem, undefined, { promptPassword: async () => "nope" }), "KEY_DECRYPT");
  });

  it("takes the password from an env var, a file or a callback", async () => {
    expect((await loadPrivateKey(pem, { env: "PW" }, { env: { PW: PASSWORD } })).keyType).toBe("EC");
    expect((await loadPrivateKey(pem, async () => PASSWORD)).keyType).toBe("EC");
  });

  it("reads a key from an env var holding PEM or base64 DER, from stdin and from a callback", async () => {
    const der = readFileSync(interop("rsa-2048/key-pkcs1.der"));
    const env = { PEM_KEY: readFileSync(interop("rsa-2048/key-pkcs1.pem"), "utf8"), B64_KEY: der.toString("base64") };
    for (const input of [{ env: "PEM_KEY" }, { env: "B64_KEY" }, { stdin: true as const }, async () => der]) {
      const { key } = await loadPrivateKey(input, undefined, { env, readStdin: async () => der });
      expect(spkiSha256(key)).toBe(manifest.leaves["rsa-2048"].spkiSha256);
    }
  });

  it("trusts the structure over the label: an encrypted key labelled PRIVATE KEY still opens", async () => {
    const mislabelled = pem.replace(/ENCRYPTED PRIVATE KEY/g, "PRIVATE KEY");
    expect(spkiSha256((await loadPrivateKey(mislabelled, PASSWORD)).key)).toBe(meta.spkiSha256);
    await rejection(loadPrivateKey(mislabelled), "PASSWORD_REQUIRED");
  });

  it("ignores a password given for a plain key", async () => {
    expect((await loadPrivateKey({ path: interop("ec-p256/key-pkcs8.pem") }, "unused")).keyType).toBe("EC");
  });
});

describe("loadPrivateKey: refusals", () => {
  it("refuses an RSA key under 2048 bits", async () => {
    const path = interop("refused/rsa-1024-key.pem");
    const err = await rejection(loadPrivateKey({ path }), "UNSUPPORTED_KEY_TYPE");
    expect(err.message).toBe(`private key (file ${path}): RSA key of 1024 bits is too short: 2048 bits or more are needed`);
  });

  it("refuses Ed25519 keys", async () => {
    const path = interop("refused/ed25519-key.pem");
    const err = await rejection(loadPrivateKey({ path }), "UNSUPPORTED_KEY_TYPE");
    expect(err.message).toBe(`private key (file ${path}): Ed25519 keys are not supported by IAM Roles Anywhere`);
    expect(err.hint).toBe("use an RSA (2048 bits or more), ECDSA P-256/P-384/P-521 or ML-DSA key");
  });

  it("refuses EC curves other than P-256/P-384/P-521", async () => {
    const path = interop("refused/secp256k1-key.pem");
    const err = await rejection(loadPrivateKey({ path }), "UNSUPPORTED_KEY_TYPE");
    expect(err.message).toBe(`private key (file ${path}): EC curve secp256k1 is not supported: use P-256, P-384 or P-521`);
  });

  it("refuses a certificate given as the key, saying what it found", async () => {
    const pemPath = interop("rsa-2048/cert.pem");
    expect((await rejection(loadPrivateKey({ path: pemPath }), "KEY_PARSE")).message).toBe(
      `private key (file ${pemPath}): holds no private key (found: CERTIFICATE)`,
    );
    const derPath = interop("rsa-2048/cert.der");
    expect((await rejection(loadPrivateKey({ path: derPath }), "KEY_PARSE")).message).toBe(`private key (file ${derPath}): holds a certificate, not a private key`);
  });

  it("points a PKCS#12 given as the key to --certificate", async () => {
    const err = await rejection(loadPrivateKey({ path: interop("rsa-2048/modern.p12") }), "KEY_PARSE");
    expect(err.hint).toBe("pass a PKCS#12 file as --certificate and leave out --private-key");
  });

  it("refuses a public key, an OpenSSH key and text that is no key at all", async () => {
    const pub = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "pem", type: "spki" }) as string;
    const e1 = await rejection(loadPrivateKey(pub), "KEY_PARSE");
    expect(e1.message).toBe("private key (inline PEM): holds no private key (found: PUBLIC KEY)");
    expect(e1.hint).toBe("a public key cannot sign: give the matching private key");
    const ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    const e2 = await rejection(loadPrivateKey(ssh), "KEY_PARSE");
    expect(e2.message).toBe("private key (inline PEM): OpenSSH private keys are not supported");
    expect(e2.hint).toContain("ssh-keygen -p -m PKCS8");
    const e3 = await rejection(loadPrivateKey("not a key"), "KEY_PARSE");
    expect(e3.message).toBe("private key (inline value): could not parse the private key: it is neither PEM nor DER");
  });

  it("refuses a file with two keys", async () => {
    const two = readFileSync(interop("ec-p256/key-pkcs8.pem"), "utf8") + readFileSync(interop("ec-p384/key-pkcs8.pem"), "utf8");
    expect((await rejection(loadPrivateKey(two), "KEY_PARSE")).message).toBe("private key (inline PEM): holds 2 private keys; expected one");
  });

  it("reports a damaged key body as KEY_PARSE with OpenSSL's reason", async () => {
    const der = Buffer.from(readFileSync(interop("rsa-2048/key-pkcs8.der")));
    const pem = `-----BEGIN PRIVATE KEY-----\n${der.subarray(0, 200).toString("base64")}\n-----END PRIVATE KEY-----\n`;
    const err = await rejection(loadPrivateKey(pem), "KEY_PARSE");
    expect(err.message).toMatch(/^private key \(inline PEM\): could not parse the PKCS#8 private key \(.+\)$/);
  });

  it("rejects the official invalid-rsa-key.pem with KEY_PARSE", async () => {
    const path = official("tst/certs/invalid-rsa-key.pem");
    const err = await rejection(loadPrivateKey({ path }), "KEY_PARSE");
    expect(err.message).toContain(`private key (file ${path}): the RSA PRIVATE KEY PEM block is not valid base64`);
  });
});

describe("official acm-encrypted.pem (PBKDF2 without PRF: the SHA-1 default)", () => {
  it("opens with 'password' as an RSA-2048 key", async () => {
    const { key, keyType } = await loadPrivateKey({ path: official("tst/keys/acm-encrypted.pem") }, PASSWORD);
    expect(keyType).toBe("RSA");
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it("refuses a wrong password with KEY_DECRYPT", async () => {
    await rejection(loadPrivateKey({ path: official("tst/keys/acm-encrypted.pem") }, "incorrect-password"), "KEY_DECRYPT");
  });
});

describe("keyTypeOf", () => {
  it("names RSA, EC and refuses the rest", () => {
    expect(keyTypeOf(generateKeyPairSync("ec", { namedCurve: "P-521" }).privateKey)).toBe("EC");
    expect(keyTypeOf(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey)).toBe("RSA");
    expect(() => keyTypeOf(generateKeyPairSync("ed448").privateKey)).toThrow("private key (KeyObject): Ed448 keys are not supported by IAM Roles Anywhere");
    expect(() => keyTypeOf(generateKeyPairSync("rsa-pss", { modulusLength: 2048 }).privateKey)).toThrow(/RSASSA-PSS keys are not supported/);
  });
});
