/**
 * Values of the binary protocol (COM_STMT_EXECUTE parameters and binary result rows).
 *
 * A value is kept as its raw bytes so that the gateway can forward it unchanged: for
 * string-like types the bytes without their length prefix, for fixed-width numbers the
 * little-endian bytes, for DATE/DATETIME/TIMESTAMP/TIME the bytes after their length byte.
 * `binaryValueText` turns one into the text a policy sees.
 */
import { ColumnType } from "./constants.js";
import { malformed, type Reader, type Writer } from "./buffers.js";

/** How a type's value is laid out on the wire. */
export type BinaryLayout = { kind: "fixed"; size: number } | { kind: "lenenc" } | { kind: "temporal"; max: number };

export function binaryLayout(type: number): BinaryLayout | undefined {
  switch (type) {
    case ColumnType.NULL:
      return { kind: "fixed", size: 0 };
    case ColumnType.TINY:
      return { kind: "fixed", size: 1 };
    case ColumnType.SHORT:
    case ColumnType.YEAR:
      return { kind: "fixed", size: 2 };
    case ColumnType.LONG:
    case ColumnType.INT24:
    case ColumnType.FLOAT:
      return { kind: "fixed", size: 4 };
    case ColumnType.LONGLONG:
    case ColumnType.DOUBLE:
      return { kind: "fixed", size: 8 };
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP:
      return { kind: "temporal", max: 11 };
    case ColumnType.TIME:
      return { kind: "temporal", max: 12 };
    case ColumnType.DECIMAL:
    case ColumnType.NEWDECIMAL:
    case ColumnType.VARCHAR:
    case ColumnType.BIT:
    case ColumnType.JSON:
    case ColumnType.ENUM:
    case ColumnType.SET:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.BLOB:
    case ColumnType.VAR_STRING:
    case ColumnType.STRING:
    case ColumnType.GEOMETRY:
      return { kind: "lenenc" };
    default:
      // TIMESTAMP2/DATETIME2/TIME2 and unassigned codes never appear on the wire.
      return undefined;
  }
}

export function readBinaryValue(r: Reader, type: number, field: string): Buffer {
  const layout = binaryLayout(type);
  if (!layout) return malformed(`${field}: unknown binary type 0x${type.toString(16)}`);
  if (layout.kind === "fixed") return r.bytes(layout.size, field);
  if (layout.kind === "lenenc") return r.lenencBytes(field);
  const len = r.int1(`${field} length`);
  if (len > layout.max) malformed(`${field}: temporal value of ${len} bytes`);
  return r.bytes(len, field);
}

/** Writes a raw value; throws RangeError when it cannot be laid out as `type` (an encoder misuse). */
export function writeBinaryValue(w: Writer, type: number, value: Uint8Array): void {
  const layout = binaryLayout(type);
  if (!layout) throw new RangeError(`unknown binary type 0x${type.toString(16)}`);
  if (layout.kind === "fixed") {
    if (value.length !== layout.size) throw new RangeError(`type 0x${type.toString(16)} needs ${layout.size} bytes, got ${value.length}`);
    w.bytes(value);
  } else if (layout.kind === "lenenc") {
    w.lenencBytes(value);
  } else {
    if (value.length > layout.max) throw new RangeError(`temporal value of ${value.length} bytes`);
    w.int1(value.length).bytes(value);
  }
}

/**
 * The value as text, the way the text protocol would show it (numbers in decimal, dates as
 * `YYYY-MM-DD[ hh:mm:ss[.ffffff]]`, TIME as `[-][d ]hh:mm:ss[.ffffff]`); string-like values
 * are decoded as UTF-8 with replacement, since they are shown rather than executed.
 */
export function binaryValueText(type: number, value: Buffer, unsigned = false): string {
  try {
    return valueText(type, value, unsigned);
  } catch {
    // A value shorter than its type claims (only from a hand-built message): show its bytes.
    return `0x${value.toString("hex")}`;
  }
}

function valueText(type: number, b: Buffer, unsigned: boolean): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
  switch (type) {
    case ColumnType.TINY:
      return String(unsigned ? b.readUInt8(0) : b.readInt8(0));
    case ColumnType.SHORT:
    case ColumnType.YEAR:
      return String(unsigned || type === ColumnType.YEAR ? b.readUInt16LE(0) : b.readInt16LE(0));
    case ColumnType.LONG:
    case ColumnType.INT24:
      return String(unsigned ? b.readUInt32LE(0) : b.readInt32LE(0));
    case ColumnType.LONGLONG:
      return String(unsigned ? b.readBigUInt64LE(0) : b.readBigInt64LE(0));
    case ColumnType.FLOAT:
      return String(b.readFloatLE(0));
    case ColumnType.DOUBLE:
      return String(b.readDoubleLE(0));
    case ColumnType.NULL:
      return "";
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP: {
      if (b.length === 0) return type === ColumnType.DATE || type === ColumnType.NEWDATE ? "0000-00-00" : "0000-00-00 00:00:00";
      const date = `${pad(b.readUInt16LE(0), 4)}-${pad(b[2]!)}-${pad(b[3]!)}`;
      if (b.length < 7) return type === ColumnType.DATE || type === ColumnType.NEWDATE ? date : `${date} 00:00:00`;
      const time = `${pad(b[4]!)}:${pad(b[5]!)}:${pad(b[6]!)}`;
      return b.length >= 11 ? `${date} ${time}.${pad(b.readUInt32LE(7), 6)}` : `${date} ${time}`;
    }
    case ColumnType.TIME: {
      if (b.length === 0) return "00:00:00";
      const sign = b[0] ? "-" : "";
      const days = b.readUInt32LE(1);
      const hours = days * 24 + b[5]!;
      const time = `${sign}${pad(hours)}:${pad(b[6]!)}:${pad(b[7]!)}`;
      return b.length >= 12 ? `${time}.${pad(b.readUInt32LE(8), 6)}` : time;
    }
    default:
      return b.toString("utf8");
  }
}
