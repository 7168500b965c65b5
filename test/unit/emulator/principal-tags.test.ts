import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { X509Certificate } from "@peculiar/x509";
import { principalTags } from "../../../src/emulator/principal-tags.js";
import { defaultAttributeMappings } from "../../../src/emulator/state.js";
import { createRootCa, issueClientCertificate } from "../../../src/pki/index.js";

describe("principal tags from the certificate", () => {
  it("maps every Subject and Issuer RDN and the first SAN DNS name and URI by default; a mapping keeps only its specifiers", async () => {
    const root = await createRootCa({ subject: "CN=Tags Root,O=Example,C=DE" });
    const leaf = await issueClientCertificate(root, {
      subject: "CN=svc-a,OU=team-1,O=Example,L=Berlin,ST=BE,C=DE",
      sanDns: ["a.example.com", "b.example.com"],
      sanUri: ["spiffe://example.com/a", "spiffe://example.com/b"],
    });
    const cert = new X509Certificate(leaf.certDer);
    expect(principalTags(cert, defaultAttributeMappings())).toEqual({
      "x509Subject/CN": "svc-a",
      "x509Subject/OU": "team-1",
      "x509Subject/O": "Example",
      "x509Subject/L": "Berlin",
      "x509Subject/ST": "BE",
      "x509Subject/C": "DE",
      "x509Issuer/CN": "Tags Root",
      "x509Issuer/O": "Example",
      "x509Issuer/C": "DE",
      "x509SAN/DNS": "a.example.com",
      "x509SAN/URI": "spiffe://example.com/a",
    });
    expect(
      principalTags(cert, [
        { certificateField: "x509Subject", mappingRules: [{ specifier: "CN" }, { specifier: "OU" }] },
        { certificateField: "x509SAN", mappingRules: [{ specifier: "URI" }] },
      ]),
    ).toEqual({ "x509Subject/CN": "svc-a", "x509Subject/OU": "team-1", "x509SAN/URI": "spiffe://example.com/a" });
    expect(principalTags(cert, [])).toEqual({});
  });
});
