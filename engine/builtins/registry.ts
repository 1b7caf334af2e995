/** All host builtins by name. */

import type { Builtin } from "./builtin.js";
import { comparisonBuiltins } from "./comparison.js";
import { arithmeticBuiltins } from "./arithmetic.js";
import { aggregateBuiltins } from "./aggregates.js";
import { collectionBuiltins } from "./collections.js";
import { objectBuiltins } from "./objects.js";
import { stringBuiltins } from "./strings.js";
import { sprintfBuiltins } from "./sprintf.js";
import { regexBuiltins } from "./regex.js";
import { globBuiltins } from "./glob.js";
import { typeBuiltins } from "./types.js";
import { encodingBuiltins } from "./encoding.js";
import { netBuiltins } from "./net.js";
import { unitBuiltins } from "./units.js";
import { semverBuiltins } from "./semver.js";
import { timeBuiltins } from "./time.js";
import { cryptoBuiltins } from "./crypto.js";
import { miscBuiltins } from "./misc.js";

const all: Builtin[] = [
  ...comparisonBuiltins,
  ...arithmeticBuiltins,
  ...aggregateBuiltins,
  ...collectionBuiltins,
  ...objectBuiltins,
  ...stringBuiltins,
  ...sprintfBuiltins,
  ...regexBuiltins,
  ...globBuiltins,
  ...typeBuiltins,
  ...encodingBuiltins,
  ...netBuiltins,
  ...unitBuiltins,
  ...semverBuiltins,
  ...timeBuiltins,
  ...cryptoBuiltins,
  ...miscBuiltins,
];

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(all.map((b) => [b.name, b]));

export function getBuiltin(name: string): Builtin | undefined {
  return BUILTINS.get(name);
}
