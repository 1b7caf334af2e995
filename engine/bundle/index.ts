/**
 * OPA bundles: build, read, sign, verify. Pure functions over buffers plus file-system
 * collection; the caller brings the compiled Wasm (this folder never compiles Rego).
 */

export { BundleError, isBundleError, type BundleErrorCode } from "./errors.js";
export { readTar, writeTar, readTarGz, writeTarGz, gzip, gunzip, type TarEntry } from "./tar.js";
export { collectPolicyDir, type Collected, type ModuleFile } from "./collect.js";
export { mergeData, type DataSource } from "./data.js";
export { gitRevision } from "./revision.js";
export { manifestText, parseManifest, validateManifest, entrypointPath, type Manifest, type WasmResolver } from "./manifest.js";
export { hashBundleFile, isStructuredDoc, canonicalText } from "./hash.js";
export { signFiles, verifySignaturesFile, type SigningAlg, type SigningConfig, type VerificationConfig, type FileInfo, type SignaturePayload } from "./sign.js";
export { writeBundle, type WriteBundleOptions } from "./write.js";
export { readBundle, type Bundle, type ReadBundleOptions, type WasmEntrypoint } from "./read.js";
