/**
 * The defensive scrub: removes configured secret strings (upstream passwords, keys) from
 * everything a line holds before it is written. Front ends are expected never to pass
 * secrets; this catches the day one does (a password inside a `CREATE USER … PASSWORD`
 * statement's text, an upstream error message echoing a connection string).
 *
 * Secrets are replaced wherever they occur as a substring of a string value, a key, or a
 * number's decimal form. Matching is exact (case-sensitive); longer secrets are tried
 * first so a secret containing another is removed whole. A very short secret would
 * shred ordinary text, so configuration should refuse them; the scrub still applies it.
 */

/** What a removed secret is replaced with. */
export const SCRUBBED = "[scrubbed]";

export interface Scrubbed<T> {
  value: T;
  /** How many occurrences were replaced. */
  count: number;
}

export type Scrubber = <T>(value: T) => Scrubbed<T>;

export function createScrubber(secrets: readonly string[]): Scrubber {
  const list = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (value) => ({ value, count: 0 });
  const text = (s: string): Scrubbed<string> => {
    let count = 0;
    let out = s;
    for (const secret of list) {
      if (!out.includes(secret)) continue;
      const pieces = out.split(secret);
      count += pieces.length - 1;
      out = pieces.join(SCRUBBED);
    }
    return { value: out, count };
  };
  const walk = (v: unknown): Scrubbed<unknown> => {
    if (typeof v === "string") return text(v);
    if (typeof v === "number" || typeof v === "bigint") {
      const s = text(String(v));
      return s.count > 0 ? s : { value: v, count: 0 };
    }
    if (Array.isArray(v)) {
      let count = 0;
      const out = v.map((item) => {
        const s = walk(item);
        count += s.count;
        return s.value;
      });
      return { value: out, count };
    }
    if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") {
      return walk((v as { toJSON: () => unknown }).toJSON());
    }
    if (v !== null && typeof v === "object") {
      let count = 0;
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        const key = text(k);
        const s = walk(item);
        count += key.count + s.count;
        out[key.value] = s.value;
      }
      return { value: out, count };
    }
    return { value: v, count: 0 };
  };
  return <T>(value: T) => walk(value) as Scrubbed<T>;
}

/**
 * The last check on a serialised line: true when some secret still appears in it (a
 * secret that only shows up in its JSON-escaped form, e.g. one holding a newline).
 */
export function containsSecret(line: string, secrets: readonly string[]): boolean {
  return secrets.some((s) => s.length > 0 && line.includes(s));
}
