/**
 * The masking core: protocol-free, pure, no I/O. Front ends compile a decision's `mask`
 * list once (`compileMaskRules`), build a `Masker` per result description and call
 * `maskRow`/`maskField` on each row, or a `StreamMasker` for byte/text streams.
 * README.md documents the methods, detectors and the type-safety table.
 */
export type { ColumnInfo, ColumnKind, Detector, MaskError, Method, Range } from "./types.js";
export { formatMaskError, maskError } from "./types.js";
export { createHasher, maskString, parseMethod, partial, REDACTED, type Hasher } from "./methods.js";
export { email, phone, usSsn } from "./detect-pii.js";
export { creditCard, iban, IBAN_LENGTHS, ibanChecksumValid, luhnValid } from "./detect-finance.js";
export { awsAccessKeyId, awsSecretAccessKey, bearerToken, jwt, privateKey } from "./detect-secrets.js";
export { ipv4, ipv6 } from "./detect-network.js";
export { DETECTOR_ALIASES, DETECTORS, resolveDetector } from "./detectors.js";
export { literalPrefix, patternDetector } from "./patterns.js";
export { compileMaskRules, type ColumnRule, type CompileResult, type CompiledMaskRules, type MaskOptions, type ScanRule } from "./rules.js";
export { anyMatch, applyMatches, findMatches, maskText } from "./scan.js";
export { maskValue, scannable, scanValue } from "./kinds.js";
export { columnMethod, createMasker, type ColumnAction, type Masker } from "./masker.js";
export { CONTEXT_CHARS, createStreamMasker, HOLD_CHARS, MAX_PENDING_CHARS, type StreamMasker } from "./stream.js";
