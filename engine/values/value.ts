/**
 * The Rego value model shared by the IR interpreter, the builtins and the Wasm host glue.
 *
 * `null`, booleans, strings and arrays are plain JS values (arrays are treated as
 * immutable once built); numbers are always exact `RNumber`s; objects and sets are
 * `RObject` / `RSet`, hashed by a canonical key string so lookups are O(1) while keys
 * may be any value (e.g. `{[1]: "a"}`, `{{1}}`).
 */

import { RNumber } from "./number.js";
import { compare } from "./compare.js";

export type Value = null | boolean | RNumber | string | Value[] | RObject | RSet;

/** OPA's type names, as used in error messages ("operand 1 must be string but got number"). */
export type TypeName = "null" | "boolean" | "number" | "string" | "array" | "object" | "set";

export function typeName(v: Value): TypeName {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return "boolean";
    case "string":
      return "string";
  }
  if (v instanceof RNumber) return "number";
  if (Array.isArray(v)) return "array";
  if (v instanceof RObject) return "object";
  return "set";
}

/**
 * Canonical key: equal values, and only those, have equal keys. Composite keys list
 * their members in key-string order (any fixed order works for hashing; it need not be
 * OPA's sort order). Objects and sets cache theirs until mutated.
 */
export function keyOf(v: Value): string {
  if (v === null) return "n";
  if (v === true) return "T";
  if (v === false) return "F";
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof RNumber) return "#" + v.key();
  if (Array.isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) out += (i ? "," : "") + keyOf(v[i]!);
    return out + "]";
  }
  return v.key();
}

function byKey<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** An object with keys of any value type. Iteration is in OPA's sort order of keys. */
export class RObject {
  private readonly map = new Map<string, [Value, Value]>();
  private sorted: [Value, Value][] | undefined;
  private cachedKey: string | undefined;

  static from(entries: Iterable<readonly [Value, Value]>): RObject {
    const o = new RObject();
    for (const [k, v] of entries) o.set(k, v);
    return o;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: Value): Value | undefined {
    return this.map.get(keyOf(key))?.[1];
  }

  has(key: Value): boolean {
    return this.map.has(keyOf(key));
  }

  /** Inserts or replaces. Mutating: only for builders, before the object is shared. */
  set(key: Value, value: Value): this {
    this.map.set(keyOf(key), [key, value]);
    this.sorted = undefined;
    this.cachedKey = undefined;
    return this;
  }

  delete(key: Value): boolean {
    const had = this.map.delete(keyOf(key));
    if (had) {
      this.sorted = undefined;
      this.cachedKey = undefined;
    }
    return had;
  }

  /** Entries sorted by key in OPA's order (deterministic iteration). */
  entries(): readonly [Value, Value][] {
    if (!this.sorted) {
      this.sorted = [...this.map.values()].sort((a, b) => compare(a[0], b[0]));
    }
    return this.sorted;
  }

  keys(): Value[] {
    return this.entries().map((e) => e[0]);
  }

  values(): Value[] {
    return this.entries().map((e) => e[1]);
  }

  [Symbol.iterator](): Iterator<[Value, Value]> {
    return this.entries()[Symbol.iterator]();
  }

  key(): string {
    if (this.cachedKey === undefined) {
      const parts = [...this.map.entries()].sort(byKey);
      this.cachedKey = "{" + parts.map(([k, [, v]]) => `${k}:${keyOf(v)}`).join(",") + "}";
    }
    return this.cachedKey;
  }
}

/** A set of values. Iteration is in OPA's sort order. */
export class RSet {
  private readonly map = new Map<string, Value>();
  private sorted: Value[] | undefined;
  private cachedKey: string | undefined;

  static from(values: Iterable<Value>): RSet {
    const s = new RSet();
    for (const v of values) s.add(v);
    return s;
  }

  get size(): number {
    return this.map.size;
  }

  has(v: Value): boolean {
    return this.map.has(keyOf(v));
  }

  /** Mutating: only for builders, before the set is shared. */
  add(v: Value): this {
    const k = keyOf(v);
    if (!this.map.has(k)) {
      this.map.set(k, v);
      this.sorted = undefined;
      this.cachedKey = undefined;
    }
    return this;
  }

  delete(v: Value): boolean {
    const had = this.map.delete(keyOf(v));
    if (had) {
      this.sorted = undefined;
      this.cachedKey = undefined;
    }
    return had;
  }

  /** Members sorted in OPA's order. */
  values(): readonly Value[] {
    if (!this.sorted) this.sorted = [...this.map.values()].sort(compare);
    return this.sorted;
  }

  [Symbol.iterator](): Iterator<Value> {
    return this.values()[Symbol.iterator]();
  }

  key(): string {
    if (this.cachedKey === undefined) {
      this.cachedKey = "<" + [...this.map.keys()].sort().join(",") + ">";
    }
    return this.cachedKey;
  }
}
