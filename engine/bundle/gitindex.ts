/**
 * Parser for git's index file (`.git/index`, versions 2, 3 and 4) for `revision.ts`:
 * the staged entries (path, mode, size, mtime, blob SHA-1, stage and flags) and the
 * cache-tree (`TREE`) extension, which records the tree id of every index subtree that is
 * unchanged since it was last written — this lets us compare the index with HEAD without
 * reading every tree object. Other extensions are skipped. SHA-1 repositories only.
 */

export interface IndexEntry {
  path: string;
  mode: number;
  size: number;
  mtimeSec: number;
  mtimeNsec: number;
  sha: string;
  /** 0 normally; 1–3 during a merge conflict. */
  stage: number;
  /** `git update-index --skip-worktree` / sparse checkout: the work tree copy is not compared. */
  skipWorktree: boolean;
  /** `git add -N`: an entry without content yet. */
  intentToAdd: boolean;
}

export interface GitIndex {
  version: number;
  entries: IndexEntry[];
  /** Valid cache-tree subtrees: directory path (`""` for the root) → tree SHA. */
  trees: Map<string, string>;
}

const dec = new TextDecoder();

/** Parses the index; null when the bytes are not an index we understand. */
export function parseIndex(b: Uint8Array): GitIndex | null {
  try {
    return parse(b);
  } catch {
    return null;
  }
}

function parse(b: Uint8Array): GitIndex | null {
  if (b.length < 12 + 20 || dec.decode(b.subarray(0, 4)) !== "DIRC") return null;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = view.getUint32(4);
  if (version < 2 || version > 4) return null;
  const count = view.getUint32(8);
  const entries: IndexEntry[] = [];
  let at = 12;
  let prev: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < count; i++) {
    const start = at;
    const mtimeSec = view.getUint32(at + 8);
    const mtimeNsec = view.getUint32(at + 12);
    const mode = view.getUint32(at + 24);
    const size = view.getUint32(at + 36);
    const sha = Buffer.from(b.subarray(at + 40, at + 60)).toString("hex");
    const flags = view.getUint16(at + 60);
    at += 62;
    let extended = 0;
    if (flags & 0x4000) {
      if (version < 3) return null;
      extended = view.getUint16(at);
      at += 2;
    }
    let name: Uint8Array;
    if (version === 4) {
      // Prefix compression: strip N bytes from the previous name, append the NUL-terminated rest.
      let byte = b[at++]!;
      let strip = byte & 0x7f;
      while (byte & 0x80) {
        byte = b[at++]!;
        strip = (strip + 1) * 128 + (byte & 0x7f);
      }
      const nul = b.indexOf(0, at);
      if (nul < 0 || strip > prev.length) return null;
      const kept = prev.subarray(0, prev.length - strip);
      name = new Uint8Array(kept.length + (nul - at));
      name.set(kept);
      name.set(b.subarray(at, nul), kept.length);
      at = nul + 1;
    } else {
      const nul = b.indexOf(0, at);
      if (nul < 0) return null;
      name = b.subarray(at, nul);
      // Entries are NUL-padded to a multiple of 8 bytes (at least one NUL).
      at = start + Math.ceil((nul + 1 - start) / 8) * 8;
    }
    prev = name;
    entries.push({
      path: dec.decode(name),
      mode,
      size,
      mtimeSec,
      mtimeNsec,
      sha,
      stage: (flags >> 12) & 3,
      skipWorktree: (extended & 0x4000) !== 0,
      intentToAdd: (extended & 0x2000) !== 0,
    });
  }
  const trees = new Map<string, string>();
  const end = b.length - 20; // trailing checksum
  while (at + 8 <= end) {
    const sig = dec.decode(b.subarray(at, at + 4));
    const size = view.getUint32(at + 4);
    const body = b.subarray(at + 8, at + 8 + size);
    if (sig === "TREE") parseCacheTree(body, trees);
    at += 8 + size;
  }
  return { version, entries, trees };
}

/** Pre-order list of `path\0count subtrees\n[sha]`; an invalidated node has count -1 and no sha. */
function parseCacheTree(b: Uint8Array, out: Map<string, string>): void {
  let at = 0;
  const node = (parent: string | null): void => {
    const nul = b.indexOf(0, at);
    const nl = b.indexOf(0x0a, nul);
    if (nul < 0 || nl < 0) throw new Error("bad cache-tree");
    const name = dec.decode(b.subarray(at, nul));
    const [countText, subText] = dec.decode(b.subarray(nul + 1, nl)).split(" ");
    at = nl + 1;
    const path = parent === null ? "" : parent === "" ? name : `${parent}/${name}`;
    if (Number(countText) >= 0) {
      out.set(path, Buffer.from(b.subarray(at, at + 20)).toString("hex"));
      at += 20;
    }
    const subtrees = Number(subText);
    for (let i = 0; i < subtrees; i++) node(path);
  };
  if (b.length) node(null);
}
