import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bindingHash, ID_PATTERN, newApprovalId, normalizeStatement } from "./binding.js";

const base = { requesterSub: "alice", connection: "shop" };

describe("normalizeStatement", () => {
  it("collapses whitespace outside quotes and drops trailing semicolons", () => {
    expect(normalizeStatement("  DELETE\n\tFROM  orders   WHERE id = 1 ;\n")).toBe("DELETE FROM orders WHERE id = 1");
    expect(normalizeStatement("SELECT 'a   b',  \"x  y\",  $q$ p  q $q$")).toBe("SELECT 'a   b', \"x  y\", $q$ p  q $q$");
    expect(normalizeStatement("SELECT 'it''s  ok'")).toBe("SELECT 'it''s  ok'");
  });
  it("is idempotent (property)", () => {
    fc.assert(fc.property(fc.string(), (s) => {
      expect(normalizeStatement(normalizeStatement(s))).toBe(normalizeStatement(s));
    }));
  });
});

describe("bindingHash", () => {
  const h = (statement: string, extra: object = {}) => bindingHash({ ...base, statement, ...extra });
  it("is the same for the same statement laid out differently", () => {
    expect(h("DELETE FROM orders")).toBe(h("DELETE   FROM\norders;"));
    expect(h("DELETE FROM orders")).toMatch(/^[0-9a-f]{64}$/);
  });
  it("changes with text inside quotes, case, parameters, requester and connection", () => {
    const x = h("DELETE FROM t WHERE n = 'a b'");
    expect(h("DELETE FROM t WHERE n = 'a  b'")).not.toBe(x);
    expect(h("delete from t where n = 'a b'")).not.toBe(x);
    expect(h("DELETE FROM t WHERE n = 'a b'", { requesterSub: "bob" })).not.toBe(x);
    expect(h("DELETE FROM t WHERE n = 'a b'", { connection: "other" })).not.toBe(x);
    expect(h("DELETE FROM t WHERE id = $1", { params: ["1"] })).not.toBe(h("DELETE FROM t WHERE id = $1", { params: ["2"] }));
    expect(h("q", { params: [null] })).not.toBe(h("q", { params: ["null"] }));
    expect(h("q", { params: [new Uint8Array([49])] })).not.toBe(h("q", { params: ["1"] }));
    expect(h("q", { params: [] })).toBe(h("q"));
  });
  it("differs for different parameter lists (property)", () => {
    const param = fc.oneof(fc.string(), fc.constant(null));
    fc.assert(fc.property(fc.array(param), fc.array(param), (a, b) => {
      fc.pre(JSON.stringify(a) !== JSON.stringify(b));
      expect(h("q", { params: a })).not.toBe(h("q", { params: b }));
    }));
  });
});

describe("newApprovalId", () => {
  it("is short, typable and varied", () => {
    const ids = new Set(Array.from({ length: 500 }, newApprovalId));
    expect(ids.size).toBe(500);
    for (const id of ids) expect(id).toMatch(ID_PATTERN);
  });
});
