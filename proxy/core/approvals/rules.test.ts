import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Identity } from "../contracts.js";
import { applyVote, effectiveStatus, expireIfDue } from "./rules.js";
import type { ApprovalRecord } from "./types.js";

const T0 = new Date("2026-01-01T00:00:00Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

function record(extra: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id: "abcd-efgh", created_at: T0.toISOString(), expires_at: at(600).toISOString(), status: "pending", mode: "hold",
    requester: { sub: "alice", groups: ["dev"] }, connection: "shop", summary: "TRUNCATE orders", binding: "b",
    approval: { approvers: ["dba"], min: 1, reason: "TRUNCATE needs a DBA", ttl_seconds: 600 }, votes: [], ...extra,
  };
}
const who = (sub: string, groups: string[], agent = false): Identity => ({ sub, groups, agent, issuer: "https://idp.test", claims: {} });

describe("applyVote", () => {
  it("grants on the first approval when min is 1, and moves expiry to now + ttl", () => {
    const out = applyVote(record(), who("bob", ["dba"]), "approve", "ok", at(10));
    expect("record" in out && out.record).toMatchObject({ status: "approved", expires_at: at(610).toISOString(), votes: [{ sub: "bob", decision: "approve", reason: "ok" }] });
  });
  it("needs min distinct approvers", () => {
    const r = record({ approval: { approvers: ["dba"], min: 2, reason: "r", ttl_seconds: 60 } });
    const one = applyVote(r, who("bob", ["dba"]), "approve", "", at(1));
    if (!("record" in one)) throw new Error("refused");
    expect(one.record.status).toBe("pending");
    expect(applyVote(one.record, who("bob", ["dba"]), "approve", "", at(2))).toEqual({ refused: { kind: "conflict", message: "you already voted on abcd-efgh" } });
    const two = applyVote(one.record, who("carol", ["dba"]), "approve", "", at(3));
    expect("record" in two && two.record.status).toBe("approved");
  });
  it("ends the request on any denial", () => {
    const r = record({ approval: { approvers: ["dba"], min: 2, reason: "r", ttl_seconds: 60 } });
    const one = applyVote(r, who("bob", ["dba"]), "approve", "", at(1));
    if (!("record" in one)) throw new Error("refused");
    const two = applyVote(one.record, who("carol", ["dba"]), "deny", "not today", at(2));
    expect("record" in two && two.record.status).toBe("denied");
  });
  it("refuses self-approval, non-members, agents, decided and expired requests", () => {
    expect(applyVote(record(), who("alice", ["dba"]), "approve", "", at(1))).toMatchObject({ refused: { kind: "forbidden", message: "you cannot vote on your own request" } });
    expect(applyVote(record(), who("dave", ["dev"]), "approve", "", at(1))).toMatchObject({ refused: { kind: "forbidden" } });
    expect(applyVote(record(), who("bot", ["dba"], true), "approve", "", at(1))).toMatchObject({ refused: { kind: "forbidden", message: "agents cannot vote on approvals" } });
    expect(applyVote(record({ status: "denied" }), who("bob", ["dba"]), "approve", "", at(1))).toMatchObject({ refused: { kind: "conflict" } });
    expect(applyVote(record(), who("bob", ["dba"]), "approve", "", at(600))).toMatchObject({ refused: { kind: "conflict", message: "approval abcd-efgh is already expired" } });
  });
  it("never approves with fewer than min distinct non-requester members (property)", () => {
    const voters = fc.record({ sub: fc.constantFrom("alice", "bob", "carol", "erin", "frank"), groups: fc.subarray(["dba", "dev", "ops"]), agent: fc.boolean(), decision: fc.constantFrom("approve" as const, "deny" as const) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(voters, { maxLength: 8 }), (min, vs) => {
        let r = record({ approval: { approvers: ["dba", "ops"], min, reason: "r", ttl_seconds: 60 } });
        for (const v of vs) {
          const out = applyVote(r, who(v.sub, v.groups, v.agent), v.decision, "", at(1));
          if ("record" in out) r = out.record;
        }
        const valid = r.votes.filter((v) => v.sub !== "alice");
        expect(valid.length).toBe(r.votes.length);
        expect(new Set(r.votes.map((v) => v.sub)).size).toBe(r.votes.length);
        if (r.status === "approved") expect(r.votes.filter((v) => v.decision === "approve").length).toBeGreaterThanOrEqual(min);
        if (r.votes.some((v) => v.decision === "deny")) expect(r.status).toBe("denied");
      }),
    );
  });
});

describe("expiry", () => {
  it("pending and approved records expire at expires_at; others keep their status", () => {
    expect(effectiveStatus(record(), at(599))).toBe("pending");
    expect(effectiveStatus(record(), at(600))).toBe("expired");
    expect(effectiveStatus(record({ status: "approved" }), at(601))).toBe("expired");
    expect(effectiveStatus(record({ status: "consumed" }), at(601))).toBe("consumed");
    expect(expireIfDue(record(), at(1))).toBeUndefined();
    expect(expireIfDue(record(), at(700))).toMatchObject({ status: "expired", decided_at: at(700).toISOString() });
  });
});
