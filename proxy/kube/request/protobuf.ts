/**
 * Stage 3b: what can be read of a Kubernetes protobuf body without the API's schemas.
 * kubectl's typed generators (`kubectl create namespace|secret|…`, `auth can-i`) send
 * `application/vnd.kubernetes.protobuf`: the magic `k8s\0`, then a `runtime.Unknown`
 * {1: TypeMeta{1: apiVersion, 2: kind}, 2: raw object}. Every API object keeps its
 * ObjectMeta in field 1 (name 1, generateName 2, namespace 3, labels 11, annotations 12),
 * so those are readable; the rest of the object (a Secret's data, a pod's spec) is not.
 */

export interface ProtobufMeta {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** The type and metadata of a protobuf body, or `null` when it is not one (or is malformed). */
export function readProtobufMeta(bytes: Uint8Array): ProtobufMeta | null {
  if (bytes.length < 4 || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  try {
    const unknown = fields(bytes.subarray(4));
    const typeMeta = fields(one(unknown, 1) ?? new Uint8Array());
    const raw = one(unknown, 2);
    const meta = raw ? fields(one(fields(raw), 1) ?? new Uint8Array()) : new Map<number, Uint8Array[]>();
    const metadata: ProtobufMeta["metadata"] = {};
    for (const [field, key] of [[1, "name"], [2, "generateName"], [3, "namespace"]] as const) {
      const v = one(meta, field);
      if (v) metadata[key] = text(v);
    }
    for (const [field, key] of [[11, "labels"], [12, "annotations"]] as const) {
      const entries = meta.get(field);
      if (!entries) continue;
      metadata[key] = Object.fromEntries(entries.map((e) => {
        const entry = fields(e);
        return [text(one(entry, 1) ?? new Uint8Array()), text(one(entry, 2) ?? new Uint8Array())];
      }));
    }
    return { apiVersion: text(one(typeMeta, 1) ?? new Uint8Array()), kind: text(one(typeMeta, 2) ?? new Uint8Array()), metadata };
  } catch {
    return null;
  }
}

/** The length-delimited fields of one message, by number; other wire types are skipped. */
function fields(buf: Uint8Array): Map<number, Uint8Array[]> {
  const out = new Map<number, Uint8Array[]>();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= buf.length) throw new Error("truncated varint");
      const b = buf[pos++]!;
      if (shift < 53) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error("varint too long");
  };
  while (pos < buf.length) {
    const key = varint();
    const wire = key % 8;
    const field = Math.floor(key / 8);
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new Error("truncated field");
      const list = out.get(field) ?? [];
      list.push(buf.subarray(pos, pos + len));
      out.set(field, list);
      pos += len;
    } else throw new Error(`unsupported wire type ${wire}`);
    if (pos > buf.length) throw new Error("truncated message");
  }
  return out;
}

const one = (m: Map<number, Uint8Array[]>, field: number): Uint8Array | undefined => m.get(field)?.at(-1);
const text = (b: Uint8Array): string => new TextDecoder("utf-8", { fatal: true }).decode(b);
