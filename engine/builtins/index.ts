export {
  BuiltinError,
  builtinError,
  operandTypeError,
  typeError,
  type Builtin,
  type BuiltinContext,
  type BuiltinErrorCode,
} from "./builtin.js";
export { BUILTINS, getBuiltin } from "./registry.js";
export { goSprintf } from "./sprintf.js";
export { compileRegex } from "./regex.js";
export { globToRegExp } from "./glob.js";
