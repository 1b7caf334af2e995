import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LosslessNumber } from "lossless-json";
import { buildEvent, encodeEvent, formatTimestamp, nowNs, type DecisionRecord } from "./event.js";
import { compileMask } from "./mask.js";

const decision: DecisionRecord = {
  path: "portcullis/decision",
  revision: "4b1c0de",
  bundle: "portcullis",
  result: { allow: false, deny: ["DROP is not allowed"], approval: null, mask: [] },
  metrics: { timer_rego_query_eval_ns: 1234 },
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("decision events", () => {
  it("have OPA's shape and field order", () => {
    const event = buildEvent(decision, {
      labels: { id: "gw-1", version: "0.1.0" },
      input: { request: { sql: "DROP TABLE users", params: [1] } },
      timestampNs: 1_700_000_000_123_456_789n,
      requestedBy: "10.0.0.7:53122",
    });
    expect(event.decision_id).toMatch(UUID);
    const line = encodeEvent(event);
    expect(line).not.toContain("\n");
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["labels", "decision_id", "bundles", "path", "input", "result", "requested_by", "timestamp", "metrics"]);
    expect(parsed).toMatchObject({
      labels: { id: "gw-1", version: "0.1.0" },
      bundles: { portcullis: { revision: "4b1c0de" } },
      path: "portcullis/decision",
      input: { request: { sql: "DROP TABLE users", params: [1] } },
      result: decision.result!,
      timestamp: "2023-11-14T22:13:20.123456789Z",
      metrics: { timer_rego_query_eval_ns: 1234 },
    });
  });

  it("list erased and masked paths of nested input and result fields", () => {
    const { mask } = compileMask({ erase: ["/input/request/params"], mask: ["/input/identity/email", "/result/deny"] });
    const event = buildEvent(decision, {
      labels: { id: "gw", version: "1" },
      input: { identity: { email: "a@b.c", sub: "a" }, request: { sql: "x", params: ["secret"] } },
      mask,
      decisionId: "d-1",
    });
    const parsed = JSON.parse(encodeEvent(event)) as Record<string, unknown>;
    expect(parsed.erased).toEqual(["/input/request/params"]);
    expect(parsed.masked).toEqual(["/input/identity/email", "/result/deny"]);
    expect(parsed.input).toEqual({ identity: { email: "**MASKED**", sub: "a" }, request: { sql: "x" } });
    expect((parsed.result as Record<string, unknown>).deny).toBe("**MASKED**");
    expect(Object.keys(parsed).indexOf("erased")).toBe(Object.keys(parsed).indexOf("result") + 1);
    expect(parsed.decision_id).toBe("d-1");
  });

  it("omit bundles without a policy, result when undefined, and carry errors", () => {
    const line = encodeEvent(
      buildEvent({ path: "portcullis/decision", revision: null, bundle: "portcullis", error: { code: "policy_not_ready", message: "no policy" } }, { labels: { id: "x", version: "y" } }),
    );
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed.bundles).toBeUndefined();
    expect("result" in parsed).toBe(false);
    expect("input" in parsed).toBe(false);
    expect(parsed.error).toEqual({ code: "policy_not_ready", message: "no policy" });
  });

  it("write big numbers exactly", () => {
    const line = encodeEvent(buildEvent({ ...decision, result: { n: new LosslessNumber("18446744073709551617") } }, { labels: {}, input: { m: 0.1 } }));
    expect(line).toContain('"result":{"n":18446744073709551617}');
    expect(line).toContain('"input":{"m":0.1}');
  });
});

describe("timestamps", () => {
  it("are RFC 3339 UTC with trailing zeros trimmed, as Go's RFC3339Nano", () => {
    expect(formatTimestamp(0n)).toBe("1970-01-01T00:00:00Z");
    expect(formatTimestamp(1_500_000_000n)).toBe("1970-01-01T00:00:01.5Z");
    expect(formatTimestamp(1_514_764_800_000_000_100n)).toBe("2018-01-01T00:00:00.0000001Z");
    expect(formatTimestamp(-1n)).toBe("1969-12-31T23:59:59.999999999Z");
  });

  it("round-trip to the millisecond through Date, and nowNs is close to Date.now()", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 4_000_000_000_000_000_000n }), (ns) => {
        const text = formatTimestamp(ns);
        expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
        expect(BigInt(Date.parse(text))).toBe(ns / 1_000_000n);
        const frac = /\.(\d+)Z$/.exec(text)?.[1] ?? "";
        expect(BigInt(frac.padEnd(9, "0") || "0")).toBe(ns % 1_000_000_000n);
      }),
    );
    const drift = Number(nowNs() / 1_000_000n) - Date.now();
    expect(Math.abs(drift)).toBeLessThan(50);
  });
});
