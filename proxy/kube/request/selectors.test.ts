import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import type { SelectorRequirement } from "./types.js";

const name = fc.stringMatching(/^[a-z0-9]([a-z0-9_.-]{0,10}[a-z0-9])?$/);
const key = fc.tuple(fc.option(fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,8}[a-z0-9])?$/), { nil: undefined }), name)
  .map(([prefix, n]) => (prefix ? `${prefix}/${n}` : n));
const value = fc.oneof(fc.constant(""), name);

/** How kubectl (and people) write a requirement. */
function render(r: SelectorRequirement): string {
  switch (r.operator) {
    case "in": case "notin": return `${r.key} ${r.operator} (${r.values.join(",")})`;
    case "exists": return r.key;
    case "!": return `!${r.key}`;
    case "gt": return `${r.key}>${r.values[0]}`;
    case "lt": return `${r.key}<${r.values[0]}`;
    default: return `${r.key}${r.operator}${r.values[0]}`;
  }
}

const requirement: fc.Arbitrary<SelectorRequirement> = fc.oneof(
  fc.record({ key, operator: fc.constantFrom("=", "==", "!=") as fc.Arbitrary<SelectorRequirement["operator"]>, values: value.map((v) => [v]) }),
  fc.record({ key, operator: fc.constantFrom("in", "notin") as fc.Arbitrary<SelectorRequirement["operator"]>, values: fc.array(name, { minLength: 1, maxLength: 3 }) }),
  fc.record({ key, operator: fc.constantFrom("exists", "!") as fc.Arbitrary<SelectorRequirement["operator"]>, values: fc.constant<string[]>([]) }),
  fc.record({ key, operator: fc.constantFrom("gt", "lt") as fc.Arbitrary<SelectorRequirement["operator"]>, values: fc.integer({ min: -99, max: 999 }).map((n) => [String(n)]) }),
);

describe("label selectors", () => {
  // `app=` is valid: it matches an empty label value.
  it("parse back what was written, requirement by requirement", () => {
    fc.assert(fc.property(fc.array(requirement, { maxLength: 5 }), (reqs) => {
      const parsed = parseLabelSelector(reqs.map(render).join(","));
      expect(parsed).toEqual({ ok: true, requirements: reqs });
    }));
  });

  it.each(["=web", "a b", "app in ()", "app in (a b)", "app>x", "!", "app=web,,tier=db", "Bad Key=1", "app=we b"])("refuses %j", (text) => {
    expect(parseLabelSelector(text).ok).toBe(false);
  });
});

describe("field selectors", () => {
  it("parse back values with escaped commas, equals signs and backslashes", () => {
    const fieldValue = fc.string({ maxLength: 12 });
    const escape = (v: string): string => v.replace(/[\\,=]/g, (c) => `\\${c}`);
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom("metadata.name", "status.phase", "spec.nodeName"), fc.constantFrom("=", "==", "!="), fieldValue), { minLength: 1, maxLength: 4 }), (reqs) => {
      const text = reqs.map(([k, op, v]) => `${k}${op}${escape(v)}`).join(",");
      expect(parseFieldSelector(text)).toEqual({ ok: true, requirements: reqs.map(([k, op, v]) => ({ key: k, operator: op, values: [v] })) });
    }));
  });

  it.each(["metadata.name", "=x", "a=b\\", "a=\\q"])("refuses %j", (text) => {
    expect(parseFieldSelector(text).ok).toBe(false);
  });
});
