import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "../../..");

type X = Record<string, (...a: number[]) => number>;
let x: X;
let mem: WebAssembly.Memory;

beforeAll(async () => {
  mem = new WebAssembly.Memory({ initial: 2 });
  const stub = () => 0;
  const { instance } = await WebAssembly.instantiate(readFileSync(join(here, "runtime.wasm")), {
    env: {
      memory: mem,
      opa_abort: () => {
        throw new Error("abort");
      },
      portcullis_eval: stub,
      portcullis_builtins: stub,
      portcullis_entrypoints: stub,
    },
  });
  x = instance.exports as unknown as X;
});

function parse(text: string, rego = false): number {
  const b = new TextEncoder().encode(text);
  const p = x.opa_malloc!(b.length);
  new Uint8Array(mem.buffer).set(b, p);
  return (rego ? x.opa_value_parse! : x.opa_json_parse!)(p, b.length);
}

function cstr(p: number): string {
  const u = new Uint8Array(mem.buffer);
  let e = p;
  while (u[e]) e++;
  return new TextDecoder().decode(u.subarray(p, e));
}

const roundTrip = (t: string) => cstr(x.opa_json_dump!(parse(t)));

test("the committed runtime.wasm equals a fresh build (run build.sh after editing assembly/)", () => {
  const out = join(mkdtempSync(join(tmpdir(), "rt-")), "runtime.wasm");
  execFileSync(join(here, "build.sh"), [out], { cwd: root, stdio: "pipe" });
  expect(Buffer.compare(readFileSync(out), readFileSync(join(here, "runtime.wasm")))).toBe(0);
}, 60_000);

describe("JSON", () => {
  test("big integers and decimals survive parse -> dump exactly", () => {
    expect(roundTrip("[18446744073709551617,-18446744073709551617,9223372036854775807,-9223372036854775808]")).toBe(
      "[18446744073709551617,-18446744073709551617,9223372036854775807,-9223372036854775808]",
    );
    expect(roundTrip("[1.50,35e-1,1e400,-0,0.1]")).toBe("[1.50,35e-1,1e400,-0,0.1]");
  });

  test("escapes: unicode, surrogate pairs, lone surrogates, control characters", () => {
    expect(roundTrip('"a\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/"')).toBe('"aé😀\\n\\t\\"\\\\/"');
    expect(roundTrip('"\\ud83d x"')).toBe('"\uFFFD x"');
    expect(roundTrip('"\\u0001"')).toBe('"\\u0001"');
  });

  test("property: strings with quotes, backslashes and control bytes at any offset (the 8-byte scan)", () => {
    const ch = fc.constantFrom("a", "Z", " ", '"', "\\", "\n", "\u0001", "\u001f", "é", "😀", "\u007f", "~");
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 40 }).map((a) => a.join("")), (s) => {
        const heap = x.opa_heap_ptr_get!();
        expect(JSON.parse(roundTrip(JSON.stringify([s, { [s]: s }])))).toEqual([s, { [s]: s }]);
        x.opa_heap_ptr_set!(heap);
      }),
      { numRuns: 500 },
    );
  });

  test("objects dump with sorted keys; duplicate keys keep the last", () => {
    expect(roundTrip('{"b":1,"a":{"y":[],"x":null},"b":2}')).toBe('{"a":{"x":null,"y":[]},"b":2}');
  });

  test("invalid JSON parses to 0", () => {
    for (const t of ["", "{", "[1,]", '{"a" 1}', "tru", '"abc', "1 2", "{1:2}"]) expect(parse(t), t).toBe(0);
  });

  test("value syntax: sets and set()", () => {
    expect(cstr(x.opa_value_dump!(parse('{3,1,{"a":set()},1}', true)))).toBe('{1,3,{"a":set()}}');
    expect(cstr(x.opa_json_dump!(parse("{2,1}", true)))).toBe("[1,2]");
  });

  test("property: any JSON document round-trips to what JSON.stringify of its sorted form gives", () => {
    const sortKeys = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sortKeys);
      if (v && typeof v === "object") {
        const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        return Object.fromEntries(keys.map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
      }
      return v;
    };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const heap = x.opa_heap_ptr_get!();
        const text = JSON.stringify(v);
        const back = JSON.parse(roundTrip(text));
        x.opa_heap_ptr_set!(heap);
        // Object.fromEntries does not preserve byte order for integer-like keys, so compare structurally
        expect(back).toEqual(sortKeys(JSON.parse(text)));
      }),
      { numRuns: 300 },
    );
  });
});

describe("canonical order", () => {
  const cmp = (a: string, b: string) => Math.sign(x.rt_compare!(parse(a, true), parse(b, true)));

  test("types order null < boolean < number < string < array < object < set", () => {
    const order = ["null", "false", "true", "-1", "0", "2.5", '""', '"a"', "[]", "[1]", "{}", '{"a":1}', "set()", "{1}"];
    for (let i = 0; i < order.length; i++) {
      for (let j = 0; j < order.length; j++) expect(cmp(order[i]!, order[j]!), `${order[i]} vs ${order[j]}`).toBe(Math.sign(i - j));
    }
  });

  test("numbers compare by value across representations", () => {
    expect(cmp("3.5", "35e-1")).toBe(0);
    expect(cmp("1", "1.0")).toBe(0);
    expect(cmp("18446744073709551617", "18446744073709551616")).toBe(1);
    expect(cmp("-18446744073709551617", "-1")).toBe(-1);
    expect(cmp("1e3", "999")).toBe(1);
    expect(cmp("-0.5", "-0.25")).toBe(-1);
    expect(cmp("0", "-0")).toBe(0);
  });

  test("strings compare by UTF-8 bytes, not UTF-16 units", () => {
    // JavaScript's UTF-16 order puts U+FF61 after U+1F600 (0xFF61 > 0xD83D); UTF-8 bytes do not
    expect(cmp('"\uff61"', '"\u{1f600}"')).toBe(-1);
    expect(cmp('"ab"', '"abc"')).toBe(-1);
  });

  test("property: integer comparison matches BigInt order, decimals too", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.nat(6), (a, b, shift) => {
        const heap = x.opa_heap_ptr_get!();
        const want = a < b ? -1 : a > b ? 1 : 0;
        expect(cmp(String(a), String(b))).toBe(want);
        // the same numbers written as decimals scaled by 10^-shift
        const dec = (n: bigint) => `${n}e-${shift}`;
        expect(cmp(dec(a), dec(b))).toBe(want);
        x.opa_heap_ptr_set!(heap);
      }),
      { numRuns: 300 },
    );
  });
});
