/**
 * Stage 2b of the codec: client → server packet payloads ↔ typed messages.
 *
 * As with server packets, the meaning of a payload depends on the phase: the first packet
 * is an SSLRequest or HandshakeResponse41, authentication continues with raw
 * AuthSwitchResponse data, and then every packet is a command. COM_STMT_EXECUTE cannot be
 * read without the statement's parameter count (and, when the client does not resend
 * them, the parameter types of its previous execution), so the caller supplies a lookup.
 * Decoders never throw; an unknown command is a value the session can refuse.
 */
import { Reader, Writer, guard, malformed, type DecodeResult } from "./buffers.js";
import { readBinaryValue, writeBinaryValue } from "./binary.js";
import { Capability, Command, commandName } from "./constants.js";

/** SSLRequest: a HandshakeResponse cut after its fixed part, asking to switch to TLS. */
export interface SslRequest {
  type: "ssl_request";
  capabilities: number;
  maxPacketSize: number;
  characterSet: number;
  mariadbCapabilities: number;
}

export interface HandshakeResponse {
  type: "handshake_response";
  capabilities: number;
  maxPacketSize: number;
  characterSet: number;
  /** MariaDB clients' extended capabilities (sent when LONG_PASSWORD, "CLIENT_MYSQL", is off). */
  mariadbCapabilities: number;
  username: string;
  authResponse: Buffer;
  /** Present only with CLIENT_CONNECT_WITH_DB. */
  database: string | null;
  /** Present only with CLIENT_PLUGIN_AUTH. */
  authPluginName: string | null;
  /** Connection attributes (CLIENT_CONNECT_ATTRS), in the order sent; null when absent. */
  connectAttributes: [string, string][] | null;
}

/** Authentication data after an AuthSwitchRequest or AuthMoreData (a scramble, a cleartext password, …). */
export interface AuthResponse {
  type: "auth_response";
  data: Buffer;
}

export interface Quit {
  type: "quit";
}
export interface InitDb {
  type: "init_db";
  schema: string;
}
export interface Query {
  type: "query";
  sql: string;
}
export interface FieldList {
  type: "field_list";
  table: string;
  wildcard: string;
}
export interface Ping {
  type: "ping";
}
export interface StmtPrepare {
  type: "stmt_prepare";
  sql: string;
}

/** One COM_STMT_EXECUTE parameter; `value` is raw (see binary.ts), null for SQL NULL. */
export interface ExecuteParam {
  /** A ColumnType code; when the client did not resend types, the one from the previous execution. */
  type: number;
  unsigned: boolean;
  value: Buffer | null;
}

export interface StmtExecute {
  type: "stmt_execute";
  statementId: number;
  /** Cursor flags (CURSOR_TYPE_*). */
  flags: number;
  iterationCount: number;
  /** Whether this packet carries parameter types (otherwise the previous execution's apply). */
  newParamsBound: boolean;
  /**
   * Null when the decoder could not read them: the statement id is unknown to the lookup,
   * or types were not resent and none are known. `unparsed` then holds the bytes.
   */
  params: ExecuteParam[] | null;
  unparsed?: Buffer;
}

export interface StmtSendLongData {
  type: "stmt_send_long_data";
  statementId: number;
  paramId: number;
  data: Buffer;
}
export interface StmtClose {
  type: "stmt_close";
  statementId: number;
}
export interface StmtReset {
  type: "stmt_reset";
  statementId: number;
}
/** COM_SET_OPTION: 0 turns multi-statements on, 1 off. */
export interface SetOption {
  type: "set_option";
  option: number;
}
/** Any other command byte, kept whole so the session can name it when refusing it. */
export interface UnknownCommand {
  type: "unknown_command";
  command: number;
  name: string;
  payload: Buffer;
}

export type CommandMessage =
  | Quit
  | InitDb
  | Query
  | FieldList
  | Ping
  | StmtPrepare
  | StmtExecute
  | StmtSendLongData
  | StmtClose
  | StmtReset
  | SetOption
  | UnknownCommand;

export type ClientMessage = SslRequest | HandshakeResponse | AuthResponse | CommandMessage;

/** What a prepared statement's id stands for, as the session tracks it. */
export interface PreparedStatementInfo {
  paramCount: number;
  /** Parameter types of the last execution that bound them, if any. */
  paramTypes?: readonly { type: number; unsigned: boolean }[];
}

/**
 * - `handshake`: the client's first packet (SSLRequest or HandshakeResponse41; after TLS, the latter);
 * - `auth`: raw authentication data;
 * - `command`: a command; `statement` looks up prepared statements for COM_STMT_EXECUTE.
 */
export type ClientExpectation =
  | { phase: "handshake" }
  | { phase: "auth" }
  | { phase: "command"; statement?: (id: number) => PreparedStatementInfo | undefined };

const WHAT = "client packet";
/** An SSLRequest is exactly the fixed 32 bytes of a HandshakeResponse41. */
const FIXED_RESPONSE_LENGTH = 32;

export function decodeClientMessage(payload: Buffer, expect: ClientExpectation): DecodeResult<ClientMessage> {
  return guard(() => {
    const r = new Reader(payload, WHAT);
    switch (expect.phase) {
      case "handshake":
        return decodeHandshakeResponse(r);
      case "auth":
        return { type: "auth_response", data: r.rest() };
      case "command":
        return decodeCommand(r, expect.statement);
    }
  });
}

function decodeHandshakeResponse(r: Reader): SslRequest | HandshakeResponse {
  const capabilities = r.int4("capability flags");
  if (!(capabilities & Capability.PROTOCOL_41)) malformed(`${WHAT}: pre-4.1 handshake responses are not supported`);
  const maxPacketSize = r.int4("max packet size");
  const characterSet = r.int1("character set");
  r.skip(19, "filler");
  const ext = r.int4("MariaDB capabilities");
  const mariadbCapabilities = capabilities & Capability.LONG_PASSWORD ? 0 : ext;
  if (r.remaining() === 0) {
    if (!(capabilities & Capability.SSL)) malformed(`${WHAT}: handshake response without a user name`);
    return { type: "ssl_request", capabilities, maxPacketSize, characterSet, mariadbCapabilities };
  }
  const username = r.cstring("user name");
  let authResponse: Buffer;
  if (capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes("auth response");
  else if (capabilities & Capability.SECURE_CONNECTION) authResponse = r.bytes(r.int1("auth response length"), "auth response");
  else authResponse = r.cbytes("auth response");
  let database: string | null = null;
  if (capabilities & Capability.CONNECT_WITH_DB) database = r.remaining() > 0 ? r.cstring("database") : "";
  let authPluginName: string | null = null;
  if (capabilities & Capability.PLUGIN_AUTH) {
    if (r.remaining() === 0) authPluginName = "";
    // Old clients omit the plugin name's NUL when nothing follows it.
    else authPluginName = r.body.indexOf(0, r.offset) >= 0 ? r.cstring("auth plugin name") : r.restString("auth plugin name");
  }
  let connectAttributes: [string, string][] | null = null;
  if (capabilities & Capability.CONNECT_ATTRS && r.remaining() > 0) {
    const attrs = new Reader(r.lenencBytes("connection attributes"), `${WHAT}: connection attributes`);
    connectAttributes = [];
    while (attrs.remaining() > 0) connectAttributes.push([attrs.lenencString("key"), attrs.lenencString("value")]);
  }
  r.end();
  return {
    type: "handshake_response",
    capabilities,
    maxPacketSize,
    characterSet,
    mariadbCapabilities,
    username,
    authResponse,
    database,
    authPluginName,
    connectAttributes,
  };
}

function decodeCommand(r: Reader, lookup?: (id: number) => PreparedStatementInfo | undefined): CommandMessage {
  const command = r.int1("command");
  let m: CommandMessage;
  switch (command) {
    case Command.QUIT:
      m = { type: "quit" };
      break;
    case Command.INIT_DB:
      m = { type: "init_db", schema: r.restString("schema") };
      break;
    case Command.QUERY:
      m = { type: "query", sql: r.restString("query") };
      break;
    case Command.FIELD_LIST:
      m = { type: "field_list", table: r.cstring("table"), wildcard: r.restString("wildcard") };
      break;
    case Command.PING:
      m = { type: "ping" };
      break;
    case Command.STMT_PREPARE:
      m = { type: "stmt_prepare", sql: r.restString("query") };
      break;
    case Command.STMT_EXECUTE:
      m = decodeExecute(r, lookup);
      break;
    case Command.STMT_SEND_LONG_DATA:
      m = { type: "stmt_send_long_data", statementId: r.int4("statement id"), paramId: r.int2("parameter id"), data: r.rest() };
      break;
    case Command.STMT_CLOSE:
      m = { type: "stmt_close", statementId: r.int4("statement id") };
      break;
    case Command.STMT_RESET:
      m = { type: "stmt_reset", statementId: r.int4("statement id") };
      break;
    case Command.SET_OPTION:
      m = { type: "set_option", option: r.int2("option") };
      break;
    default:
      return { type: "unknown_command", command, name: commandName(command), payload: Buffer.from(r.body) };
  }
  r.end();
  return m;
}

function decodeExecute(r: Reader, lookup?: (id: number) => PreparedStatementInfo | undefined): StmtExecute {
  const statementId = r.int4("statement id");
  const flags = r.int1("flags");
  const iterationCount = r.int4("iteration count");
  const info = lookup?.(statementId);
  const unknown = (newParamsBound: boolean): StmtExecute => ({
    type: "stmt_execute",
    statementId,
    flags,
    iterationCount,
    newParamsBound,
    params: null,
    unparsed: r.rest(),
  });
  if (!info) return unknown(r.remaining() > 0);
  const n = info.paramCount;
  if (n === 0) return { type: "stmt_execute", statementId, flags, iterationCount, newParamsBound: false, params: [] };
  const bitmap = r.bytes(Math.floor((n + 7) / 8), "NULL bitmap");
  const bound = r.int1("new params bound flag");
  if (bound > 1) malformed(`${WHAT}: new-params-bound flag ${bound}`);
  let types: { type: number; unsigned: boolean }[];
  if (bound === 1) {
    types = [];
    for (let i = 0; i < n; i++) {
      const type = r.int1(`parameter ${i + 1} type`);
      const flag = r.int1(`parameter ${i + 1} flags`);
      types.push({ type, unsigned: (flag & 0x80) !== 0 });
    }
  } else if (info.paramTypes && info.paramTypes.length === n) {
    types = [...info.paramTypes];
  } else {
    // Types were never bound: the server answers with an error; we keep the bytes.
    r.offset -= bitmap.length + 1;
    return unknown(false);
  }
  const params: ExecuteParam[] = types.map(({ type, unsigned }, i) => {
    const isNull = (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
    return { type, unsigned, value: isNull ? null : readBinaryValue(r, type, `parameter ${i + 1}`) };
  });
  return { type: "stmt_execute", statementId, flags, iterationCount, newParamsBound: bound === 1, params };
}

/** Encodes a message's payload (frame it with `encodePacket`). */
export function encodeClientMessage(m: ClientMessage): Buffer {
  const w = new Writer();
  switch (m.type) {
    case "ssl_request":
    case "handshake_response": {
      w.int4(m.capabilities).int4(m.maxPacketSize).int1(m.characterSet).zeros(19);
      w.int4(m.capabilities & Capability.LONG_PASSWORD ? 0 : m.mariadbCapabilities);
      if (m.type === "ssl_request") break;
      w.cstring(m.username);
      if (m.capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) w.lenencBytes(m.authResponse);
      else if (m.capabilities & Capability.SECURE_CONNECTION) {
        if (m.authResponse.length > 255) throw new RangeError("auth response longer than 255 bytes needs PLUGIN_AUTH_LENENC_CLIENT_DATA");
        w.int1(m.authResponse.length).bytes(m.authResponse);
      } else w.bytes(m.authResponse).int1(0);
      if (m.capabilities & Capability.CONNECT_WITH_DB) w.cstring(m.database ?? "");
      if (m.capabilities & Capability.PLUGIN_AUTH) w.cstring(m.authPluginName ?? "");
      if (m.capabilities & Capability.CONNECT_ATTRS && m.connectAttributes) {
        const attrs = new Writer();
        for (const [k, v] of m.connectAttributes) attrs.lenencString(k).lenencString(v);
        w.lenencBytes(attrs.build());
      }
      break;
    }
    case "auth_response":
      w.bytes(m.data);
      break;
    case "quit":
      w.int1(Command.QUIT);
      break;
    case "init_db":
      w.int1(Command.INIT_DB).string(m.schema);
      break;
    case "query":
      w.int1(Command.QUERY).string(m.sql);
      break;
    case "field_list":
      w.int1(Command.FIELD_LIST).cstring(m.table).string(m.wildcard);
      break;
    case "ping":
      w.int1(Command.PING);
      break;
    case "stmt_prepare":
      w.int1(Command.STMT_PREPARE).string(m.sql);
      break;
    case "stmt_execute":
      w.int1(Command.STMT_EXECUTE).int4(m.statementId).int1(m.flags).int4(m.iterationCount);
      if (m.params === null) {
        w.bytes(m.unparsed ?? Buffer.alloc(0));
      } else if (m.params.length > 0) {
        const bitmap = Buffer.alloc(Math.floor((m.params.length + 7) / 8));
        m.params.forEach((p, i) => {
          if (p.value === null) bitmap[i >> 3]! |= 1 << (i & 7);
        });
        w.bytes(bitmap).int1(m.newParamsBound ? 1 : 0);
        if (m.newParamsBound) for (const p of m.params) w.int1(p.type).int1(p.unsigned ? 0x80 : 0);
        for (const p of m.params) if (p.value !== null) writeBinaryValue(w, p.type, p.value);
      }
      break;
    case "stmt_send_long_data":
      w.int1(Command.STMT_SEND_LONG_DATA).int4(m.statementId).int2(m.paramId).bytes(m.data);
      break;
    case "stmt_close":
      w.int1(Command.STMT_CLOSE).int4(m.statementId);
      break;
    case "stmt_reset":
      w.int1(Command.STMT_RESET).int4(m.statementId);
      break;
    case "set_option":
      w.int1(Command.SET_OPTION).int2(m.option);
      break;
    case "unknown_command":
      w.bytes(m.payload);
      break;
  }
  return w.build();
}
