/**
 * The shared store: a PostgreSQL table (created if missing), for several gateway instances
 * on different hosts that must see the same requests.
 *
 * Every write sends `NOTIFY portcullis_approvals, '<id>'` in its transaction, so the
 * notification leaves only on commit; each store keeps one extra connection `LISTEN`ing
 * while anyone watches, which wakes a statement held in any process the moment a vote lands
 * elsewhere. If that connection drops, watchers are told "something changed" (they re-read)
 * and it reconnects with backoff while watched.
 *
 * Votes use `SELECT … FOR UPDATE`, so concurrent voters on one request serialise in the
 * database, whichever process they are in. Connection failures (refused, timeout, auth)
 * become `StoreUnavailableError`; the table is (re)checked on the first call that succeeds
 * in connecting, so a database that comes up late is picked up without a restart.
 *
 * Needs the `pg` package at run time.
 */
import pg from "pg";
import { EventEmitter } from "node:events";
import { type ApprovalRecord, type ApprovalStore, StoreUnavailableError } from "./types.js";

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db`. */
  url: string;
  /** Connect timeout per attempt. Default 3000 ms. */
  connectTimeoutMs?: number;
  /** Default 4 pooled connections (plus one listener). */
  poolSize?: number;
}

export const NOTIFY_CHANNEL = "portcullis_approvals";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS portcullis_approvals (
  id text PRIMARY KEY,
  status text NOT NULL,
  binding text NOT NULL,
  requester_sub text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS portcullis_approvals_binding ON portcullis_approvals (binding, requester_sub, status);
CREATE INDEX IF NOT EXISTS portcullis_approvals_status ON portcullis_approvals (status, created_at);
`;

/** Errors of the database itself (not of our SQL) that mean "unreachable". */
function unavailable(e: unknown): StoreUnavailableError {
  if (e instanceof StoreUnavailableError) return e;
  return new StoreUnavailableError(`approval store (PostgreSQL): ${(e as Error).message || String(e)}`);
}

export function createPostgresStore(options: PostgresStoreOptions): ApprovalStore {
  const connectionTimeoutMillis = options.connectTimeoutMs ?? 3000;
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 4, connectionTimeoutMillis });
  // An idle pooled client losing its server must not crash the process; the next query fails and is reported.
  pool.on("error", () => {});
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let ready: Promise<void> | undefined;
  let closed = false;
  let listener: pg.Client | undefined;
  let reconnect: NodeJS.Timeout | undefined;
  let backoffMs = 250;

  const ensureSchema = (): Promise<void> => {
    ready ??= (async () => {
      try {
        await pool.query(SCHEMA);
      } catch (e) {
        const code = (e as { code?: string }).code;
        // Two processes creating the table at once: one loses on the catalog's unique index; the table exists.
        if (code !== "23505" && code !== "42P07") throw e;
      }
    })().catch((e) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };

  const run = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    if (closed) throw new StoreUnavailableError("approval store is closed");
    let client: pg.PoolClient;
    try {
      await ensureSchema();
      client = await pool.connect();
    } catch (e) {
      throw unavailable(e);
    }
    try {
      return await fn(client);
    } catch (e) {
      throw unavailable(e);
    } finally {
      client.release();
    }
  };

  /** Read-modify-write in one transaction holding the row lock; the NOTIFY goes out on commit. */
  const transact = <T>(fn: (c: pg.PoolClient) => Promise<{ value: T; changedId?: string }>): Promise<T> =>
    run(async (c) => {
      await c.query("BEGIN");
      try {
        const { value, changedId } = await fn(c);
        if (changedId !== undefined) await c.query("SELECT pg_notify($1, $2)", [NOTIFY_CHANNEL, changedId]);
        await c.query("COMMIT");
        if (changedId !== undefined) events.emit("change", changedId);
        return value;
      } catch (e) {
        await c.query("ROLLBACK").catch(() => {});
        throw e;
      }
    });

  const save = (c: pg.PoolClient, r: ApprovalRecord) =>
    c.query("UPDATE portcullis_approvals SET status = $1, expires_at = $2, data = $3 WHERE id = $4", [r.status, r.expires_at, JSON.stringify(r), r.id]);

  const startListening = (): void => {
    if (listener || closed || events.listenerCount("change") === 0) return;
    const client = new pg.Client({ connectionString: options.url, connectionTimeoutMillis });
    listener = client;
    const lost = (): void => {
      if (listener !== client) return;
      listener = undefined;
      client.removeAllListeners();
      client.on("error", () => {});
      client.end().catch(() => {});
      // Notifications may have been missed while down: everyone re-reads.
      events.emit("change", undefined);
      if (closed || events.listenerCount("change") === 0) return;
      reconnect = setTimeout(() => {
        reconnect = undefined;
        startListening();
      }, backoffMs);
      reconnect.unref();
      backoffMs = Math.min(backoffMs * 2, 10_000);
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (m) => {
      if (m.channel === NOTIFY_CHANNEL) events.emit("change", m.payload || undefined);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${NOTIFY_CHANNEL}`))
      .then(() => {
        backoffMs = 250;
        // Anything committed before LISTEN took effect is caught by this re-read.
        events.emit("change", undefined);
      })
      .catch(lost);
  };

  const stopListening = (): void => {
    if (reconnect) clearTimeout(reconnect);
    reconnect = undefined;
    const client = listener;
    listener = undefined;
    if (client) {
      client.removeAllListeners();
      client.on("error", () => {});
      client.end().catch(() => {});
    }
  };

  const parse = (rows: { data: ApprovalRecord }[]): ApprovalRecord[] => rows.map((r) => r.data);

  return {
    insert(record) {
      return transact(async (c) => {
        const r = await c.query(
          "INSERT INTO portcullis_approvals (id, status, binding, requester_sub, created_at, expires_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
          [record.id, record.status, record.binding, record.requester.sub, record.created_at, record.expires_at, JSON.stringify(record)],
        );
        return r.rowCount === 1 ? { value: true, changedId: record.id } : { value: false };
      });
    },
    get(id) {
      return run(async (c) => parse((await c.query("SELECT data FROM portcullis_approvals WHERE id = $1", [id])).rows)[0] ?? null);
    },
    list(filter = {}) {
      const limit = Math.max(1, Math.min(filter.limit ?? 100, 1000));
      return run(async (c) => {
        const r = filter.status
          ? await c.query("SELECT data FROM portcullis_approvals WHERE status = $1 ORDER BY created_at DESC, id LIMIT $2", [filter.status, limit])
          : await c.query("SELECT data FROM portcullis_approvals ORDER BY created_at DESC, id LIMIT $1", [limit]);
        return parse(r.rows);
      });
    },
    findPending(binding, requesterSub) {
      return run(async (c) => {
        const r = await c.query(
          "SELECT data FROM portcullis_approvals WHERE binding = $1 AND requester_sub = $2 AND status = 'pending' AND expires_at > now() ORDER BY created_at DESC LIMIT 1",
          [binding, requesterSub],
        );
        return parse(r.rows)[0] ?? null;
      });
    },
    update(id, change) {
      return transact(async (c) => {
        const current = parse((await c.query("SELECT data FROM portcullis_approvals WHERE id = $1 FOR UPDATE", [id])).rows)[0];
        if (!current) return { value: null };
        const next = change(current);
        if (next === undefined) return { value: current };
        await save(c, next);
        return { value: next, changedId: id };
      });
    },
    consume(binding, requesterSub, now) {
      return transact(async (c) => {
        const row = parse(
          (await c.query(
            "SELECT data FROM portcullis_approvals WHERE binding = $1 AND requester_sub = $2 AND status = 'approved' AND expires_at > $3 ORDER BY created_at LIMIT 1 FOR UPDATE",
            [binding, requesterSub, now.toISOString()],
          )).rows,
        )[0];
        // Re-checked after the lock: a concurrent consumer may have taken it while we waited.
        if (!row || row.status !== "approved") return { value: null };
        const next: ApprovalRecord = { ...row, status: "consumed", decided_at: now.toISOString() };
        await save(c, next);
        return { value: next, changedId: next.id };
      });
    },
    watch(fn) {
      events.on("change", fn);
      startListening();
      return () => {
        events.off("change", fn);
        if (events.listenerCount("change") === 0) stopListening();
      };
    },
    async close() {
      closed = true;
      stopListening();
      events.removeAllListeners();
      await pool.end().catch(() => {});
    },
  };
}
