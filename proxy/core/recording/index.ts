/** Tamper-evident session recording: the protocol-free core every front end uses. */
export type { ConnectPayload, DisconnectPayload, EventPayload, RecordLine, RecordType, SessionTotals, StatementDecision, StatementPayload } from "./types.js";
export { formatNs, nowNs, parseNs, dayOf } from "./time.js";
export { encodeLine, decodeLine, genesis, sha256Hex, type DecodedLine, type LineProblem } from "./line.js";
export { createScrubber, containsSecret, SCRUBBED, type Scrubber, type Scrubbed } from "./scrub.js";
export { AppendFile } from "./file.js";
export { startRecording, recordingPath, SessionRecorder, type RecorderOptions, type Written } from "./recorder.js";
export { verifyBytes, verifyRecording, verifyDir, recordingFiles, type VerifyResult, type VerifyReason, type DirResult } from "./verify.js";
export { parseRecording, readRecording, type ReadRecording } from "./read.js";
export { replay, replayText, replayCastText } from "./replay.js";
export { listSessions, findSession, parseSince, type SessionSummary, type ListOptions } from "./sessions.js";
export { startAsciicast, AsciicastWriter, type AsciicastOptions } from "./asciicast.js";
