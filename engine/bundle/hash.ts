/**
 * File digests for bundle signatures, computed exactly as OPA computes them, so that OPA
 * verifies our bundles and we verify OPA's.
 *
 * OPA hashes "structured" files (basename `data.json`, `data.yaml`, `.manifest`, and
 * `signatures.json`) not by their bytes but by a canonical walk of the parsed value, making
 * the digest independent of whitespace and key order:
 *   object → `{` + `"key":` + digest-walk(value) for keys in byte order, comma-separated + `}`
 *   array  → `[` + elements comma-separated + `]`
 *   other  → Go's `encoding/json` text of the value (HTML escaping off); numbers keep the
 *            literal text they had in the file, because OPA decodes them as `json.Number`.
 * Every other file (Rego sources, `policy.wasm`, `plan.json`, `data.yml`) is hashed as bytes.
 */

import { createHash } from "node:crypto";
import { parse as parseLossless } from "lossless-json";
import { parse as parseYaml } from "yaml";
import { BundleError } from "./errors.js";
import { byteOrder } from "./data.js";

/** Hashing algorithms OPA accepts in a signature's `files[].algorithm`. */
export const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: "md5",
  "SHA-1": "sha1",
  "SHA-224": "sha224",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
  "SHA-512-224": "sha512-224",
  "SHA-512-256": "sha512-256",
};

/** A number as written in the source text (OPA's `json.Number`). */
class RawNumber {
  constructor(readonly text: string) {}
}

/** OPA's `IsStructuredDoc`: note `data.yml` is *not* in the list, so it is hashed as bytes. */
export function isStructuredDoc(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base === "data.json" || base === "data.yaml" || base === "signatures.json" || base === ".manifest";
}

/** Hex digest of a bundle file, by OPA's rules. Throws `BundleError` for unparseable structured files. */
export function hashBundleFile(path: string, bytes: Uint8Array, algorithm = "SHA-256"): string {
  const nodeAlg = HASH_ALGORITHMS[algorithm];
  if (!nodeAlg) throw new BundleError("bundle_signature_invalid", `unsupported hashing algorithm: ${algorithm}`, path);
  const h = createHash(nodeAlg);
  if (isStructuredDoc(path)) h.update(canonicalText(parseStructured(path, bytes)), "utf8");
  else h.update(bytes);
  return h.digest("hex");
}

function parseStructured(path: string, bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    if (path.endsWith(".yaml")) {
      // OPA converts YAML to JSON before decoding; numbers then take their JSON text.
      const json = JSON.stringify(parseYaml(text) ?? null);
      return parseLossless(json, null, losslessOptions);
    }
    return parseLossless(text, null, losslessOptions);
  } catch (e) {
    throw new BundleError("bundle_corrupt", `cannot parse for hashing: ${(e as Error).message}`, path);
  }
}

const losslessOptions = {
  parseNumber: (text: string) => new RawNumber(text),
  // Go's decoder keeps the last of duplicate keys.
  onDuplicateKey: (info: { newValue: unknown }) => info.newValue,
};

/** The byte stream OPA's hasher feeds for a structured value. */
export function canonicalText(v: unknown): string {
  const out: string[] = [];
  walk(v, out);
  return out.join("");
}

function walk(v: unknown, out: string[]): void {
  if (v instanceof RawNumber) {
    out.push(v.text);
  } else if (Array.isArray(v)) {
    out.push("[");
    v.forEach((e, i) => {
      if (i > 0) out.push(",");
      walk(e, out);
    });
    out.push("]");
  } else if (typeof v === "object" && v !== null) {
    const obj = v as Record<string, unknown>;
    out.push("{");
    Object.keys(obj)
      .sort(byteOrder)
      .forEach((k, i) => {
        if (i > 0) out.push(",");
        out.push(goString(k), ":");
        walk(obj[k], out);
      });
    out.push("}");
  } else if (typeof v === "string") {
    out.push(goString(v));
  } else if (typeof v === "number") {
    // Only reached for values that never went through text (not the case for bundle files).
    out.push(JSON.stringify(v));
  } else {
    out.push(v === true ? "true" : v === false ? "false" : "null");
  }
}

/** Go `encoding/json` string encoding with HTML escaping off (Go ≥ 1.22: `\b`, `\f` short forms). */
export function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c < 0x20) {
      const short: Record<number, string> = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" };
      out += short[c] ?? "\\u00" + c.toString(16).padStart(2, "0");
    } else if (c === 0x2028 || c === 0x2029) out += "\\u" + c.toString(16);
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += "\\ufffd";
    } else if (c >= 0xdc00 && c <= 0xdfff) out += "\\ufffd";
    else out += s[i]!;
  }
  return out + '"';
}
