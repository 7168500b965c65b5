import * as pki from "./dist/pki/index.js";
import { createPublicKey, verify, sign, X509Certificate } from "node:crypto";
const root = await pki.createRootCa(); const leaf = await pki.issueClientCertificate(root);
const data = Buffer.from("hello world string to sign ".repeat(5)); const sig = sign("sha256", data, { key: leaf.privateKey, dsaEncoding: "der" });
const keys = { fromPriv: createPublicKey(leaf.privateKey), fromX509: new X509Certificate(leaf.certDer).publicKey, fromSpkiDer: createPublicKey({key: new X509Certificate(leaf.certDer).publicKey.export({type:"spki",format:"der"}), format:"der", type:"spki"}) };
for (const [n, key] of Object.entries(keys)) { const N=3000; let t=performance.now(); for (let i=0;i<N;i++) verify("sha256", data, { key, dsaEncoding: "der" }, sig); console.log(n, ((performance.now()-t)*1000/N).toFixed(1)); }
