/**
 * Differential tests: Rego compiled by the planner, run by the IR interpreter (the
 * oracle) and by our Wasm module on the same generated inputs, must agree exactly.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { buildIR } from "../pipeline.js";
import { evaluate } from "../ir/interpreter.js";
import type { Policy as IR } from "../ir/types.js";
import { equal, fromJSON, stringifyJSON, RNumber, RSet, type Value } from "../values/index.js";
import { compileWasm, loadPolicy, type LoadedPolicy } from "./index.js";

const SOURCE = `package t
import rego.v1

default allow := false
allow if {
  input.user.name in data.admins
  count(input.roles) > 0
}
allow if { input.user.level >= 10 }

deny contains msg if {
  some i, r in input.roles
  not startswith(r, "ok")
  msg := concat(":", [lower(r), upper(input.user.name)])
}

total := sum([x | some x in input.nums])
bumped := [y | some x in input.nums; y := x + 1]
keys := {k | some k, _ in input.user}
big := input.user.level * 4294967296 * 4294967296
obj := {r: count(r) | some r in input.roles}
same := input.nums[0] == input.nums[1]
ordered := sort(input.nums)
summary := {"allow": allow, "deny": deny, "keys": keys, "same": same}
`;

const ENTRYPOINTS = ["t/allow", "t/deny", "t/total", "t/bumped", "t/keys", "t/big", "t/obj", "t/same", "t/ordered", "t/summary"];
const DATA = { admins: ["alice", "bob", "é"] };

let ir: IR;
let wasm: LoadedPolicy;

beforeAll(async () => {
  const out = buildIR({ modules: [{ file: "t.rego", source: SOURCE }], entrypoints: ENTRYPOINTS });
  expect(out.errors).toEqual([]);
  ir = out.policy!;
  wasm = await loadPolicy(await compileWasm(ir), { data: DATA });
});

const number = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => RNumber.fromInt(b)),
  fc.tuple(fc.integer({ min: -10000, max: 10000 }), fc.integer({ min: 1, max: 4 })).map(([m, e]) => RNumber.of(BigInt(m), -e)),
);
const name = fc.constantFrom("alice", "bob", "carol", "é", "ÉVE", "", "okay");
const input = fc.record(
  {
    user: fc.record({ name, level: fc.oneof(number, fc.constant("high")) }, { requiredKeys: ["name"] }),
    roles: fc.array(fc.oneof(name, fc.constantFrom("ok-read", "ok", "Admin", "x")), { maxLength: 5 }),
    nums: fc.array(number, { maxLength: 5 }),
  },
  { requiredKeys: [] },
);

const show = (vs: Value[]) => vs.map((v) => stringifyJSON(v)).sort();

/**
 * Same result sets, numbers compared by value: a number's text may differ (`0.0` from
 * Wasm, where host results keep their text, vs `0`) while the values are equal.
 */
function expectSame(got: Value[], want: Value[], ep: string): void {
  if (!equal(RSet.from(got), RSet.from(want))) expect(show(got), ep).toEqual(show(want));
}

describe("IR interpreter vs Wasm", () => {
  test("agree on every entrypoint for generated inputs", () => {
    fc.assert(
      fc.property(input, (inp) => {
        const value = fromJSON(inp);
        for (const ep of ENTRYPOINTS) {
          const want = evaluate(ir, ep, { input: value, data: fromJSON(DATA) });
          let got: Value[] | { error: string };
          try {
            got = wasm.evaluate(value, ep);
          } catch (e) {
            got = { error: String(e) };
          }
          if ("error" in want) {
            // the interpreter raised: Wasm must not produce a result
            expect(Array.isArray(got) ? show(got) : [], ep).toEqual([]);
          } else {
            if (!Array.isArray(got)) expect(got, ep).toEqual(show(want.results));
            else expectSame(got, want.results, ep);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  test("agree when input is absent", () => {
    for (const ep of ENTRYPOINTS) {
      const want = evaluate(ir, ep, { data: fromJSON(DATA) });
      expect("results" in want, ep).toBe(true);
      if ("results" in want) expectSame(wasm.evaluate(undefined, ep), want.results, ep);
    }
  });
});
