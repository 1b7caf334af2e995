/** Semantic Versioning 2.0.0: `semver.is_valid` and `semver.compare`. */

import { numberOf, builtinError, def, str, type Builtin } from "./builtin.js";

const SEMVER = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-((?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

interface Version {
  core: bigint[];
  pre: string[];
}

function parse(s: string): Version | undefined {
  const m = SEMVER.exec(s);
  if (!m) return undefined;
  return { core: [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)], pre: m[4] ? m[4].split(".") : [] };
}

function cmpIdent(a: string, b: string): number {
  const na = /^[0-9]+$/.test(a);
  const nb = /^[0-9]+$/.test(b);
  if (na && nb) return Math.sign(Number(BigInt(a) - BigInt(b)));
  if (na) return -1;
  if (nb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareSemver(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a.core[i] !== b.core[i]) return a.core[i]! < b.core[i]! ? -1 : 1;
  if (!a.pre.length || !b.pre.length) return b.pre.length - a.pre.length === 0 ? 0 : a.pre.length ? -1 : 1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const c = cmpIdent(a.pre[i]!, b.pre[i]!);
    if (c) return c;
  }
  return Math.sign(a.pre.length - b.pre.length);
}

export const semverBuiltins: Builtin[] = [
  def("semver.is_valid", ["any"], "boolean", ([v]) => typeof v === "string" && parse(v) !== undefined),
  def("semver.compare", ["string", "string"], "number", (args) => {
    const a = str("semver.compare", args, 1);
    const b = str("semver.compare", args, 2);
    const va = parse(a);
    if (!va) throw builtinError("semver.compare", `operand 1: string "${a}" is not a valid SemVer`);
    const vb = parse(b);
    if (!vb) throw builtinError("semver.compare", `operand 2: string "${b}" is not a valid SemVer`);
    return numberOf(compareSemver(va, vb));
  }),
];
