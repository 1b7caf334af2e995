/**
 * Stage 2d, detectors for network addresses: IPv4 and IPv6. A version string
 * (`1.2.3.4.5`), a MAC address or a time of day is not an address.
 */
import { isIPv6 } from "node:net";
import { needs } from "./prefilter.js";
import type { Detector } from "./types.js";

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";

/** Dotted quads with octets 0–255 and no leading zeros, not part of a longer dotted number. */
export const ipv4: Detector = {
  name: "ipv4",
  needs: needs({ minLength: 7, minDigits: 4, all: "." }),
  needsSuffice: true,
  mayMatch: (text) => text.indexOf(".") >= 0,
  find(text, out) {
    const re = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?!\\w|\\.\\d)`, "g");
    for (let m = re.exec(text); m; m = re.exec(text)) out.push(m.index, m.index + m[0].length);
  },
};

/**
 * Colon-separated hex groups (with `::` compression and an optional dotted IPv4 tail)
 * that Node's own parser accepts as IPv6, holding at least one hex digit (`::` alone in
 * code is not an address).
 */
export const ipv6: Detector = {
  name: "ipv6",
  needs: needs({ minLength: 2, all: ":" }),
  needsSuffice: true,
  mayMatch: (text) => text.indexOf(":") >= 0,
  find(text, out) {
    const re = /(?<![0-9A-Za-z_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![0-9A-Za-z_:]|\.\d)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const s = m[0];
      if (s.length === 0) {
        re.lastIndex++;
        continue;
      }
      if (/[0-9A-Fa-f]/.test(s) && isIPv6(s)) out.push(m.index, m.index + s.length);
    }
  },
};
