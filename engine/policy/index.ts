export { compile, compileWasm, loadPolicy, type CompileRequest, type LoadOptions, type LoadedPolicy, type HostBuiltin } from "./policy.js";
export { PolicyError, type PolicyErrorCode } from "./errors.js";
export { evaluateWasm, type WasmEvalOptions } from "./evaluate.js";
