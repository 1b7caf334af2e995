import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { BundleError } from "./errors.js";
import { readBundle } from "./read.js";
import { writeBundle, type WriteBundleOptions } from "./write.js";
import { readTarGz, writeTarGz, type TarEntry } from "./tar.js";
import { hashBundleFile } from "./hash.js";

const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const enc = new TextEncoder();

const base: WriteBundleOptions = {
  modules: [
    { path: "portcullis/decision.rego", source: "package portcullis\n\ndecision := {\"allow\": true}\n" },
    { path: "portcullis/decision_test.rego", source: "package portcullis_test\n\ntest_ok if true\n" },
  ],
  data: { portcullis: { limits: { rows: 1000, ratio: 0.25 } }, portcullis_test: {} },
  wasm: WASM,
  plan: { static: {}, plans: { plans: [] }, funcs: { funcs: [] } },
  entrypoints: ["data.portcullis.decision"],
  revision: "0123456789abcdef0123456789abcdef01234567",
};

function keys(type: "rsa" | "ec" | "ed25519", curve?: string): { priv: string; pub: string } {
  const opts = type === "rsa" ? { modulusLength: 2048 } : type === "ec" ? { namedCurve: curve ?? "P-256" } : {};
  const { privateKey, publicKey } = generateKeyPairSync(type as "rsa", opts as { modulusLength: number });
  return {
    priv: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    pub: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}
const rsa = keys("rsa");
const ec = keys("ec");

async function rejection(p: Promise<unknown>): Promise<BundleError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BundleError);
    return e as BundleError;
  }
  throw new Error("expected a BundleError");
}

/** Rewrites one file of a bundle (or drops/adds one), keeping everything else byte-identical. */
function edit(bundle: Uint8Array, f: (entries: TarEntry[]) => TarEntry[]): Uint8Array {
  return writeTarGz(f(readTarGz(bundle)));
}

describe("writeBundle / readBundle", () => {
  it("lays the bundle out as opa build -t wasm does", async () => {
    const entries = readTarGz(await writeBundle(base));
    expect(entries.map((e) => e.name)).toEqual([
      "/data.json",
      "/portcullis/decision.rego",
      "/portcullis/decision_test.rego",
      "/policy.wasm",
      "/plan.json",
      "/.manifest",
    ]);
    const manifest = new TextDecoder().decode(entries.at(-1)!.data);
    expect(manifest).toBe(
      '{"revision":"0123456789abcdef0123456789abcdef01234567","roots":[""],"wasm":[{"entrypoint":"portcullis/decision","module":"/policy.wasm"}],"rego_version":1}\n',
    );
  });

  it("round-trips an unsigned bundle", async () => {
    const b = await readBundle(await writeBundle(base));
    expect(b.signed).toBe(false);
    expect(b.modules).toEqual(base.modules);
    expect(b.data).toEqual(base.data);
    expect(b.wasm).toEqual([{ entrypoint: "portcullis/decision", module: WASM }]);
    expect(b.plan).toEqual(base.plan);
    expect(b.manifest.revision).toBe(base.revision);
  });

  for (const [alg, pair] of [["RS256", rsa], ["ES256", ec], ["PS256", rsa], ["ES384", keys("ec", "P-384")], ["EdDSA", keys("ed25519")]] as const) {
    it(`signs and verifies with ${alg}`, async () => {
      const bytes = await writeBundle({ ...base, signing: { key: pair.priv, alg, keyId: "ci" } });
      const names = readTarGz(bytes).map((e) => e.name);
      expect(names).toContain("/.signatures.json");
      const b = await readBundle(bytes, { verification: { key: pair.pub, alg } });
      expect(b.signed).toBe(true);
      expect(b.data).toEqual(base.data);
      // The algorithm is inferred from the key when not configured (plain RSA keys mean RS256, as in OPA).
      if (alg !== "PS256") expect((await readBundle(bytes, { verification: { key: pair.pub } })).signed).toBe(true);
    });
  }

  it("signs with HS256 shared secrets", async () => {
    const bytes = await writeBundle({ ...base, signing: { key: "s3cret", alg: "HS256" } });
    expect((await readBundle(bytes, { verification: { key: "s3cret", alg: "HS256" } })).signed).toBe(true);
    const e = await rejection(readBundle(bytes, { verification: { key: "other", alg: "HS256" } }));
    expect(e.code).toBe("bundle_signature_invalid");
  });

  it("writes the signature payload OPA expects", async () => {
    const bytes = await writeBundle({ ...base, signing: { key: rsa.priv, alg: "RS256", keyId: "ci", scope: "write" } });
    const sig = readTarGz(bytes).find((e) => e.name === "/.signatures.json")!;
    const doc = JSON.parse(new TextDecoder().decode(sig.data)) as { signatures: string[] };
    expect(doc.signatures).toHaveLength(1);
    const [h, p] = doc.signatures[0]!.split(".");
    expect(JSON.parse(Buffer.from(h!, "base64url").toString())).toEqual({ alg: "RS256", kid: "ci" });
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString()) as { files: { name: string; algorithm: string }[]; keyid: string; scope: string };
    expect(payload.files.map((f) => f.name)).toEqual([
      "portcullis/decision.rego",
      "portcullis/decision_test.rego",
      "data.json",
      "policy.wasm",
      "plan.json",
      ".manifest",
    ]);
    expect(payload.files.every((f) => f.algorithm === "SHA-256")).toBe(true);
    expect(payload.keyid).toBe("ci");
    expect(payload.scope).toBe("write");
    // Scope must match the verifier's.
    expect((await rejection(readBundle(bytes, { verification: { key: rsa.pub } }))).message).toMatch(/scope/);
    expect((await readBundle(bytes, { verification: { key: rsa.pub, scope: "write" } })).signed).toBe(true);
  });

  it("refuses a tampered bundle naming the file", async () => {
    const bytes = await writeBundle({ ...base, signing: { key: rsa.priv, alg: "RS256" } });
    const tampered = edit(bytes, (es) =>
      es.map((e) => (e.name === "/portcullis/decision.rego" ? { ...e, data: enc.encode("package portcullis\n\ndecision := {\"allow\": false}\n") } : e)),
    );
    const e = await rejection(readBundle(tampered, { verification: { key: rsa.pub } }));
    expect(e.code).toBe("bundle_file_mismatch");
    expect(e.file).toBe("portcullis/decision.rego");
    expect(e.message).toMatch(/digest mismatch/);

    const wasmSwap = edit(bytes, (es) => es.map((e) => (e.name === "/policy.wasm" ? { ...e, data: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 1]) } : e)));
    expect((await rejection(readBundle(wasmSwap, { verification: { key: rsa.pub } }))).file).toBe("policy.wasm");
  });

  it("hashes JSON files canonically: reformatting data.json keeps the signature valid, changing it does not", async () => {
    const bytes = await writeBundle({ ...base, signing: { key: ec.priv, alg: "ES256" } });
    const reformatted = edit(bytes, (es) =>
      es.map((e) =>
        e.name === "/data.json"
          ? { ...e, data: enc.encode('{ "portcullis_test": {},\n  "portcullis": {"limits": {"ratio": 0.25, "rows": 1000}} }') }
          : e,
      ),
    );
    expect((await readBundle(reformatted, { verification: { key: ec.pub } })).signed).toBe(true);
    // Same float value, different number text: OPA hashes json.Number text, so this differs.
    const renumbered = edit(bytes, (es) =>
      es.map((e) => (e.name === "/data.json" ? { ...e, data: enc.encode('{"portcullis":{"limits":{"rows":1000.0,"ratio":0.25}},"portcullis_test":{}}') } : e)),
    );
    const err = await rejection(readBundle(renumbered, { verification: { key: ec.pub } }));
    expect([err.code, err.file]).toEqual(["bundle_file_mismatch", "data.json"]);
  });

  it("refuses files added to or missing from the signature", async () => {
    const bytes = await writeBundle({ ...base, signing: { key: rsa.priv, alg: "RS256" } });
    const added = edit(bytes, (es) => [...es, { name: "/extra/evil.rego", data: enc.encode("package extra\n") }]);
    const e1 = await rejection(readBundle(added, { verification: { key: rsa.pub } }));
    expect([e1.code, e1.file]).toEqual(["bundle_file_mismatch", "extra/evil.rego"]);
    expect(e1.message).toMatch(/not included in bundle signature/);
    // Excluded paths need not be signed (OPA's `exclude_files`).
    expect((await readBundle(added, { verification: { key: rsa.pub, exclude: ["extra/*"] } })).signed).toBe(true);

    const dropped = edit(bytes, (es) => es.filter((e) => e.name !== "/portcullis/decision_test.rego"));
    const e2 = await rejection(readBundle(dropped, { verification: { key: rsa.pub } }));
    expect([e2.code, e2.file]).toEqual(["bundle_file_mismatch", "portcullis/decision_test.rego"]);
  });

  it("refuses an unsigned bundle when a key is configured, and a signed one without a key", async () => {
    const unsigned = await writeBundle(base);
    const e = await rejection(readBundle(unsigned, { verification: { key: rsa.pub } }));
    expect(e.code).toBe("bundle_unsigned");
    const signed = await writeBundle({ ...base, signing: { key: rsa.priv, alg: "RS256" } });
    expect((await rejection(readBundle(signed))).code).toBe("bundle_key_missing");
    expect((await readBundle(signed, { skipVerification: true })).signed).toBe(false);
  });

  it("refuses a bad signature: another key, another algorithm, a forged token", async () => {
    const signed = await writeBundle({ ...base, signing: { key: rsa.priv, alg: "RS256" } });
    const other = keys("rsa");
    expect((await rejection(readBundle(signed, { verification: { key: other.pub } }))).code).toBe("bundle_signature_invalid");
    expect((await rejection(readBundle(signed, { verification: { key: rsa.pub, alg: "RS512" } }))).code).toBe("bundle_signature_invalid");
    const forged = edit(signed, (es) =>
      es.map((e) => {
        if (e.name !== "/.signatures.json") return e;
        const tok = (JSON.parse(new TextDecoder().decode(e.data)) as { signatures: string[] }).signatures[0]!;
        const [h, , s] = tok.split(".");
        const payload = Buffer.from(JSON.stringify({ files: [] })).toString("base64url");
        return { ...e, data: enc.encode(JSON.stringify({ signatures: [`${h}.${payload}.${s}`] })) };
      }),
    );
    const e = await rejection(readBundle(forged, { verification: { key: rsa.pub } }));
    expect([e.code, e.file]).toEqual(["bundle_signature_invalid", ".signatures.json"]);
  });

  it("validates the manifest against roots", async () => {
    const e = await rejection(writeBundle({ ...base, roots: ["portcullis"] }));
    expect(e.code).toBe("bundle_manifest_invalid"); // portcullis_test data/package outside the root
    const ok = await writeBundle({ ...base, roots: ["portcullis", "portcullis_test"] });
    expect((await readBundle(ok)).manifest.roots).toEqual(["portcullis", "portcullis_test"]);
    expect((await rejection(writeBundle({ ...base, roots: ["a", "a/b"] }))).message).toMatch(/overlapped roots/);
  });

  it("refuses corrupt archives with bundle_corrupt", async () => {
    const bytes = await writeBundle(base);
    expect((await rejection(readBundle(bytes.subarray(0, bytes.length - 10)))).code).toBe("bundle_corrupt");
    expect((await rejection(readBundle(enc.encode("not a bundle")))).code).toBe("bundle_corrupt");
    const traversal = writeTarGz([{ name: "../etc/passwd.rego", data: enc.encode("package x") }]);
    expect((await rejection(readBundle(traversal))).code).toBe("bundle_corrupt");
  });
});

describe("bundles laid out by opa build -t wasm", () => {
  // What `opa build -t wasm -e example/allow .` writes: Go's JSON encoder output (HTML-escaped,
  // trailing newline), nested sources, a root data.json, the manifest last.
  const opaFiles: TarEntry[] = [
    { name: "/data.json", data: enc.encode('{"example":{"users":{"alice":{"admin":true}},"note":"a \\u003c b"}}\n') },
    { name: "/example/authz.rego", data: enc.encode("package example\n\nimport rego.v1\n\ndefault allow := false\n") },
    { name: "/policy.wasm", data: WASM },
    { name: "/.manifest", data: enc.encode('{"revision":"","roots":[""],"wasm":[{"entrypoint":"example/allow","module":"/policy.wasm"}],"rego_version":1}\n') },
  ];

  it("reads it", async () => {
    const b = await readBundle(writeTarGz(opaFiles));
    expect(b.manifest).toEqual({ revision: "", roots: [""], wasm: [{ entrypoint: "example/allow", module: "/policy.wasm" }], rego_version: 1 });
    expect(b.wasm).toEqual([{ entrypoint: "example/allow", module: WASM }]);
    expect(b.modules.map((m) => m.path)).toEqual(["example/authz.rego"]);
    expect(b.data).toEqual({ example: { users: { alice: { admin: true } }, note: "a < b" } });
    expect(b.plan).toBeUndefined();
  });

  it("verifies its OPA-style signature, with files hashed by OPA's canonical rule", async () => {
    // The digest of the manifest is over its canonical walk (sorted keys, compact), not its bytes.
    const canonicalManifest = '{"rego_version":1,"revision":"","roots":[""],"wasm":[{"entrypoint":"example/allow","module":"/policy.wasm"}]}';
    const { createHash } = await import("node:crypto");
    expect(hashBundleFile(".manifest", opaFiles[3]!.data)).toBe(createHash("sha256").update(canonicalManifest).digest("hex"));
    // data.json: `<` decoded from \u003c and written back raw (Go's hasher turns HTML escaping off).
    const canonicalData = '{"example":{"note":"a < b","users":{"alice":{"admin":true}}}}';
    expect(hashBundleFile("data.json", opaFiles[0]!.data)).toBe(createHash("sha256").update(canonicalData).digest("hex"));

    const { signFiles, signaturesFileText } = await import("./sign.js");
    const files = [opaFiles[1]!, opaFiles[0]!, opaFiles[2]!, opaFiles[3]!].map((e) => ({
      name: e.name.slice(1),
      hash: hashBundleFile(e.name.slice(1), e.data),
      algorithm: "SHA-256",
    }));
    const token = await signFiles(files, { key: rsa.priv, alg: "RS256", keyId: "global_key" });
    const withSig = [...opaFiles.slice(0, 3), { name: "/.signatures.json", data: enc.encode(signaturesFileText(token)) }, opaFiles[3]!];
    expect((await readBundle(writeTarGz(withSig), { verification: { key: rsa.pub, keyId: "global_key" } })).signed).toBe(true);
  });

  it("merges nested data files by directory, as OPA's reader does", async () => {
    const nested = [...opaFiles, { name: "/example/roles/data.json", data: enc.encode('{"dba":["bob"]}') }];
    const b = await readBundle(writeTarGz(nested));
    expect(b.data).toEqual({ example: { users: { alice: { admin: true } }, note: "a < b", roles: { dba: ["bob"] } } });
    const clash = [...opaFiles, { name: "/example/note/data.json", data: enc.encode('"x"') }];
    const e = await rejection(readBundle(writeTarGz(clash)));
    expect(e.code).toBe("bundle_data_invalid");
    expect(e.message).toMatch(/data\.json/);
  });
});
