/**
 * Stage 3: `{pattern: …}` rules, RE2 syntax through re2js (the same engine as Rego's
 * regex builtins, so a pattern behaves here as it does in a policy test). Compiled once
 * per pattern text and cached for the process; a literal prefix, when the pattern has
 * one, is used as an `indexOf` pre-check so that text without it costs no regex run.
 */
import { RE2JS } from "re2js";
import { literalNeeds } from "./prefilter.js";
import type { Detector } from "./types.js";

const cache = new Map<string, Detector | string>();

/** A detector for an RE2 pattern, or the reason the pattern does not compile. */
export function patternDetector(pattern: string): Detector | string {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let made: Detector | string;
  try {
    const re = RE2JS.compile(pattern);
    const prefix = literalPrefix(pattern);
    made = {
      name: `pattern ${pattern}`,
      mayMatch: prefix.length > 0 ? (text) => text.indexOf(prefix) >= 0 : () => true,
      needs: literalNeeds(prefix),
      find(text, out) {
        const m = re.matcher(text);
        let from = 0;
        while (from <= text.length && m.find(from)) {
          const start = m.start();
          const end = m.end();
          if (end > start) out.push(start, end);
          from = end > start ? end : end + 1;
        }
      },
    };
  } catch (error) {
    made = `pattern ${JSON.stringify(pattern)} is not valid RE2: ${(error as Error).message}`;
  }
  if (cache.size > 1024) cache.clear();
  cache.set(pattern, made);
  return made;
}

/**
 * The literal text every match must contain, read from the pattern's start: plain
 * characters up to the first metacharacter. None when the pattern has an alternation
 * or flags anywhere (a `|` could make the prefix optional); a character followed by a
 * quantifier is not part of it (`ab?` only promises `a`).
 */
export function literalPrefix(pattern: string): string {
  if (pattern.includes("|") || pattern.startsWith("(?")) return "";
  let i = 0;
  let prefix = "";
  while (i < pattern.length) {
    const c = pattern[i]!;
    if ("\\.[](){}*+?^$".includes(c)) break;
    prefix += c;
    i++;
  }
  if (i < pattern.length && "*?{".includes(pattern[i]!)) prefix = prefix.slice(0, -1);
  return prefix;
}
