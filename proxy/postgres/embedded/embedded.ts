/**
 * The embedded upstream of `npm start` and of machines with no PostgreSQL: PGlite
 * (PostgreSQL compiled to Wasm, in memory) served over TCP by pglite-socket, seeded with
 * the sample shop in `seed.sql`. Start-up takes a couple of seconds and ~750 MB of RSS
 * (measured in docs/parsers.md); it is a demo and test upstream, not a production one.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";

export interface EmbeddedPostgres {
  host: string;
  port: number;
  /** The database and user PGlite serves (it accepts any password). */
  database: string;
  user: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Seed the sample schema (default true). */
  seed?: boolean;
}

export const SEED_SQL_PATH = new URL("./seed.sql", import.meta.url.replace("/dist/", "/"));

export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create();
  if (options.seed ?? true) await db.exec(readFileSync(SEED_SQL_PATH, "utf8"));
  const host = options.host ?? "127.0.0.1";
  // pglite-socket accepts one connection unless told otherwise; the gateway opens more
  // (one per client session, plus short catalog lookups for masking). PGlite itself is
  // a single session that pglite-socket multiplexes (statements queue, transactions stay
  // with their connection): fine for a demo, not for load.
  const server = new PGLiteSocketServer({ db, host, port: options.port ?? 0, maxConnections: 64 });
  await server.start();
  const port = boundPort(server) ?? options.port ?? 0;
  return {
    host,
    port,
    database: "postgres",
    user: "postgres",
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** pglite-socket does not expose the bound port when asked for port 0; read it from its net.Server. */
function boundPort(server: unknown): number | undefined {
  const inner = (server as { server?: { address(): AddressInfo | string | null } }).server;
  const address = inner?.address();
  return address && typeof address === "object" ? address.port : undefined;
}
