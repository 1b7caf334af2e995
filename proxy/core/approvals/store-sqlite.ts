/**
 * The default store: one SQLite file (better-sqlite3, WAL), shared by every gateway process
 * on the host that is configured with the same path.
 *
 * Writers use `BEGIN IMMEDIATE`, which takes SQLite's write lock at once, so two processes
 * voting on the same request serialise and each sees the other's vote (`busy_timeout` makes
 * the loser wait instead of failing). SQLite has no cross-process notification, so while
 * someone watches, the store reads `PRAGMA data_version` — one integer, unchanged unless
 * another connection committed — every `pollMs` (default 250 ms): that is the bounded poll
 * fallback; changes made through this store wake watchers in this process at once.
 *
 * The file is opened on first use, not at construction, and an open that failed is retried
 * on the next call, so a gateway starts even while the path is unwritable and recovers once
 * it is fixed; meanwhile every call rejects with `StoreUnavailableError`.
 */
import Database from "better-sqlite3";
import { EventEmitter } from "node:events";
import { type ApprovalRecord, type ApprovalStatus, type ApprovalStore, StoreUnavailableError } from "./types.js";

export interface SqliteStoreOptions {
  /** The database file; created (not its folder) if missing. */
  path: string;
  /** Cross-process change poll interval while watched. Default 250 ms. */
  pollMs?: number;
  /** How long a writer waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

type Db = InstanceType<typeof Database>;

interface Row {
  data: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  binding TEXT NOT NULL,
  requester_sub TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_binding ON approvals (binding, requester_sub, status);
CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, created_at);
`;

export function createSqliteStore(options: SqliteStoreOptions): ApprovalStore {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let db: Db | undefined;
  let closed = false;
  let poll: NodeJS.Timeout | undefined;
  let lastVersion = -1;

  const open = (): Db => {
    if (closed) throw new StoreUnavailableError("approval store is closed");
    if (db) return db;
    let opened: Db | undefined;
    try {
      opened = new Database(options.path, { fileMustExist: false });
      opened.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      opened.pragma("journal_mode = WAL");
      opened.pragma("synchronous = NORMAL");
      opened.exec(SCHEMA);
    } catch (e) {
      opened?.close();
      throw new StoreUnavailableError(`cannot open ${options.path}: ${(e as Error).message}`);
    }
    db = opened;
    return db;
  };

  /** Runs `fn` on the open database; every SQLite failure becomes `StoreUnavailableError`. */
  const use = <T>(fn: (d: Db) => T): Promise<T> => {
    try {
      return Promise.resolve(fn(open()));
    } catch (e) {
      if (e instanceof StoreUnavailableError) return Promise.reject(e);
      return Promise.reject(new StoreUnavailableError(`approval store ${options.path}: ${(e as Error).message}`));
    }
  };

  const write = (d: Db, r: ApprovalRecord): void => {
    d.prepare("UPDATE approvals SET status = ?, expires_at_ms = ?, data = ? WHERE id = ?").run(r.status, Date.parse(r.expires_at), JSON.stringify(r), r.id);
  };

  const changed = (id: string): void => {
    events.emit("change", id);
  };

  const startPoll = (): void => {
    if (poll || events.listenerCount("change") === 0) return;
    // The baseline is taken now, so a commit between `watch` and the first tick is not missed.
    try {
      lastVersion = open().pragma("data_version", { simple: true }) as number;
    } catch {
      lastVersion = -1;
    }
    poll = setInterval(() => {
      if (!db) {
        // Not open yet (or failing): watchers learn nothing new until it opens.
        try {
          open();
        } catch {
          return;
        }
      }
      try {
        const v = db!.pragma("data_version", { simple: true }) as number;
        if (lastVersion !== -1 && v !== lastVersion) events.emit("change", undefined);
        lastVersion = v;
      } catch {
        // A transient read error: the next tick tries again.
      }
    }, options.pollMs ?? 250);
    poll.unref();
  };

  return {
    insert(record) {
      return use((d) => {
        try {
          d.prepare("INSERT INTO approvals (id, status, binding, requester_sub, created_at, expires_at_ms, data) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
            record.id, record.status, record.binding, record.requester.sub, record.created_at, Date.parse(record.expires_at), JSON.stringify(record),
          );
        } catch (e) {
          if ((e as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") return false;
          throw e;
        }
        changed(record.id);
        return true;
      });
    },
    get(id) {
      return use((d) => {
        const row = d.prepare("SELECT data FROM approvals WHERE id = ?").get(id) as Row | undefined;
        return row ? (JSON.parse(row.data) as ApprovalRecord) : null;
      });
    },
    list(filter = {}) {
      return use((d) => {
        const limit = Math.max(1, Math.min(filter.limit ?? 100, 1000));
        const rows = (filter.status
          ? d.prepare("SELECT data FROM approvals WHERE status = ? ORDER BY created_at DESC, id LIMIT ?").all(filter.status satisfies ApprovalStatus, limit)
          : d.prepare("SELECT data FROM approvals ORDER BY created_at DESC, id LIMIT ?").all(limit)) as Row[];
        return rows.map((r) => JSON.parse(r.data) as ApprovalRecord);
      });
    },
    findPending(binding, requesterSub) {
      return use((d) => {
        const row = d.prepare("SELECT data FROM approvals WHERE binding = ? AND requester_sub = ? AND status = 'pending' AND expires_at_ms > ? ORDER BY created_at DESC LIMIT 1").get(
          binding, requesterSub, Date.now(),
        ) as Row | undefined;
        return row ? (JSON.parse(row.data) as ApprovalRecord) : null;
      });
    },
    update(id, change) {
      return use((d) => {
        let wrote = false;
        const result = d.transaction((): ApprovalRecord | null => {
          const row = d.prepare("SELECT data FROM approvals WHERE id = ?").get(id) as Row | undefined;
          if (!row) return null;
          const current = JSON.parse(row.data) as ApprovalRecord;
          const next = change(current);
          if (next === undefined) return current;
          write(d, next);
          wrote = true;
          return next;
        }).immediate();
        if (wrote) changed(id);
        return result;
      });
    },
    consume(binding, requesterSub, now) {
      return use((d) => {
        const result = d.transaction((): ApprovalRecord | null => {
          const row = d.prepare("SELECT data FROM approvals WHERE binding = ? AND requester_sub = ? AND status = 'approved' AND expires_at_ms > ? ORDER BY created_at LIMIT 1").get(
            binding, requesterSub, now.getTime(),
          ) as Row | undefined;
          if (!row) return null;
          const next: ApprovalRecord = { ...(JSON.parse(row.data) as ApprovalRecord), status: "consumed", decided_at: now.toISOString() };
          write(d, next);
          return next;
        }).immediate();
        if (result) changed(result.id);
        return result;
      });
    },
    watch(listener) {
      events.on("change", listener);
      startPoll();
      return () => {
        events.off("change", listener);
        if (events.listenerCount("change") === 0 && poll) {
          clearInterval(poll);
          poll = undefined;
          lastVersion = -1;
        }
      };
    },
    async close() {
      closed = true;
      if (poll) clearInterval(poll);
      poll = undefined;
      events.removeAllListeners();
      db?.close();
      db = undefined;
    },
  };
}
