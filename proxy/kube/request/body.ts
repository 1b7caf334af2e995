/**
 * Stage 3: the request body → a JSON value, and a PATCH's Content-Type → how it applies.
 * kubectl sends JSON; `kubectl apply --server-side` and hand-written clients send YAML
 * (`application/apply-patch+yaml`, `application/yaml`). Protobuf bodies are not decoded:
 * a policy cannot look into them, so they are reported as a parse error.
 */
import { parseAllDocuments } from "yaml";
import { readProtobufMeta } from "./protobuf.js";
import type { PatchType } from "./types.js";

/** On failure `body` may still hold what could be read (a protobuf body's type and metadata). */
export type BodyResult = { ok: true; body: unknown } | { ok: false; error: string; body?: unknown };

/** Bodies beyond this are not decoded (the API server's own limit is 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
  "application/apply-patch+cbor": "apply",
};

/** The media type without parameters, lower case: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

export function patchTypeOf(contentType: string | undefined): PatchType | null {
  return PATCH_TYPES[mediaType(contentType)] ?? null;
}

export function decodeBody(bytes: Uint8Array | string, contentType: string | undefined): BodyResult {
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > MAX_BODY_BYTES) return { ok: false, error: `request body of ${size} bytes is larger than ${MAX_BODY_BYTES}` };
  const type = mediaType(contentType);
  if (type.includes("protobuf")) {
    const meta = typeof bytes === "string" ? null : readProtobufMeta(bytes);
    const error = `request body in ${type} cannot be decoded (send JSON or YAML)`;
    return meta ? { ok: false, error: `${error}; only its apiVersion, kind and metadata were read`, body: meta } : { ok: false, error };
  }
  if (type.includes("cbor")) return { ok: false, error: `request body in ${type} cannot be decoded (send JSON or YAML)` };
  let text: string;
  try {
    text = typeof bytes === "string" ? bytes : new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, error: "request body is not valid UTF-8" };
  }
  if (text.trim() === "") return { ok: true, body: null };
  // JSON is YAML too, but a JSON body that fails to parse should say so as JSON.
  const looksJson = type.endsWith("json") || (type === "" && /^\s*[[{]/.test(text));
  if (looksJson) {
    try {
      return { ok: true, body: JSON.parse(text) as unknown };
    } catch (e) {
      return { ok: false, error: `request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  if (type !== "" && !type.endsWith("yaml")) return { ok: false, error: `request body in ${type} cannot be decoded (send JSON or YAML)` };
  return decodeYaml(text);
}

function decodeYaml(text: string): BodyResult {
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch (e) {
    return { ok: false, error: `request body is not valid YAML: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!Array.isArray(docs)) return { ok: true, body: null };
  if (docs.length !== 1) return { ok: false, error: `request body holds ${docs.length} YAML documents, expected one` };
  const doc = docs[0]!;
  if (doc.errors.length > 0) return { ok: false, error: `request body is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}` };
  try {
    // Anchors that expand enormously are refused (maxAliasCount) rather than decoded.
    return { ok: true, body: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (e) {
    return { ok: false, error: `request body is not valid YAML: ${e instanceof Error ? e.message : String(e)}` };
  }
}
