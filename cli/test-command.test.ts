/** `portcullis test` as users run it: the policy library, a failing fixture, options. */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { portcullis } from "./run-cli.js";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("portcullis test", () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-test-"));
  writeFileSync(join(dir, "p.rego"), 'package demo\n\nallow if input.user == "alice"\n\nlimit := 10 if input.tier == "free"\n');
  writeFileSync(
    join(dir, "p_test.rego"),
    'package demo_test\n\nimport data.demo\n\ntest_alice if demo.allow with input as {"user": "alice"}\n\ntest_bob_is_allowed if demo.allow with input as {"user": "bob"}\n',
  );

  it("passes the default policy library on Wasm, ending with 'N passed, 0 failed'", () => {
    const r = portcullis(["test", join(root, "policies")]);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });

  it("reports the library's coverage at or above 90%", () => {
    const r = portcullis(["test", join(root, "policies"), "--coverage", "--threshold", "90"]);
    expect(r.code).toBe(0);
    const total = /total: ([\d.]+)%/.exec(r.stdout);
    expect(Number(total?.[1])).toBeGreaterThanOrEqual(90);
  });

  it("fails with the failing rule's location and exit 1", () => {
    const r = portcullis(["test", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("data.demo_test.test_alice: PASS");
    expect(r.stdout).toMatch(/data\.demo_test\.test_bob_is_allowed: FAIL[^\n]*\n\s+\S*p_test\.rego:7: /);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("1 passed, 1 failed");
  });

  it("selects tests with -r and prints JSON with --json", () => {
    const r = portcullis(["test", dir, "-r", "alice$", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { tests: { name: string; status: string; location: { row: number } }[] };
    expect(report.tests.map((t) => [t.name, t.status, t.location.row])).toEqual([["test_alice", "pass", 5]]);
  });

  it("fails below a coverage threshold", () => {
    const r = portcullis(["test", dir, "-r", "alice", "--coverage", "--threshold", "100"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/p\.rego: [\d.]+% /);
  });

  it("exits 2 on bad usage", () => {
    expect(portcullis(["test"]).code).toBe(2);
    expect(portcullis(["test", dir, "--threshold", "150"]).code).toBe(2);
  });
});
