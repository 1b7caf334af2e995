/**
 * Stage 3: the bundle revision. `gitRevision(dir)` is the commit checked out in the git
 * repository containing `dir`, read without a `git` binary, with `-dirty` appended when
 * what would go into the bundle differs from that commit.
 *
 * Finding the commit: `.git` (a directory, or a file `gitdir: …` for worktrees and
 * submodules, whose `commondir` points at the shared refs and objects), `HEAD` (symbolic or
 * detached), loose refs, then `packed-refs`. No commit yet (unborn branch) → null.
 *
 * "Dirty" looks only at paths under `dir`, three ways:
 *  1. index vs HEAD: staged changes (via the index's cache-tree when it is valid, else by
 *     walking HEAD's trees from loose or packed objects — see gitobjects.ts);
 *  2. work tree vs index: per entry, size and mtime as git's stat check, and when those
 *     are inconclusive the blob SHA-1 of `blob <len>\0<content>`; conflicts (stage > 0) and
 *     deleted files are dirty; skip-worktree entries are not compared (as git does);
 *  3. untracked `.rego` / `data.json|yaml|yml` files outside dot-folders and node_modules
 *     (the files `collectPolicyDir` would bundle) — even when .gitignore'd, because they
 *     would end up in the bundle anyway.
 * What it cannot see: clean/smudge filters and `core.autocrlf` conversions (a converted
 * file looks modified → reported dirty, never falsely clean); `core.fileMode=false` (a mode
 * flip is reported dirty); sparse-index directory entries; SHA-256 repositories, alternates
 * and partial clones (objects it cannot read → dirty). Whenever it cannot decide, it says
 * dirty: a revision must never claim a clean commit it cannot prove.
 */

import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join, relative, resolve, sep } from "node:path";
import { ObjectStore, commitTree, parseTree } from "./gitobjects.js";
import { parseIndex, type IndexEntry } from "./gitindex.js";

interface Repo {
  workTree: string;
  gitDir: string;
  commonDir: string;
}

export function gitRevision(dir: string): string | null {
  let abs: string;
  try {
    abs = realpathSync(resolve(dir));
  } catch {
    return null;
  }
  const repo = findRepo(abs);
  if (!repo) return null;
  const head = resolveHead(repo);
  if (!head) return null;
  const prefix = relative(repo.workTree, abs).split(sep).join("/");
  return isDirty(repo, head, prefix, abs) ? `${head}-dirty` : head;
}

function findRepo(start: string): Repo | null {
  for (let d = start; ; d = dirname(d)) {
    const dotGit = join(d, ".git");
    try {
      const st = statSync(dotGit);
      let gitDir = dotGit;
      if (st.isFile()) {
        const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"));
        if (!m) return null;
        gitDir = resolve(d, m[1]!);
      }
      let commonDir = gitDir;
      const commonFile = join(gitDir, "commondir");
      if (existsSync(commonFile)) commonDir = resolve(gitDir, readFileSync(commonFile, "utf8").trim());
      return { workTree: realpathSync(d), gitDir, commonDir };
    } catch {
      // no .git here
    }
    if (dirname(d) === d) return null;
  }
}

function resolveHead(repo: Repo): string | null {
  let target = "HEAD";
  for (let depth = 0; depth < 10; depth++) {
    const value = readRef(repo, target);
    if (value === null) return null;
    const sym = /^ref:\s*(\S+)/.exec(value);
    if (!sym) return /^[0-9a-f]{40}$/.test(value) ? value : null;
    target = sym[1]!;
  }
  return null;
}

/** A ref's content: per-worktree first (HEAD, refs/bisect…), then shared, then packed-refs. */
function readRef(repo: Repo, name: string): string | null {
  for (const base of [repo.gitDir, repo.commonDir]) {
    try {
      return readFileSync(join(base, name), "utf8").trim();
    } catch {
      // try the next place
    }
  }
  try {
    for (const line of readFileSync(join(repo.commonDir, "packed-refs"), "utf8").split("\n")) {
      const m = /^([0-9a-f]{40}) (.+)$/.exec(line.trim());
      if (m && m[2] === name) return m[1]!;
    }
  } catch {
    // no packed refs
  }
  return null;
}

function isDirty(repo: Repo, head: string, prefix: string, absDir: string): boolean {
  let indexBytes: Uint8Array;
  try {
    indexBytes = readFileSync(join(repo.gitDir, "index"));
  } catch {
    return true;
  }
  const index = parseIndex(indexBytes);
  if (!index) return true;
  const under = (p: string): boolean => prefix === "" || p === prefix || p.startsWith(prefix + "/");
  const entries = index.entries.filter((e) => under(e.path));
  if (entries.some((e) => e.stage !== 0 || e.intentToAdd)) return true;

  const store = new ObjectStore(join(repo.commonDir, "objects"));
  if (!indexMatchesHead(store, head, prefix, entries, index.trees)) return true;

  let indexMtime = 0;
  try {
    indexMtime = statSync(join(repo.gitDir, "index")).mtimeMs;
  } catch {
    return true;
  }
  for (const e of entries) {
    if (e.skipWorktree || e.mode === 0o160000) continue;
    if (workTreeDiffers(join(repo.workTree, ...e.path.split("/")), e, indexMtime)) return true;
  }
  const tracked = new Set(entries.map((e) => e.path));
  return hasUntrackedPolicyFile(absDir, prefix, tracked);
}

/** Index entries under `prefix` equal HEAD's tree at `prefix`. */
function indexMatchesHead(store: ObjectStore, head: string, prefix: string, entries: IndexEntry[], cacheTrees: Map<string, string>): boolean {
  const commit = store.read(head);
  const rootTree = commit ? commitTree(commit) : null;
  if (!rootTree) return false;
  // Find HEAD's tree for `prefix` (or the blob, when `dir` names a single file's parent… it is a dir).
  let treeSha: string | null = rootTree;
  for (const seg of prefix === "" ? [] : prefix.split("/")) {
    const obj = store.read(treeSha);
    const items = obj ? parseTree(obj) : null;
    if (!items) return false;
    const next = items.find((i) => i.name === seg && i.mode === 0o40000);
    if (!next) return entries.length === 0; // `dir` does not exist in HEAD: clean only if nothing is staged there
    treeSha = next.sha;
  }
  if (cacheTrees.get(prefix) === treeSha) return true;
  const inHead = new Map<string, { mode: number; sha: string }>();
  if (!walkTree(store, treeSha, prefix, inHead)) return false;
  if (inHead.size !== entries.length) return false;
  return entries.every((e) => {
    const h = inHead.get(e.path);
    return h !== undefined && h.sha === e.sha && h.mode === e.mode;
  });
}

function walkTree(store: ObjectStore, sha: string, path: string, out: Map<string, { mode: number; sha: string }>): boolean {
  const obj = store.read(sha);
  const items = obj ? parseTree(obj) : null;
  if (!items) return false;
  for (const item of items) {
    const p = path === "" ? item.name : `${path}/${item.name}`;
    if (item.mode === 0o40000) {
      if (!walkTree(store, item.sha, p, out)) return false;
    } else {
      out.set(p, { mode: item.mode, sha: item.sha });
    }
  }
  return true;
}

/** git's stat check, then a content hash when the stat data cannot settle it. */
function workTreeDiffers(file: string, e: IndexEntry, indexMtimeMs: number): boolean {
  let st;
  try {
    st = lstatSync(file, { bigint: true });
  } catch {
    return true; // deleted
  }
  const isLink = st.isSymbolicLink();
  const type = e.mode & 0o170000;
  if (isLink ? type !== 0o120000 : !st.isFile() || type !== 0o100000) return true;
  if (!isLink && (e.mode & 0o111 ? 1 : 0) !== (Number(st.mode) & 0o100 ? 1 : 0)) return true;
  // A zero size means "no stat data" (after read-tree): git then compares contents.
  if (e.size !== 0 && Number(st.size % 2n ** 32n) !== e.size) return true;
  const sec = Number(st.mtimeNs / 1_000_000_000n);
  const nsec = Number(st.mtimeNs % 1_000_000_000n);
  const racy = Number(st.mtimeNs / 1_000_000n) >= indexMtimeMs - 1;
  if (sec === e.mtimeSec && nsec === e.mtimeNsec && !racy) return false;
  let content: Buffer;
  try {
    content = isLink ? Buffer.from(readlinkSync(file)) : readFileSync(file);
  } catch {
    return true;
  }
  return blobSha(content) !== e.sha;
}

export function blobSha(content: Uint8Array): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

const POLICY_FILE = /(\.rego|^data\.json|^data\.ya?ml)$/;

function hasUntrackedPolicyFile(absDir: string, prefix: string, tracked: ReadonlySet<string>): boolean {
  const walk = (abs: string, rel: string): boolean => {
    let items;
    try {
      items = readdirSync(abs, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const it of items) {
      const r = rel === "" ? it.name : `${rel}/${it.name}`;
      if (it.isDirectory()) {
        if (it.name.startsWith(".") || it.name === "node_modules") continue;
        if (walk(join(abs, it.name), r)) return true;
      } else if (it.isFile() && POLICY_FILE.test(it.name) && !tracked.has(r)) {
        return true;
      }
    }
    return false;
  };
  return walk(absDir, prefix);
}
