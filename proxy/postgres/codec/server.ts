/**
 * Stage 2, server → client: frames ↔ typed backend messages.
 *
 * `encodeServerMessage` is how the gateway speaks to clients itself (authentication,
 * its own ErrorResponse on a denial, ReadyForQuery); `decodeServerMessage` reads what the
 * upstream PostgreSQL sends. We decode with our own code rather than pg-protocol's
 * parser so that both directions share one shape (frames in, values out, violations as
 * values, never exceptions); pg-protocol serves as an independent oracle in the tests.
 */
import { Malformed, Reader, Writer, malformed } from "./buffers.js";
import type { DecodeResult, FormatCode } from "./client.js";
import type { Frame } from "./framer.js";

/**
 * The fields of ErrorResponse and NoticeResponse, named as in libpq's PG_DIAG_*.
 * Unknown field codes are dropped on decode, as the protocol tells frontends to do.
 */
export interface NoticeFields {
  severity?: string; // S
  severityNonLocalized?: string; // V
  code?: string; // C (SQLSTATE)
  message?: string; // M
  detail?: string; // D
  hint?: string; // H
  position?: string; // P (1-based character index into the query, as text)
  internalPosition?: string; // p
  internalQuery?: string; // q
  where?: string; // W
  schema?: string; // s
  table?: string; // t
  column?: string; // c
  dataType?: string; // d
  constraint?: string; // n
  file?: string; // F
  line?: string; // L
  routine?: string; // R
}

/** Field code ↔ name, in the order PostgreSQL itself writes them. */
export const NOTICE_FIELD_CODES: ReadonlyArray<readonly [string, keyof NoticeFields]> = [
  ["S", "severity"],
  ["V", "severityNonLocalized"],
  ["C", "code"],
  ["M", "message"],
  ["D", "detail"],
  ["H", "hint"],
  ["P", "position"],
  ["p", "internalPosition"],
  ["q", "internalQuery"],
  ["W", "where"],
  ["s", "schema"],
  ["t", "table"],
  ["c", "column"],
  ["d", "dataType"],
  ["n", "constraint"],
  ["F", "file"],
  ["L", "line"],
  ["R", "routine"],
];
const FIELD_BY_CODE = new Map(NOTICE_FIELD_CODES.map(([c, n]) => [c, n]));

/** One column of a RowDescription. */
export interface FieldDescription {
  name: string;
  tableOid: number;
  columnAttr: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  format: FormatCode;
}

/** Transaction status in ReadyForQuery: idle, in a transaction block, in a failed one. */
export type TransactionStatus = "I" | "T" | "E";

export type ServerMessage =
  | { type: "AuthenticationOk" }
  | { type: "AuthenticationCleartextPassword" }
  | { type: "AuthenticationMD5Password"; salt: Buffer }
  | { type: "AuthenticationSASL"; mechanisms: string[] }
  | { type: "AuthenticationSASLContinue"; data: Buffer }
  | { type: "AuthenticationSASLFinal"; data: Buffer }
  | { type: "ParameterStatus"; name: string; value: string }
  /** `secretKey` is 4 bytes in protocol 3.0, up to 256 in 3.2. */
  | { type: "BackendKeyData"; processId: number; secretKey: Buffer }
  | { type: "ReadyForQuery"; status: TransactionStatus }
  | { type: "ErrorResponse"; fields: NoticeFields }
  | { type: "NoticeResponse"; fields: NoticeFields }
  | { type: "RowDescription"; fields: FieldDescription[] }
  | { type: "DataRow"; values: (Buffer | null)[] }
  | { type: "CommandComplete"; tag: string }
  | { type: "EmptyQueryResponse" }
  | { type: "ParseComplete" }
  | { type: "BindComplete" }
  | { type: "CloseComplete" }
  | { type: "NoData" }
  | { type: "PortalSuspended" }
  | { type: "ParameterDescription"; typeOids: number[] }
  | { type: "CopyInResponse" | "CopyOutResponse" | "CopyBothResponse"; format: FormatCode; columnFormats: FormatCode[] }
  | { type: "CopyData"; data: Buffer }
  | { type: "CopyDone" }
  | { type: "NotificationResponse"; processId: number; channel: string; payload: string }
  | { type: "FunctionCallResponse"; result: Buffer | null }
  | { type: "NegotiateProtocolVersion"; newestMinor: number; unsupportedOptions: string[] };

export function decodeServerMessage(frame: Frame): DecodeResult<ServerMessage> {
  try {
    if (frame.type === null) return malformed("server messages are always typed");
    return { ok: true, message: decodeTyped(frame.type, frame.body) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.violation };
    throw e;
  }
}

function decodeTyped(type: string, body: Buffer): ServerMessage {
  const r = new Reader(body, `message '${type}'`);
  let m: ServerMessage;
  switch (type) {
    case "R":
      m = decodeAuthentication(r);
      break;
    case "S":
      m = { type: "ParameterStatus", name: r.cstring("name"), value: r.cstring("value") };
      break;
    case "K": {
      const processId = r.int32("process id");
      const secretKey = r.rest();
      if (secretKey.length < 4 || secretKey.length > 256) malformed(`BackendKeyData: invalid secret key length ${secretKey.length}`);
      m = { type: "BackendKeyData", processId, secretKey };
      break;
    }
    case "Z": {
      const status = String.fromCharCode(r.byte("transaction status"));
      if (status !== "I" && status !== "T" && status !== "E") malformed(`ReadyForQuery: invalid transaction status '${status}'`);
      m = { type: "ReadyForQuery", status };
      break;
    }
    case "E":
    case "N":
      m = { type: type === "E" ? "ErrorResponse" : "NoticeResponse", fields: decodeNoticeFields(r) };
      break;
    case "T": {
      const n = r.uint16("field count");
      const fields: FieldDescription[] = [];
      for (let i = 0; i < n; i++) {
        fields.push({
          name: r.cstring("field name"),
          tableOid: r.int32("table oid") >>> 0,
          columnAttr: r.int16("column number"),
          typeOid: r.int32("type oid") >>> 0,
          typeSize: r.int16("type size"),
          typeModifier: r.int32("type modifier"),
          format: r.int16("format"),
        });
      }
      m = { type: "RowDescription", fields };
      break;
    }
    case "D": {
      const n = r.uint16("column count");
      const values: (Buffer | null)[] = [];
      for (let i = 0; i < n; i++) values.push(r.nullableBytes("column value"));
      m = { type: "DataRow", values };
      break;
    }
    case "C":
      m = { type: "CommandComplete", tag: r.cstring("command tag") };
      break;
    case "I":
      m = { type: "EmptyQueryResponse" };
      break;
    case "1":
      m = { type: "ParseComplete" };
      break;
    case "2":
      m = { type: "BindComplete" };
      break;
    case "3":
      m = { type: "CloseComplete" };
      break;
    case "n":
      m = { type: "NoData" };
      break;
    case "s":
      m = { type: "PortalSuspended" };
      break;
    case "t": {
      const n = r.uint16("parameter count");
      const typeOids: number[] = [];
      for (let i = 0; i < n; i++) typeOids.push(r.int32("parameter type") >>> 0);
      m = { type: "ParameterDescription", typeOids };
      break;
    }
    case "G":
    case "H":
    case "W": {
      const format = r.byte("overall format");
      const n = r.uint16("column count");
      const columnFormats: FormatCode[] = [];
      for (let i = 0; i < n; i++) columnFormats.push(r.int16("column format"));
      const which = type === "G" ? "CopyInResponse" : type === "H" ? "CopyOutResponse" : "CopyBothResponse";
      m = { type: which, format, columnFormats };
      break;
    }
    case "d":
      m = { type: "CopyData", data: r.rest() };
      break;
    case "c":
      m = { type: "CopyDone" };
      break;
    case "A":
      m = { type: "NotificationResponse", processId: r.int32("process id"), channel: r.cstring("channel"), payload: r.cstring("payload") };
      break;
    case "V":
      m = { type: "FunctionCallResponse", result: r.nullableBytes("result") };
      break;
    case "v": {
      const newestMinor = r.int32("newest minor version");
      const n = r.int32("option count");
      if (n < 0 || n > r.remaining()) malformed(`NegotiateProtocolVersion: invalid option count ${n}`);
      const unsupportedOptions: string[] = [];
      for (let i = 0; i < n; i++) unsupportedOptions.push(r.cstring("option name"));
      m = { type: "NegotiateProtocolVersion", newestMinor, unsupportedOptions };
      break;
    }
    default:
      return malformed(`invalid backend message type ${JSON.stringify(type)}`);
  }
  r.end();
  return m;
}

function decodeAuthentication(r: Reader): ServerMessage {
  const kind = r.int32("authentication type");
  switch (kind) {
    case 0:
      return { type: "AuthenticationOk" };
    case 3:
      return { type: "AuthenticationCleartextPassword" };
    case 5:
      return { type: "AuthenticationMD5Password", salt: r.bytes(4, "salt") };
    case 10: {
      const mechanisms: string[] = [];
      for (;;) {
        const name = r.cstring("SASL mechanism");
        if (name === "") break;
        mechanisms.push(name);
      }
      return { type: "AuthenticationSASL", mechanisms };
    }
    case 11:
      return { type: "AuthenticationSASLContinue", data: r.rest() };
    case 12:
      return { type: "AuthenticationSASLFinal", data: r.rest() };
    default:
      // Kerberos, GSS and SSPI are not supported by the gateway's upstream side.
      return malformed(`unsupported authentication request ${kind}`);
  }
}

function decodeNoticeFields(r: Reader): NoticeFields {
  const fields: NoticeFields = {};
  for (;;) {
    const code = r.byte("field type");
    if (code === 0) break;
    const value = r.cstring("field value");
    const name = FIELD_BY_CODE.get(String.fromCharCode(code));
    if (name !== undefined) fields[name] = value;
  }
  return fields;
}

/** Serialises a server message as a complete frame (what the gateway writes to clients). */
export function encodeServerMessage(m: ServerMessage): Buffer {
  const w = new Writer();
  switch (m.type) {
    case "AuthenticationOk":
      return w.int32(0).frame("R");
    case "AuthenticationCleartextPassword":
      return w.int32(3).frame("R");
    case "AuthenticationMD5Password":
      return w.int32(5).bytes(m.salt).frame("R");
    case "AuthenticationSASL":
      w.int32(10);
      for (const mech of m.mechanisms) w.cstring(mech);
      return w.byte(0).frame("R");
    case "AuthenticationSASLContinue":
      return w.int32(11).bytes(m.data).frame("R");
    case "AuthenticationSASLFinal":
      return w.int32(12).bytes(m.data).frame("R");
    case "ParameterStatus":
      return w.cstring(m.name).cstring(m.value).frame("S");
    case "BackendKeyData":
      return w.int32(m.processId).bytes(m.secretKey).frame("K");
    case "ReadyForQuery":
      return w.byte(m.status.charCodeAt(0)).frame("Z");
    case "ErrorResponse":
    case "NoticeResponse":
      for (const [code, name] of NOTICE_FIELD_CODES) {
        const v = m.fields[name];
        if (v !== undefined) w.byte(code.charCodeAt(0)).cstring(v);
      }
      return w.byte(0).frame(m.type === "ErrorResponse" ? "E" : "N");
    case "RowDescription":
      w.int16(m.fields.length);
      for (const f of m.fields) {
        w.cstring(f.name).int32(f.tableOid).int16(f.columnAttr).int32(f.typeOid).int16(f.typeSize).int32(f.typeModifier).int16(f.format);
      }
      return w.frame("T");
    case "DataRow":
      w.int16(m.values.length);
      for (const v of m.values) w.nullableBytes(v);
      return w.frame("D");
    case "CommandComplete":
      return w.cstring(m.tag).frame("C");
    case "EmptyQueryResponse":
      return w.frame("I");
    case "ParseComplete":
      return w.frame("1");
    case "BindComplete":
      return w.frame("2");
    case "CloseComplete":
      return w.frame("3");
    case "NoData":
      return w.frame("n");
    case "PortalSuspended":
      return w.frame("s");
    case "ParameterDescription":
      w.int16(m.typeOids.length);
      for (const t of m.typeOids) w.int32(t);
      return w.frame("t");
    case "CopyInResponse":
    case "CopyOutResponse":
    case "CopyBothResponse":
      w.byte(m.format).int16(m.columnFormats.length);
      for (const f of m.columnFormats) w.int16(f);
      return w.frame(m.type === "CopyInResponse" ? "G" : m.type === "CopyOutResponse" ? "H" : "W");
    case "CopyData":
      return w.bytes(m.data).frame("d");
    case "CopyDone":
      return w.frame("c");
    case "NotificationResponse":
      return w.int32(m.processId).cstring(m.channel).cstring(m.payload).frame("A");
    case "FunctionCallResponse":
      return w.nullableBytes(m.result).frame("V");
    case "NegotiateProtocolVersion":
      w.int32(m.newestMinor).int32(m.unsupportedOptions.length);
      for (const o of m.unsupportedOptions) w.cstring(o);
      return w.frame("v");
  }
}

/**
 * The single unframed byte that answers an SSLRequest or GSSENCRequest: 'S'/'G' to go
 * ahead with encryption, 'N' to decline (the client then sends a normal startup packet).
 */
export function encodeEncryptionResponse(accept: boolean, kind: "ssl" | "gss" = "ssl"): Buffer {
  return Buffer.from(accept ? (kind === "ssl" ? "S" : "G") : "N", "latin1");
}

/** A ready-made ErrorResponse: severity ERROR with the given SQLSTATE and message. */
export function errorResponse(code: string, message: string, extra: NoticeFields = {}): Buffer {
  return encodeServerMessage({
    type: "ErrorResponse",
    fields: { severity: "ERROR", severityNonLocalized: "ERROR", code, message, ...extra },
  });
}
