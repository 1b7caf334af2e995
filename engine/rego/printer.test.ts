import { describe, expect, it } from "vitest";
import { stripLocations } from "./equality.js";
import { parseModule, parseQuery, parseTerm } from "./parser.js";
import { printBody, printModule, printTerm } from "./printer.js";

const term = (src: string) => {
  const r = parseTerm(src, "t");
  expect(r.errors).toEqual([]);
  return printTerm(r.term!);
};
const mod = (src: string) => {
  const r = parseModule(src, "m");
  expect(r.errors).toEqual([]);
  return printModule(r.module!);
};

describe("printer", () => {
  it("uses the fewest parentheses precedence allows", () => {
    expect(term("((1 + (2 * 3)) - 4)")).toBe("1 + 2 * 3 - 4");
    expect(term("1 - (2 - 3)")).toBe("1 - (2 - 3)");
    expect(term("(a | b) & c")).toBe("(a | b) & c");
    expect(term("(x in xs) == true")).toBe("(x in xs) == true");
    expect(term("-x")).toBe("0 - x");
    expect(term("x - -1")).toBe("x - -1");
    expect(term("(1 + 2)[0]")).toBe("(1 + 2)[0]");
  });

  it("keeps a union inside a collection from reading as a comprehension", () => {
    expect(term("[(a | b), c | d]")).toBe("[(a | b), (c | d)]");
    expect(term("[x | x := a | b]")).toBe("[x | x := a | b]");
    expect(term("{(a | b): 1}")).toBe("{(a | b): 1}");
  });

  it("prints = and := infix only at the top of a literal, and k, v in xs where it can", () => {
    const r = parseQuery("x := f(eq(a, b)); k, v in xs; y = (k, v in xs)", "q");
    expect(printBody(r.body!)).toBe("x := f(eq(a, b))\nk, v in xs\ny = k, v in xs");
    expect(term("[(k, v in xs)]")).toBe("[(k, v in xs)]");
  });

  it("prints refs, strings, sets and objects canonically", () => {
    expect(term('input["a"]["b-c"][0]')).toBe('input.a["b-c"][0]');
    expect(term('"\\u00e9\\n"')).toBe('"é\\n"');
    expect(term("`raw\\`")).toBe('"raw\\\\"');
    expect(term("set()")).toBe("set()");
    expect(term("{}")).toBe("{}");
    expect(term("{1,2,}")).toBe("{1, 2}");
  });

  it("prints every rule form in canonical v1", () => {
    const src = `package a.b["c-d"]

import data.x as y
import rego.v1

p if input.x
q = 1 if { true }
s contains x if { some x in [1]; x > 0 }
f(x) := 1 if x > 1 else := 2
default r := false
t
  if { every k, v in {"a": 1} { k != v } }
u = true
`.replace("t\n  if", "t if");
    expect(mod(src)).toBe(`package a.b["c-d"]

import data.x as y
import rego.v1

p if {
\tinput.x
}

q = 1 if {
\ttrue
}

s contains x if {
\tsome x in [1]
\tx > 0
}

f(x) := 1 if {
\tx > 1
} else := 2

default r := false

t if {
\tevery k, v in {"a": 1} {
\t\tk != v
\t}
}

u = true
`);
  });

  it("puts comments back before the statements they precede and prints annotations", () => {
    const out = mod(`# header
package p

# about allow
# METADATA
# title: Allow
allow if {
  true # inline
}

# trailing
`);
    expect(out).toBe(`# header
package p

# about allow
# METADATA
# title: Allow
allow if {
\ttrue
}

# inline
# trailing
`);
    const again = parseModule(out, "m");
    expect(again.module!.rules[0]!.annotations).toMatchObject({ title: "Allow" });
  });

  it("output is stable: printing the parse of printed text gives the same text", () => {
    const src = "package p\nx := [y | some y in {1, 2}; y != 1] if count(input.a) >= -2\n";
    const once = mod(src);
    expect(mod(once)).toBe(once);
    expect(stripLocations(parseModule(once, "a").module!.rules)).toEqual(stripLocations(parseModule(src, "b").module!.rules));
  });
});
