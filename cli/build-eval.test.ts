/**
 * `portcullis build` and `portcullis eval` as users run them: the default policy library
 * built into a bundle and evaluated from it, signing and verification, and the errors.
 */
import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { portcullis } from "./run-cli.js";
import { readTarGz, writeTarGz } from "../engine/bundle/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "portcullis-build-"));
const guardrailInput = join(root, "fixtures/policies/guardrail/input.json");

type ResultSet = { result?: { expressions: { value: unknown; text: string }[]; bindings?: Record<string, unknown> }[] };
const parse = (stdout: string) => JSON.parse(stdout) as ResultSet;

function tamper(bundle: string, out: string, file: string): void {
  const entries = readTarGz(new Uint8Array(readFileSync(bundle)));
  const changed = entries.map((e) => (e.name.replace(/^\//, "") === file ? { ...e, data: new TextEncoder().encode(new TextDecoder().decode(e.data) + "\n# edited\n") } : e));
  writeFileSync(out, writeTarGz(changed));
}

describe("portcullis build + eval on the policy library", () => {
  const bundle = join(work, "bundle.tar.gz");

  it("builds policies/ into a bundle that eval evaluates with the bundle's own Wasm", () => {
    const built = portcullis(["build", join(root, "policies"), "-o", bundle]);
    expect(built.stderr).toMatch(/wrote .*bundle\.tar\.gz: \d+ modules, entrypoints portcullis\/decision, revision [0-9a-f]{40}/);
    expect(built.code).toBe(0);
    const r = portcullis(["eval", "-d", bundle, "-i", guardrailInput, "data.portcullis.decision"]);
    expect(r.code).toBe(0);
    const value = parse(r.stdout).result![0]!.expressions[0]!.value as { allow: boolean; deny: unknown[]; mask: unknown[] };
    expect(value.allow).toBe(true);
    expect(value.deny).toEqual([]);
    expect(value.mask.length).toBeGreaterThan(0); // the agent reads an email column: masked
  });

  it("denies a DROP from the same bundle, with the reason", () => {
    const input = JSON.parse(readFileSync(guardrailInput, "utf8"));
    input.request.statements = [{ kind: "drop", object_type: "table", tables_read: [], tables_written: ["public.users"], columns: [], functions: [], has_where: false, nested: [] }];
    writeFileSync(join(work, "drop.json"), JSON.stringify(input));
    const r = portcullis(["eval", "-d", bundle, "-i", join(work, "drop.json"), "data.portcullis.decision"]);
    const value = parse(r.stdout).result![0]!.expressions[0]!.value as { allow: boolean; deny: string[] };
    expect(value.allow).toBe(false);
    expect(value.deny.join(" ")).toMatch(/DROP/i);
  });

  it("compiles other queries from the bundle's sources, on Wasm and on the IR interpreter alike", () => {
    for (const backend of ["wasm", "ir"]) {
      const r = portcullis(["eval", "-d", bundle, "--backend", backend, "x := count(data.portcullis_config.sql.dangerous_functions); x > 3; 1 == 2"]);
      expect(r.code, r.stderr).toBe(0);
      const row = parse(r.stdout).result![0]!;
      expect(row.bindings!.x).toBeGreaterThan(3);
      expect(row.expressions.map((e) => e.value)).toEqual([true, true, false]);
    }
  });

  it("prints {} for an undefined query; --fail turns that into exit 1", () => {
    const r = portcullis(["eval", "-d", bundle, "data.portcullis.no_such_rule"]);
    expect(r.stdout.trim()).toBe("{}");
    expect(r.code).toBe(0);
    expect(portcullis(["eval", "-d", bundle, "--fail", "data.portcullis.no_such_rule"]).code).toBe(1);
  });

  it("reports a query that does not parse as file:row:col and exits 1", () => {
    const r = portcullis(["eval", "-d", bundle, "x := 1 +"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^query\.rego:1:\d+: rego_parse_error: /);
  });

  it("writes the IR plan as JSON with -t plan", () => {
    const out = join(work, "plan.json");
    expect(portcullis(["build", join(root, "policies"), "-t", "plan", "-o", out]).code).toBe(0);
    const plan = JSON.parse(readFileSync(out, "utf8")) as { plans: { plans: { name: string }[] }; funcs: { funcs: unknown[] } };
    expect(plan.plans.plans.map((p) => p.name)).toEqual(["portcullis/decision"]);
    expect(plan.funcs.funcs.length).toBeGreaterThan(0);
  });
});

describe("signed bundles", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const priv = join(work, "key.pem");
  const pub = join(work, "key.pub.pem");
  writeFileSync(priv, privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(pub, publicKey.export({ type: "spki", format: "pem" }));
  const dir = join(work, "signed-src");
  mkdirSync(dir);
  writeFileSync(join(dir, "policy.rego"), "package portcullis\n\ndecision := {\"allow\": input.user == \"alice\", \"deny\": [], \"approval\": null, \"mask\": []}\n");
  const signed = join(work, "signed.tar.gz");
  const unsigned = join(work, "unsigned.tar.gz");

  it("round-trips: signed with RS256, verified and evaluated", () => {
    expect(portcullis(["build", dir, "-o", signed, "--signing-key", priv, "--revision", "r1"]).code).toBe(0);
    writeFileSync(join(work, "alice.json"), JSON.stringify({ user: "alice" }));
    const r = portcullis(["eval", "-d", signed, "--verification-key", pub, "-i", join(work, "alice.json"), "data.portcullis.decision.allow"]);
    expect(r.stderr).toBe("");
    expect(parse(r.stdout).result![0]!.expressions[0]!.value).toBe(true);
  });

  it("refuses a tampered bundle, naming the file that does not match", () => {
    const tampered = join(work, "tampered.tar.gz");
    tamper(signed, tampered, "policy.rego");
    const r = portcullis(["eval", "-d", tampered, "--verification-key", pub, "data.portcullis.decision"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("policy.rego");
    expect(r.stderr).toContain("bundle_file_mismatch");
  });

  it("refuses an unsigned bundle when a verification key is configured", () => {
    expect(portcullis(["build", dir, "-o", unsigned]).code).toBe(0);
    const r = portcullis(["eval", "-d", unsigned, "--verification-key", pub, "data.portcullis.decision"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bundle_unsigned");
  });
});

describe("build errors", () => {
  it("prints compile errors as file:row:col and writes nothing", () => {
    const dir = join(work, "broken");
    cpSync(join(root, "fixtures/policies/guardrail"), dir, { recursive: true });
    writeFileSync(join(dir, "extra.rego"), "package portcullis\n\nbroken if {\n  x := input.a\n  y == 1\n}\n");
    const out = join(work, "never.tar.gz");
    const r = portcullis(["build", dir, "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^extra\.rego:\d+:\d+: rego_(unsafe_var|compile)_error: /m);
    expect(() => readFileSync(out)).toThrow();
  });

  it("exits 2 on bad usage", () => {
    expect(portcullis(["build"]).code).toBe(2);
    expect(portcullis(["build", join(root, "policies"), "-t", "rpm"]).code).toBe(2);
    expect(portcullis(["build", join(root, "policies"), "--signing-alg", "XX1"]).code).toBe(2);
    expect(portcullis(["eval", "data.x"]).code).toBe(2);
  });
});
