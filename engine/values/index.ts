export { RNumber } from "./number.js";
export { RObject, RSet, keyOf, typeName, type Value, type TypeName } from "./value.js";
export { compare, compareStrings, equal } from "./compare.js";
export { goQuote, toRegoText } from "./text.js";
export {
  JSONSyntaxError,
  fromJSON,
  parseJSON,
  quoteJSON,
  stringifyJSON,
  stringifyPlainJSON,
  toJSON,
  type StringifyOptions,
} from "./json.js";
