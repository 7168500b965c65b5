import { describe, expect, it } from "vitest";
import { certificateData, certificateDataJson, supportedAlgorithms } from "../../../src/signer/certificate-data.js";

describe("supportedAlgorithms", () => {
  it("lists the official names per key type", () => {
    expect(supportedAlgorithms("RSA")).toEqual(["RSASHA256", "RSASHA384", "RSASHA512"]);
    expect(supportedAlgorithms("EC")).toEqual(["ECSHA256", "ECSHA384", "ECSHA512"]);
    expect(supportedAlgorithms("ML-DSA-65")).toEqual(["ML-DSA-65"]);
  });
});

describe("certificateDataJson", () => {
  it("prints compact JSON in the official field order", () => {
    const data = certificateData({ keyType: "EC", der: Buffer.from([1, 2, 3]), serialDecimal: "21" });
    expect(certificateDataJson(data)).toBe(
      '{"keyType":"EC","certificateData":"AQID","serialNumber":"21","supportedAlgorithms":["ECSHA256","ECSHA384","ECSHA512"]}',
    );
  });
});
