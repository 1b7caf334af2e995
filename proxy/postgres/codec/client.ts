/**
 * Stage 2, client → server: frames ↔ typed frontend messages.
 *
 * `decodeClientMessage` is what the gateway's front end runs on every frame a client
 * sends; `encodeClientMessage` is what its upstream side uses to write to PostgreSQL.
 * The two are inverses (property-tested). Decoding never throws: a malformed body is a
 * `ProtocolViolation` value.
 */
import { Malformed, Reader, Writer, malformed, type ProtocolViolation } from "./buffers.js";
import { CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE, type Frame } from "./framer.js";

/** Format code of a parameter or result column: 0 text, 1 binary. */
export type FormatCode = number;

/** Every message a client can send. `type` names the message as PostgreSQL's docs do. */
export type ClientMessage =
  /** Protocol 3.x startup; `parameters` holds user, database, application_name, options, … */
  | { type: "Startup"; major: number; minor: number; parameters: Record<string, string> }
  | { type: "SSLRequest" }
  | { type: "GSSENCRequest" }
  /** `secretKey` is 4 bytes in protocol 3.0 and up to 256 in 3.2. */
  | { type: "CancelRequest"; processId: number; secretKey: Buffer }
  | { type: "Query"; sql: string }
  /** `paramTypes` are type OIDs; 0 leaves the type to the server. */
  | { type: "Parse"; name: string; sql: string; paramTypes: number[] }
  | {
      type: "Bind";
      portal: string;
      statement: string;
      paramFormats: FormatCode[];
      /** Raw parameter values; null is SQL NULL. Interpreting them needs `paramFormats`. */
      params: (Buffer | null)[];
      resultFormats: FormatCode[];
    }
  | { type: "Describe"; target: "S" | "P"; name: string }
  /** `maxRows` 0 means no limit. */
  | { type: "Execute"; portal: string; maxRows: number }
  | { type: "Sync" }
  | { type: "Flush" }
  | { type: "Close"; target: "S" | "P"; name: string }
  | { type: "CopyData"; data: Buffer }
  | { type: "CopyDone" }
  | { type: "CopyFail"; message: string }
  | { type: "FunctionCall"; functionOid: number; argFormats: FormatCode[]; args: (Buffer | null)[]; resultFormat: FormatCode }
  | { type: "Terminate" }
  | { type: "PasswordMessage"; password: string }
  /** `data` is null when the client sent length -1 (no initial response). */
  | { type: "SASLInitialResponse"; mechanism: string; data: Buffer | null }
  | { type: "SASLResponse"; data: Buffer };

/**
 * What a 'p' message means depends on what the server last asked for; the caller tracks
 * the authentication exchange and says which one it expects. Without it, a 'p' message
 * is a protocol violation, as it is in PostgreSQL outside authentication.
 */
export type AuthExpectation = "password" | "sasl-initial" | "sasl";

export interface DecodeClientOptions {
  auth?: AuthExpectation;
}

export type DecodeResult<M> = { ok: true; message: M } | { ok: false; error: ProtocolViolation };

export function decodeClientMessage(frame: Frame, options: DecodeClientOptions = {}): DecodeResult<ClientMessage> {
  try {
    const message = frame.type === null ? decodeStartup(frame.body) : decodeTyped(frame.type, frame.body, options);
    return { ok: true, message };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.violation };
    throw e;
  }
}

function decodeStartup(body: Buffer): ClientMessage {
  const r = new Reader(body, "startup packet");
  const code = r.int32("protocol version");
  if (code === SSL_REQUEST_CODE) return r.end(), { type: "SSLRequest" };
  if (code === GSSENC_REQUEST_CODE) return r.end(), { type: "GSSENCRequest" };
  if (code === CANCEL_REQUEST_CODE) {
    const processId = r.int32("process id");
    const secretKey = r.rest();
    if (secretKey.length < 4 || secretKey.length > 256) malformed(`CancelRequest: invalid secret key length ${secretKey.length}`);
    return { type: "CancelRequest", processId, secretKey };
  }
  const major = code >>> 16;
  const minor = code & 0xffff;
  if (major !== 3) malformed(`startup packet: unsupported frontend protocol ${major}.${minor}`);
  const parameters: Record<string, string> = Object.create(null) as Record<string, string>;
  for (;;) {
    const name = r.cstring("parameter name");
    if (name === "") break;
    if (name in parameters) malformed(`startup packet: parameter "${name}" given twice`);
    parameters[name] = r.cstring(`value of parameter "${name}"`);
  }
  r.end();
  return { type: "Startup", major, minor, parameters };
}

function formats(r: Reader, field: string): FormatCode[] {
  const n = r.uint16(`${field} count`);
  const out: FormatCode[] = [];
  for (let i = 0; i < n; i++) out.push(r.int16(field));
  return out;
}

function values(r: Reader, field: string): (Buffer | null)[] {
  const n = r.uint16(`${field} count`);
  const out: (Buffer | null)[] = [];
  for (let i = 0; i < n; i++) out.push(r.nullableBytes(field));
  return out;
}

function target(r: Reader): "S" | "P" {
  const t = String.fromCharCode(r.byte("target"));
  if (t !== "S" && t !== "P") malformed(`invalid target '${t}' (expected 'S' or 'P')`);
  return t;
}

function decodeTyped(type: string, body: Buffer, options: DecodeClientOptions): ClientMessage {
  const r = new Reader(body, `message '${type}'`);
  let m: ClientMessage;
  switch (type) {
    case "Q":
      m = { type: "Query", sql: r.cstring("query") };
      break;
    case "P": {
      const name = r.cstring("statement name");
      const sql = r.cstring("query");
      const n = r.uint16("parameter type count");
      const paramTypes: number[] = [];
      for (let i = 0; i < n; i++) paramTypes.push(r.int32("parameter type") >>> 0);
      m = { type: "Parse", name, sql, paramTypes };
      break;
    }
    case "B": {
      const portal = r.cstring("portal name");
      const statement = r.cstring("statement name");
      const paramFormats = formats(r, "parameter format");
      const params = values(r, "parameter");
      // PostgreSQL: zero formats (all text), one (applies to all), or one per parameter.
      if (paramFormats.length > 1 && paramFormats.length !== params.length)
        malformed(`Bind: ${paramFormats.length} parameter formats for ${params.length} parameters`);
      m = { type: "Bind", portal, statement, paramFormats, params, resultFormats: formats(r, "result format") };
      break;
    }
    case "D":
      m = { type: "Describe", target: target(r), name: r.cstring("name") };
      break;
    case "E":
      m = { type: "Execute", portal: r.cstring("portal name"), maxRows: r.int32("row limit") };
      break;
    case "S":
      m = { type: "Sync" };
      break;
    case "H":
      m = { type: "Flush" };
      break;
    case "C":
      m = { type: "Close", target: target(r), name: r.cstring("name") };
      break;
    case "d":
      m = { type: "CopyData", data: r.rest() };
      break;
    case "c":
      m = { type: "CopyDone" };
      break;
    case "f":
      m = { type: "CopyFail", message: r.cstring("message") };
      break;
    case "F": {
      const functionOid = r.int32("function oid") >>> 0;
      const argFormats = formats(r, "argument format");
      const args = values(r, "argument");
      m = { type: "FunctionCall", functionOid, argFormats, args, resultFormat: r.int16("result format") };
      break;
    }
    case "X":
      m = { type: "Terminate" };
      break;
    case "p":
      m = decodeAuth(r, options.auth);
      break;
    default:
      return malformed(`invalid frontend message type ${JSON.stringify(type)}`);
  }
  r.end();
  return m;
}

function decodeAuth(r: Reader, auth: AuthExpectation | undefined): ClientMessage {
  switch (auth) {
    case "password":
      return { type: "PasswordMessage", password: r.cstring("password") };
    case "sasl-initial": {
      const mechanism = r.cstring("SASL mechanism");
      return { type: "SASLInitialResponse", mechanism, data: r.nullableBytes("SASL initial response") };
    }
    case "sasl":
      return { type: "SASLResponse", data: r.rest() };
    case undefined:
      return malformed("unexpected password message outside authentication");
  }
}

/** Serialises a client message as a complete frame (what the gateway writes upstream). */
export function encodeClientMessage(m: ClientMessage): Buffer {
  const w = new Writer();
  switch (m.type) {
    case "Startup":
      w.int32(((m.major << 16) | m.minor) >>> 0);
      for (const [k, v] of Object.entries(m.parameters)) w.cstring(k).cstring(v);
      return w.byte(0).untypedFrame();
    case "SSLRequest":
      return w.int32(SSL_REQUEST_CODE).untypedFrame();
    case "GSSENCRequest":
      return w.int32(GSSENC_REQUEST_CODE).untypedFrame();
    case "CancelRequest":
      return w.int32(CANCEL_REQUEST_CODE).int32(m.processId).bytes(m.secretKey).untypedFrame();
    case "Query":
      return w.cstring(m.sql).frame("Q");
    case "Parse":
      w.cstring(m.name).cstring(m.sql).int16(m.paramTypes.length);
      for (const t of m.paramTypes) w.int32(t);
      return w.frame("P");
    case "Bind":
      w.cstring(m.portal).cstring(m.statement);
      writeFormats(w, m.paramFormats);
      writeValues(w, m.params);
      writeFormats(w, m.resultFormats);
      return w.frame("B");
    case "Describe":
      return w.byte(m.target.charCodeAt(0)).cstring(m.name).frame("D");
    case "Execute":
      return w.cstring(m.portal).int32(m.maxRows).frame("E");
    case "Sync":
      return w.frame("S");
    case "Flush":
      return w.frame("H");
    case "Close":
      return w.byte(m.target.charCodeAt(0)).cstring(m.name).frame("C");
    case "CopyData":
      return w.bytes(m.data).frame("d");
    case "CopyDone":
      return w.frame("c");
    case "CopyFail":
      return w.cstring(m.message).frame("f");
    case "FunctionCall":
      w.int32(m.functionOid);
      writeFormats(w, m.argFormats);
      writeValues(w, m.args);
      return w.int16(m.resultFormat).frame("F");
    case "Terminate":
      return w.frame("X");
    case "PasswordMessage":
      return w.cstring(m.password).frame("p");
    case "SASLInitialResponse":
      return w.cstring(m.mechanism).nullableBytes(m.data).frame("p");
    case "SASLResponse":
      return w.bytes(m.data).frame("p");
  }
}

function writeFormats(w: Writer, fs: FormatCode[]): void {
  w.int16(fs.length);
  for (const f of fs) w.int16(f);
}

function writeValues(w: Writer, vs: (Buffer | null)[]): void {
  w.int16(vs.length);
  for (const v of vs) w.nullableBytes(v);
}
