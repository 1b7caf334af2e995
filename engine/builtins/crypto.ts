/** Hashes, HMACs (node:crypto) and `io.jwt.decode`. */

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { parseJSON, type Value } from "../values/index.js";
import { builtinError, def, str, type Builtin } from "./builtin.js";

const hash = (name: string, algo: string): Builtin =>
  def(name, ["string"], "string", (args) => createHash(algo).update(str(name, args, 1), "utf8").digest("hex"));

const hmac = (name: string, algo: string): Builtin =>
  def(name, ["string", "string"], "string", (args) =>
    createHmac(algo, Buffer.from(str(name, args, 2), "utf8")).update(str(name, args, 1), "utf8").digest("hex"),
  );

function b64urlJSON(name: string, part: string, what: string): Value {
  const raw = Buffer.from(part.replace(/=+$/, ""), "base64url").toString("utf8");
  try {
    return parseJSON(raw);
  } catch {
    throw builtinError(name, `JWT ${what} had invalid encoding: ${raw.slice(0, 40)}`);
  }
}

export const cryptoBuiltins: Builtin[] = [
  hash("crypto.md5", "md5"),
  hash("crypto.sha1", "sha1"),
  hash("crypto.sha256", "sha256"),
  hmac("crypto.hmac.md5", "md5"),
  hmac("crypto.hmac.sha1", "sha1"),
  hmac("crypto.hmac.sha256", "sha256"),
  hmac("crypto.hmac.sha512", "sha512"),
  def("crypto.hmac.equal", ["string", "string"], "boolean", (args) => {
    const a = Buffer.from(str("crypto.hmac.equal", args, 1));
    const b = Buffer.from(str("crypto.hmac.equal", args, 2));
    return a.length === b.length && timingSafeEqual(a, b);
  }),
  def("io.jwt.decode", ["string"], "array[any]", (args) => {
    const name = "io.jwt.decode";
    const token = str(name, args, 1);
    const parts = token.split(".");
    if (parts.length !== 3) throw builtinError(name, "encoded JWT had no period separators");
    if (parts.some((p) => !/^[A-Za-z0-9_-]*=*$/.test(p))) throw builtinError(name, "JWT had invalid encoding: illegal base64 data");
    const header = b64urlJSON(name, parts[0]!, "header");
    const payload = b64urlJSON(name, parts[1]!, "payload");
    return [header, payload, Buffer.from(parts[2]!, "base64url").toString("hex")];
  }),
];
