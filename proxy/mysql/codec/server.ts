/**
 * Stage 2a of the codec: server → client packet payloads ↔ typed messages.
 *
 * A MySQL packet carries no type tag that holds in every phase (0xfe is EOF, an OK that
 * ends a result set, or an AuthSwitchRequest depending on what came before), so the caller
 * says what it expects and which capabilities were agreed. Decoders never throw.
 */
import { Reader, Writer, guard, malformed, type DecodeResult } from "./buffers.js";
import { readBinaryValue, writeBinaryValue } from "./binary.js";
import { Capability, PROTOCOL_VERSION, Status } from "./constants.js";

/** HandshakeV10, the server's greeting. */
export interface Handshake {
  type: "handshake";
  protocolVersion: number;
  /** As sent; MariaDB prefixes `5.5.5-` for old clients' sake. */
  serverVersion: string;
  connectionId: number;
  /** The scramble (nonce), both parts joined, without the trailing NUL. */
  authPluginData: Buffer;
  capabilities: number;
  /** MariaDB's extended capabilities (0 when the server is MySQL, which sets LONG_PASSWORD). */
  mariadbCapabilities: number;
  characterSet: number;
  statusFlags: number;
  /** Null when the server does not speak CLIENT_PLUGIN_AUTH. */
  authPluginName: string | null;
}

/** OK; `header` is 0xfe when it ends a result set under CLIENT_DEPRECATE_EOF. */
export interface Ok {
  type: "ok";
  header: 0x00 | 0xfe;
  affectedRows: bigint;
  lastInsertId: bigint;
  statusFlags: number;
  warnings: number;
  info: string;
  /** Session-state-change data (CLIENT_SESSION_TRACK with SERVER_SESSION_STATE_CHANGED), kept raw. */
  sessionState: Buffer | null;
}

export interface Err {
  type: "err";
  errorCode: number;
  /** Five characters; null when the server sent none (before CLIENT_PROTOCOL_41 was agreed). */
  sqlState: string | null;
  message: string;
}

export interface Eof {
  type: "eof";
  warnings: number;
  statusFlags: number;
}

export interface AuthSwitchRequest {
  type: "auth_switch_request";
  pluginName: string;
  /** The plugin's data as sent (for mysql_native_password: the 20-byte scramble and a NUL). */
  pluginData: Buffer;
}

export interface AuthMoreData {
  type: "auth_more_data";
  data: Buffer;
}

/** The first packet of a result set. */
export interface ColumnCount {
  type: "column_count";
  count: number;
}

/** ColumnDefinition41: `table`/`orgTable` and `name`/`orgName` give a column's identity for masking. */
export interface ColumnDefinition {
  type: "column_definition";
  catalog: string;
  schema: string;
  table: string;
  orgTable: string;
  name: string;
  orgName: string;
  characterSet: number;
  columnLength: number;
  columnType: number;
  flags: number;
  decimals: number;
  /** Only in COM_FIELD_LIST responses. */
  defaultValue?: Buffer | null;
}

/** A text-protocol row; values are the bytes the server sent (text), null for SQL NULL. */
export interface TextRow {
  type: "text_row";
  values: (Buffer | null)[];
}

/** A binary-protocol row; values are raw (see binary.ts), null for SQL NULL. */
export interface BinaryRow {
  type: "binary_row";
  values: (Buffer | null)[];
}

/** COM_STMT_PREPARE_OK. */
export interface PrepareOk {
  type: "prepare_ok";
  statementId: number;
  columnCount: number;
  paramCount: number;
  warnings: number;
}

/** The server asks the client to send a local file (LOAD DATA LOCAL INFILE). */
export interface LocalInfileRequest {
  type: "local_infile_request";
  filename: string;
}

export type ServerMessage =
  | Handshake
  | Ok
  | Err
  | Eof
  | AuthSwitchRequest
  | AuthMoreData
  | ColumnCount
  | ColumnDefinition
  | TextRow
  | BinaryRow
  | PrepareOk
  | LocalInfileRequest;

/**
 * What the caller is waiting for:
 * - `handshake`: the greeting (or an ERR when the server refuses the connection);
 * - `auth`: after HandshakeResponse/AuthSwitchResponse: OK, ERR, AuthSwitchRequest, AuthMoreData;
 * - `command`: the first packet answering a command: OK, ERR, EOF, LOCAL INFILE request, or a column count;
 * - `column_definition`: one column (or parameter) definition;
 * - `eof`: the EOF (or ERR) that ends definitions when CLIENT_DEPRECATE_EOF is off;
 * - `text_row` / `binary_row`: a row, or the EOF/OK/ERR that ends the rows;
 * - `prepare`: COM_STMT_PREPARE_OK or ERR.
 */
export type ServerExpectation =
  | { phase: "handshake" }
  | { phase: "auth" }
  | { phase: "command" }
  | { phase: "column_definition"; fieldList?: boolean }
  | { phase: "eof" }
  | { phase: "text_row"; columnCount: number }
  | { phase: "binary_row"; columnTypes: readonly number[] }
  | { phase: "prepare" };

export interface ServerCodecOptions {
  /** The capabilities both sides agreed on (after the handshake); the greeting ignores them. */
  capabilities: number;
}

const WHAT = "server packet";

export function decodeServerMessage(payload: Buffer, expect: ServerExpectation, options: ServerCodecOptions): DecodeResult<ServerMessage> {
  return guard(() => decode(payload, expect, options.capabilities));
}

function decode(payload: Buffer, expect: ServerExpectation, caps: number): ServerMessage {
  const r = new Reader(payload, WHAT);
  const first = r.peek();
  if (first === undefined) malformed(`${WHAT}: empty packet`);
  if (first === 0xff) return decodeErr(r, caps, expect.phase === "handshake");
  switch (expect.phase) {
    case "handshake":
      return decodeHandshake(r);
    case "auth":
      if (first === 0x00) return decodeOk(r, caps);
      if (first === 0xfe) return decodeAuthSwitch(r);
      if (first === 0x01) {
        r.int1("header");
        return { type: "auth_more_data", data: r.rest() };
      }
      return malformed(`${WHAT}: unexpected header 0x${first.toString(16)} during authentication`);
    case "command":
      if (first === 0x00) return decodeOk(r, caps);
      // COM_SET_OPTION (and COM_FIELD_LIST's end) answer with EOF, or an 0xfe OK under DEPRECATE_EOF.
      if (isTerminator(first, payload.length, caps)) return decodeEofOrOk(r, payload.length, caps);
      if (first === 0xfb) {
        r.int1("header");
        return { type: "local_infile_request", filename: r.restString("filename") };
      }
      return decodeColumnCount(r);
    case "column_definition":
      return decodeColumnDefinition(r, expect.fieldList ?? false);
    case "eof":
      if (first === 0xfe) return decodeEofOrOk(r, payload.length, caps);
      return malformed(`${WHAT}: expected EOF, got header 0x${first.toString(16)}`);
    case "text_row":
      if (isTerminator(first, payload.length, caps)) return decodeEofOrOk(r, payload.length, caps);
      return decodeTextRow(r, expect.columnCount);
    case "binary_row":
      if (isTerminator(first, payload.length, caps)) return decodeEofOrOk(r, payload.length, caps);
      return decodeBinaryRow(r, expect.columnTypes);
    case "prepare":
      return decodePrepareOk(r);
  }
}

// A row can begin with 0xfe only as the prefix of an 8-byte length, so a short packet
// starting with it ends the rows (an OK under DEPRECATE_EOF can be longer than an EOF).
function isTerminator(first: number, length: number, caps: number): boolean {
  if (first !== 0xfe) return false;
  return caps & Capability.DEPRECATE_EOF ? length < 0xffffff : length < 9;
}

function decodeEofOrOk(r: Reader, length: number, caps: number): Eof | Ok {
  if (caps & Capability.DEPRECATE_EOF) return decodeOk(r, caps);
  if (length > 5) malformed(`${WHAT}: EOF of ${length} bytes`);
  r.int1("header");
  if (r.remaining() === 0) return { type: "eof", warnings: 0, statusFlags: 0 };
  const warnings = r.int2("warnings");
  const statusFlags = r.int2("status flags");
  r.end();
  return { type: "eof", warnings, statusFlags };
}

function decodeHandshake(r: Reader): Handshake {
  const protocolVersion = r.int1("protocol version");
  if (protocolVersion !== PROTOCOL_VERSION) malformed(`${WHAT}: unsupported protocol version ${protocolVersion}`);
  const serverVersion = r.cstring("server version");
  const connectionId = r.int4("connection id");
  const part1 = r.bytes(8, "auth plugin data");
  r.skip(1, "filler");
  let capabilities = r.int2("capability flags");
  const characterSet = r.int1("character set");
  const statusFlags = r.int2("status flags");
  capabilities = (capabilities | (r.int2("capability flags") << 16)) >>> 0;
  const authDataLength = r.int1("auth plugin data length");
  r.skip(6, "reserved");
  const ext = r.int4("MariaDB capabilities");
  const mariadbCapabilities = capabilities & Capability.LONG_PASSWORD ? 0 : ext;
  let part2: Buffer = Buffer.alloc(0);
  if (capabilities & Capability.SECURE_CONNECTION) {
    part2 = r.bytes(Math.max(13, authDataLength - 8), "auth plugin data part 2");
    // The last byte is a NUL terminator the server always adds.
    if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
  }
  let authPluginName: string | null = null;
  if (capabilities & Capability.PLUGIN_AUTH) {
    // Some servers omit the final NUL.
    authPluginName = r.body.indexOf(0, r.offset) >= 0 ? r.cstring("auth plugin name") : r.restString("auth plugin name");
  }
  r.end();
  return {
    type: "handshake",
    protocolVersion,
    serverVersion,
    connectionId,
    authPluginData: Buffer.concat([part1, part2]),
    capabilities,
    mariadbCapabilities,
    characterSet,
    statusFlags,
    authPluginName,
  };
}

function decodeOk(r: Reader, caps: number): Ok {
  const header = r.int1("header") as 0x00 | 0xfe;
  const affectedRows = r.lenencBig("affected rows");
  const lastInsertId = r.lenencBig("last insert id");
  const statusFlags = r.int2("status flags");
  const warnings = r.int2("warnings");
  let info = "";
  let sessionState: Buffer | null = null;
  if (caps & Capability.SESSION_TRACK) {
    if (r.remaining() > 0) info = r.lenencString("info");
    if (statusFlags & Status.SESSION_STATE_CHANGED && r.remaining() > 0) sessionState = r.lenencBytes("session state");
    r.end();
  } else {
    info = r.restString("info");
  }
  return { type: "ok", header, affectedRows, lastInsertId, statusFlags, warnings, info, sessionState };
}

function decodeErr(r: Reader, caps: number, greeting: boolean): Err {
  r.int1("header");
  const errorCode = r.int2("error code");
  let sqlState: string | null = null;
  // The greeting's ERR comes before capabilities are agreed and usually has no state.
  if ((greeting || caps & Capability.PROTOCOL_41) && r.peek() === 0x23 /* # */) {
    r.int1("sql state marker");
    sqlState = r.bytes(5, "sql state").toString("latin1");
  }
  return { type: "err", errorCode, sqlState, message: r.restString("message") };
}

function decodeAuthSwitch(r: Reader): AuthSwitchRequest {
  r.int1("header");
  // A lone 0xfe is the pre-4.1 request to use mysql_old_password.
  if (r.remaining() === 0) return { type: "auth_switch_request", pluginName: "mysql_old_password", pluginData: Buffer.alloc(0) };
  const pluginName = r.cstring("plugin name");
  return { type: "auth_switch_request", pluginName, pluginData: r.rest() };
}

function decodeColumnCount(r: Reader): ColumnCount {
  const count = r.lenencInt("column count");
  r.end();
  if (count === 0) malformed(`${WHAT}: a result set with zero columns`);
  return { type: "column_count", count };
}

function decodeColumnDefinition(r: Reader, fieldList: boolean): ColumnDefinition {
  const catalog = r.lenencString("catalog");
  const schema = r.lenencString("schema");
  const table = r.lenencString("table");
  const orgTable = r.lenencString("org_table");
  const name = r.lenencString("name");
  const orgName = r.lenencString("org_name");
  const fixed = r.lenencInt("fixed fields length");
  if (fixed < 0x0c) malformed(`${WHAT}: column definition fixed fields of ${fixed} bytes`);
  const start = r.offset;
  const characterSet = r.int2("character set");
  const columnLength = r.int4("column length");
  const columnType = r.int1("column type");
  const flags = r.int2("flags");
  const decimals = r.int1("decimals");
  r.skip(fixed - (r.offset - start), "filler");
  const def: ColumnDefinition = {
    type: "column_definition",
    catalog,
    schema,
    table,
    orgTable,
    name,
    orgName,
    characterSet,
    columnLength,
    columnType,
    flags,
    decimals,
  };
  if (fieldList) def.defaultValue = r.remaining() > 0 ? r.nullableLenencBytes("default value") : null;
  r.end();
  return def;
}

function decodeTextRow(r: Reader, columnCount: number): TextRow {
  const values: (Buffer | null)[] = [];
  for (let i = 0; i < columnCount; i++) values.push(r.nullableLenencBytes(`column ${i + 1}`));
  r.end();
  return { type: "text_row", values };
}

function decodeBinaryRow(r: Reader, types: readonly number[]): BinaryRow {
  const header = r.int1("header");
  if (header !== 0x00) malformed(`${WHAT}: binary row header 0x${header.toString(16)}`);
  // The row's NULL bitmap starts at bit 2 (bits 0 and 1 are reserved).
  const bitmap = r.bytes(Math.floor((types.length + 7 + 2) / 8), "NULL bitmap");
  const values: (Buffer | null)[] = [];
  types.forEach((type, i) => {
    const bit = i + 2;
    if (bitmap[bit >> 3]! & (1 << (bit & 7))) values.push(null);
    else values.push(readBinaryValue(r, type, `column ${i + 1}`));
  });
  r.end();
  return { type: "binary_row", values };
}

function decodePrepareOk(r: Reader): PrepareOk {
  const header = r.int1("header");
  if (header !== 0x00) malformed(`${WHAT}: expected COM_STMT_PREPARE_OK, got header 0x${header.toString(16)}`);
  const statementId = r.int4("statement id");
  const columnCount = r.int2("column count");
  const paramCount = r.int2("parameter count");
  let warnings = 0;
  if (r.remaining() > 0) {
    r.skip(1, "reserved");
    warnings = r.int2("warnings");
  }
  r.end();
  return { type: "prepare_ok", statementId, columnCount, paramCount, warnings };
}

/**
 * Encodes a message's payload (frame it with `encodePacket`). Binary rows need the column
 * types; the other messages need only the agreed capabilities.
 */
export function encodeServerMessage(m: ServerMessage, options: ServerCodecOptions & { columnTypes?: readonly number[] }): Buffer {
  const caps = options.capabilities;
  const w = new Writer();
  switch (m.type) {
    case "handshake": {
      const data = m.authPluginData;
      if (data.length < 8) throw new RangeError("auth plugin data must be at least 8 bytes");
      w.int1(m.protocolVersion).cstring(m.serverVersion).int4(m.connectionId).bytes(data.subarray(0, 8)).int1(0);
      w.int2(m.capabilities & 0xffff).int1(m.characterSet).int2(m.statusFlags).int2(m.capabilities >>> 16);
      const part2 = Buffer.concat([data.subarray(8), Buffer.alloc(1)]);
      const padded = part2.length < 13 ? Buffer.concat([part2, Buffer.alloc(13 - part2.length)]) : part2;
      w.int1(m.capabilities & Capability.PLUGIN_AUTH ? Math.min(255, data.length + 1) : 0).zeros(6);
      w.int4(m.capabilities & Capability.LONG_PASSWORD ? 0 : m.mariadbCapabilities);
      if (m.capabilities & Capability.SECURE_CONNECTION) w.bytes(padded);
      if (m.capabilities & Capability.PLUGIN_AUTH) w.cstring(m.authPluginName ?? "");
      break;
    }
    case "ok":
      w.int1(m.header).lenencInt(m.affectedRows).lenencInt(m.lastInsertId).int2(m.statusFlags).int2(m.warnings);
      if (caps & Capability.SESSION_TRACK) {
        if (m.info !== "" || (m.sessionState && m.statusFlags & Status.SESSION_STATE_CHANGED)) w.lenencString(m.info);
        if (m.sessionState && m.statusFlags & Status.SESSION_STATE_CHANGED) w.lenencBytes(m.sessionState);
      } else {
        w.string(m.info);
      }
      break;
    case "err":
      w.int1(0xff).int2(m.errorCode);
      if (m.sqlState !== null) w.int1(0x23).bytes(Buffer.from(m.sqlState.padEnd(5, "0").slice(0, 5), "latin1"));
      w.string(m.message);
      break;
    case "eof":
      w.int1(0xfe).int2(m.warnings).int2(m.statusFlags);
      break;
    case "auth_switch_request":
      w.int1(0xfe).cstring(m.pluginName).bytes(m.pluginData);
      break;
    case "auth_more_data":
      w.int1(0x01).bytes(m.data);
      break;
    case "column_count":
      w.lenencInt(m.count);
      break;
    case "column_definition":
      w.lenencString(m.catalog).lenencString(m.schema).lenencString(m.table).lenencString(m.orgTable);
      w.lenencString(m.name).lenencString(m.orgName).lenencInt(0x0c);
      w.int2(m.characterSet).int4(m.columnLength).int1(m.columnType).int2(m.flags).int1(m.decimals).zeros(2);
      if (m.defaultValue !== undefined) {
        if (m.defaultValue === null) w.int1(0xfb);
        else w.lenencBytes(m.defaultValue);
      }
      break;
    case "text_row":
      for (const v of m.values) {
        if (v === null) w.int1(0xfb);
        else w.lenencBytes(v);
      }
      break;
    case "binary_row": {
      const types = options.columnTypes;
      if (!types || types.length !== m.values.length) throw new RangeError("binary rows need one column type per value");
      const bitmap = Buffer.alloc(Math.floor((types.length + 7 + 2) / 8));
      m.values.forEach((v, i) => {
        if (v === null) bitmap[(i + 2) >> 3]! |= 1 << ((i + 2) & 7);
      });
      w.int1(0x00).bytes(bitmap);
      m.values.forEach((v, i) => {
        if (v !== null) writeBinaryValue(w, types[i]!, v);
      });
      break;
    }
    case "prepare_ok":
      w.int1(0x00).int4(m.statementId).int2(m.columnCount).int2(m.paramCount).int1(0).int2(m.warnings);
      break;
    case "local_infile_request":
      w.int1(0xfb).string(m.filename);
      break;
  }
  return w.build();
}

/** An ERR payload, the gateway's way to refuse (e.g. `errPacket(1142, "42000", "…")`). */
export function errPacket(errorCode: number, sqlState: string, message: string): Buffer {
  return encodeServerMessage({ type: "err", errorCode, sqlState, message }, { capabilities: Capability.PROTOCOL_41 });
}
