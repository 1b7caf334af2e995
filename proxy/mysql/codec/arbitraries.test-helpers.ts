/**
 * fast-check arbitraries for the codec's tests: well-formed messages of every type, with
 * the capabilities and context under which they round-trip.
 */
import fc from "fast-check";
import { binaryLayout } from "./binary.js";
import { ColumnType } from "./constants.js";

export const text = fc.string({ unit: "binary", maxLength: 40 });
export const name = fc.string({ unit: "binary", maxLength: 16 }).map((s) => s.replaceAll("\0", ""));
export const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

/** Every type the binary protocol can carry. */
export const BINARY_TYPES = Object.values(ColumnType).filter((t) => binaryLayout(t) !== undefined);

/** A type and a raw value laid out as that type requires. */
export const typedValue = fc.constantFrom(...BINARY_TYPES).chain((type) => {
  const layout = binaryLayout(type)!;
  const value =
    layout.kind === "fixed"
      ? fc.uint8Array({ minLength: layout.size, maxLength: layout.size })
      : layout.kind === "lenenc"
        ? fc.uint8Array({ maxLength: 300 })
        : fc.constantFrom(...(type === ColumnType.TIME ? [0, 8, 12] : [0, 4, 7, 11])).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
  return fc.tuple(fc.constant(type), fc.option(value.map((v) => Buffer.from(v)), { freq: 4 }));
});
