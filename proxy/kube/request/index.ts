/**
 * Kubernetes API request → `input.request`, in pipeline order: `path` (which endpoint),
 * `selectors` (label and field selectors), `body` (JSON/YAML and patch type; `protobuf`
 * for the type and metadata of protobuf bodies), `describe` (the entry point).
 */
export { describeKubeRequest } from "./describe.js";
export { parseLabelSelector, parseFieldSelector } from "./selectors.js";
export type { ExecOptions, HttpRequestParts, KubeRequest, KubeRequestKind, PatchType, SelectorRequirement } from "./types.js";
