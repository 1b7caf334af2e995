/** Comparison operators over OPA's total order of values (any types compare). */

import { compare, equal } from "../values/index.js";
import { def, type Builtin } from "./builtin.js";

export const comparisonBuiltins: Builtin[] = [
  def("equal", ["any", "any"], "boolean", ([a, b]) => equal(a!, b!)),
  def("neq", ["any", "any"], "boolean", ([a, b]) => !equal(a!, b!)),
  def("lt", ["any", "any"], "boolean", ([a, b]) => compare(a!, b!) < 0),
  def("lte", ["any", "any"], "boolean", ([a, b]) => compare(a!, b!) <= 0),
  def("gt", ["any", "any"], "boolean", ([a, b]) => compare(a!, b!) > 0),
  def("gte", ["any", "any"], "boolean", ([a, b]) => compare(a!, b!) >= 0),
];
