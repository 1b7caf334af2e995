/**
 * The embedded upstream as clients see it: the `pg` driver and psql over TCP, the sample
 * schema seeded, and a clean stop.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded.js";

describe("embedded PostgreSQL (PGlite over TCP)", () => {
  let upstream: EmbeddedPostgres;
  beforeAll(async () => {
    upstream = await startEmbeddedPostgres();
  }, 60_000);
  afterAll(async () => upstream?.stop());

  it("serves the seeded sample shop to the pg driver", async () => {
    const client = new pg.Client({ host: upstream.host, port: upstream.port, user: upstream.user, database: upstream.database });
    await client.connect();
    try {
      const customers = await client.query("SELECT count(*)::int AS n, min(email) AS first FROM customers");
      expect(customers.rows[0]).toEqual({ n: 5, first: "ada@example.com" });
      const joined = await client.query("SELECT c.name, o.total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1", [102]);
      expect(joined.rows).toEqual([{ name: "Grace Hopper", total: "99.99" }]);
    } finally {
      await client.end();
    }
  });

  // Asynchronously: the server runs on this process's event loop.
  it("answers psql", async () => {
    const r = await promisify(execFile)(
      "psql",
      ["-h", upstream.host, "-p", String(upstream.port), "-U", upstream.user, "-d", upstream.database, "-Atc", "SELECT phone FROM customers WHERE id = 2"],
      { encoding: "utf8", env: { ...process.env, PGCONNECT_TIMEOUT: "10", PGSSLMODE: "disable" } },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("+1 202 555 0143");
  });
});

describe("embedded PostgreSQL with several connections", () => {
  it("serves concurrent clients (the gateway opens one per session plus catalog lookups)", async () => {
    const upstream = await startEmbeddedPostgres();
    const clients = [0, 1, 2].map(() => new pg.Client({ host: upstream.host, port: upstream.port, user: upstream.user, database: upstream.database }));
    try {
      await Promise.all(clients.map((c) => c.connect()));
      const counts = await Promise.all(clients.map((c) => c.query("SELECT count(*)::int AS n FROM orders")));
      expect(counts.map((r) => r.rows[0].n)).toEqual([5, 5, 5]);
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      await upstream.stop();
    }
  }, 60_000);
});
