/** Decision logs in OPA's shape: mask/erase → event → JSON line → sink. */
export { applyMask, compileMask, hmacOf, parseMaskPath, DEFAULT_MARKER, type CompiledMask, type MaskConfig, type MaskMethod, type MaskPath, type Masked, type Maskable } from "./mask.js";
export { buildEvent, encodeEvent, formatTimestamp, nowNs, type DecisionEvent, type DecisionRecord, type EventOptions } from "./event.js";
export { LineSink, type SinkOptions } from "./sink.js";
export { DecisionLogger, type DecisionLoggerOptions, type LineWriter, type LogExtra } from "./logger.js";
