import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256, sha256Hex } from "../../../src/credentials/sha256.js";

const reference = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

describe("sha256 (pure JS, for the cache-hit path)", () => {
  it("gives the FIPS 180-4 example digests", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("agrees with node:crypto for every length around the block and padding boundaries", () => {
    const data = randomBytes(300);
    for (let n = 0; n <= 300; n++) expect(sha256Hex(data.subarray(0, n)), `length ${n}`).toBe(reference(data.subarray(0, n)));
  });

  it("agrees with node:crypto on larger inputs and hashes strings as UTF-8", () => {
    for (const n of [1000, 4096, 65_537]) {
      const data = randomBytes(n);
      expect(sha256Hex(data)).toBe(reference(data));
    }
    const text = '["v1","é—漢字🙂",3600,null]';
    expect(sha256Hex(text)).toBe(reference(Buffer.from(text, "utf8")));
  });

  it("returns the 32 digest bytes", () => {
    const d = sha256("abc");
    expect(d).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(d).toString("hex")).toBe(reference("abc"));
  });
});
