import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { claimAt, groupsFrom, isAgent, toIdentity } from "./mapping.js";
import { AuthError, type ProviderConfig } from "./types.js";

const provider: ProviderConfig = { issuer: "https://idp.test", audience: "p", jwksFile: "/x" };

describe("claim paths", () => {
  it("walk nested objects with dots", () => {
    const claims = { realm_access: { roles: ["dba", "eng"] }, a: { b: { c: 1 } } };
    expect(claimAt(claims, "realm_access.roles")).toEqual(["dba", "eng"]);
    expect(claimAt(claims, "a.b.c")).toBe(1);
    expect(claimAt(claims, "a.x.c")).toBeUndefined();
    expect(claimAt(claims, "realm_access.roles.length")).toBeUndefined();
  });

  it("prefer a literal key containing dots (namespaced claims)", () => {
    const claims = { "https://acme.test/groups": ["ops"], https: { "//acme": 1 } };
    expect(claimAt(claims, "https://acme.test/groups")).toEqual(["ops"]);
  });

  it("do not reach into prototypes", () => {
    expect(claimAt({}, "constructor")).toBeUndefined();
    expect(claimAt({ a: {} }, "a.__proto__")).toBeUndefined();
  });
});

describe("groups", () => {
  it("from a list, a single string, or nothing", () => {
    expect(groupsFrom(["a", "b", "a"])).toEqual(["a", "b"]);
    expect(groupsFrom("admins")).toEqual(["admins"]);
    expect(groupsFrom("")).toEqual([]);
    expect(groupsFrom(undefined)).toEqual([]);
    expect(groupsFrom({ a: 1 })).toEqual([]);
    expect(groupsFrom(["a", 1, null, { x: 1 }])).toEqual(["a"]);
  });

  it("are always distinct non-empty strings taken from the claim (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const g = groupsFrom(v);
        expect(new Set(g).size).toBe(g.length);
        for (const x of g) {
          expect(typeof x).toBe("string");
          expect(x).not.toBe("");
          expect(Array.isArray(v) ? v.includes(x) : v === x).toBe(true);
        }
      }),
    );
  });

  it("map through the configured claim into the identity", () => {
    const claims = { sub: "u1", email: "u1@x.test", realm_access: { roles: ["dba"] }, groups: ["ignored"] };
    const id = toIdentity(claims, { ...provider, groupsClaim: "realm_access.roles" });
    expect(id).toEqual({ sub: "u1", email: "u1@x.test", groups: ["dba"], issuer: "https://idp.test", agent: false, claims });
    expect(toIdentity({ sub: "u2", email: 7 }, provider)).toEqual({ sub: "u2", groups: [], issuer: "https://idp.test", agent: false, claims: { sub: "u2", email: 7 } });
    expect(() => toIdentity({ email: "x" }, provider)).toThrow(AuthError);
    expect(toIdentity({ sub: "u3", email: "ceo@acme.test", email_verified: false }, provider).email).toBeUndefined();
    expect(toIdentity({ sub: "u3", email: "u3@acme.test", email_verified: true }, provider).email).toBe("u3@acme.test");
  });
});

describe("agent marking", () => {
  it("by a claim value, single or in a list", () => {
    const rule = { claim: "azp", values: ["claude-code", "cursor"] };
    expect(isAgent({ azp: "cursor" }, [], rule)).toBe(true);
    expect(isAgent({ azp: "psql-cli" }, [], rule)).toBe(false);
    expect(isAgent({ azp: ["x", "claude-code"] }, [], rule)).toBe(true);
    expect(isAgent({}, [], rule)).toBe(false);
  });

  it("by the mere presence of a claim (delegation: act)", () => {
    expect(isAgent({ act: { sub: "agent-7" } }, [], { claim: "act" })).toBe(true);
    expect(isAgent({ act: null }, [], { claim: "act" })).toBe(false);
    expect(isAgent({}, [], { claim: "act" })).toBe(false);
    expect(isAgent({ ext: { is_agent: true } }, [], { claim: "ext.is_agent", values: [true] })).toBe(true);
    expect(isAgent({ ext: { is_agent: false } }, [], { claim: "ext.is_agent", values: [true] })).toBe(false);
  });

  it("by group membership, and never without a rule", () => {
    expect(isAgent({}, ["ai-agents", "eng"], { groups: ["ai-agents"] })).toBe(true);
    expect(isAgent({}, ["eng"], { groups: ["ai-agents"] })).toBe(false);
    expect(isAgent({ azp: "claude-code", act: {} }, ["ai-agents"], undefined)).toBe(false);
    const id = toIdentity({ sub: "bot", roles: ["ai-agents"] }, { ...provider, groupsClaim: "roles", agent: { groups: ["ai-agents"] } });
    expect(id.agent).toBe(true);
  });
});
