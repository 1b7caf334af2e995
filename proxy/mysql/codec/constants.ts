/**
 * Protocol constants: capability and status flags, column types, command bytes.
 * Values are the MySQL/MariaDB protocol's; names drop the `CLIENT_`/`SERVER_` prefixes
 * only where the group already says it.
 */

/** Capability flags (the low 32 bits; MariaDB's extended ones are a separate field). */
export const Capability = {
  LONG_PASSWORD: 0x1, // MariaDB calls this CLIENT_MYSQL: unset means "MariaDB extended capabilities follow"
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  NO_SCHEMA: 0x10,
  COMPRESS: 0x20,
  ODBC: 0x40,
  LOCAL_FILES: 0x80,
  IGNORE_SPACE: 0x100,
  PROTOCOL_41: 0x200,
  INTERACTIVE: 0x400,
  SSL: 0x800,
  IGNORE_SIGPIPE: 0x1000,
  TRANSACTIONS: 0x2000,
  RESERVED: 0x4000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  CAN_HANDLE_EXPIRED_PASSWORDS: 0x400000,
  SESSION_TRACK: 0x800000,
  DEPRECATE_EOF: 0x1000000,
  OPTIONAL_RESULTSET_METADATA: 0x2000000,
  QUERY_ATTRIBUTES: 0x8000000,
  SSL_VERIFY_SERVER_CERT: 0x40000000,
  REMEMBER_OPTIONS: 0x80000000,
} as const;

/** MariaDB's extended capabilities (bits 32–63 of its capability word, here shifted down). */
export const MariaDbCapability = {
  PROGRESS: 0x1,
  COM_MULTI: 0x2,
  STMT_BULK_OPERATIONS: 0x4,
  EXTENDED_TYPE_INFO: 0x8,
  CACHE_METADATA: 0x10,
} as const;

/** Server status flags, as in OK and EOF packets. */
export const Status = {
  IN_TRANS: 0x1,
  AUTOCOMMIT: 0x2,
  MORE_RESULTS_EXISTS: 0x8,
  NO_GOOD_INDEX_USED: 0x10,
  NO_INDEX_USED: 0x20,
  CURSOR_EXISTS: 0x40,
  LAST_ROW_SENT: 0x80,
  DB_DROPPED: 0x100,
  NO_BACKSLASH_ESCAPES: 0x200,
  METADATA_CHANGED: 0x400,
  QUERY_WAS_SLOW: 0x800,
  PS_OUT_PARAMS: 0x1000,
  IN_TRANS_READONLY: 0x2000,
  SESSION_STATE_CHANGED: 0x4000,
} as const;

/** Column (and parameter) types. */
export const ColumnType = {
  DECIMAL: 0x00,
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  NULL: 0x06,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  NEWDATE: 0x0e,
  VARCHAR: 0x0f,
  BIT: 0x10,
  TIMESTAMP2: 0x11,
  DATETIME2: 0x12,
  TIME2: 0x13,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
  ENUM: 0xf7,
  SET: 0xf8,
  TINY_BLOB: 0xf9,
  MEDIUM_BLOB: 0xfa,
  LONG_BLOB: 0xfb,
  BLOB: 0xfc,
  VAR_STRING: 0xfd,
  STRING: 0xfe,
  GEOMETRY: 0xff,
} as const;

/** Column definition flags. */
export const ColumnFlag = {
  NOT_NULL: 0x1,
  PRI_KEY: 0x2,
  UNIQUE_KEY: 0x4,
  MULTIPLE_KEY: 0x8,
  BLOB: 0x10,
  UNSIGNED: 0x20,
  ZEROFILL: 0x40,
  BINARY: 0x80,
  ENUM: 0x100,
  AUTO_INCREMENT: 0x200,
  TIMESTAMP: 0x400,
  SET: 0x800,
  NUM: 0x8000,
} as const;

/** Command bytes, the first byte of a client packet in the command phase. */
export const Command = {
  SLEEP: 0x00,
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  CREATE_DB: 0x05,
  DROP_DB: 0x06,
  REFRESH: 0x07,
  SHUTDOWN: 0x08,
  STATISTICS: 0x09,
  PROCESS_INFO: 0x0a,
  CONNECT: 0x0b,
  PROCESS_KILL: 0x0c,
  DEBUG: 0x0d,
  PING: 0x0e,
  TIME: 0x0f,
  DELAYED_INSERT: 0x10,
  CHANGE_USER: 0x11,
  BINLOG_DUMP: 0x12,
  TABLE_DUMP: 0x13,
  CONNECT_OUT: 0x14,
  REGISTER_SLAVE: 0x15,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  DAEMON: 0x1d,
  BINLOG_DUMP_GTID: 0x1e,
  RESET_CONNECTION: 0x1f,
  STMT_BULK_EXECUTE: 0xfa,
  MULTI: 0xfe,
} as const;

const COMMAND_NAMES = new Map<number, string>(Object.entries(Command).map(([k, v]) => [v, `COM_${k}`]));

/** `COM_…` name of a command byte, or `COM_0x..` when the protocol defines none. */
export function commandName(command: number): string {
  return COMMAND_NAMES.get(command) ?? `COM_0x${command.toString(16).padStart(2, "0")}`;
}

/** COM_SET_OPTION values. */
export const SetOption = { MULTI_STATEMENTS_ON: 0, MULTI_STATEMENTS_OFF: 1 } as const;

/** The protocol version byte of HandshakeV10. */
export const PROTOCOL_VERSION = 10;
