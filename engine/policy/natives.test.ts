/**
 * The builtins the Wasm runtime answers natively (split, replace, trim*, sprintf, sort,
 * array.concat, set union/intersection/difference) and rule memoisation, checked
 * against the IR interpreter (whose builtins are the TypeScript host ones) on generated
 * inputs, including the cases the runtime hands back to the host (empty separators,
 * non-ASCII cut sets and spaces, other sprintf verbs, wrong types).
 */
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { buildIR } from "../pipeline.js";
import { evaluate } from "../ir/interpreter.js";
import type { Policy as IR } from "../ir/types.js";
import { RNumber, fromJSON, stringifyJSON, type Value } from "../values/index.js";
import { compileWasm, loadPolicy, type LoadedPolicy } from "./index.js";

const SOURCE = `package n
import rego.v1

split_ := split(input.s, input.d)
replace_ := replace(input.s, input.d, input.t)
trim_ := [trim(input.s, input.d), trim_left(input.s, input.d), trim_right(input.s, input.d)]
affix := [trim_prefix(input.s, input.d), trim_suffix(input.s, input.d)]
space := trim_space(input.s)
fmt := sprintf(input.f, input.args)
sorted := sort(input.xs)
sorted_set := sort({x | some x in input.xs})
concat_ := array.concat(input.xs, input.ys)
sets := [u, i, d] if {
  a := {x | some x in input.xs}
  b := {y | some y in input.ys}
  u := a | b
  i := a & b
  d := a - b
}
mixed := input.xs | input.ys

# read three times, once under with: memoised per evaluation and per input
parts contains p if some p in split(input.s, ",")
twice := [count(parts), sort(parts), count(parts) == count(parts)]
replaced := [count(parts), r] if r := count(parts) with input.s as "a,b,c,d,e,f,g"
`;

const ENTRYPOINTS = ["n/split_", "n/replace_", "n/trim_", "n/affix", "n/space", "n/fmt", "n/sorted", "n/sorted_set", "n/concat_", "n/sets", "n/mixed", "n/twice", "n/replaced"];

let ir: IR;
let wasm: LoadedPolicy;

beforeAll(async () => {
  const out = buildIR({ modules: [{ file: "n.rego", source: SOURCE }], entrypoints: ENTRYPOINTS });
  expect(out.errors).toEqual([]);
  ir = out.policy!;
  wasm = await loadPolicy(await compileWasm(ir));
});

const text = fc.stringMatching(/^[ab,. \t\u00e9\u00a0x-]{0,8}$/);
const sep = fc.constantFrom("", ",", ".", "ab", " ", "é", "\u00a0", "--", "a");
const number = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => RNumber.fromInt(b)),
  fc.constantFrom(RNumber.parse("2.5")!, RNumber.parse("1.0")!),
);
const scalar = fc.oneof(text, number, fc.boolean(), fc.constant(null));
// %q is left out: the host sprintf throws a RangeError on %q of a negative number (reported)
const format = fc.array(fc.constantFrom("%s", "%d", "%v", "%%", "x", "é", "%x", "%5d", "%", " "), { maxLength: 5 }).map((a) => a.join(""));
const input = fc.record(
  {
    s: fc.oneof(text, fc.constant(3)),
    d: sep,
    t: fc.constantFrom("", "Z", "é"),
    f: format,
    args: fc.array(scalar, { maxLength: 4 }),
    xs: fc.oneof(fc.array(scalar, { maxLength: 5 }), fc.constant("notarray")),
    ys: fc.array(scalar, { maxLength: 5 }),
  },
  { requiredKeys: ["s", "d", "t", "f", "args", "xs", "ys"] },
);

const show = (vs: Value[]) => vs.map((v) => stringifyJSON(v));

describe("native builtins and memoised rules agree with the IR interpreter", () => {
  test("on generated inputs, every entrypoint", () => {
    fc.assert(
      fc.property(input, (inp) => {
        const value = fromJSON(inp);
        for (const ep of ENTRYPOINTS) {
          const want = evaluate(ir, ep, { input: value });
          const got = wasm.evaluate(value, ep);
          expect(show(got), `${ep} ${stringifyJSON(value)}`).toEqual("results" in want ? show(want.results) : []);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("known answers, fast paths and host fallbacks alike", () => {
    const run = (ep: string, inp: object) => show(wasm.evaluate({ s: "", d: ",", t: "", f: "", args: [], xs: [], ys: [], ...inp }, ep));
    expect(run("n/split_", { s: "a,b,,c", d: "," })).toEqual(['{"result":["a","b","","c"]}']);
    expect(run("n/split_", { s: "é,a", d: "" })).toEqual(['{"result":["é",",","a"]}']); // host: code points
    expect(run("n/fmt", { f: "%s is %d%% (%v, %v)", args: ["x", 42, "y", -7] })).toEqual(['{"result":"x is 42% (y, -7)"}']);
    expect(run("n/fmt", { f: "%s", args: [true] })).toEqual(['{"result":"true"}']); // host
    expect(run("n/fmt", { f: "%d", args: [] })).toEqual(['{"result":"%!d(MISSING)"}']); // host
    expect(run("n/space", { s: "\u00a0 hi \t" })).toEqual(['{"result":"hi"}']); // host: Unicode space
    expect(run("n/sorted", { xs: [3, "a", null, 1, [1]] })).toEqual(['{"result":[null,1,3,"a",[1]]}']);
    expect(run("n/sets", { xs: [1, 2, 3], ys: [2, 4] })).toEqual(['{"result":[[1,2,3,4],[2],[1,3]]}']);
    expect(run("n/twice", { s: "b,a,b" })).toEqual(['{"result":[2,["a","b"],true]}']);
    expect(run("n/replaced", { s: "a" })).toEqual(['{"result":[1,7]}']);
    expect(run("n/sorted", { xs: "notarray" })).toEqual([]); // host type error: undefined (not strict)
  });
});
