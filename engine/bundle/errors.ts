/**
 * Errors of the bundle toolchain. Bundles come from outside (CI artefacts, HTTP downloads),
 * so every problem is reported as a `BundleError` with a stable `code` the CLI and the
 * gateway can act on, and the bundle file concerned where there is one. Nothing in this
 * folder lets a TypeError or RangeError escape from malformed input.
 */

export type BundleErrorCode =
  /** Not gzip, not tar, truncated, a checksum that fails, a duplicate or unsafe path. */
  | "bundle_corrupt"
  /** `.manifest` is not JSON of the expected shape, or breaks a rule (roots, wasm). */
  | "bundle_manifest_invalid"
  /** A data file is not valid JSON/YAML, or data files conflict. */
  | "bundle_data_invalid"
  /** A verification key is configured but the bundle has no `.signatures.json`. */
  | "bundle_unsigned"
  /** The bundle is signed but no key was configured (OPA refuses these too, unless skip-verify). */
  | "bundle_key_missing"
  /** The JWS does not verify, is malformed, uses another algorithm, or its scope differs. */
  | "bundle_signature_invalid"
  /** A file's digest differs, a file is not covered by the signature, or a signed file is absent. */
  | "bundle_file_mismatch"
  /** Signing could not be done (bad key, unknown algorithm). */
  | "bundle_signing_failed"
  /** Invalid arguments to writeBundle/collectPolicyDir (e.g. a module path escaping the bundle). */
  | "bundle_invalid_input"
  /** File-system problems while collecting a policy directory. */
  | "bundle_io_error";

export class BundleError extends Error {
  override readonly name = "BundleError";
  constructor(
    readonly code: BundleErrorCode,
    message: string,
    /** Bundle-relative path (no leading slash) of the file concerned, when one is. */
    readonly file?: string,
  ) {
    super(file !== undefined ? `${file}: ${message}` : message);
  }
}

export function isBundleError(e: unknown): e is BundleError {
  return e instanceof BundleError;
}
