import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { doctorExitCode, evaluateDoctor } from "../../../src/doctor/evaluate.js";
import { createIntermediateCa, createRootCa, issueClientCertificate } from "../../../src/pki/index.js";
import {
  bundle,
  DAY,
  factsWithLeaf,
  failures,
  goodFacts,
  goodPki,
  leafWith,
  lineOf,
  linesOf,
  NOW,
  ok,
  PROFILE_ARN,
  TA_ARN,
} from "./fixtures.js";

describe("doctor evaluation", () => {
  it("passes every offline check of a good setup and exits 0", async () => {
    const results = evaluateDoctor(await goodFacts());
    expect(failures(results)).toEqual([]);
    expect(results.filter((r) => r.status === "warn")).toEqual([]);
    expect(doctorExitCode(results)).toBe(0);
    const names = results.filter((r) => r.status === "pass").map((r) => r.check);
    for (const check of [
      "certificate",
      "private key",
      "intermediates",
      "trust anchor certificate",
      "key matches certificate",
      "key type",
      "certificate version",
      "validity",
      "basic constraints",
      "key usage",
      "signature algorithm",
      "subject",
      "chain",
      "chain length",
      "trust anchor ARN",
      "profile ARN",
      "role ARN",
      "ARNs match",
      "region",
      "endpoint",
      "session settings",
      "proxy",
    ]) {
      expect(names).toContain(check);
    }
    expect(lineOf(results, "chain").detail).toBe(
      "leaf CN=TEST CLIENT → CN=TEST INTERMEDIATE → trust anchor CN=TEST ROOT (every signature verified)",
    );
    expect(lineOf(results, "validity").detail).toMatch(/\(355 days left\)$/);
    expect(lineOf(results, "region").detail).toBe("us-east-1 (from trust anchor ARN)");
    expect(lineOf(results, "endpoint").detail).toBe("https://rolesanywhere.us-east-1.amazonaws.com (from the default for us-east-1)");
    // Without --online the online checks are listed as not checked, which does not fail.
    expect(lineOf(results, "clock skew").status).toBe("skip");
    expect(lineOf(results, "CreateSession").status).toBe("skip");
  });

  it("finds the leaf by key in a fullchain certificate file", async () => {
    const { intermediate, leaf } = await goodPki();
    const results = evaluateDoctor(await goodFacts({ certificate: ok(bundle("file fullchain.pem", intermediate, leaf)), intermediates: undefined }));
    expect(failures(results)).toEqual([]);
    expect(lineOf(results, "key matches certificate").detail).toBe("the private key is the key of CN=TEST CLIENT (certificate #2 of 2 in file fullchain.pem)");
  });

  it("reports a key of another certificate as a mismatch naming both sources and how to compare them", async () => {
    const other = await leafWith({ subject: "CN=OTHER" });
    const results = evaluateDoctor(await goodFacts({ privateKey: ok({ label: "file other-key.pem", key: other.privateKey }) }));
    const line = lineOf(results, "key matches certificate");
    expect(line.status).toBe("fail");
    expect(line.detail).toBe("the private key (file other-key.pem) is not the key of CN=TEST CLIENT (file client.pem)");
    expect(line.fix).toMatch(/give the private key this certificate was issued for/);
    expect(line.fix).toMatch(/openssl x509 -noout -pubkey -in CERT/);
    expect(failures(results).map((r) => r.check)).toEqual(["key matches certificate"]);
    expect(doctorExitCode(results)).toBe(1);
  });

  it("says when the key given is a CA's key", async () => {
    const { intermediate } = await goodPki();
    const results = evaluateDoctor(await goodFacts({ privateKey: ok({ label: "file int-key.pem", key: intermediate.privateKey }) }));
    expect(lineOf(results, "key matches certificate").detail).toMatch(/it is the key of the CA certificate CN=TEST INTERMEDIATE$/);
  });

  it("fails an expired certificate, saying when and to renew it", async () => {
    const leaf = await leafWith({ notBefore: new Date(NOW - 400 * DAY), notAfter: new Date(NOW - 3 * DAY) });
    const results = evaluateDoctor(await factsWithLeaf(leaf));
    const line = lineOf(results, "validity");
    expect(line.status).toBe("fail");
    // The credential commands' message (identity/expiry.ts), word for word.
    expect(line.detail).toBe(`the certificate expired: its notAfter was ${new Date(NOW - 3 * DAY).toISOString().replace(".000Z", "Z")}`);
    expect(line.fix).toMatch(/^renew it: have the CA issue the certificate again/);
    expect(failures(results).map((r) => r.check)).toEqual(["validity"]);
  });

  it("fails a certificate that is not valid yet, pointing at the clock", async () => {
    const leaf = await leafWith({ notBefore: new Date(NOW + 2 * DAY), notAfter: new Date(NOW + 300 * DAY) });
    const line = lineOf(evaluateDoctor(await factsWithLeaf(leaf)), "validity");
    expect(line.status).toBe("fail");
    expect(line.detail).toMatch(/^the certificate is not valid before .* \(in 2 days\)$/);
    expect(line.fix).toMatch(/clock \(NTP\)/);
  });

  it("warns, without failing, about a certificate expiring within 30 days", async () => {
    const leaf = await leafWith({ notAfter: new Date(NOW + 12 * DAY + 3600_000) });
    const results = evaluateDoctor(await factsWithLeaf(leaf));
    const line = lineOf(results, "validity");
    expect(line.status).toBe("warn");
    expect(line.detail).toMatch(/^the certificate expires soon: 12 days left \(notAfter \S+Z\)$/);
    expect(doctorExitCode(results)).toBe(0);
  });

  it("fails a CA:TRUE leaf and says to use an end-entity certificate", async () => {
    const leaf = await leafWith({ ca: true });
    const results = evaluateDoctor(await factsWithLeaf(leaf));
    const line = lineOf(results, "basic constraints");
    expect(line.status).toBe("fail");
    expect(line.detail).toMatch(/^basicConstraints CA:TRUE: this is a CA certificate/);
    expect(line.fix).toMatch(/end-entity certificate .* basicConstraints=critical,CA:FALSE/);
    expect(failures(results).map((r) => r.check)).toEqual(["basic constraints"]);
  });

  it("fails a leaf whose keyUsage lacks digitalSignature", async () => {
    const leaf = await leafWith({ keyUsages: ["keyEncipherment"] });
    const line = lineOf(evaluateDoctor(await factsWithLeaf(leaf)), "key usage");
    expect(line.status).toBe("fail");
    expect(line.detail).toBe("keyUsage is keyEncipherment, without digitalSignature");
    expect(line.fix).toMatch(/keyUsage=critical,digitalSignature/);
  });

  it("fails a leaf with no keyUsage extension", async () => {
    const leaf = await leafWith({ keyUsages: null });
    const line = lineOf(evaluateDoctor(await factsWithLeaf(leaf)), "key usage");
    expect(line.status).toBe("fail");
    expect(line.detail).toMatch(/^no keyUsage extension/);
  });

  it("fails a SHA-1 signed leaf and asks for SHA-256 or stronger", async () => {
    const leaf = await leafWith({ signatureHash: "SHA-1" });
    const results = evaluateDoctor(await factsWithLeaf(leaf));
    const line = lineOf(results, "signature algorithm");
    expect(line.status).toBe("fail");
    expect(line.detail).toBe("signed with ecdsa-with-SHA1 (SHA-1); IAM Roles Anywhere needs SHA-256 or stronger");
    expect(line.fix).toMatch(/SHA-256 \(or stronger\) signature/);
    expect(failures(results).map((r) => r.check)).toEqual(["signature algorithm"]);
  });

  it("passes an RSA leaf signed with SHA-384 and names its key", async () => {
    const leaf = await leafWith({ keyType: "rsa-2048", signatureHash: "SHA-384" });
    const results = evaluateDoctor(await factsWithLeaf(leaf));
    expect(failures(results)).toEqual([]);
    expect(lineOf(results, "signature algorithm").detail).toBe("ecdsa-with-SHA384");
    expect(lineOf(results, "key type").detail).toBe("RSA 2048 bits, signed as AWS4-X509-RSA-SHA256");
  });

  it("fails an empty subject and notes the source identity of a subject without CN", async () => {
    const empty = await leafWith({ subject: "" });
    expect(lineOf(evaluateDoctor(await factsWithLeaf(empty)), "subject").status).toBe("fail");
    const noCn = await leafWith({ subject: "O=Example,C=US", serial: 291n });
    const line = lineOf(evaluateDoctor(await factsWithLeaf(noCn)), "subject");
    expect(line.status).toBe("pass");
    expect(line.detail).toBe("O=Example,C=US (no CN: the session's source identity will be ID=0123)");
  });

  it("reports a missing intermediate when the trust anchor is given and the intermediates are not", async () => {
    const results = evaluateDoctor(await goodFacts({ intermediates: undefined }));
    const line = lineOf(results, "chain");
    expect(line.status).toBe("fail");
    expect(line.detail).toBe("missing intermediate: no certificate for CN=TEST INTERMEDIATE, the issuer of CN=TEST CLIENT, and the trust anchor does not hold it either");
    expect(line.fix).toMatch(/^pass the intermediate CA certificate\(s\) with --intermediates FILE/);
    expect(failures(results).map((r) => r.check)).toEqual(["chain"]);
  });

  it("checks the chain only as far as it goes when no trust anchor certificate is given", async () => {
    const results = evaluateDoctor(await goodFacts({ trustAnchor: undefined }));
    const line = lineOf(results, "chain");
    expect(line.status).toBe("pass");
    expect(line.detail).toMatch(/^leaf CN=TEST CLIENT → CN=TEST INTERMEDIATE, issued by CN=TEST ROOT; .*--trust-anchor-cert/);
  });

  it("warns when only the leaf is given and nothing says whether its issuer is the trust anchor", async () => {
    const results = evaluateDoctor(await goodFacts({ intermediates: undefined, trustAnchor: undefined }));
    const line = lineOf(results, "chain");
    expect(line.status).toBe("warn");
    expect(line.detail).toBe("no intermediate is sent and no trust anchor was given to check against: the leaf is issued by CN=TEST INTERMEDIATE");
    expect(line.fix).toMatch(/--intermediates .*--trust-anchor-cert FILE/);
    expect(failures(results)).toEqual([]);
  });

  it("accepts a trust anchor that is the intermediate itself", async () => {
    const { intermediate } = await goodPki();
    const results = evaluateDoctor(await goodFacts({ intermediates: undefined, trustAnchor: ok(bundle("file int.pem", intermediate)) }));
    expect(failures(results)).toEqual([]);
    expect(lineOf(results, "chain").detail).toBe("leaf CN=TEST CLIENT → trust anchor CN=TEST INTERMEDIATE (every signature verified)");
  });

  it("fails a chain that ends at a root the trust anchor does not hold", async () => {
    const { root, intermediate } = await goodPki();
    const otherRoot = await createRootCa({ subject: "CN=OTHER ROOT", now: new Date(NOW - DAY) });
    const results = evaluateDoctor(
      await goodFacts({ intermediates: ok(bundle("file chain.pem", intermediate, root)), trustAnchor: ok(bundle("file other.pem", otherRoot)) }),
    );
    const line = lineOf(results, "chain");
    expect(line.status).toBe("fail");
    expect(line.detail).toBe("the chain ends at the self-signed CN=TEST ROOT, which is not in the trust anchor (--trust-anchor-cert)");
  });

  it("tells an intermediate with the right name but the wrong key from a missing one", async () => {
    const { root } = await goodPki();
    const impostor = await createIntermediateCa(root, { now: new Date(NOW - DAY) }); // same name CN=TEST INTERMEDIATE, new key
    const line = lineOf(evaluateDoctor(await goodFacts({ intermediates: ok(bundle("file int.pem", impostor)) })), "chain");
    expect(line.status).toBe("fail");
    expect(line.detail).toBe("CN=TEST CLIENT names CN=TEST INTERMEDIATE as its issuer, but the signature does not verify with that certificate's key");
  });

  it("fails an expired intermediate on the path", async () => {
    const { root } = await goodPki();
    const oldInt = await createIntermediateCa(root, { subject: "CN=OLD INT", notBefore: new Date(NOW - 900 * DAY), notAfter: new Date(NOW - DAY) });
    const leaf = await issueClientCertificate(oldInt, { notBefore: new Date(NOW - 100 * DAY), notAfter: new Date(NOW + 100 * DAY) });
    const results = evaluateDoctor(await factsWithLeaf(leaf, { intermediates: ok(bundle("file int.pem", oldInt)) }));
    const chain = linesOf(results, "chain");
    expect(chain[0]!.status).toBe("pass");
    expect(chain[1]!.status).toBe("fail");
    expect(chain[1]!.detail).toMatch(/^intermediate CN=OLD INT .*expired: its notAfter was /);
  });

  it("warns about chain certificates that are not on the path", async () => {
    const unrelated = await createRootCa({ subject: "CN=UNRELATED", now: new Date(NOW - DAY) });
    const { intermediate } = await goodPki();
    const results = evaluateDoctor(await goodFacts({ intermediates: ok(bundle("file int.pem", intermediate, unrelated)) }));
    const warning = linesOf(results, "chain").find((r) => r.status === "warn");
    expect(warning?.detail).toBe("1 certificate sent in X-Amz-X509-Chain is not on the path: CN=UNRELATED");
    expect(doctorExitCode(results)).toBe(0);
  });

  it("fails more than 5 chain certificates", async () => {
    const extra = await Promise.all([1, 2, 3, 4, 5].map((i) => createRootCa({ subject: `CN=EXTRA ${i}`, now: new Date(NOW - DAY) })));
    const { intermediate } = await goodPki();
    const results = evaluateDoctor(await goodFacts({ intermediates: ok(bundle("file int.pem", intermediate, ...extra)) }));
    const line = lineOf(results, "chain length");
    expect(line.status).toBe("fail");
    expect(line.detail).toBe("6 certificates besides the leaf would be sent in X-Amz-X509-Chain; IAM Roles Anywhere accepts at most 5");
  });

  it("fails a trust anchor certificate that is not a CA", async () => {
    const { leaf } = await goodPki();
    const line = lineOf(evaluateDoctor(await goodFacts({ trustAnchor: ok(bundle("file ta.pem", leaf)) })), "trust anchor certificate");
    expect(line.status).toBe("fail");
    expect(line.detail).toBe("CN=TEST CLIENT in file ta.pem is not a CA certificate (no basicConstraints CA:TRUE)");
  });

  it("reports unreadable sources with the loader's message and hint", async () => {
    const results = evaluateDoctor(
      await goodFacts({
        certificate: { ok: false, problem: { message: "certificate (file /nope.pem): no such file", hint: "check the path /nope.pem" } },
        privateKey: undefined,
      }),
    );
    expect(lineOf(results, "certificate")).toEqual({
      status: "fail",
      check: "certificate",
      detail: "certificate (file /nope.pem): no such file",
      fix: "check the path /nope.pem",
    });
    expect(lineOf(results, "private key").status).toBe("skip");
    expect(lineOf(results, "key matches certificate").status).toBe("skip");
    expect(lineOf(results, "chain").status).toBe("skip");
  });

  it("fails a missing --certificate and a certificate source without a key", async () => {
    const none = evaluateDoctor(await goodFacts({ certificate: undefined, privateKey: undefined }));
    expect(lineOf(none, "certificate")).toMatchObject({ status: "fail", detail: "not given" });
    const noKey = evaluateDoctor(await goodFacts({ privateKey: undefined }));
    const line = lineOf(noKey, "private key");
    expect(line).toMatchObject({ status: "fail", detail: "none given, and file client.pem holds no private key" });
    expect(line.fix).toMatch(/^pass --private-key FILE/);
  });

  it("fails a profile in another region than the trust anchor", async () => {
    const results = evaluateDoctor(
      await goodFacts({ settings: { trustAnchorArn: TA_ARN, profileArn: PROFILE_ARN.replace("us-east-1", "eu-west-1"), roleArn: "arn:aws:iam::123456789012:role/demo" } }),
    );
    const line = lineOf(results, "ARNs match");
    expect(line.status).toBe("fail");
    expect(line.detail).toBe("the trust anchor and the profile differ in region (trust anchor in us-east-1, profile in eu-west-1)");
    expect(line.fix).toMatch(/--profile-arn of a profile in the trust anchor's region us-east-1/);
    expect(failures(results).map((r) => r.check)).toEqual(["ARNs match"]);
  });

  it("fails missing and malformed ARNs, showing the expected pattern", async () => {
    const results = evaluateDoctor(await goodFacts({ settings: { trustAnchorArn: "arn:aws:rolesanywhere:us-east-1:123:trust-anchor/x", roleArn: "role/demo" } }));
    expect(lineOf(results, "trust anchor ARN").detail).toMatch(/^--trust-anchor-arn: expected arn:<partition>:rolesanywhere:<region>:<account>:trust-anchor\/<id>, got/);
    expect(lineOf(results, "profile ARN")).toMatchObject({ status: "fail", detail: "not given" });
    expect(lineOf(results, "profile ARN").fix).toMatch(/^pass --profile-arn arn:aws:rolesanywhere:<region>:<account>:profile\/<id>/);
    expect(lineOf(results, "role ARN").status).toBe("fail");
    expect(lineOf(results, "ARNs match").status).toBe("skip");
    expect(lineOf(results, "region").status).toBe("skip");
  });

  it("warns about a role of another account and a --region other than the trust anchor's", async () => {
    const results = evaluateDoctor(
      await goodFacts({ settings: { trustAnchorArn: TA_ARN, profileArn: PROFILE_ARN, roleArn: "arn:aws:iam::210987654321:role/demo", region: "us-west-2" } }),
    );
    expect(linesOf(results, "ARNs match").map((r) => r.status)).toEqual(["warn"]);
    const region = linesOf(results, "region");
    expect(region.map((r) => r.status)).toEqual(["pass", "warn"]);
    expect(region[1]!.fix).toBe("drop --region: it defaults to the trust anchor's region");
    expect(lineOf(results, "endpoint").detail).toBe("https://rolesanywhere.us-west-2.amazonaws.com (from the default for us-west-2)");
  });

  it("resolves the endpoint from --endpoint over AWS_ENDPOINT_URL_ROLESANYWHERE (explicit > environment)", async () => {
    const results = evaluateDoctor(
      await goodFacts({
        settings: { trustAnchorArn: TA_ARN, profileArn: PROFILE_ARN, roleArn: "arn:aws:iam::123456789012:role/demo", endpoint: "https://a.example.com" },
        env: { AWS_ENDPOINT_URL_ROLESANYWHERE: "https://b.example.com" },
      }),
    );
    const lines = linesOf(results, "endpoint");
    expect(lines[0]!.detail).toBe("https://a.example.com (from --endpoint)");
    expect(lines.map((l) => l.status)).toEqual(["pass"]);
  });

  it("uses the FIPS endpoint when AWS_USE_FIPS_ENDPOINT=true and fails a bad boolean", async () => {
    const fips = evaluateDoctor(await goodFacts({ env: { AWS_USE_FIPS_ENDPOINT: "true" } }));
    expect(lineOf(fips, "endpoint").detail).toBe("https://rolesanywhere-fips.us-east-1.amazonaws.com (from the default for us-east-1)");
    const bad = evaluateDoctor(await goodFacts({ env: { AWS_USE_FIPS_ENDPOINT: "yes" } }));
    expect(lineOf(bad, "endpoint")).toMatchObject({ status: "fail", detail: "AWS_USE_FIPS_ENDPOINT: expected true or false, got 'yes'" });
  });

  it("warns about plain HTTP to a non-loopback endpoint, not to the loopback emulator", async () => {
    const settings = { trustAnchorArn: TA_ARN, profileArn: PROFILE_ARN, roleArn: "arn:aws:iam::123456789012:role/demo" };
    const remote = evaluateDoctor(await goodFacts({ settings: { ...settings, endpoint: "http://ra.example.com" } }));
    expect(linesOf(remote, "endpoint").map((r) => r.status)).toEqual(["pass", "warn"]);
    const local = evaluateDoctor(await goodFacts({ settings: { ...settings, endpoint: "http://127.0.0.1:9999" } }));
    expect(linesOf(local, "endpoint").map((r) => r.status)).toEqual(["pass"]);
  });

  it("fails a session duration out of range and a bad role session name", async () => {
    const settings = { trustAnchorArn: TA_ARN, profileArn: PROFILE_ARN, roleArn: "arn:aws:iam::123456789012:role/demo" };
    expect(lineOf(evaluateDoctor(await goodFacts({ settings: { ...settings, durationSeconds: 60 } })), "session settings").status).toBe("fail");
    expect(lineOf(evaluateDoctor(await goodFacts({ settings: { ...settings, roleSessionName: "a b" } })), "session settings").status).toBe("fail");
  });

  it("reports AWS_CA_BUNDLE and --no-verify-ssl under TLS", async () => {
    const results = evaluateDoctor(
      await goodFacts({
        caBundle: { ok: true, value: { path: "/etc/ca.pem", count: 2 } },
        settings: { trustAnchorArn: TA_ARN, profileArn: PROFILE_ARN, roleArn: "arn:aws:iam::123456789012:role/demo", noVerifySsl: true },
      }),
    );
    expect(linesOf(results, "TLS").map((r) => [r.status, r.detail])).toEqual([
      ["pass", "AWS_CA_BUNDLE=/etc/ca.pem: 2 CA certificates replace the default roots"],
      ["warn", "--no-verify-ssl: the endpoint's TLS certificate is not checked"],
    ]);
  });

  it("judges certificates at the injected time, not the machine's", async () => {
    const { leaf } = await goodPki();
    const later = evaluateDoctor(await goodFacts({ now: new Date(new X509Certificate(leaf.certDer).validTo).getTime() + DAY }));
    expect(lineOf(later, "validity").status).toBe("fail");
  });
});
