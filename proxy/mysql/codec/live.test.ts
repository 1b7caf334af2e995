/**
 * The codec against the real MariaDB over a raw socket: we write client packets with our
 * encoder, read the server's real responses with our framer and decoder, and check that
 * re-encoding every decoded server packet gives back the exact bytes the server sent.
 */
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { nativePasswordScramble, nonceOf } from "./auth.js";
import { binaryValueText } from "./binary.js";
import { encodeClientMessage, type ClientMessage } from "./client.js";
import { Capability, ColumnType, Status } from "./constants.js";
import { Framer, encodePacket, type Packet } from "./framer.js";
import { decodeServerMessage, encodeServerMessage, type ColumnDefinition, type ServerExpectation, type ServerMessage } from "./server.js";

const HOST = "127.0.0.1";
const PORT = 3306;

async function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(PORT, HOST);
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

/** A minimal raw client: write packets, read packets one at a time, decode as told. */
class RawClient {
  private framer = new Framer();
  private inbox: Packet[] = [];
  private waiter: (() => void) | undefined;
  readonly errors: string[] = [];
  capabilities = 0;
  seq = 0;

  constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      // Feed in small pieces too, so the real stream is also split mid-packet.
      for (let i = 0; i < chunk.length; i += 5) {
        const r = this.framer.feed(chunk.subarray(i, i + 5));
        if (r.error) this.errors.push(r.error.message);
        this.inbox.push(...r.packets);
      }
      this.waiter?.();
    });
  }

  static async open(): Promise<RawClient> {
    const socket = connect(PORT, HOST);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new RawClient(socket);
  }

  send(m: ClientMessage, seq: number): void {
    const payload = encodeClientMessage(m);
    this.socket.write(encodePacket(payload, seq));
  }

  async packet(): Promise<Packet> {
    const deadline = Date.now() + 5000;
    while (this.inbox.length === 0) {
      if (Date.now() > deadline) throw new Error("timed out waiting for a packet");
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 100);
      });
    }
    return this.inbox.shift()!;
  }

  /** Reads and decodes one packet, and checks that our encoder reproduces its bytes. */
  async read(expect: ServerExpectation, columnTypes?: number[]): Promise<ServerMessage> {
    const p = await this.packet();
    this.seq = (p.lastSequenceId + 1) & 0xff;
    const d = decodeServerMessage(p.payload, expect, { capabilities: this.capabilities });
    if (!d.ok) throw new Error(`${d.error.message} (payload ${p.payload.toString("hex")})`);
    const again = encodeServerMessage(d.message, { capabilities: this.capabilities, columnTypes });
    expect_(again.toString("hex"), `re-encoded ${d.message.type}`).toBe(p.payload.toString("hex"));
    return d.message;
  }

  /** Column definitions, then the EOF that ends them unless DEPRECATE_EOF was agreed. */
  async definitions(n: number): Promise<ColumnDefinition[]> {
    const defs: ColumnDefinition[] = [];
    for (let i = 0; i < n; i++) defs.push((await this.read({ phase: "column_definition" })) as ColumnDefinition);
    if (n > 0 && !(this.capabilities & Capability.DEPRECATE_EOF)) expect_((await this.read({ phase: "eof" })).type).toBe("eof");
    return defs;
  }
}

const expect_ = expect;

const CLIENT_CAPS =
  Capability.LONG_PASSWORD |
  Capability.LONG_FLAG |
  Capability.CONNECT_WITH_DB |
  Capability.PROTOCOL_41 |
  Capability.TRANSACTIONS |
  Capability.SECURE_CONNECTION |
  Capability.MULTI_STATEMENTS |
  Capability.MULTI_RESULTS |
  Capability.PS_MULTI_RESULTS |
  Capability.PLUGIN_AUTH |
  Capability.CONNECT_ATTRS |
  Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Capability.SESSION_TRACK;

async function login(deprecateEof: boolean): Promise<RawClient> {
  const c = await RawClient.open();
  const hello = await c.read({ phase: "handshake" });
  if (hello.type !== "handshake") throw new Error(`greeting was ${hello.type}`);
  expect(hello.serverVersion).toMatch(/MariaDB/);
  expect(hello.authPluginData.length).toBe(20);
  // MariaDB 10.11 greets with mysql_native_password, which root@127.0.0.1 uses.
  expect(hello.authPluginName).toBe("mysql_native_password");
  const wanted = CLIENT_CAPS | (deprecateEof ? Capability.DEPRECATE_EOF : 0);
  c.capabilities = (wanted & hello.capabilities) >>> 0;
  c.send(
    {
      type: "handshake_response",
      capabilities: c.capabilities,
      maxPacketSize: 16 * 1024 * 1024,
      characterSet: 45, // utf8mb4_general_ci
      mariadbCapabilities: 0,
      username: "root",
      authResponse: nativePasswordScramble("", nonceOf(hello.authPluginData)),
      database: "test",
      authPluginName: "mysql_native_password",
      connectAttributes: [["_client_name", "portcullis-codec-test"]],
    },
    c.seq,
  );
  let reply = await c.read({ phase: "auth" });
  if (reply.type === "auth_switch_request") {
    c.send({ type: "auth_response", data: nativePasswordScramble("", nonceOf(reply.pluginData)) }, c.seq);
    reply = await c.read({ phase: "auth" });
  }
  expect(reply.type).toBe("ok");
  return c;
}

const up = await reachable();

// Skipped only on machines without a MariaDB on 127.0.0.1:3306 (this machine type has one).
describe.skipIf(!up)("codec against the real MariaDB on 127.0.0.1:3306", () => {
  for (const deprecateEof of [false, true]) {
    describe(deprecateEof ? "with CLIENT_DEPRECATE_EOF" : "with EOF packets", () => {
      it("logs in as root with mysql_native_password and runs COM_QUERY SELECT 1 (text rows)", async () => {
        const c = await login(deprecateEof);
        try {
          c.send({ type: "query", sql: "SELECT 1 AS one, NULL AS n, 'x\u00e9' AS s" }, 0);
          const count = await c.read({ phase: "command" });
          expect(count).toEqual({ type: "column_count", count: 3 });
          const defs = await c.definitions(3);
          expect(defs.map((d) => d.name)).toEqual(["one", "n", "s"]);
          expect(defs[0]!.columnType).toBe(ColumnType.LONG);
          const row = await c.read({ phase: "text_row", columnCount: 3 });
          expect(row.type).toBe("text_row");
          if (row.type !== "text_row") return;
          expect(row.values.map((v) => v?.toString("utf8") ?? null)).toEqual(["1", null, "x\u00e9"]);
          const end = await c.read({ phase: "text_row", columnCount: 3 });
          expect(end.type).toBe(deprecateEof ? "ok" : "eof");
          if (end.type === "ok") expect(end.header).toBe(0xfe);
          expect(c.errors).toEqual([]);
        } finally {
          c.send({ type: "quit" }, 0);
          c.socket.destroy();
        }
      });

      it("runs a prepared statement round trip (binary rows, NULL bitmap, parameters)", async () => {
        const c = await login(deprecateEof);
        try {
          c.send({ type: "stmt_prepare", sql: "SELECT ? + 1 AS v, ? AS s, CAST(NULL AS CHAR) AS n, DATE'2024-02-29' AS d" }, 0);
          const ok = await c.read({ phase: "prepare" });
          if (ok.type !== "prepare_ok") throw new Error(`prepare answered ${ok.type}`);
          expect(ok.paramCount).toBe(2);
          expect(ok.columnCount).toBe(4);
          await c.definitions(ok.paramCount);
          const cols = await c.definitions(ok.columnCount);
          c.send(
            {
              type: "stmt_execute",
              statementId: ok.statementId,
              flags: 0,
              iterationCount: 1,
              newParamsBound: true,
              params: [
                { type: ColumnType.LONGLONG, unsigned: false, value: Buffer.from([41, 0, 0, 0, 0, 0, 0, 0]) },
                { type: ColumnType.VAR_STRING, unsigned: false, value: Buffer.from("hi") },
              ],
            },
            0,
          );
          const count = await c.read({ phase: "command" });
          expect(count).toEqual({ type: "column_count", count: 4 });
          const defs = await c.definitions(4);
          expect(defs.map((d) => d.name)).toEqual(cols.map((d) => d.name));
          const types = defs.map((d) => d.columnType);
          const row = await c.read({ phase: "binary_row", columnTypes: types }, types);
          if (row.type !== "binary_row") throw new Error(`row was ${row.type}`);
          expect(row.values[2]).toBeNull();
          const text = row.values.map((v, i) => (v === null ? null : binaryValueText(types[i]!, v)));
          expect(text).toEqual(["42", "hi", null, "2024-02-29"]);
          const end = await c.read({ phase: "binary_row", columnTypes: types });
          expect(end.type).toBe(deprecateEof ? "ok" : "eof");

          // Execute again without rebinding types: the server uses the previous ones.
          c.send(
            {
              type: "stmt_execute",
              statementId: ok.statementId,
              flags: 0,
              iterationCount: 1,
              newParamsBound: false,
              params: [
                { type: ColumnType.LONGLONG, unsigned: false, value: null },
                { type: ColumnType.VAR_STRING, unsigned: false, value: Buffer.from("again") },
              ],
            },
            0,
          );
          expect((await c.read({ phase: "command" })).type).toBe("column_count");
          await c.definitions(4);
          const row2 = await c.read({ phase: "binary_row", columnTypes: types }, types);
          if (row2.type !== "binary_row") throw new Error(`row was ${row2.type}`);
          expect(row2.values[0]).toBeNull();
          expect(row2.values[1]?.toString()).toBe("again");
          await c.read({ phase: "binary_row", columnTypes: types });

          c.send({ type: "stmt_close", statementId: ok.statementId }, 0); // no reply by design
          c.send({ type: "ping" }, 0);
          expect((await c.read({ phase: "command" })).type).toBe("ok");
          c.send({ type: "init_db", schema: "test" }, 0);
          expect((await c.read({ phase: "command" })).type).toBe("ok");
          c.send({ type: "query", sql: "SELECT * FROM no_such_table_portcullis" }, 0);
          const err = await c.read({ phase: "command" });
          expect(err).toMatchObject({ type: "err", errorCode: 1146, sqlState: "42S02" });
          c.send({ type: "set_option", option: 1 }, 0);
          const opt = await c.read({ phase: "command" });
          expect(opt.type === "ok" || opt.type === "eof").toBe(true);
          expect(c.errors).toEqual([]);
        } finally {
          c.send({ type: "quit" }, 0);
          c.socket.destroy();
        }
      });
    });
  }

  it("decodes binary rows of many column types as the text protocol shows them", async () => {
    const c = await login(true);
    try {
      const exprs = [
        "CAST(-7 AS SIGNED)",
        "CAST(300 AS UNSIGNED)",
        "CAST(1.5 AS DECIMAL(4,2))",
        "2.5e0",
        "TIMESTAMP'2024-02-29 13:05:09.123456'",
        "DATE'1999-12-31'",
        "TIME'-26:03:04'",
        "'caf\u00e9'",
        "x'00ff'",
        "YEAR('2024-01-01')",
      ];
      const select = `SELECT ${exprs.join(", ")}`;
      c.send({ type: "query", sql: select }, 0);
      await c.read({ phase: "command" });
      await c.definitions(exprs.length);
      const textRow = await c.read({ phase: "text_row", columnCount: exprs.length });
      await c.read({ phase: "text_row", columnCount: exprs.length });
      c.send({ type: "stmt_prepare", sql: select }, 0);
      const ok = await c.read({ phase: "prepare" });
      if (ok.type !== "prepare_ok") throw new Error(`prepare answered ${ok.type}`);
      await c.definitions(ok.columnCount);
      c.send({ type: "stmt_execute", statementId: ok.statementId, flags: 0, iterationCount: 1, newParamsBound: false, params: [] }, 0);
      await c.read({ phase: "command" });
      const defs = await c.definitions(exprs.length);
      const types = defs.map((d) => d.columnType);
      const row = await c.read({ phase: "binary_row", columnTypes: types }, types);
      await c.read({ phase: "binary_row", columnTypes: types });
      if (row.type !== "binary_row" || textRow.type !== "text_row") throw new Error("expected rows");
      const binaryText = row.values.map((v, i) => binaryValueText(types[i]!, v!, (defs[i]!.flags & 0x20) !== 0));
      const text = textRow.values.map((v) => v!.toString("utf8"));
      // Floats and BLOBs differ in formatting only: compare numerically / as bytes.
      expect(Number(binaryText[3])).toBe(Number(text[3]));
      expect(row.values[8]!.equals(textRow.values[8]!)).toBe(true);
      expect(binaryText.filter((_, i) => i !== 3 && i !== 8)).toEqual(text.filter((_, i) => i !== 3 && i !== 8));
      expect(c.errors).toEqual([]);
    } finally {
      c.socket.destroy();
    }
  });

  it("reads a multi-statement COM_QUERY's results with MORE_RESULTS_EXISTS", async () => {
    const c = await login(true);
    try {
      c.send({ type: "query", sql: "SELECT 1; DO 1" }, 0);
      expect((await c.read({ phase: "command" })).type).toBe("column_count");
      await c.definitions(1);
      await c.read({ phase: "text_row", columnCount: 1 });
      const end = await c.read({ phase: "text_row", columnCount: 1 });
      if (end.type !== "ok") throw new Error(`end was ${end.type}`);
      expect(end.statusFlags & Status.MORE_RESULTS_EXISTS).toBeTruthy();
      const second = await c.read({ phase: "command" });
      if (second.type !== "ok") throw new Error(`second was ${second.type}`);
      expect(second.statusFlags & Status.MORE_RESULTS_EXISTS).toBe(0);
    } finally {
      c.socket.destroy();
    }
  });
});
