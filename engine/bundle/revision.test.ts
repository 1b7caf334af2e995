import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gitRevision, blobSha } from "./revision.js";
import { ObjectStore } from "./gitobjects.js";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";

const temps: string[] = [];
afterAll(() => temps.forEach((t) => rmSync(t, { recursive: true, force: true })));

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};
const git = (cwd: string, ...args: string[]): string => execFileSync("git", args, { cwd, env, encoding: "utf8" }).trim();

function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "rev-"));
  temps.push(root);
  git(root, "init", "-q", "-b", "main");
  write(root, files);
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", "init");
  return root;
}
function write(root: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
}
/** What `git` says: HEAD, plus -dirty when `git status` reports anything under dir. */
function expected(root: string, dir = root): string {
  const head = git(root, "rev-parse", "HEAD");
  return git(dir, "status", "--porcelain", "--", ".") ? `${head}-dirty` : head;
}

const policy = { "policies/sql.rego": "package sql\n", "policies/data.json": '{"a":1}', "README.md": "hi\n" };

describe("gitRevision", () => {
  it("reads the commit of a clean repository, like git rev-parse HEAD", () => {
    const r = repo(policy);
    expect(gitRevision(r)).toBe(git(r, "rev-parse", "HEAD"));
    expect(gitRevision(join(r, "policies"))).toBe(git(r, "rev-parse", "HEAD"));
    expect(gitRevision(r)).toBe(expected(r));
  });

  it("reports a modified tracked file as dirty", () => {
    const r = repo(policy);
    appendFileSync(join(r, "policies/sql.rego"), "allow := true\n");
    expect(gitRevision(r)).toBe(expected(r));
    expect(gitRevision(r)).toMatch(/-dirty$/);
  });

  it("reports a same-size rewrite (content hash, not only size) as dirty", () => {
    const r = repo(policy);
    writeFileSync(join(r, "policies/sql.rego"), "package sqx\n");
    expect(gitRevision(r)).toMatch(/-dirty$/);
    expect(gitRevision(r)).toBe(expected(r));
  });

  it("reports staged changes (index differs from HEAD) as dirty", () => {
    const r = repo(policy);
    appendFileSync(join(r, "policies/sql.rego"), "x := 1\n");
    git(r, "add", "policies/sql.rego");
    expect(gitRevision(r)).toBe(expected(r));
    expect(gitRevision(r)).toMatch(/-dirty$/);
    // Staged deletion: the file is gone from both the index and the work tree.
    const r2 = repo(policy);
    git(r2, "rm", "-q", "policies/sql.rego");
    expect(gitRevision(r2)).toBe(expected(r2));
  });

  it("reports deleted files and untracked policy files as dirty, not untracked docs", () => {
    const r = repo(policy);
    unlinkSync(join(r, "policies/data.json"));
    expect(gitRevision(r)).toBe(expected(r));
    const r2 = repo(policy);
    write(r2, { "policies/new.rego": "package n\n" });
    expect(gitRevision(r2)).toBe(expected(r2));
    const r3 = repo(policy);
    write(r3, { "notes.txt": "scratch" });
    expect(gitRevision(r3)).toBe(git(r3, "rev-parse", "HEAD")); // git says ?? notes.txt; not a policy file
  });

  it("only looks under dir", () => {
    const r = repo(policy);
    appendFileSync(join(r, "README.md"), "more\n");
    expect(gitRevision(join(r, "policies"))).toBe(expected(r, join(r, "policies")));
    expect(gitRevision(join(r, "policies"))).not.toMatch(/dirty/);
    expect(gitRevision(r)).toMatch(/-dirty$/);
  });

  it("works with packed objects and packed refs (after git gc), including staged changes", () => {
    const r = repo(policy);
    write(r, { "policies/more/k.rego": "package k\n" });
    git(r, "add", "-A");
    git(r, "commit", "-q", "-m", "second");
    appendFileSync(join(r, "policies/sql.rego"), "# comment long enough to make a delta worth it\n".repeat(5));
    git(r, "commit", "-q", "-am", "third");
    git(r, "gc", "-q", "--aggressive");
    git(r, "pack-refs", "--all");
    expect(gitRevision(r)).toBe(expected(r));
    expect(gitRevision(r)).not.toMatch(/dirty/);
    // Invalidate the cache-tree so HEAD's (packed, possibly deltified) trees must be read.
    appendFileSync(join(r, "policies/more/k.rego"), "y := 2\n");
    git(r, "add", "policies/more/k.rego");
    expect(gitRevision(r)).toBe(expected(r));
    git(r, "reset", "-q", "--hard");
    git(r, "read-tree", "HEAD"); // a fresh index without the TREE extension still matches HEAD
    expect(gitRevision(r)).toBe(expected(r));
    expect(gitRevision(r)).not.toMatch(/dirty/);
  });

  it("handles detached HEAD, index version 4 and worktrees", () => {
    const r = repo(policy);
    const first = git(r, "rev-parse", "HEAD");
    write(r, { "policies/b.rego": "package b\n" });
    git(r, "add", "-A");
    git(r, "commit", "-q", "-m", "two");
    git(r, "checkout", "-q", "--detach", first);
    expect(gitRevision(r)).toBe(first);
    git(r, "checkout", "-q", "main");
    git(r, "update-index", "--index-version", "4");
    expect(gitRevision(r)).toBe(expected(r));
    expect(gitRevision(r)).not.toMatch(/dirty/);

    const wt = join(mkdtempSync(join(tmpdir(), "wt-")), "tree");
    temps.push(dirname(wt));
    git(r, "worktree", "add", "-q", wt, first);
    expect(gitRevision(wt)).toBe(first);
    appendFileSync(join(wt, "policies/sql.rego"), "z := 3\n");
    expect(gitRevision(wt)).toBe(`${first}-dirty`);
    expect(gitRevision(wt)).toBe(expected(wt));
  });

  it("returns null outside a repository and before the first commit", () => {
    const plain = mkdtempSync(join(tmpdir(), "plain-"));
    temps.push(plain);
    // tmpdir is not inside a repository on the test machines; guard in case it is.
    const inRepo = (() => {
      try {
        git(plain, "rev-parse", "--git-dir");
        return true;
      } catch {
        return false;
      }
    })();
    if (!inRepo) expect(gitRevision(plain)).toBeNull();
    git(plain, "init", "-q");
    expect(gitRevision(plain)).toBeNull();
    expect(gitRevision(join(plain, "missing"))).toBeNull();
  });

  it("reads every object of a packed repository, deltas included, with the right ids", () => {
    const r = repo(policy);
    for (let i = 0; i < 6; i++) {
      appendFileSync(join(r, "policies/sql.rego"), `rule_${i} := ${i}\n`.repeat(20));
      git(r, "commit", "-q", "-am", `c${i}`);
    }
    git(r, "gc", "-q", "--aggressive");
    const loose = readdirSync(join(r, ".git/objects")).filter((d) => /^[0-9a-f]{2}$/.test(d));
    expect(loose).toEqual([]); // everything is in the pack now
    const verify = git(r, "verify-pack", "-v", ...readdirSync(join(r, ".git/objects/pack")).filter((f) => f.endsWith(".idx")).map((f) => join(r, ".git/objects/pack", f)));
    expect(verify).toMatch(/^chain length = \d+: /m); // at least one deltified object
    const store = new ObjectStore(join(r, ".git/objects"));
    const ids = git(r, "rev-list", "--objects", "--all").split("\n").map((l) => l.split(" ")[0]!);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) {
      const obj = store.read(id);
      expect(obj).not.toBeNull();
      const sha = createHash("sha1").update(`${obj!.type} ${obj!.body.length}\0`).update(obj!.body).digest("hex");
      expect(sha).toBe(id);
    }
    expect(store.read("0".repeat(40))).toBeNull();
  });

  it("hashes blobs as git does", () => {
    const r = repo({ "f.rego": "package f\n" });
    expect(blobSha(Buffer.from("package f\n"))).toBe(git(r, "hash-object", "f.rego"));
  });
});
