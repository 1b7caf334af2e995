/**
 * Picks the store from configuration: a SQLite file by default, PostgreSQL when several
 * gateway instances must share approvals. Neither connects here: an unreachable store is
 * reported by each call (and denies), not by startup.
 */
import { createPostgresStore } from "./store-postgres.js";
import { createSqliteStore } from "./store-sqlite.js";
import type { ApprovalStore } from "./types.js";

/** `sqlite`: an absolute file path; `postgres`: a `postgres://` URL. */
export type StoreSpec = { sqlite: string } | { postgres: string };

export function openApprovalStore(spec: StoreSpec): ApprovalStore {
  if ("postgres" in spec) {
    if (!/^postgres(ql)?:\/\//.test(spec.postgres)) throw new RangeError("approvals.store.postgres must be a postgres:// URL");
    return createPostgresStore({ url: spec.postgres });
  }
  if (spec.sqlite.trim() === "") throw new RangeError("approvals.store.sqlite must be a file path");
  return createSqliteStore({ path: spec.sqlite });
}
