import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Decider, DecisionRecord, PolicyInput, SessionInfo } from "../../core/contracts.js";
import { ensureParser } from "../statement/index.js";
import { DENIED, Enforcer, refusalOf } from "./enforce.js";

await ensureParser();

const identity = { sub: "u", groups: [], issuer: "i", agent: false, claims: {} };
const connection = { name: "c", type: "postgres" as const, tags: {} };

/** A decider that denies anything writing `public.t`, counting its calls. */
function counting(): Decider & { calls: PolicyInput[] } {
  const calls: PolicyInput[] = [];
  let n = 0;
  return {
    calls,
    async decide(input) {
      calls.push(input);
      const req = input.request as { statements: { tables_written: string[] }[] };
      const deny = req.statements.some((s) => s.tables_written.includes("public.t")) ? ["writes t"] : [];
      return { decision_id: `d${++n}`, revision: "r", decision: { allow: true, deny, approval: null, mask: [] }, outcome: deny.length ? "deny" : "allow" };
    },
  };
}

function enforcer(decider: Decider, version?: () => number): { e: Enforcer; session: SessionInfo } {
  const session: SessionInfo = { id: "s", started_at: "", client_addr: "", stats: { statements: 0, denied: 0 } };
  return { e: new Enforcer({ decider, identity, connection, session, policyVersion: version }), session };
}

describe("Enforcer", () => {
  it("caches parameterless decisions per text and policy version, never with params or without a version", async () => {
    const d = counting();
    let version = 1;
    const { e, session } = enforcer(d, () => version);
    await e.decide(e.describe("SELECT 1"));
    await e.decide(e.describe("SELECT 1"));
    expect(d.calls.length).toBe(1);
    await e.decide(e.describe("SELECT $1::int", ["1"]));
    await e.decide(e.describe("SELECT $1::int", ["1"]));
    expect(d.calls.length).toBe(3);
    version = 2;
    await e.decide(e.describe("SELECT 1"));
    expect(d.calls.length).toBe(4);
    expect(session.stats).toEqual({ statements: 5, denied: 0 });

    const d2 = counting();
    const { e: uncached } = enforcer(d2);
    await uncached.decide(uncached.describe("SELECT 1"));
    await uncached.decide(uncached.describe("SELECT 1"));
    expect(d2.calls.length).toBe(2);
  });

  it("decides EXECUTE on the PREPAREd body, including one prepared in the same string", async () => {
    const d = counting();
    const { e, session } = enforcer(d, () => 1);
    const prep = e.describe("PREPARE p (int) AS DELETE FROM t WHERE id = $1");
    expect(await e.decide(prep)).not.toBeNull(); // the body writes t
    e.track(prep); // (had it been allowed and forwarded)
    const r = await e.decide(e.describe("EXECUTE p(1)"));
    expect(r?.sqlstate).toBe(DENIED);
    expect(e.prepared).toEqual({ p: "DELETE FROM t WHERE id = $1" });
    const same = e.describe("PREPARE q AS UPDATE t SET a = 1; EXECUTE q");
    expect(same.statements[1]!.tables_written).toContain("public.t");
    e.track(e.describe("DEALLOCATE ALL"));
    expect(e.prepared).toEqual({});
    expect(session.stats.denied).toBe(2);
  });

  it("fails closed when the decider throws", async () => {
    const { e } = enforcer({ decide: () => Promise.reject(new Error("boom")) });
    const r = await e.decide(e.describe("SELECT 1"));
    expect(r?.message).toContain("the decider failed: boom");
  });

  it("the cache never changes an answer: cached and uncached enforcers agree on any sequence", async () => {
    const texts = ["SELECT 1", "DELETE FROM t", "SELECT * FROM t", "INSERT INTO t VALUES (1)", "SELECT 2; DELETE FROM t"];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...texts), { maxLength: 20 }), async (seq) => {
        const a = enforcer(counting(), () => 7).e;
        const b = enforcer(counting()).e;
        for (const sql of seq) {
          const [x, y] = [await a.decide(a.describe(sql)), await b.decide(b.describe(sql))];
          expect(x === null).toBe(y === null);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("the gateway's own guard", () => {
  it("refuses changing client_encoding away from UTF8 before asking the policy", async () => {
    const d = counting();
    const { e } = enforcer(d);
    for (const sql of ["SET client_encoding = 'SJIS'", "SET NAMES 'GBK'", "DO $$ BEGIN SET client_encoding TO 'BIG5'; END $$", "SELECT set_config('client_encoding', 'SJIS', false)"]) {
      expect((await e.decide(e.describe(sql)))?.message, sql).toBe("denied by the gateway: client_encoding must stay UTF8");
    }
    expect(d.calls.length).toBe(0);
    expect(await e.decide(e.describe("SET client_encoding = 'UTF8'"))).toBeNull();
    expect(await e.decide(e.describe("SELECT set_config('search_path', 'public', false)"))).toBeNull();
  });
});

describe("refusalOf (the approval seam)", () => {
  const rec = (outcome: DecisionRecord["outcome"], extra: Partial<DecisionRecord["decision"]> = {}): DecisionRecord => ({
    decision_id: "abc",
    revision: "r",
    outcome,
    decision: { allow: outcome === "allow", deny: [], approval: null, mask: [], ...extra },
  });

  it("allows, denies with reasons and id, and refuses approvals when no workflow is configured", () => {
    expect(refusalOf(rec("allow"))).toBeNull();
    expect(refusalOf(rec("deny", { deny: ["a", "b"] }))?.message).toBe("denied by policy: a; b (decision abc)");
    expect(refusalOf(rec("deny"))?.message).toBe("denied by policy: not allowed by policy (decision abc)");
    const approval = { approvers: ["dba"], min: 1, reason: "big delete", ttl_seconds: 60 };
    const r = refusalOf(rec("approval", { approval }));
    expect(r).toMatchObject({ sqlstate: "42501", message: "requires approval: big delete (approvals are not configured; decision abc)" });
  });
});
