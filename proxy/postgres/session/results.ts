/**
 * Upstream responses, message by message, matched to the client messages that asked for
 * them (the relay's tap, used when masking or recording is on). The session announces
 * every message it forwards that upstream answers (`expect`); this stage walks the
 * replies in the protocol's order:
 *
 *  - Query: everything up to ReadyForQuery (several result sets for a multi-statement
 *    string, all masked per the decision on the whole string);
 *  - Parse / Bind / Close: one reply; Describe S: ParameterDescription then RowDescription
 *    or NoData; Describe P: RowDescription or NoData; Execute: DataRows then
 *    CommandComplete / EmptyQueryResponse / PortalSuspended (or COPY in between);
 *  - an ErrorResponse in the extended protocol: upstream skips to Sync, and so does this.
 *
 * DataRows of a run with active mask rules are rewritten one at a time (no buffering of a
 * result); NULL is valid for every type, so whatever cannot be masked type-safely becomes
 * NULL. A run ends (→ `finished`, for the recording) at its Query's ReadyForQuery or its
 * Execute's last reply, with rows returned, rows affected, masked counts and the error.
 */
import { createMasker, type ColumnInfo, type CompiledMaskRules, type Masker } from "../../core/masking/index.js";
import { decodeServerMessage, type FieldDescription, type TransactionStatus } from "../codec/index.js";
import { kindOfType, type Catalog } from "./catalog.js";
import type { ResponseTap } from "./relay.js";

/** One allowed statement on its way through upstream (a Query, or an Execute of a portal). */
export interface Run {
  /** Mask rules of its decision; absent or empty: rows pass untouched. */
  rules?: CompiledMaskRules;
  rowsReturned: number;
  rowsAffected?: number;
  masked: Record<string, number>;
  error?: string;
}

export type Expected =
  | { kind: "query"; run: Run }
  | { kind: "one" }
  | { kind: "describe"; target: "S" | "P"; name: string }
  | { kind: "execute"; portal: string; run: Run }
  | { kind: "sync" };

/** The columns of one result set and, once the first row needs it, their masker. */
interface ResultSet {
  fields: readonly FieldDescription[];
  masker?: Masker;
  /** Values made NULL because they could not be decoded to be scanned (binary, other kinds). */
  failClosed?: Uint32Array;
}

const D = 0x44, T = 0x54, C = 0x43, E = 0x45, I = 0x49, s = 0x73, n = 0x6e, t = 0x74;
const ONE_REPLY = new Set([0x31, 0x32, 0x33]); // ParseComplete, BindComplete, CloseComplete

export class ResultTracker implements ResponseTap {
  private readonly units: Expected[] = [];
  private head = 0;
  /** The result set of the current Query or Execute. */
  private current: ResultSet | undefined;
  private readonly statementFields = new Map<string, readonly FieldDescription[]>();
  private readonly portalFields = new Map<string, readonly FieldDescription[]>();
  /** Portal → its statement and result formats, for an Execute without Describe P. */
  private readonly bindings = new Map<string, { statement: string; formats: number[] }>();

  constructor(
    private readonly catalog: Catalog | undefined,
    private readonly finished: (run: Run) => void,
  ) {}

  expect(unit: Expected): void {
    this.units.push(unit);
  }

  /** The session forwarded a Bind: remembered so an Execute without Describe still knows its columns. */
  bound(portal: string, statement: string, formats: number[]): void {
    this.bindings.set(portal, { statement, formats });
    this.portalFields.delete(portal);
  }

  private get unit(): Expected | undefined {
    return this.units[this.head];
  }

  private pop(): void {
    this.head++;
    if (this.head > 64) {
      this.units.splice(0, this.head);
      this.head = 0;
    }
  }

  ready(_status: TransactionStatus): void {
    const u = this.unit;
    if (u === undefined) return;
    if (u.kind === "query") this.end(u.run);
    // After an extended-protocol error everything up to the Sync was skipped already.
    this.pop();
  }

  message(type: number, body: Buffer, whole: Buffer): Buffer | Promise<Buffer> {
    const u = this.unit;
    if (u === undefined) return whole;
    switch (u.kind) {
      case "query":
        if (type === T) this.current = { fields: this.fields(body) };
        else if (type === D) return this.row(u.run, body, whole);
        else if (type === C) this.complete(u.run, body);
        else if (type === E) u.run.error ??= errorText(type, body);
        return whole;
      case "one":
        if (ONE_REPLY.has(type)) this.pop();
        else if (type === E) this.skipToSync();
        return whole;
      case "describe":
        if (type === T) {
          (u.target === "S" ? this.statementFields : this.portalFields).set(u.name, this.fields(body));
          this.pop();
        } else if (type === n) {
          (u.target === "S" ? this.statementFields : this.portalFields).set(u.name, []);
          this.pop();
        } else if (type === E) this.skipToSync();
        // ParameterDescription ('t') of a Describe S: the RowDescription/NoData follows.
        else if (type !== t) return whole;
        return whole;
      case "execute":
        if (type === D) {
          if (this.current === undefined) this.current = { fields: this.executeFields(u.portal) };
          return this.row(u.run, body, whole);
        }
        if (type === C || type === I || type === s || type === E) {
          if (type === C) this.complete(u.run, body);
          if (type === E) u.run.error = errorText(type, body);
          this.end(u.run);
          if (type === E) this.skipToSync();
          else this.pop();
        }
        return whole;
      case "sync":
        return whole;
    }
  }

  /** After an extended-protocol error upstream ignores everything until Sync. */
  private skipToSync(): void {
    while (this.unit !== undefined && this.unit.kind !== "sync") {
      const u = this.unit;
      if (u.kind === "execute") this.end(u.run);
      this.pop();
    }
  }

  private fields(body: Buffer): readonly FieldDescription[] {
    const d = decodeServerMessage({ type: "T", body });
    return d.ok && d.message.type === "RowDescription" ? d.message.fields : [];
  }

  /**
   * An Execute's columns: its Describe P reply, else its statement's Describe S reply with
   * the Bind's formats; unknown (undefined) makes every value NULL under mask rules.
   */
  private executeFields(portal: string): readonly FieldDescription[] {
    const described = this.portalFields.get(portal);
    if (described !== undefined) return described;
    const b = this.bindings.get(portal);
    const fields = b === undefined ? undefined : this.statementFields.get(b.statement);
    if (b === undefined || fields === undefined) return [];
    return fields.map((f, i) => ({ ...f, format: (b.formats.length === 1 ? b.formats[0]! : (b.formats[i] ?? 0)) as FieldDescription["format"] }));
  }

  private complete(run: Run, body: Buffer): void {
    this.closeResultSet(run);
    const tag = body.toString("utf8", 0, Math.max(0, body.length - 1));
    const m = /^(?:INSERT \d+|UPDATE|DELETE|MERGE|COPY) (\d+)$/.exec(tag);
    if (m) run.rowsAffected = (run.rowsAffected ?? 0) + Number(m[1]);
  }

  /** Adds the current result set's masked counts to its run. */
  private closeResultSet(run: Run): void {
    const r = this.current;
    this.current = undefined;
    if (r === undefined) return;
    if (r.masker !== undefined) for (const [k, v] of Object.entries(r.masker.maskedByColumn())) run.masked[k] = (run.masked[k] ?? 0) + v;
    if (r.failClosed !== undefined) {
      r.failClosed.forEach((v, i) => {
        if (v === 0) return;
        const f = r.fields[i];
        const k = f?.name ?? `column ${i + 1}`;
        run.masked[k] = (run.masked[k] ?? 0) + v;
      });
    }
  }

  private end(run: Run): void {
    this.closeResultSet(run);
    this.finished(run);
  }

  private row(run: Run, body: Buffer, whole: Buffer): Buffer | Promise<Buffer> {
    run.rowsReturned++;
    const rules = run.rules;
    if (rules === undefined || (rules.columnRules.length === 0 && rules.scanRules.length === 0)) return whole;
    const r = (this.current ??= { fields: [] });
    if (r.masker !== undefined) return maskDataRow(r, body, whole);
    const needsNames = rules.columnRules.length > 0 && this.catalog !== undefined && !this.catalog.cached(r.fields);
    if (!needsNames) {
      r.masker = createMasker(rules, this.catalog?.columnsCached(r.fields) ?? plainColumns(r.fields));
      return maskDataRow(r, body, whole);
    }
    return this.catalog!.columns(r.fields).then((columns) => {
      r.masker = createMasker(rules, columns);
      return maskDataRow(r, body, whole);
    });
  }
}

/** Without a catalog (no column rules): names and kinds only; detectors need no more. */
function plainColumns(fields: readonly FieldDescription[]): ColumnInfo[] {
  return fields.map((f) => ({ name: f.name, kind: kindOfType(f.typeOid) }));
}

function errorText(type: number, body: Buffer): string {
  const d = decodeServerMessage({ type: String.fromCharCode(type), body });
  if (!d.ok || d.message.type !== "ErrorResponse") return "error";
  const f = d.message.fields;
  return `${f.code ?? ""} ${f.message ?? ""}`.trim();
}

/** Text-format kinds whose binary form is their UTF-8 text. */
const TEXT_BINARY = new Set([25, 1043, 1042, 19, 18, 705, 114]);
const JSONB = 3802;
/** Binary zero of number types (`zero` method): all-zero bytes of the type's size (numeric: ndigits 0, weight 0, sign +, dscale 0). */
const ZERO_BYTES = new Map([[21, 2], [23, 4], [26, 4], [20, 8], [700, 4], [701, 8], [1700, 8], [790, 8]]);

/**
 * One DataRow through the masker. Values are decoded only for columns that are not
 * passed; the row is re-encoded only when a value changed. A column without a known
 * description (an Execute the gateway saw no description for) is NULLed.
 */
function maskDataRow(r: ResultSet, body: Buffer, whole: Buffer): Buffer {
  const masker = r.masker!;
  if (!masker.active && r.fields.length > 0) return whole;
  const count = body.readInt16BE(0);
  let pos = 2;
  let changed = false;
  const parts: (Buffer | null)[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const len = body.readInt32BE(pos);
    pos += 4;
    const raw = len < 0 ? null : body.subarray(pos, pos + len);
    if (len > 0) pos += len;
    parts[i] = raw;
    if (raw === null) continue;
    const f = r.fields[i];
    const action = masker.actions[i];
    if (f === undefined) {
      // No description: NULL is the only value known to be valid.
      if (masker.columns.length === 0 || action === undefined) {
        parts[i] = null;
        changed = true;
        bump(r, i, count);
      }
      continue;
    }
    if (action === "pass") continue;
    const text = decodeValue(f, raw);
    if (text === undefined) {
      parts[i] = null;
      changed = true;
      bump(r, i, count);
      continue;
    }
    const out = masker.maskField(i, text);
    if (out === text) continue;
    changed = true;
    parts[i] = out === null ? null : encodeValue(f, out);
  }
  if (!changed) return whole;
  let size = 2 + 4 * count;
  for (const p of parts) if (p !== null) size += p.length;
  const msg = Buffer.allocUnsafe(1 + 4 + size);
  msg[0] = D;
  msg.writeInt32BE(4 + size, 1);
  msg.writeInt16BE(count, 5);
  let o = 7;
  for (const p of parts) {
    if (p === null) {
      msg.writeInt32BE(-1, o);
      o += 4;
    } else {
      msg.writeInt32BE(p.length, o);
      p.copy(msg, o + 4);
      o += 4 + p.length;
    }
  }
  return msg;
}

function bump(r: ResultSet, i: number, count: number): void {
  r.failClosed ??= new Uint32Array(Math.max(count, r.fields.length));
  if (i < r.failClosed.length) r.failClosed[i]!++;
}

/** A value as text for the masker; undefined when a binary value of this type cannot be read. */
function decodeValue(f: FieldDescription, raw: Buffer): string | undefined {
  if (f.format === 0 || TEXT_BINARY.has(f.typeOid)) return raw.toString("utf8");
  if (f.typeOid === JSONB) return raw[0] === 1 ? raw.toString("utf8", 1) : undefined;
  if (f.typeOid === 21 && raw.length === 2) return String(raw.readInt16BE(0));
  if (f.typeOid === 23 && raw.length === 4) return String(raw.readInt32BE(0));
  if (f.typeOid === 20 && raw.length === 8) return String(raw.readBigInt64BE(0));
  return undefined;
}

/** A masked value in the column's format; NULL (null) when it has no valid encoding. */
function encodeValue(f: FieldDescription, value: string): Buffer | null {
  if (f.format === 0 || TEXT_BINARY.has(f.typeOid)) return Buffer.from(value, "utf8");
  if (f.typeOid === JSONB) return Buffer.concat([Buffer.of(1), Buffer.from(value, "utf8")]);
  const zero = ZERO_BYTES.get(f.typeOid);
  if (zero !== undefined && value === "0") return Buffer.alloc(zero);
  return null;
}
