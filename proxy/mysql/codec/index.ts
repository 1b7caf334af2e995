/**
 * The MySQL/MariaDB wire codec, in pipeline order: `framer` cuts a byte stream into
 * packets, `server` and `client` turn payloads into typed messages and back, `binary`
 * handles binary-protocol values, `auth` computes password scrambles. Pure functions over
 * buffers; nothing here touches sockets.
 */
export { type ProtocolViolation, type DecodeResult } from "./buffers.js";
export { Framer, encodePacket, nextSequenceId, MAX_PACKET_PAYLOAD, DEFAULT_MAX_PAYLOAD, type Packet, type FramerOptions, type FeedResult } from "./framer.js";
export * from "./constants.js";
export { binaryLayout, binaryValueText, type BinaryLayout } from "./binary.js";
export {
  decodeServerMessage,
  encodeServerMessage,
  errPacket,
  type ServerMessage,
  type ServerExpectation,
  type ServerCodecOptions,
  type Handshake,
  type Ok,
  type Err,
  type Eof,
  type AuthSwitchRequest,
  type AuthMoreData,
  type ColumnCount,
  type ColumnDefinition,
  type TextRow,
  type BinaryRow,
  type PrepareOk,
  type LocalInfileRequest,
} from "./server.js";
export {
  decodeClientMessage,
  encodeClientMessage,
  type ClientMessage,
  type ClientExpectation,
  type CommandMessage,
  type PreparedStatementInfo,
  type ExecuteParam,
  type HandshakeResponse,
  type SslRequest,
  type StmtExecute,
  type UnknownCommand,
} from "./client.js";
export * from "./auth.js";
