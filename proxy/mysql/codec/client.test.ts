import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytes, name, text, typedValue, u16, u32, u8 } from "./arbitraries.test-helpers.js";
import { decodeClientMessage, encodeClientMessage, type ClientExpectation, type ClientMessage, type PreparedStatementInfo } from "./client.js";
import { Capability, Command, ColumnType } from "./constants.js";

type Case = { m: ClientMessage; expect: ClientExpectation };
const command: ClientExpectation = { phase: "command" };

const handshakeCaps = u32.map((c) => ((c | Capability.PROTOCOL_41) & ~Capability.SSL) >>> 0);

const handshakeResponse = fc
  .record({
    caps: handshakeCaps,
    max: u32,
    cs: u8,
    ext: u32,
    user: name,
    auth: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    db: name,
    plugin: name,
    attrs: fc.option(fc.array(fc.tuple(text, text), { maxLength: 4 })),
  })
  .map(({ caps, max, cs, ext, user, auth, db, plugin, attrs }): Case => {
    let authResponse = auth;
    if (!(caps & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
      authResponse = caps & Capability.SECURE_CONNECTION ? auth.subarray(0, 255) : Buffer.from(auth.filter((b) => b !== 0));
    }
    return {
      m: {
        type: "handshake_response",
        capabilities: caps,
        maxPacketSize: max,
        characterSet: cs,
        mariadbCapabilities: caps & Capability.LONG_PASSWORD ? 0 : ext,
        username: user,
        authResponse,
        database: caps & Capability.CONNECT_WITH_DB ? db : null,
        authPluginName: caps & Capability.PLUGIN_AUTH ? plugin : null,
        connectAttributes: caps & Capability.CONNECT_ATTRS ? attrs : null,
      },
      expect: { phase: "handshake" },
    };
  });

const sslRequest = fc.record({ caps: u32, max: u32, cs: u8, ext: u32 }).map(({ caps, max, cs, ext }): Case => {
  const capabilities = (caps | Capability.PROTOCOL_41 | Capability.SSL) >>> 0;
  return {
    m: { type: "ssl_request", capabilities, maxPacketSize: max, characterSet: cs, mariadbCapabilities: capabilities & Capability.LONG_PASSWORD ? 0 : ext },
    expect: { phase: "handshake" },
  };
});

/** An execute with its parameters, and the statement lookup the session would give the decoder. */
const execute = fc
  .record({ id: u32, flags: u8, iter: u32, params: fc.array(fc.tuple(typedValue, fc.boolean()), { maxLength: 12 }), bound: fc.boolean() })
  .map(({ id, flags, iter, params, bound }): Case => {
    const ps = params.map(([[type, value], unsigned]) => ({ type, unsigned, value }));
    const newParamsBound = bound && ps.length > 0;
    const info: PreparedStatementInfo = { paramCount: ps.length, paramTypes: ps.map(({ type, unsigned }) => ({ type, unsigned })) };
    return {
      m: { type: "stmt_execute", statementId: id, flags, iterationCount: iter, newParamsBound, params: ps },
      expect: { phase: "command", statement: (sid) => (sid === id ? (newParamsBound ? { paramCount: info.paramCount } : info) : undefined) },
    };
  });

const KNOWN = new Set<number>([
  Command.QUIT,
  Command.INIT_DB,
  Command.QUERY,
  Command.FIELD_LIST,
  Command.PING,
  Command.STMT_PREPARE,
  Command.STMT_EXECUTE,
  Command.STMT_SEND_LONG_DATA,
  Command.STMT_CLOSE,
  Command.STMT_RESET,
  Command.SET_OPTION,
]);

const cases: fc.Arbitrary<Case> = fc.oneof(
  handshakeResponse,
  sslRequest,
  bytes.map((data): Case => ({ m: { type: "auth_response", data }, expect: { phase: "auth" } })),
  fc.constant<Case>({ m: { type: "quit" }, expect: command }),
  fc.constant<Case>({ m: { type: "ping" }, expect: command }),
  text.map((schema): Case => ({ m: { type: "init_db", schema }, expect: command })),
  text.map((sql): Case => ({ m: { type: "query", sql }, expect: command })),
  text.map((sql): Case => ({ m: { type: "stmt_prepare", sql }, expect: command })),
  fc.tuple(name, text).map(([table, wildcard]): Case => ({ m: { type: "field_list", table, wildcard }, expect: command })),
  execute,
  fc.record({ id: u32, p: u16, data: bytes }).map(({ id, p, data }): Case => ({ m: { type: "stmt_send_long_data", statementId: id, paramId: p, data }, expect: command })),
  u32.map((statementId): Case => ({ m: { type: "stmt_close", statementId }, expect: command })),
  u32.map((statementId): Case => ({ m: { type: "stmt_reset", statementId }, expect: command })),
  u16.map((option): Case => ({ m: { type: "set_option", option }, expect: command })),
  fc
    .tuple(u8.filter((c) => !KNOWN.has(c)), bytes)
    .map(([c, rest]): Case => {
      const payload = Buffer.concat([Buffer.from([c]), rest]);
      return { m: { type: "unknown_command", command: c, name: expect.any(String) as unknown as string, payload }, expect: command };
    }),
);

const expectations: fc.Arbitrary<ClientExpectation> = fc.oneof(
  fc.constantFrom<ClientExpectation>({ phase: "handshake" }, { phase: "auth" }, { phase: "command" }),
  fc.array(fc.constantFrom(...Object.values(ColumnType), 0x42), { maxLength: 6 }).map(
    (types): ClientExpectation => ({ phase: "command", statement: () => ({ paramCount: types.length, paramTypes: types.map((type) => ({ type, unsigned: false })) }) }),
  ),
  fc.nat(300).map((paramCount): ClientExpectation => ({ phase: "command", statement: () => ({ paramCount }) })),
);

describe("client messages", () => {
  it("round-trip through encode and decode, for every message type", () => {
    fc.assert(
      fc.property(cases, ({ m, expect: e }) => {
        const d = decodeClientMessage(encodeClientMessage(m), e);
        if (!d.ok) throw new Error(`${m.type}: ${d.error.message}`);
        expect(d.message).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throw on truncated, corrupted or random payloads, whatever is expected", () => {
    fc.assert(
      fc.property(cases, expectations, fc.nat(), fc.array(fc.tuple(fc.nat(), u8), { maxLength: 3 }), ({ m }, e, cutAt, flips) => {
        const payload = encodeClientMessage(m);
        const truncated = payload.subarray(0, cutAt % (payload.length + 1));
        const corrupted = Buffer.from(payload);
        for (const [at, b] of flips) if (corrupted.length) corrupted[at % corrupted.length] = b;
        for (const p of [truncated, corrupted]) {
          const d = decodeClientMessage(p, e);
          if (!d.ok) expect(d.error.message).not.toMatch(/internal decoder error/);
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), expectations, (raw, e) => {
        const d = decodeClientMessage(Buffer.from(raw), e);
        if (!d.ok) expect(d.error.message).not.toMatch(/internal decoder error/);
      }),
      { numRuns: 2000 },
    );
  });

  it("names an unknown command so the session can refuse it", () => {
    const d = decodeClientMessage(Buffer.from([Command.CHANGE_USER, 0x72, 0x6f, 0x6f, 0x74, 0]), command);
    expect(d.ok && d.message).toMatchObject({ type: "unknown_command", command: 0x11, name: "COM_CHANGE_USER" });
    const odd = decodeClientMessage(Buffer.from([0x99]), command);
    expect(odd.ok && odd.message).toMatchObject({ type: "unknown_command", name: "COM_0x99" });
  });

  it("keeps the parameter bytes of an execute for a statement it does not know", () => {
    const payload = Buffer.from([Command.STMT_EXECUTE, 7, 0, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x01, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]);
    const d = decodeClientMessage(payload, { phase: "command", statement: () => undefined });
    expect(d.ok && d.message).toMatchObject({ type: "stmt_execute", statementId: 7, params: null, unparsed: payload.subarray(10) });
    expect(d.ok && encodeClientMessage(d.message).equals(payload)).toBe(true);
  });

  it("reads an execute that reuses the previous types, and rejects a bad new-params-bound flag", () => {
    const info: PreparedStatementInfo = { paramCount: 1, paramTypes: [{ type: ColumnType.LONG, unsigned: true }] };
    const reuse = Buffer.from([Command.STMT_EXECUTE, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x00, 42, 0, 0, 0]);
    const d = decodeClientMessage(reuse, { phase: "command", statement: () => info });
    expect(d.ok && d.message).toMatchObject({ newParamsBound: false, params: [{ type: ColumnType.LONG, unsigned: true, value: Buffer.from([42, 0, 0, 0]) }] });
    const bad = Buffer.from(reuse);
    bad[11] = 2;
    expect(decodeClientMessage(bad, { phase: "command", statement: () => info })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/new-params-bound/) } });
  });

  it("refuses trailing bytes after a fixed-size command and a pre-4.1 handshake", () => {
    expect(decodeClientMessage(Buffer.from([Command.PING, 0]), command).ok).toBe(false);
    expect(decodeClientMessage(Buffer.alloc(40), { phase: "handshake" })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/pre-4.1/) } });
  });
});
