import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { collectPolicyDir } from "./collect.js";

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "collect-"));
  roots.push(root);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

describe("collectPolicyDir", () => {
  it("collects .rego sources (tests included) sorted, skipping dot-folders and node_modules", () => {
    const dir = tree({
      "sql/guard.rego": "package sql\n",
      "sql/guard_test.rego": "package sql_test\n",
      "kube/ns.rego": "package kube\n",
      "README.md": "# not policy",
      ".git/hooks/x.rego": "package hidden\n",
      ".github/ci.rego": "package hidden\n",
      "node_modules/pkg/y.rego": "package hidden\n",
      "notes.json": '{"ignored": true}',
    });
    const out = collectPolicyDir(dir);
    expect(out.errors).toEqual([]);
    expect(out.modules).toEqual([
      { path: "kube/ns.rego", source: "package kube\n" },
      { path: "sql/guard.rego", source: "package sql\n" },
      { path: "sql/guard_test.rego", source: "package sql_test\n" },
    ]);
    expect(out.data).toEqual({});
  });

  it("merges data.json / data.yaml / data.yml by directory path", () => {
    const dir = tree({
      "data.json": '{"top": 1, "a": {"x": true}}',
      "a/b/data.json": '{"limit": 5}',
      "a/c/data.yaml": "users:\n  - alice\n  - bob\n",
      "a/b/d/data.yml": "7",
    });
    const out = collectPolicyDir(dir);
    expect(out.errors).toEqual([]);
    expect(out.data).toEqual({ top: 1, a: { x: true, b: { limit: 5, d: 7 }, c: { users: ["alice", "bob"] } } });
  });

  it("reports conflicting keys naming both files", () => {
    const dir = tree({
      "a/data.json": '{"b": {"limit": 1}}',
      "a/b/data.yaml": "limit: 2\n",
    });
    const out = collectPolicyDir(dir);
    expect(out.errors).toHaveLength(1);
    const e = out.errors[0]!;
    expect(e.code).toBe("bundle_data_invalid");
    expect(e.file).toBe("a/data.json");
    expect(e.message).toContain("a/b/data.yaml");
    expect(e.message).toContain("data.a.b.limit");
  });

  it("reports unparseable data files and a non-object root, and keeps going", () => {
    const dir = tree({
      "data.json": "[1, 2]",
      "x/data.json": "{oops",
      "y/data.yaml": "a: [1,\n",
      "z/data.json": '{"fine": true}',
    });
    const out = collectPolicyDir(dir);
    expect(out.errors.map((e) => e.file).sort()).toEqual(["data.json", "x/data.json", "y/data.yaml"]);
    expect(out.errors.every((e) => e.code === "bundle_data_invalid")).toBe(true);
    expect(out.data).toEqual({ z: { fine: true } });
  });

  it("does not follow symbolic links and reports a missing directory", () => {
    const outside = tree({ "secret.rego": "package secret\n" });
    const dir = tree({ "p.rego": "package p\n" });
    symlinkSync(outside, join(dir, "linked"));
    expect(collectPolicyDir(dir).modules.map((m) => m.path)).toEqual(["p.rego"]);
    expect(collectPolicyDir(join(dir, "nope")).errors[0]!.code).toBe("bundle_io_error");
  });
});
