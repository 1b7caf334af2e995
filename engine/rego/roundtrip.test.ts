/**
 * Property: printing any AST and parsing it back gives the same tree (locations aside).
 * The generators cover every term kind, infix operators, comprehensions, `some`, `every`,
 * `not`, `with`, and every rule kind including `else` chains and `default`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INFIX_OPERATORS, type Body, type Expr, type Import, type Literal, type Module, type RefTerm, type Rule, type RuleHead, type Term, type VarTerm, type With } from "./ast.js";
import { stripLocations } from "./equality.js";
import { operatorTerm } from "./parser-expr.js";
import { parseModule, parseQuery, parseTerm } from "./parser.js";
import { isPlainVar, printBody, printModule, printTerm } from "./printer.js";

const L = { file: "gen", row: 1, col: 1 };

const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,4}$/).filter((n) => isPlainVar(n) && n !== "set");
const v = (n: string): VarTerm => ({ type: "var", name: n, location: L });
const varTerm = name.map(v);
const str = (value: string): Term => ({ type: "string", value, location: L });

const numberText = fc.oneof(
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.tuple(fc.nat(999), fc.nat(999)).map(([a, b]) => `${a}.${b}`),
  fc.tuple(fc.integer({ min: -9, max: 9 }), fc.integer({ min: -20, max: 20 })).map(([a, e]) => `${a}e${e}`),
);
const scalar: fc.Arbitrary<Term> = fc.oneof(
  fc.constant<Term>({ type: "null", location: L }),
  fc.boolean().map((value): Term => ({ type: "boolean", value, location: L })),
  numberText.map((value): Term => ({ type: "number", value, location: L })),
  fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" })).map(str),
);

const callNames = fc.oneof(name, fc.tuple(name, name).map(([a, b]) => `${a}.${b}`), fc.constantFrom("count", "strings.replace_n", "data.lib.f", "eq", "assign"));
const infixNames = fc.constantFrom(...Object.keys(INFIX_OPERATORS).filter((n) => INFIX_OPERATORS[n]!.precedence > 0));

function term(depth: number): fc.Arbitrary<Term> {
  if (depth <= 0) return fc.oneof(scalar, varTerm);
  const sub = term(depth - 1);
  const items = fc.array(sub, { maxLength: 3 });
  const body = bodyArb(depth - 1);
  const call = fc.tuple(callNames, fc.array(sub, { minLength: 1, maxLength: 3 })).map(([n, args]): Term => ({ type: "call", operator: operatorTerm(n, L), args, location: L }));
  return fc.oneof(
    { weight: 3, arbitrary: scalar },
    { weight: 3, arbitrary: varTerm },
    fc.tuple(fc.oneof(varTerm, call), fc.array(fc.oneof(name.map(str), scalar, varTerm, sub), { minLength: 1, maxLength: 3 })).map(
      ([head, path]): Term => ({ type: "ref", terms: [head, ...path], location: L }),
    ),
    call,
    { weight: 3, arbitrary: fc.tuple(infixNames, sub, sub).map(([n, a, b]): Term => ({ type: "call", operator: operatorTerm(n, L), args: [a, b], location: L })) },
    fc.tuple(sub, sub, sub).map((args): Term => ({ type: "call", operator: operatorTerm("internal.member_3", L), args, location: L })),
    fc.tuple(sub).map(([x]): Term => ({ type: "call", operator: operatorTerm("minus", L), args: [{ type: "number", value: "0", location: L }, x], location: L })),
    items.map((xs): Term => ({ type: "array", items: xs, location: L })),
    items.map((xs): Term => ({ type: "set", items: xs, location: L })),
    fc.array(fc.tuple(sub, sub), { maxLength: 3 }).map((entries): Term => ({ type: "object", entries, location: L })),
    fc.tuple(sub, body).map(([t, b]): Term => ({ type: "arraycomprehension", term: t, body: b, location: L })),
    fc.tuple(sub, body).map(([t, b]): Term => ({ type: "setcomprehension", term: t, body: b, location: L })),
    fc.tuple(sub, sub, body).map(([k, val, b]): Term => ({ type: "objectcomprehension", key: k, value: val, body: b, location: L })),
  );
}

function topExpr(depth: number): fc.Arbitrary<Term> {
  const t = term(depth);
  return fc.oneof(
    t,
    fc.tuple(fc.constantFrom("eq", "assign"), t, t).map(([n, a, b]): Term => ({ type: "call", operator: operatorTerm(n, L), args: [a, b], location: L })),
  );
}

function literal(depth: number): fc.Arbitrary<Literal> {
  const t = term(depth);
  const withArb = fc.tuple(
    fc.oneof(varTerm, fc.tuple(fc.constantFrom("input", "data"), fc.array(name, { minLength: 1, maxLength: 2 })).map(([h, p]): RefTerm => ({ type: "ref", terms: [v(h), ...p.map(str)], location: L }))),
    t,
  ).map(([target, value]): With => ({ target, value, location: L }));
  const withs = fc.array(withArb, { maxLength: 2 });
  const options: fc.Arbitrary<[boolean, Expr]>[] = [
    fc.tuple(fc.boolean(), topExpr(depth)),
    fc.tuple(fc.boolean(), topExpr(depth)),
    fc.array(varTerm, { minLength: 1, maxLength: 3 }).map((vars): [boolean, Expr] => [false, { type: "some", vars, location: L }]),
    fc.tuple(fc.option(t, { nil: null }), t, t).map(([key, value, collection]): [boolean, Expr] => [false, { type: "somein", key, value, collection, location: L }]),
  ];
  if (depth > 0) {
    options.push(
      fc.tuple(fc.option(varTerm, { nil: null }), varTerm, t, bodyArb(depth - 1)).map(([key, value, domain, body]): [boolean, Expr] => [false, { type: "every", key, value, domain, body, location: L }]),
    );
  }
  const exprs = fc.oneof(...options);
  return fc.tuple(exprs, withs).map(([[negated, expr], w]) => ({ negated, expr, with: w, location: L }));
}

function bodyArb(depth: number): fc.Arbitrary<Body> {
  return fc.array(literal(depth), { minLength: 1, maxLength: 3 });
}

const headRef = (plain: boolean) =>
  fc.tuple(name, fc.array(plain ? name.map(str) : fc.oneof(name.map(str), fc.string().map(str), varTerm, scalar), { maxLength: 2 })).map(
    ([h, path]): RefTerm => ({ type: "ref", terms: [v(h), ...path], location: L }),
  );

const rule: fc.Arbitrary<Rule> = fc.oneof(
  // complete rules, functions and object/ref-head rules, possibly with else chains
  fc.tuple(fc.boolean(), headRef(false), headRef(true), fc.array(term(1), { minLength: 1, maxLength: 2 }), term(2), fc.boolean(), fc.oneof(fc.constant<Body>([]), bodyArb(2)),
    fc.array(fc.tuple(term(1), fc.boolean(), fc.oneof(fc.constant<Body>([]), bodyArb(1))), { maxLength: 2 })).map(
    ([isFunc, ref, fref, args, value, assign, body, elses]): Rule => {
      const r = ref.terms.slice(1).every((t) => t.type === "string") || isFunc ? elses : [];
      const mk = (head: RuleHead, b: Body): Rule => ({ default: false, head, body: b, else: null, location: L });
      const theRef = isFunc ? fref : ref;
      const a = isFunc ? args : null;
      const top = mk({ ref: theRef, args: a, key: null, value, assign, location: L }, body);
      let link = top;
      for (const [ev, eAssign, eBody] of r) {
        link.else = mk({ ref: structuredClone(theRef), args: structuredClone(a), key: null, value: ev, assign: eAssign, location: L }, eBody);
        link = link.else;
      }
      return top;
    },
  ),
  // partial sets
  fc.tuple(headRef(true), term(2), fc.oneof(fc.constant<Body>([]), bodyArb(2))).map(
    ([ref, key, body]): Rule => ({ default: false, head: { ref, args: null, key, value: null, assign: false, location: L }, body, else: null, location: L }),
  ),
  // defaults
  fc.tuple(headRef(true), fc.option(fc.array(varTerm, { minLength: 1, maxLength: 2 }), { nil: null }), term(1), fc.boolean()).map(
    ([ref, args, value, assign]): Rule => ({ default: true, head: { ref, args, key: null, value, assign, location: L }, body: [], else: null, location: L }),
  ),
);

const moduleArb: fc.Arbitrary<Module> = fc.tuple(
  fc.tuple(name, fc.array(fc.oneof(name, fc.string()), { maxLength: 2 })),
  fc.array(fc.tuple(fc.constantFrom("data", "input"), fc.array(name, { maxLength: 2 }), fc.option(name, { nil: null })), { maxLength: 2 }),
  fc.array(rule, { minLength: 1, maxLength: 3 }),
).map(([[p, ps], imps, rules]) => ({
  package: { path: [p, ...ps], location: L },
  imports: imps.map(([h, path, alias]): Import => ({
    path: path.length ? { type: "ref", terms: [v(h), ...path.map(str)], location: L } : v(h),
    alias,
    location: L,
  })),
  rules,
  comments: [],
  annotations: [],
  location: L,
}));

describe("print → parse round trip", () => {
  it("generates the constructs it claims to (guards against a vacuous generator)", () => {
    const text = fc.sample(moduleArb, { numRuns: 200, seed: 42 }).map(printModule).join("\n");
    for (const needle of [" contains ", " else", "default ", "every ", "some ", "not ", " with ", " | ", " in ", "set()", " := ", "(", "["]) {
      expect(text).toContain(needle);
    }
  });

  it("terms", () => {
    fc.assert(
      fc.property(term(3), (t) => {
        const text = printTerm(t);
        const r = parseTerm(text, "p");
        expect(r.errors, text).toEqual([]);
        expect(stripLocations(r.term), text).toEqual(stripLocations(t));
      }),
      { numRuns: 400 },
    );
  });

  it("bodies", () => {
    fc.assert(
      fc.property(bodyArb(2), (b) => {
        const text = printBody(b);
        const r = parseQuery(text, "p");
        expect(r.errors, text).toEqual([]);
        expect(stripLocations(r.body), text).toEqual(stripLocations(b));
      }),
      { numRuns: 300 },
    );
  });

  it("modules", () => {
    fc.assert(
      fc.property(moduleArb, (m) => {
        const text = printModule(m);
        const r = parseModule(text, "p");
        expect(r.errors, text).toEqual([]);
        expect(stripLocations(r.module), text).toEqual(stripLocations(m));
      }),
      { numRuns: 300 },
    );
  });
});
