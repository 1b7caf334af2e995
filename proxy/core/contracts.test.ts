import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { outcomeOf, toDecision } from "./contracts.js";

describe("toDecision fails closed", () => {
  it("accepts a well-formed decision", () => {
    const d = toDecision({ allow: true, deny: [], approval: null, mask: [{ column: "public.users.email", method: "redact" }] });
    expect(d).toEqual({ allow: true, deny: [], approval: null, mask: [{ column: "public.users.email", method: "redact" }] });
    expect(outcomeOf(d)).toBe("allow");
  });

  it.each([
    [undefined, "undefined"],
    [null, "not an object"],
    [[true], "not an object"],
    [{ deny: [] }, "boolean `allow`"],
    [{ allow: "yes" }, "boolean `allow`"],
    [{ allow: true, deny: "no" }, "`deny` that is not a list"],
    [{ allow: true, mask: [{ method: "redact" }] }, "malformed `mask`"],
    [{ allow: true, approval: { approvers: "dba", min: 1, reason: "", ttl_seconds: 1 } }, "malformed `approval`"],
    [{ allow: true, approval: { approvers: ["dba"], min: 0, reason: "", ttl_seconds: 1 } }, "malformed `approval`"],
  ])("denies %j with a reason mentioning %s", (raw, reason) => {
    const d = toDecision(raw);
    expect(d.allow).toBe(false);
    expect(d.deny[0]).toContain(reason);
    expect(outcomeOf(d)).toBe("deny");
  });

  it("orders outcomes deny > approval > allow", () => {
    const approval = { approvers: ["dba"], min: 1, reason: "unbounded delete", ttl_seconds: 600 };
    expect(outcomeOf(toDecision({ allow: true, deny: ["no"], approval }))).toBe("deny");
    expect(outcomeOf(toDecision({ allow: true, deny: [], approval }))).toBe("approval");
    expect(outcomeOf(toDecision({ allow: false, deny: [], approval: null }))).toBe("deny");
  });

  it("never throws and never allows what is not a well-formed allow", () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        const d = toDecision(raw);
        if (outcomeOf(d) === "allow") {
          expect((raw as { allow: unknown }).allow).toBe(true);
        }
      }),
    );
  });
});
