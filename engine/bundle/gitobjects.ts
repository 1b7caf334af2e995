/**
 * Read-only access to a git object database without a `git` binary, for `revision.ts`:
 * loose objects (`objects/ab/cdef…`, zlib) and packs (`objects/pack/*.idx` version 2 plus
 * `.pack`, including OFS_DELTA and REF_DELTA chains). SHA-1 repositories only.
 *
 * Not supported (the reader answers "unknown" and the caller treats the work tree as dirty):
 * SHA-256 repositories, alternates (`objects/info/alternates`), promisor/partial clones
 * with missing objects, multi-pack-index-only layouts, commit-graph shortcuts.
 */

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";

export type GitObjectType = "commit" | "tree" | "blob" | "tag";

export interface GitObject {
  type: GitObjectType;
  body: Uint8Array;
}

/** One entry of a tree object. */
export interface TreeEntry {
  mode: number;
  name: string;
  sha: string;
}

const TYPES: Record<number, GitObjectType> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };

interface Pack {
  idx: Uint8Array;
  pack: Uint8Array | null;
  packPath: string;
  count: number;
}

export class ObjectStore {
  private packs: Pack[] | null = null;

  constructor(private readonly objectsDir: string) {}

  /** The object, or null when absent or unreadable. */
  read(sha: string, depth = 0): GitObject | null {
    if (!/^[0-9a-f]{40}$/.test(sha) || depth > 64) return null;
    return this.readLoose(sha) ?? this.readPacked(sha, depth);
  }

  private readLoose(sha: string): GitObject | null {
    const path = join(this.objectsDir, sha.slice(0, 2), sha.slice(2));
    if (!existsSync(path)) return null;
    try {
      const raw = inflateSync(readFileSync(path));
      const nul = raw.indexOf(0);
      const [type] = raw.subarray(0, nul).toString("latin1").split(" ");
      if (!type || !["commit", "tree", "blob", "tag"].includes(type)) return null;
      return { type: type as GitObjectType, body: new Uint8Array(raw.subarray(nul + 1)) };
    } catch {
      return null;
    }
  }

  private loadPacks(): Pack[] {
    if (this.packs) return this.packs;
    this.packs = [];
    const dir = join(this.objectsDir, "pack");
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(".idx"));
    } catch {
      return this.packs;
    }
    for (const name of names) {
      try {
        const idx = new Uint8Array(readFileSync(join(dir, name)));
        // Version 2 index: magic "\377tOc", version 2, 256-entry fan-out table.
        if (idx[0] !== 0xff || idx[1] !== 0x74 || idx[2] !== 0x4f || idx[3] !== 0x63 || u32(idx, 4) !== 2) continue;
        const count = u32(idx, 8 + 255 * 4);
        this.packs.push({ idx, pack: null, packPath: join(dir, name.replace(/\.idx$/, ".pack")), count });
      } catch {
        // An unreadable pack only means fewer objects are visible.
      }
    }
    return this.packs;
  }

  private readPacked(sha: string, depth: number): GitObject | null {
    const want = Buffer.from(sha, "hex");
    for (const p of this.loadPacks()) {
      const offset = findOffset(p, want);
      if (offset === null) continue;
      try {
        p.pack ??= new Uint8Array(readFileSync(p.packPath));
        return this.readAt(p, offset, depth);
      } catch {
        return null;
      }
    }
    return null;
  }

  private readAt(p: Pack, offset: number, depth: number): GitObject | null {
    if (depth > 64) return null;
    const pack = p.pack!;
    let at = offset;
    let b = pack[at++]!;
    const typeNum = (b >> 4) & 7;
    while (b & 0x80) b = pack[at++]!; // the size is implied by the inflated stream
    if (typeNum >= 1 && typeNum <= 4) {
      return { type: TYPES[typeNum]!, body: new Uint8Array(inflateSync(pack.subarray(at))) };
    }
    let base: GitObject | null;
    if (typeNum === 6) {
      // OFS_DELTA: big-endian base-128 distance, each continuation adding one.
      b = pack[at++]!;
      let dist = b & 0x7f;
      while (b & 0x80) {
        b = pack[at++]!;
        dist = (dist + 1) * 128 + (b & 0x7f);
      }
      base = this.readAt(p, offset - dist, depth + 1);
    } else if (typeNum === 7) {
      const baseSha = Buffer.from(pack.subarray(at, at + 20)).toString("hex");
      at += 20;
      base = this.read(baseSha, depth + 1);
    } else {
      return null;
    }
    if (!base) return null;
    const delta = new Uint8Array(inflateSync(pack.subarray(at)));
    const body = applyDelta(base.body, delta);
    return body ? { type: base.type, body } : null;
  }
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Binary search in the idx's sorted SHA table; the pack offset or null. */
function findOffset(p: Pack, want: Uint8Array): number | null {
  const { idx, count } = p;
  const first = want[0]!;
  let lo = first === 0 ? 0 : u32(idx, 8 + (first - 1) * 4);
  let hi = u32(idx, 8 + first * 4);
  const shaTable = 8 + 256 * 4;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = Buffer.compare(idx.subarray(shaTable + mid * 20, shaTable + mid * 20 + 20), want);
    if (cmp === 0) {
      const offTable = shaTable + count * 20 + count * 4;
      const off = u32(idx, offTable + mid * 4);
      if (!(off & 0x80000000)) return off;
      const large = offTable + count * 4 + (off & 0x7fffffff) * 8;
      return u32(idx, large) * 2 ** 32 + u32(idx, large + 4);
    }
    if (cmp < 0) lo = mid + 1;
    else hi = mid;
  }
  return null;
}

/** Git's delta format: source size, target size, then copy/insert instructions. */
function applyDelta(base: Uint8Array, delta: Uint8Array): Uint8Array | null {
  let at = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    let b: number;
    do {
      b = delta[at++]!;
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80 && at < delta.length);
    return v;
  };
  if (varint() !== base.length) return null;
  const out = new Uint8Array(varint());
  let o = 0;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      let off = 0;
      let size = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) off |= delta[at++]! << (8 * i);
      for (let i = 0; i < 3; i++) if (op & (0x10 << i)) size |= delta[at++]! << (8 * i);
      off >>>= 0;
      if (size === 0) size = 0x10000;
      if (off + size > base.length || o + size > out.length) return null;
      out.set(base.subarray(off, off + size), o);
      o += size;
    } else if (op !== 0) {
      if (at + op > delta.length || o + op > out.length) return null;
      out.set(delta.subarray(at, at + op), o);
      at += op;
      o += op;
    } else {
      return null;
    }
  }
  return o === out.length ? out : null;
}

/** The `tree <sha>` line of a commit object. */
export function commitTree(commit: GitObject): string | null {
  if (commit.type !== "commit") return null;
  const m = /^tree ([0-9a-f]{40})$/m.exec(Buffer.from(commit.body).toString("latin1"));
  return m ? m[1]! : null;
}

/** Entries of a tree object: `<octal mode> <name>\0<20-byte sha>` repeated. */
export function parseTree(tree: GitObject): TreeEntry[] | null {
  if (tree.type !== "tree") return null;
  const b = tree.body;
  const out: TreeEntry[] = [];
  let at = 0;
  while (at < b.length) {
    const sp = b.indexOf(0x20, at);
    const nul = b.indexOf(0, sp);
    if (sp < 0 || nul < 0 || nul + 21 > b.length) return null;
    const mode = parseInt(Buffer.from(b.subarray(at, sp)).toString("latin1"), 8);
    const name = Buffer.from(b.subarray(sp + 1, nul)).toString("utf8");
    const sha = Buffer.from(b.subarray(nul + 1, nul + 21)).toString("hex");
    out.push({ mode, name, sha });
    at = nul + 21;
  }
  return out;
}
