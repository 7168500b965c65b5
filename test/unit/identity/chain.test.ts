import { describe, expect, it } from "vitest";
import { selectLeaf, type ChainCert } from "../../../src/identity/chain.js";
import { IdentityError } from "../../../src/errors.js";
import { errorOf } from "../../helpers/errors.js";

/** Stand-ins: a certificate with the name of its key; `key(id)` says which certificates hold key `id`. */
type TestCert = ChainCert & { key: string };
function cert(id: string, key = id): TestCert {
  return { der: Buffer.from(`cert:${id}`), key };
}
const key = (id: string) => (c: TestCert) => c.key === id;
const labels = { certificates: "file /c.pem", privateKey: "file /k.pem" };
const names = (chain: Buffer[]) => chain.map((d) => d.toString().slice(5));

const thrown = (fn: () => unknown) => errorOf(fn, IdentityError);

describe("selectLeaf", () => {
  it("finds the leaf first in a fullchain and keeps the rest in file order", () => {
    const r = selectLeaf([cert("leaf"), cert("ica"), cert("root")], key("leaf"), [], labels);
    expect(r.leaf.der.toString()).toBe("cert:leaf");
    expect(names(r.chain)).toEqual(["ica", "root"]);
  });

  it("finds the leaf when the fullchain is reversed", () => {
    const r = selectLeaf([cert("root"), cert("ica"), cert("leaf")], key("leaf"), [], labels);
    expect(r.leaf.der.toString()).toBe("cert:leaf");
    expect(names(r.chain)).toEqual(["root", "ica"]);
  });

  it("appends the intermediates after the certificate file's own extras, without repeats", () => {
    const r = selectLeaf([cert("leaf"), cert("ica1")], key("leaf"), [cert("ica1"), cert("ica2"), cert("leaf")], labels);
    expect(names(r.chain)).toEqual(["ica1", "ica2"]);
  });

  it("drops duplicates of the leaf and other certificates for the same key", () => {
    const r = selectLeaf([cert("leaf"), cert("leaf"), cert("renewed", "leaf"), cert("ica")], key("leaf"), [], labels);
    expect(names(r.chain)).toEqual(["ica"]);
  });

  it("rejects a key that matches no certificate with CERTIFICATE_KEY_MISMATCH", () => {
    const err = thrown(() => selectLeaf([cert("a"), cert("b"), cert("c")], key("other"), [], labels));
    expect(err.code).toBe("CERTIFICATE_KEY_MISMATCH");
    expect(err.message).toBe("certificate and private key: the private key (file /k.pem) matches none of the 3 certificates in file /c.pem");
    expect(err.hint).toContain("openssl x509 -noout -pubkey");
  });

  it("words the mismatch for a single certificate", () => {
    const err = thrown(() => selectLeaf([cert("a")], key("other"), [], labels));
    expect(err.message).toBe("certificate and private key: the private key (file /k.pem) does not match the certificate in file /c.pem");
  });

  it("does not look for the leaf among the intermediates", () => {
    const err = thrown(() => selectLeaf([cert("ica")], key("leaf"), [cert("leaf")], labels));
    expect(err.code).toBe("CERTIFICATE_KEY_MISMATCH");
  });

  it("accepts 5 chain certificates and refuses 6 with CHAIN_TOO_LONG", () => {
    const five = ["1", "2", "3", "4", "5"].map((n) => cert(n));
    expect(selectLeaf([cert("leaf"), ...five], key("leaf"), [], labels).chain).toHaveLength(5);
    const err = thrown(() => selectLeaf([cert("leaf"), ...five], key("leaf"), [cert("6")], labels));
    expect(err.code).toBe("CHAIN_TOO_LONG");
    expect(err.message).toBe(
      "certificate chain: 6 certificates besides the leaf (from file /c.pem and the intermediates); IAM Roles Anywhere accepts at most 5",
    );
    expect(err.hint).toContain("the root CA is in the trust anchor");
  });
});
