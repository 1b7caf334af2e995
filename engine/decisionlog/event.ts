/**
 * Stage 2: one decision → one event in OPA's decision-log shape → one JSON line.
 *
 * Fields and their order follow OPA's `EventV1`: labels, decision_id, bundles, path, input,
 * result, erased, masked, error, requested_by, timestamp, metrics, req_id. Empty
 * optional fields are omitted as Go's `omitempty` does; `input`/`result` are absent when
 * undefined (no input, undefined decision) or erased. The timestamp is UTC in Go's
 * `RFC3339Nano` (nanoseconds, trailing zeros trimmed), what `time.Time` marshals to.
 *
 * Values are written with the engine's exact JSON writer: big numbers from the policy
 * (`LosslessNumber`) keep every digit, object keys come out sorted as Go writes maps.
 */
import { randomUUID } from "node:crypto";
import { fromJSON, quoteJSON, stringifyJSON, stringifyPlainJSON } from "../values/index.js";
import { applyMask, type CompiledMask } from "./mask.js";

/** What the log needs of a decision; `engine/watch`'s `Decision` has this shape. */
export interface DecisionRecord {
  /** Slash path of the entrypoint, e.g. `portcullis/decision`. */
  path: string;
  /** Revision of the policy that decided; null when none was loaded. */
  revision: string | null;
  /** Name of the bundle (the key of `bundles`). */
  bundle: string;
  result?: unknown;
  error?: { code: string; message: string; location?: { file: string; row: number; col: number } };
  metrics?: Record<string, number>;
}

/** OPA's decision-log event, as written. */
export interface DecisionEvent {
  labels: Record<string, string>;
  decision_id: string;
  bundles?: Record<string, { revision: string }>;
  path: string;
  input?: unknown;
  result?: unknown;
  erased?: string[];
  masked?: string[];
  error?: { code: string; message: string; location?: { file: string; row: number; col: number } };
  requested_by?: string;
  timestamp: string;
  metrics?: Record<string, number>;
  req_id?: number;
}

export interface EventOptions {
  /** At least `{id, version}` of the gateway instance, as OPA labels its events. */
  labels: Record<string, string>;
  input?: unknown;
  mask?: CompiledMask;
  /** Nanoseconds since the Unix epoch; default `nowNs()`. */
  timestampNs?: bigint;
  /** Default: a random UUID (v4). */
  decisionId?: string;
  /** The client, e.g. `10.0.0.7:53122`. */
  requestedBy?: string;
  reqId?: number;
}

export function buildEvent(decision: DecisionRecord, options: EventOptions): DecisionEvent {
  const event: DecisionEvent = {
    labels: { ...options.labels },
    decision_id: options.decisionId ?? randomUUID(),
    path: decision.path,
    timestamp: formatTimestamp(options.timestampNs ?? nowNs()),
  };
  if (decision.revision !== null) event.bundles = { [decision.bundle]: { revision: decision.revision } };
  const fields: { input?: unknown; result?: unknown } = {};
  if (options.input !== undefined) fields.input = options.input;
  if (decision.result !== undefined) fields.result = decision.result;
  if (options.mask) {
    const m = applyMask(fields, options.mask);
    if (m.input !== undefined) event.input = m.input;
    if (m.result !== undefined) event.result = m.result;
    if (m.erased.length > 0) event.erased = m.erased;
    if (m.masked.length > 0) event.masked = m.masked;
  } else {
    Object.assign(event, fields);
  }
  if (decision.error) event.error = decision.error;
  if (options.requestedBy !== undefined) event.requested_by = options.requestedBy;
  if (decision.metrics && Object.keys(decision.metrics).length > 0) event.metrics = { ...decision.metrics };
  if (options.reqId !== undefined) event.req_id = options.reqId;
  return event;
}

const ORDER: (keyof DecisionEvent)[] = ["labels", "decision_id", "bundles", "path", "input", "result", "erased", "masked", "error", "requested_by", "timestamp", "metrics", "req_id"];

/** The event as one line of JSON (no trailing newline), fields in OPA's order. */
export function encodeEvent(event: DecisionEvent): string {
  const parts: string[] = [];
  for (const key of ORDER) {
    const value = event[key];
    if (value === undefined) continue;
    parts.push(`${quoteJSON(key)}:${stringifyPlainJSON(value) ?? stringifyJSON(fromJSON(value))}`);
  }
  return `{${parts.join(",")}}`;
}

/** RFC 3339 in UTC with up to nine fraction digits, trailing zeros trimmed (Go's RFC3339Nano). */
export function formatTimestamp(ns: bigint): string {
  let frac = ns % 1_000_000_000n;
  let secs = ns / 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    secs -= 1n;
  }
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  const digits = frac.toString().padStart(9, "0").replace(/0+$/, "");
  return `${base}${digits ? "." + digits : ""}Z`;
}

// Date.now() has millisecond resolution; hrtime adds the nanoseconds, anchored once.
const anchorNs = BigInt(Date.now()) * 1_000_000n;
const anchorHr = process.hrtime.bigint();

/** Wall-clock nanoseconds since the Unix epoch, monotonic within the process. */
export function nowNs(): bigint {
  return anchorNs + (process.hrtime.bigint() - anchorHr);
}
