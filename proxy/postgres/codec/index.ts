/**
 * The PostgreSQL wire codec, in pipeline order: `framer` cuts a byte stream into frames,
 * `client` and `server` turn frames into typed messages and back. Pure functions over
 * buffers; nothing here touches sockets.
 */
export { type ProtocolViolation } from "./buffers.js";
export {
  Framer,
  allLarge,
  type Frame,
  type FramerOptions,
  type FeedResult,
  LARGE_MESSAGE_LIMIT,
  SMALL_MESSAGE_LIMIT,
  STARTUP_PACKET_LIMIT,
  SSL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  CANCEL_REQUEST_CODE,
} from "./framer.js";
export {
  decodeClientMessage,
  encodeClientMessage,
  type ClientMessage,
  type AuthExpectation,
  type DecodeClientOptions,
  type DecodeResult,
  type FormatCode,
} from "./client.js";
export {
  decodeServerMessage,
  encodeServerMessage,
  encodeEncryptionResponse,
  errorResponse,
  NOTICE_FIELD_CODES,
  type ServerMessage,
  type NoticeFields,
  type FieldDescription,
  type TransactionStatus,
} from "./server.js";
