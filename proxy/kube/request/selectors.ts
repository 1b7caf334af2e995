/**
 * Stage 2: `labelSelector` and `fieldSelector` → lists of requirements, with the grammar
 * of k8s.io/apimachinery's `labels.Parse` and `fields.ParseSelector`, so a policy sees
 * the same requirements the API server will apply.
 */
import type { SelectorRequirement } from "./types.js";

export type SelectorResult = { ok: true; requirements: SelectorRequirement[] } | { ok: false; error: string };

const LABEL_KEY = /^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** `app=web,tier!=db,env in (a,b),!legacy,canary`. */
export function parseLabelSelector(text: string): SelectorResult {
  const out: SelectorRequirement[] = [];
  for (const raw of splitOutsideParens(text)) {
    const part = raw.trim();
    if (part === "") {
      if (text.trim() === "") continue;
      return { ok: false, error: `empty requirement in label selector ${JSON.stringify(text)}` };
    }
    const r = parseLabelRequirement(part);
    if (typeof r === "string") return { ok: false, error: `label selector ${JSON.stringify(text)}: ${r}` };
    out.push(r);
  }
  return { ok: true, requirements: out };
}

function parseLabelRequirement(part: string): SelectorRequirement | string {
  if (part.startsWith("!")) {
    const key = part.slice(1).trim();
    return LABEL_KEY.test(key) ? { key, operator: "!", values: [] } : `invalid key ${JSON.stringify(key)}`;
  }
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const [, key, op, list] = set as unknown as [string, string, "in" | "notin", string];
    if (!LABEL_KEY.test(key)) return `invalid key ${JSON.stringify(key)}`;
    const values = list.split(",").map((v) => v.trim());
    if (values.length === 1 && values[0] === "") return `${op} needs at least one value`;
    const bad = values.find((v) => !LABEL_VALUE.test(v));
    if (bad !== undefined) return `invalid value ${JSON.stringify(bad)}`;
    return { key, operator: op, values };
  }
  const cmp = /^([^=!<>\s]+)\s*(==|!=|=|>|<)\s*(.*)$/.exec(part);
  if (cmp) {
    const [, key, op, value] = cmp as unknown as [string, string, string, string];
    if (!LABEL_KEY.test(key)) return `invalid key ${JSON.stringify(key)}`;
    const v = value.trim();
    if (op === ">" || op === "<") {
      if (!/^-?\d+$/.test(v)) return `${op} needs an integer, got ${JSON.stringify(v)}`;
      return { key, operator: op === ">" ? "gt" : "lt", values: [v] };
    }
    if (!LABEL_VALUE.test(v)) return `invalid value ${JSON.stringify(v)}`;
    return { key, operator: op as "=" | "==" | "!=", values: [v] };
  }
  if (LABEL_KEY.test(part)) return { key: part, operator: "exists", values: [] };
  return `cannot read requirement ${JSON.stringify(part)}`;
}

/** Commas inside `( … )` separate set members, not requirements. */
function splitOutsideParens(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `metadata.name=web,status.phase!=Running`; `\,`, `\=` and `\\` escape inside values. */
export function parseFieldSelector(text: string): SelectorResult {
  if (text.trim() === "") return { ok: true, requirements: [] };
  const out: SelectorRequirement[] = [];
  for (const part of splitUnescaped(text, ",")) {
    const m = /^([^=!]*?)(==|!=|=)(.*)$/s.exec(part);
    if (!m) return { ok: false, error: `field selector ${JSON.stringify(text)}: ${JSON.stringify(part)} has no operator` };
    const [, key, op, rawValue] = m as unknown as [string, string, "=" | "==" | "!=", string];
    if (key.trim() === "") return { ok: false, error: `field selector ${JSON.stringify(text)}: empty field name` };
    const value = unescapeField(rawValue);
    if (value === null) return { ok: false, error: `field selector ${JSON.stringify(text)}: bad escape in ${JSON.stringify(rawValue)}` };
    out.push({ key: key.trim(), operator: op, values: [value] });
  }
  return { ok: true, requirements: out };
}

function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unescapeField(value: string): string | null {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = value[++i];
    if (next !== "\\" && next !== "," && next !== "=") return null;
    out += next;
  }
  return out;
}
