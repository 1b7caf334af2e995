/**
 * Structural comparison of AST nodes: two trees are the same program when they are equal
 * once every `location` is dropped (what the print → parse round trip relies on).
 */

/** A deep copy of `node` without any `location` field, at any depth. */
export function stripLocations<T>(node: T): T {
  if (Array.isArray(node)) return node.map((n) => stripLocations(n)) as T;
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === "location") continue;
    out[k] = stripLocations(v);
  }
  return out as T;
}
