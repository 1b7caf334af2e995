import { describe, expect, it } from "vitest";
import type { Body, Expr, Literal, Module, Rule, Term } from "./ast.js";
import { operatorName } from "./ast.js";
import { parseModule, parseQuery, parseTerm } from "./parser.js";
import { printBody } from "./printer.js";

/** A compact, printer-independent rendering of terms so expectations stay readable. */
function s(t: Term | Expr): string {
  switch (t.type) {
    case "null": return "null";
    case "boolean": return String(t.value);
    case "number": return `#${t.value}`;
    case "string": return JSON.stringify(t.value);
    case "var": return t.name;
    case "ref": return `ref(${t.terms.map(s).join(" ")})`;
    case "call": return `${operatorName(t.operator)}(${t.args.map(s).join(" ")})`;
    case "array": return `arr(${t.items.map(s).join(" ")})`;
    case "set": return `set(${t.items.map(s).join(" ")})`;
    case "object": return `obj(${t.entries.map(([k, v]) => `${s(k)}:${s(v)}`).join(" ")})`;
    case "arraycomprehension": return `[${s(t.term)} | ${b(t.body)}]`;
    case "setcomprehension": return `{${s(t.term)} | ${b(t.body)}}`;
    case "objectcomprehension": return `{${s(t.key)}:${s(t.value)} | ${b(t.body)}}`;
    case "some": return `some(${t.vars.map(s).join(" ")})`;
    case "somein": return `somein(${t.key ? s(t.key) : "-"} ${s(t.value)} ${s(t.collection)})`;
    case "every": return `every(${t.key ? s(t.key) : "-"} ${s(t.value)} ${s(t.domain)} {${b(t.body)}})`;
  }
}
function lit(l: Literal): string {
  return `${l.negated ? "not " : ""}${s(l.expr)}${l.with.map((w) => ` with ${s(w.target)} as ${s(w.value)}`).join("")}`;
}
const b = (body: Body) => body.map(lit).join("; ");

function q(src: string): string {
  const r = parseQuery(src, "q");
  expect(r.errors).toEqual([]);
  return b(r.body!);
}
function t(src: string): string {
  const r = parseTerm(src, "t");
  expect(r.errors).toEqual([]);
  return s(r.term!);
}
function mod(src: string): Module {
  const r = parseModule(src, "m.rego");
  expect(r.errors).toEqual([]);
  return r.module!;
}
function head(r: Rule): string {
  const h = r.head;
  return [s(h.ref), h.args ? `(${h.args.map(s).join(" ")})` : "", h.key ? ` contains ${s(h.key)}` : "", h.value ? ` ${h.assign ? ":=" : "="} ${s(h.value)}` : ""].join("");
}
function errs(src: string, kind: "module" | "query" | "term" = "module") {
  const r = kind === "module" ? parseModule(src, "e.rego") : kind === "query" ? parseQuery(src, "e.rego") : parseTerm(src, "e.rego");
  return r.errors.map((e) => `${e.location?.row}:${e.location?.col}: ${e.code}: ${e.message}`);
}

describe("terms", () => {
  it("scalars, big numbers and negative literals", () => {
    expect(t("null")).toBe("null");
    expect(t("[true, false, 18446744073709551617, -1.5e3, \"a\", `b\\n`]")).toBe('arr(true false #18446744073709551617 #-1.5e3 "a" "b\\\\n")');
  });
  it("collections, trailing commas, empty object and empty set", () => {
    expect(t("{}")).toBe("obj()");
    expect(t("set()")).toBe("set()");
    expect(t('{1, 2,}')).toBe("set(#1 #2)");
    expect(t('{"a": 1, [1]: {2}, x: y,}')).toBe('obj("a":#1 arr(#1):set(#2) x:y)');
    expect(t('{"foo": {{1}}}')).toBe('obj("foo":set(set(#1)))');
    expect(t("[\n  1,\n  2\n]")).toBe("arr(#1 #2)");
  });
  it("comprehensions versus collections", () => {
    expect(t("[x | x := xs[_]]")).toBe("[x | assign(x ref(xs _))]");
    expect(t("{x | some x in xs}")).toBe("{x | somein(- x xs)}");
    expect(t("{k: v | v := o[k]; v > 1}")).toBe("{k:v | assign(v ref(o k)); gt(v #1)}");
    expect(t("[(a | b), c | d]")).toBe("arr(or(a b) or(c d))");
    expect(t("[x | a\n b]")).toBe("[x | a; b]");
  });
  it("refs with dots, brackets, calls and non-var heads", () => {
    expect(t('input["a-b"].c[x]')).toBe('ref(input "a-b" "c" x)');
    expect(t("data.x.y")).toBe('ref(data "x" "y")');
    expect(t("f(x)[0].y")).toBe('ref(f(x) #0 "y")');
    expect(t("[1, 2][i]")).toBe("ref(arr(#1 #2) i)");
    expect(t('{"a": 1}.a')).toBe('ref(obj("a":#1) "a")');
    expect(t("strings.replace_n(p, s)")).toBe("strings.replace_n(p s)");
    expect(t("data.lib.f(x,)")).toBe("data.lib.f(x)");
    expect(t("count(x) + 1")).toBe("plus(count(x) #1)");
  });
  it("infix precedence and left associativity", () => {
    expect(t("1 + 2 * 3 - 4")).toBe("minus(plus(#1 mul(#2 #3)) #4)");
    expect(t("a - b - c")).toBe("minus(minus(a b) c)");
    expect(t("a | b & c")).toBe("or(a and(b c))");
    expect(t("a + 1 == b | c")).toBe("equal(plus(a #1) or(b c))");
    expect(t("x in xs == true")).toBe("internal.member_2(x equal(xs true))");
    expect(t("(a + b) * c")).toBe("mul(plus(a b) c)");
    expect(t("a % b / c")).toBe("div(rem(a b) c)");
  });
  it("unary minus folds into number literals and becomes minus(0, x) otherwise", () => {
    expect(t("-1")).toBe("#-1");
    expect(t("x - -1")).toBe("minus(x #-1)");
    expect(t("x-1")).toBe("minus(x #1)");
    expect(t("-x")).toBe("minus(#0 x)");
    expect(t("-f(x) * 2")).toBe("mul(minus(#0 f(x)) #2)");
  });
});

describe("literals and queries", () => {
  it("assignment, unification and key/value membership", () => {
    expect(q("data.test.p = x")).toBe('eq(ref(data "test" "p") x)');
    expect(q("x := 1; y = x + 1")).toBe("assign(x #1); eq(y plus(x #1))");
    expect(q("k, v in xs")).toBe("internal.member_3(k v xs)");
    expect(q("x := 1 in xs")).toBe("assign(x internal.member_2(#1 xs))");
  });
  it("some, every, not and with", () => {
    expect(q("some x, y")).toBe("some(x y)");
    expect(q("some x in xs")).toBe("somein(- x xs)");
    expect(q("some k, v in obj")).toBe("somein(k v obj)");
    expect(q("some [a, b] in pairs")).toBe("somein(- arr(a b) pairs)");
    expect(q("every v in xs { v > 0 }")).toBe("every(- v xs {gt(v #0)})");
    expect(q("every k, v in o {\n k != v\n v\n}")).toBe("every(k v o {neq(k v); v})");
    expect(q("not p.q")).toBe('not ref(p "q")');
    expect(q("f(1) with input.a as 1 with data.b as {2}\n  with count as mock_count")).toBe(
      'f(#1) with ref(input "a") as #1 with ref(data "b") as set(#2) with count as mock_count',
    );
  });
  it("newlines end literals, but not after an infix operator or inside brackets", () => {
    expect(q("x := 1 +\n  2\ny")).toBe("assign(x plus(#1 #2)); y");
    expect(q("x := 1\n-1 == y")).toBe("assign(x #1); equal(#-1 y)");
    expect(q("f(a,\n b) == (1\n + 2)")).toBe("equal(f(a b) plus(#1 #2))");
    expect(q("x\n[1] == y")).toBe("x; equal(arr(#1) y)");
  });
});

describe("modules", () => {
  it("package and imports", () => {
    const m = mod('package a.b["c-d"]\n\nimport rego.v1\nimport future.keywords.in\nimport data.x.y as z\nimport input.u\n');
    expect(m.package.path).toEqual(["a", "b", "c-d"]);
    expect(m.imports.map((i) => `${s(i.path)}${i.alias ? ` as ${i.alias}` : ""}`)).toEqual([
      'ref(rego "v1")', 'ref(future "keywords" "in")', 'ref(data "x" "y") as z', 'ref(input "u")',
    ]);
    expect(m.package.location).toEqual({ file: "m.rego", row: 1, col: 1 });
  });

  it("every kind of rule head", () => {
    const m = mod(`package p
p := 1 if { true }
q = x if { x := 2 }
r if input.x > 1
s contains x if { some x in [1] }
o[k] := v if { some k, v in {"a": 1} }
a.b[c].d := v if { c := "x"; v := 1 }
m[x] if { x := 1 }
f(x) := y if { y := x }
f(x) := 2
g(x, y) if x == y
default t := false
u := 7
v contains "k"
`);
    expect(m.rules.map(head)).toEqual([
      "ref(p) := #1", "ref(q) = x", "ref(r) = true", "ref(s) contains x", "ref(o k) := v",
      'ref(a "b" c "d") := v', "ref(m x) = true", "ref(f)(x) := y", "ref(f)(x) := #2",
      "ref(g)(x y) = true", "ref(t) := false", "ref(u) := #7", 'ref(v) contains "k"',
    ]);
    expect(m.rules[10]!.default).toBe(true);
    expect(m.rules[11]!.default).toBe(false);
    expect(m.rules[9]!.body.map(lit)).toEqual(["equal(x y)"]);
    expect(m.rules[10]!.body).toEqual([]);
    expect(m.rules[1]!.location).toEqual({ file: "m.rego", row: 3, col: 1 });
  });

  it("else chains in all spellings", () => {
    const m = mod(`package p
f(x) := 1 if {
  x > 1
} else := 2 if {
  x > 0
}
else = 3 if x == 0
else := 4
q if { false } else { true }
r := 1 if false else if true
`);
    const chain = (r: Rule) => {
      const out: string[] = [];
      for (let e: Rule | null = r; e; e = e.else) out.push(`${head(e)} [${b(e.body)}]`);
      return out;
    };
    expect(chain(m.rules[0]!)).toEqual([
      "ref(f)(x) := #1 [gt(x #1)]", "ref(f)(x) := #2 [gt(x #0)]", "ref(f)(x) = #3 [equal(x #0)]", "ref(f)(x) := #4 []",
    ]);
    expect(chain(m.rules[1]!)).toEqual(["ref(q) = true [false]", "ref(q) = true [true]"]);
    expect(chain(m.rules[2]!)).toEqual(["ref(r) := #1 [false]", "ref(r) = true [true]"]);
  });

  it("a one-line body may be a comprehension after if", () => {
    const m = mod("package p\nf(x) := y if {x: i | x := [1][i]}\n");
    expect(m.rules[0]!.body.map(lit)).toEqual(["{x:i | assign(x ref(arr(#1) i))}"]);
  });

  it("collects comments and METADATA annotations", () => {
    const m = mod(`# METADATA
# title: Pkg
package p

# plain comment
# METADATA
# title: Allow
# description: lets it through
# custom:
#   severity: high
allow if true
`);
    expect(m.package.annotations).toMatchObject({ scope: "package", title: "Pkg" });
    expect(m.rules[0]!.annotations).toMatchObject({
      scope: "rule", title: "Allow", description: "lets it through", custom: { severity: "high" },
      location: { row: 6, col: 1 },
    });
    expect(m.annotations).toHaveLength(2);
    expect(m.comments.map((c) => c.text)).toContain(" plain comment");
  });
});

describe("errors", () => {
  it("a rule body without if, as OPA v1 reports it", () => {
    expect(errs("package p\n\np { true }\n")).toEqual(["3:1: rego_parse_error: `if` keyword is required before rule body"]);
    expect(errs("package p\nf(x) { true }\n")).toEqual(["2:1: rego_parse_error: `if` keyword is required before function body"]);
  });
  it("an unterminated string", () => {
    expect(errs('package p\nx := "abc\n')[0]).toBe("2:6: rego_parse_error: non-terminated string");
  });
  it("a missing closing brace", () => {
    expect(errs("package p\np if {\n  x := 1\n")).toEqual(["4:1: rego_parse_error: unexpected eof token: expected }"]);
  });
  it("several errors per file, resyncing at the next rule", () => {
    expect(errs("package p\na := if\nb := 1\nc := )\nd := 2\n")).toEqual([
      "2:6: rego_parse_error: unexpected if token",
      "4:6: rego_parse_error: unexpected ) token",
    ]);
  });
  it("missing package, bare names, keywords as vars, bad imports", () => {
    expect(errs("p := 1")[0]).toBe("1:1: rego_parse_error: package expected, found ident token");
    expect(errs("package p\np\n")).toEqual(["2:1: rego_parse_error: var cannot be used for rule name"]);
    expect(errs("x := in", "query")).toEqual(["1:6: rego_parse_error: unexpected in token"]);
    expect(errs("package p\nimport foo.bar\n")[0]).toMatch(/^2:8: rego_parse_error: unexpected import path/);
    expect(errs("x y", "query")).toEqual(["1:3: rego_parse_error: unexpected ident token: expected \\n or ;"]);
    expect(errs("[1, 2", "term")[0]).toBe("1:6: rego_parse_error: unexpected eof token: expected , or ]");
    expect(errs("", "query")[0]).toMatch(/empty query/);
  });
  it("never throws, even on deep nesting", () => {
    const deep = "[".repeat(20000) + "]".repeat(20000);
    const r = parseTerm(deep, "d");
    expect(r.term === null ? r.errors.length > 0 : true).toBe(true);
  });
});

describe("not { body } under import rego.v2", () => {
  const negation = (imports: string, literal: string) => {
    const parsed = parseModule(`package t\n\n${imports}\n\np if {\n\t${literal}\n}\n`, "t.rego");
    expect(parsed.errors).toEqual([]);
    return parsed.module!.rules[0]!.body[0]!;
  };

  it("desugars to count({true | body}) == 0, which means the same in Rego v1", () => {
    const lit = negation("import rego.v2", "not { input.a; input.b }");
    expect(lit.negated).toBe(false);
    expect(printBody([lit])).toBe("count({true | input.a; input.b}) == 0");
  });

  it("is enabled by future.keywords.not too", () => {
    expect(negation("import future.keywords.not", "not { input.a }").negated).toBe(false);
  });

  it("leaves `not {…}` a set or object in plain Rego v1, and under rego.v2 when the braces hold a term", () => {
    expect(negation("import rego.v1", "not { input.a }")).toMatchObject({ negated: true, expr: { type: "set" } });
    expect(negation("import rego.v2", "not {}")).toMatchObject({ negated: true, expr: { type: "object" } });
    expect(negation("import rego.v2", "not {1, 2}")).toMatchObject({ negated: true, expr: { type: "set" } });
  });
});
