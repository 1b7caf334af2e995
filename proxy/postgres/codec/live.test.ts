/**
 * The codec against a real PostgreSQL over a raw socket: we write client messages with
 * our encoder and read the server's real responses with our framer and decoder.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { encodeClientMessage, type ClientMessage } from "./client.js";
import { Framer, allLarge } from "./framer.js";
import { decodeServerMessage, type ServerMessage } from "./server.js";

const HOST = "127.0.0.1";
const PORT = 5432;

async function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(PORT, HOST);
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

/** A minimal raw client: send messages, collect decoded replies up to a predicate. */
class RawClient {
  private framer = new Framer({ isLarge: allLarge });
  private inbox: ServerMessage[] = [];
  private waiter: (() => void) | undefined;
  readonly errors: string[] = [];

  constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      // Feed in small pieces too, so the real stream is also split mid-message.
      for (let i = 0; i < chunk.length; i += 7) {
        const r = this.framer.feed(chunk.subarray(i, i + 7));
        if (r.error) this.errors.push(r.error.message);
        for (const f of r.frames) {
          const d = decodeServerMessage(f);
          if (d.ok) this.inbox.push(d.message);
          else this.errors.push(d.error.message);
        }
      }
      this.waiter?.();
    });
  }

  static async open(): Promise<RawClient> {
    const socket = connect(PORT, HOST);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    return new RawClient(socket);
  }

  send(...ms: ClientMessage[]): void {
    this.socket.write(Buffer.concat(ms.map(encodeClientMessage)));
  }

  /** Messages up to and including the first one matching `until`. */
  async readUntil(until: (m: ServerMessage) => boolean): Promise<ServerMessage[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const i = this.inbox.findIndex(until);
      if (i >= 0) return this.inbox.splice(0, i + 1);
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.inbox.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 200);
      });
    }
  }
}

const isReady = (m: ServerMessage) => m.type === "ReadyForQuery";
const up = await reachable();
let client: RawClient | undefined;
afterEach(() => client?.socket.destroy());

// Skipped only on machines without a PostgreSQL on 127.0.0.1:5432 (this machine type has one).
describe.skipIf(!up)("codec against the real PostgreSQL on 127.0.0.1:5432", () => {
  async function startup(): Promise<RawClient> {
    const c = await RawClient.open();
    c.send({ type: "Startup", major: 3, minor: 0, parameters: { user: "postgres", database: "test", application_name: "portcullis-codec-test" } });
    const greeting = await c.readUntil(isReady);
    expect(greeting[0]).toEqual({ type: "AuthenticationOk" });
    expect(greeting.some((m) => m.type === "ParameterStatus" && m.name === "server_version" && /^\d+/.test(m.value))).toBe(true);
    expect(greeting.some((m) => m.type === "BackendKeyData" && m.secretKey.length === 4)).toBe(true);
    expect(greeting.at(-1)).toEqual({ type: "ReadyForQuery", status: "I" });
    return c;
  }

  it("declines nothing it should not: SSLRequest gets a single-byte answer", async () => {
    client = await RawClient.open();
    const answer = new Promise<Buffer>((resolve) => client!.socket.once("data", resolve));
    client.socket.write(encodeClientMessage({ type: "SSLRequest" }));
    expect(["S", "N"]).toContain((await answer).toString("latin1"));
  });

  it("runs the startup handshake and a simple multi-statement query", async () => {
    client = await startup();
    client.send({ type: "Query", sql: "SELECT 1 AS n, NULL::text AS t, 'é'::text AS e; SELECT 2; SELECT 1/0" });
    const replies = await client.readUntil(isReady);
    expect(replies.map((m) => m.type)).toEqual(["RowDescription", "DataRow", "CommandComplete", "RowDescription", "DataRow", "CommandComplete", "ErrorResponse", "ReadyForQuery"]);
    const [desc, row] = replies as [Extract<ServerMessage, { type: "RowDescription" }>, Extract<ServerMessage, { type: "DataRow" }>];
    expect(desc.fields.map((f) => [f.name, f.typeOid])).toEqual([["n", 23], ["t", 25], ["e", 25]]);
    expect(row.values).toEqual([Buffer.from("1"), null, Buffer.from("é")]);
    expect(replies[2]).toEqual({ type: "CommandComplete", tag: "SELECT 1" });
    const err = replies[6] as Extract<ServerMessage, { type: "ErrorResponse" }>;
    expect(err.fields).toMatchObject({ severity: "ERROR", code: "22012" });
    expect(err.fields.message).toMatch(/division by zero/);
    expect(client.errors).toEqual([]);
  });

  it("runs the extended protocol: Parse/Describe/Bind/Execute/Sync with a NULL and a binary result", async () => {
    client = await startup();
    client.send(
      { type: "Parse", name: "s1", sql: "SELECT $1::int + 1 AS n, $2::text IS NULL AS isnull", paramTypes: [23, 25] },
      { type: "Describe", target: "S", name: "s1" },
      { type: "Bind", portal: "", statement: "s1", paramFormats: [0], params: [Buffer.from("41"), null], resultFormats: [1, 0] },
      { type: "Execute", portal: "", maxRows: 0 },
      { type: "Close", target: "S", name: "s1" },
      { type: "Sync" },
    );
    const replies = await client.readUntil(isReady);
    expect(replies.map((m) => m.type)).toEqual([
      "ParseComplete",
      "ParameterDescription",
      "RowDescription",
      "BindComplete",
      "DataRow",
      "CommandComplete",
      "CloseComplete",
      "ReadyForQuery",
    ]);
    expect(replies[1]).toEqual({ type: "ParameterDescription", typeOids: [23, 25] });
    const row = replies[4] as Extract<ServerMessage, { type: "DataRow" }>;
    expect(row.values[0]!.readInt32BE(0)).toBe(42);
    expect(row.values[1]).toEqual(Buffer.from("t"));
  });

  it("runs COPY FROM STDIN and an in-transaction ReadyForQuery", async () => {
    client = await startup();
    client.send({ type: "Query", sql: "BEGIN; CREATE TEMP TABLE codec_copy(a int, b text); COPY codec_copy FROM STDIN" });
    const before = await client.readUntil((m) => m.type === "CopyInResponse");
    expect(before.at(-1)).toEqual({ type: "CopyInResponse", format: 0, columnFormats: [0, 0] });
    client.send({ type: "CopyData", data: Buffer.from("1\tone\n2\t\\N\n") }, { type: "CopyDone" });
    expect((await client.readUntil(isReady)).slice(-2)).toEqual([{ type: "CommandComplete", tag: "COPY 2" }, { type: "ReadyForQuery", status: "T" }]);
    client.send({ type: "Query", sql: "SELECT count(*) FILTER (WHERE b IS NULL) FROM codec_copy; ROLLBACK" });
    const after = await client.readUntil(isReady);
    expect(after.find((m) => m.type === "DataRow")).toEqual({ type: "DataRow", values: [Buffer.from("1")] });
    expect(after.at(-1)).toEqual({ type: "ReadyForQuery", status: "I" });
  });

  it("is answered with an error, not garbage, for a FunctionCall on an unknown oid", async () => {
    client = await startup();
    client.send({ type: "FunctionCall", functionOid: 0, argFormats: [], args: [], resultFormat: 0 });
    const replies = await client.readUntil(isReady);
    expect(replies[0]).toMatchObject({ type: "ErrorResponse", fields: { severity: "ERROR" } });
  });
});
