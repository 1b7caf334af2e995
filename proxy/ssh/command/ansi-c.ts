/**
 * Decoding of bash's ANSI-C quoted strings (`$'…'`), which mvdan-sh leaves raw.
 * `$'\x72\x6d'` is `rm`: a policy must see the decoded text, as bash would run it.
 */

const SIMPLE: Record<string, string> = {
  a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v",
  "\\": "\\", "'": "'", '"': '"', "?": "?",
};

/** Decode the body of `$'…'` (without the quotes). Unknown escapes stay as written, as in bash. */
export function decodeAnsiC(raw: string): string {
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c !== "\\" || i + 1 >= raw.length) {
      out += c;
      i++;
      continue;
    }
    const e = raw[i + 1]!;
    i += 2;
    if (e in SIMPLE) {
      out += SIMPLE[e];
    } else if (e >= "0" && e <= "7") {
      const m = /^[0-7]{0,2}/.exec(raw.slice(i))![0];
      out += String.fromCharCode(parseInt(e + m, 8) & 0xff);
      i += m.length;
    } else if (e === "x" || e === "u" || e === "U") {
      const max = e === "x" ? 2 : e === "u" ? 4 : 8;
      const m = new RegExp(`^[0-9a-fA-F]{1,${max}}`).exec(raw.slice(i));
      if (!m) {
        out += "\\" + e;
        continue;
      }
      const code = parseInt(m[0], 16);
      out += code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
      i += m[0].length;
    } else if (e === "c" && i < raw.length) {
      // `\cX`: the control character of X.
      out += String.fromCharCode(raw.charCodeAt(i) & 0x1f);
      i++;
    } else {
      out += "\\" + e;
    }
  }
  return out;
}
