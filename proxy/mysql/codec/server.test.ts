import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytes, name, text, typedValue, u16, u32, u64, u8 } from "./arbitraries.test-helpers.js";
import { binaryValueText } from "./binary.js";
import { Capability, ColumnType, Status } from "./constants.js";
import { decodeServerMessage, encodeServerMessage, errPacket, type ServerExpectation, type ServerMessage } from "./server.js";

const BASE = Capability.PROTOCOL_41;
const capsArb = fc.record({ eof: fc.boolean(), track: fc.boolean() }).map(
  ({ eof, track }) => BASE | (eof ? Capability.DEPRECATE_EOF : 0) | (track ? Capability.SESSION_TRACK : 0),
);

/** A message, the capabilities and expectation it round-trips under, and binary column types. */
type Case = { m: ServerMessage; caps: number; expect: ServerExpectation; types?: number[] };

const handshake = fc
  .record({
    caps: u32,
    version: name,
    id: u32,
    data: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((a) => Buffer.from(a.map((b) => b || 1))),
    cs: u8,
    status: u16,
    ext: u32,
    plugin: name,
  })
  .map(({ caps, version, id, data, cs, status, ext, plugin }): Case => {
    const capabilities = (caps | Capability.SECURE_CONNECTION) >>> 0;
    return {
      m: {
        type: "handshake",
        protocolVersion: 10,
        serverVersion: version,
        connectionId: id,
        authPluginData: data,
        capabilities,
        mariadbCapabilities: capabilities & Capability.LONG_PASSWORD ? 0 : ext,
        characterSet: cs,
        statusFlags: status,
        authPluginName: capabilities & Capability.PLUGIN_AUTH ? plugin : null,
      },
      caps: 0,
      expect: { phase: "handshake" },
    };
  });

const okArb = fc
  .record({ caps: capsArb, rows: u64, id: u64, status: u16, warnings: u16, info: text, state: fc.option(bytes) })
  .map(({ caps, rows, id, status, warnings, info, state }): Case => {
    const track = (caps & Capability.SESSION_TRACK) !== 0;
    const statusFlags = track && state ? status | Status.SESSION_STATE_CHANGED : status & ~Status.SESSION_STATE_CHANGED;
    return {
      m: { type: "ok", header: 0, affectedRows: rows, lastInsertId: id, statusFlags, warnings, info, sessionState: track ? state : null },
      caps,
      expect: { phase: "command" },
    };
  });

const okTerminator = okArb.map((c): Case => ({
  ...c,
  m: { ...(c.m as Extract<ServerMessage, { type: "ok" }>), header: 0xfe },
  caps: c.caps | Capability.DEPRECATE_EOF,
  expect: { phase: "text_row", columnCount: 2 },
}));

const sqlState = fc.string({ unit: fc.constantFrom(..."0123456789ABCDEFHJSXY"), minLength: 5, maxLength: 5 });
const errArb = fc.record({ code: u16, state: sqlState, message: text, phase: fc.constantFrom("command", "auth", "handshake", "prepare") }).map(
  ({ code, state, message, phase }): Case => ({
    m: { type: "err", errorCode: code, sqlState: state, message },
    caps: BASE,
    expect: { phase } as ServerExpectation,
  }),
);

const cases: fc.Arbitrary<Case> = fc.oneof(
  handshake,
  okArb,
  okTerminator,
  errArb,
  fc.record({ w: u16, s: u16 }).map(({ w, s }): Case => ({ m: { type: "eof", warnings: w, statusFlags: s }, caps: BASE, expect: { phase: "eof" } })),
  fc.record({ w: u16, s: u16, n: fc.integer({ min: 1, max: 5 }) }).map(
    ({ w, s, n }): Case => ({ m: { type: "eof", warnings: w, statusFlags: s }, caps: BASE, expect: { phase: "text_row", columnCount: n } }),
  ),
  fc.record({ plugin: name.filter((s) => s.length > 0), data: bytes }).map(
    ({ plugin, data }): Case => ({ m: { type: "auth_switch_request", pluginName: plugin, pluginData: data }, caps: BASE, expect: { phase: "auth" } }),
  ),
  bytes.map((data): Case => ({ m: { type: "auth_more_data", data }, caps: BASE, expect: { phase: "auth" } })),
  fc.integer({ min: 1, max: 2 ** 40 }).map((count): Case => ({ m: { type: "column_count", count }, caps: BASE, expect: { phase: "command" } })),
  fc
    .record({ s: fc.array(text, { minLength: 6, maxLength: 6 }), cs: u16, len: u32, t: u8, f: u16, d: u8, def: fc.option(fc.option(bytes), { freq: 2 }) })
    .map(({ s, cs, len, t, f, d, def }): Case => {
      const m: ServerMessage = {
        type: "column_definition",
        catalog: s[0]!,
        schema: s[1]!,
        table: s[2]!,
        orgTable: s[3]!,
        name: s[4]!,
        orgName: s[5]!,
        characterSet: cs,
        columnLength: len,
        columnType: t,
        flags: f,
        decimals: d,
      };
      if (def !== null) m.defaultValue = def;
      return { m, caps: BASE, expect: { phase: "column_definition", fieldList: def !== null } };
    }),
  fc.array(fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))), { minLength: 1, maxLength: 8 }).chain((values) =>
    capsArb.map((caps): Case => ({ m: { type: "text_row", values }, caps, expect: { phase: "text_row", columnCount: values.length } })),
  ),
  fc.array(typedValue, { maxLength: 20 }).chain((tv) =>
    capsArb.map((caps): Case => {
      const types = tv.map(([t]) => t);
      return { m: { type: "binary_row", values: tv.map(([, v]) => v) }, caps, expect: { phase: "binary_row", columnTypes: types }, types };
    }),
  ),
  fc.record({ id: u32, c: u16, p: u16, w: u16 }).map(
    ({ id, c, p, w }): Case => ({ m: { type: "prepare_ok", statementId: id, columnCount: c, paramCount: p, warnings: w }, caps: BASE, expect: { phase: "prepare" } }),
  ),
  text.map((filename): Case => ({ m: { type: "local_infile_request", filename }, caps: BASE, expect: { phase: "command" } })),
);

const expectations: fc.Arbitrary<ServerExpectation> = fc.oneof(
  fc.constantFrom<ServerExpectation>({ phase: "handshake" }, { phase: "auth" }, { phase: "command" }, { phase: "eof" }, { phase: "prepare" }),
  fc.boolean().map((fieldList): ServerExpectation => ({ phase: "column_definition", fieldList })),
  fc.integer({ min: 0, max: 10 }).map((columnCount): ServerExpectation => ({ phase: "text_row", columnCount })),
  fc.array(fc.constantFrom(...Object.values(ColumnType), 0x42), { maxLength: 10 }).map((columnTypes): ServerExpectation => ({ phase: "binary_row", columnTypes })),
);

describe("server messages", () => {
  it("round-trip through encode and decode, for every message type", () => {
    fc.assert(
      fc.property(cases, ({ m, caps, expect: e, types }) => {
        const payload = encodeServerMessage(m, { capabilities: caps, columnTypes: types });
        const d = decodeServerMessage(payload, e, { capabilities: caps });
        if (!d.ok) throw new Error(`${m.type}: ${d.error.message}`);
        expect(d.message).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throw on truncated, corrupted or random payloads, whatever is expected", () => {
    fc.assert(
      fc.property(cases, expectations, fc.nat(), fc.array(fc.tuple(fc.nat(), u8), { maxLength: 3 }), capsArb, ({ m, caps, types }, e, cutAt, flips, caps2) => {
        const payload = encodeServerMessage(m, { capabilities: caps, columnTypes: types });
        const truncated = payload.subarray(0, cutAt % (payload.length + 1));
        const corrupted = Buffer.from(payload);
        for (const [at, b] of flips) if (corrupted.length) corrupted[at % corrupted.length] = b;
        for (const p of [truncated, corrupted]) {
          const d = decodeServerMessage(p, e, { capabilities: caps2 });
          // A codec bug would surface as an "internal decoder error" rather than a reason.
          if (!d.ok) expect(d.error.message).not.toMatch(/internal decoder error/);
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), expectations, u32, (raw, e, caps) => {
        const d = decodeServerMessage(Buffer.from(raw), e, { capabilities: caps });
        if (!d.ok) expect(d.error.message).not.toMatch(/internal decoder error/);
      }),
      { numRuns: 2000 },
    );
  });

  it("reports a truncated OK as a violation with a reason", () => {
    const d = decodeServerMessage(Buffer.from([0x00, 0x01]), { phase: "command" }, { capabilities: BASE });
    expect(d).toEqual({ ok: false, error: { code: "protocol_violation", message: expect.stringMatching(/last insert id runs past the end/) } });
  });

  it("tells an EOF from a row that starts with an 8-byte length", () => {
    const eof = decodeServerMessage(Buffer.from([0xfe, 0, 0, 2, 0]), { phase: "text_row", columnCount: 1 }, { capabilities: BASE });
    expect(eof.ok && eof.message.type).toBe("eof");
    const err = decodeServerMessage(errPacket(1142, "42000", "denied"), { phase: "text_row", columnCount: 1 }, { capabilities: BASE });
    expect(err.ok && err.message).toEqual({ type: "err", errorCode: 1142, sqlState: "42000", message: "denied" });
  });

  it("renders binary values as the text protocol would", () => {
    expect(binaryValueText(ColumnType.TINY, Buffer.from([0xff]))).toBe("-1");
    expect(binaryValueText(ColumnType.TINY, Buffer.from([0xff]), true)).toBe("255");
    expect(binaryValueText(ColumnType.LONGLONG, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0x80]))).toBe("-9223372036854775807");
    expect(binaryValueText(ColumnType.DATETIME, Buffer.from([0xe8, 0x07, 2, 29, 13, 5, 9, 0x40, 0xe2, 0x01, 0]))).toBe("2024-02-29 13:05:09.123456");
    expect(binaryValueText(ColumnType.TIME, Buffer.from([1, 1, 0, 0, 0, 2, 3, 4]))).toBe("-26:03:04");
    expect(binaryValueText(ColumnType.VAR_STRING, Buffer.from("h\u00e9"))).toBe("h\u00e9");
    expect(binaryValueText(ColumnType.DATE, Buffer.from([1]))).toBe("0x01");
  });
});
