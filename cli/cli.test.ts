/**
 * The `portcullis` command as users run it: a child process of the built CLI, checking
 * output and exit codes (0 ok, 1 problem found, 2 bad usage).
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMANDS } from "./commands/index.js";
import { portcullis } from "./run-cli.js";


describe("portcullis CLI", () => {
  it("lists every command in --help and exits 0", () => {
    const r = portcullis(["--help"]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(c.name);
  });

  it("exits 2 with the command list when no command is given", () => {
    const r = portcullis([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage: portcullis <command>");
  });

  it("exits 2 on an unknown command", () => {
    const r = portcullis(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it.each(COMMANDS.map((c) => c.name))("has --help for %s", (name) => {
    const r = portcullis([name, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: portcullis ${name}`);
  });

  it.each(COMMANDS.map((c) => c.name))("exits 2 on an unknown option to %s", (name) => {
    const r = portcullis([name, "--no-such-option"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--no-such-option");
  });
});

describe("portcullis check", () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-check-"));
  mkdirSync(join(dir, "good"));
  mkdirSync(join(dir, "bad"));
  writeFileSync(join(dir, "good", "a.rego"), "package a\n\nallow if input.user == \"alice\"\n");
  writeFileSync(join(dir, "good", "b.rego"), "package b\n\nimport rego.v1\n\nxs contains x if some x in [1, 2]\n");
  writeFileSync(join(dir, "bad", "c.rego"), "package c\n\np := \"unterminated\n");
  writeFileSync(join(dir, "bad", "d.rego"), "package d\n\nq if {\n  x := [1, 2\n}\n");

  it("exits 0 and reports no errors for valid files", () => {
    const r = portcullis(["check", join(dir, "good")]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("2 files checked, 0 errors");
    expect(r.code).toBe(0);
  });

  it("prints file:row:col: rego_parse_error lines and exits 1", () => {
    const r = portcullis(["check", "bad"], dir);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    expect(lines.some((l) => /^bad\/c\.rego:3:\d+: rego_parse_error: /.test(l))).toBe(true);
    expect(lines.some((l) => /^bad\/d\.rego:\d+:\d+: rego_parse_error: /.test(l))).toBe(true);
    expect(r.stdout).not.toMatch(/\n\s+at /); // never a stack trace
  });

  it("prints JSON with --json", () => {
    const r = portcullis(["check", "--json", "bad/c.rego"], dir);
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.stdout) as { files: number; errors: { file: string; row: number; code: string }[] };
    expect(parsed.files).toBe(1);
    expect(parsed.errors[0]).toMatchObject({ file: "bad/c.rego", row: 3, code: "rego_parse_error" });
  });

  it("exits 2 for a path that does not exist", () => {
    const r = portcullis(["check", join(dir, "missing")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no such file or directory");
  });
});

describe("portcullis fmt", () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-fmt-"));
  const messy = "package   a\nimport rego.v1\n# allow admins\nallow if {   input.user == \"admin\" ;  count(input.roles)>0 }\n";
  writeFileSync(join(dir, "a.rego"), messy);
  writeFileSync(join(dir, "broken.rego"), "package b\n\np := [1,\n");

  it("prints the canonical form, which is a fixed point and keeps comments", () => {
    const first = portcullis(["fmt", "a.rego"], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("package a");
    expect(first.stdout).toContain("# allow admins");
    expect(first.stdout).toContain('input.user == "admin"');
    expect(first.stdout).toContain("count(input.roles) > 0");
    writeFileSync(join(dir, "formatted.rego"), first.stdout);
    expect(portcullis(["fmt", "formatted.rego"], dir).stdout).toBe(first.stdout);
  });

  it("--check lists differing files and exits 1; --write fixes them", () => {
    const check = portcullis(["fmt", "--check", "a.rego"], dir);
    expect(check.code).toBe(1);
    expect(check.stdout.trim()).toBe("a.rego");
    expect(portcullis(["fmt", "--write", "a.rego"], dir).code).toBe(0);
    expect(portcullis(["fmt", "--check", "a.rego"], dir).code).toBe(0);
  });

  it("reports a file that does not parse and exits 1", () => {
    const r = portcullis(["fmt", "broken.rego"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^broken\.rego:\d+:\d+: rego_parse_error: /m);
  });
});
