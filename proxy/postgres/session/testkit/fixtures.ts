/**
 * Server-side fixtures for the enforcement tests. Each test file gets a database of its
 * own (test files run in parallel), and everything is prefixed `pcs_`.
 *
 * How "never reached the server" is checked: `pcs_guarded` has a statement-level trigger
 * that writes to `pcs_log` on any INSERT/UPDATE/DELETE/TRUNCATE, and `pcs_secrets` is a
 * view whose rows pass through `pcs_tripwire()`, which also writes to `pcs_log`. A denied
 * statement that reached the server would leave a row in `pcs_log` (the tests first show,
 * on a direct connection, that each one does).
 */
import { direct } from "./index.js";

export const FIXTURE_SQL = `
DROP VIEW IF EXISTS pcs_secrets;
DROP TABLE IF EXISTS pcs_guarded, pcs_log, pcs_items, pcs_secret_data, pcs_copy CASCADE;
CREATE TABLE pcs_log (id serial PRIMARY KEY, what text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE pcs_guarded (id int PRIMARY KEY, v text);
INSERT INTO pcs_guarded VALUES (1, 'one'), (2, 'two');
CREATE OR REPLACE FUNCTION pcs_guard_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO pcs_log (what) VALUES (TG_OP || ' pcs_guarded'); RETURN NULL; END $$;
CREATE TRIGGER pcs_guard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pcs_guarded
  FOR EACH STATEMENT EXECUTE FUNCTION pcs_guard_log();
CREATE OR REPLACE FUNCTION pcs_tripwire(what text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN INSERT INTO pcs_log (what) VALUES (what); RETURN true; END $$;
CREATE TABLE pcs_secret_data (id int, card text);
INSERT INTO pcs_secret_data VALUES (1, '4111 1111 1111 1111');
CREATE VIEW pcs_secrets AS SELECT * FROM pcs_secret_data WHERE pcs_tripwire('read pcs_secrets');
CREATE TABLE pcs_items (id int PRIMARY KEY, name text, price numeric(10,2), tags text[], created date);
INSERT INTO pcs_items SELECT g, 'item ' || g, g * 1.25, ARRAY['t' || g], DATE '2024-01-01' + g FROM generate_series(1, 50) g;
CREATE TABLE pcs_copy (id int, note text);
`;

/** The policy the enforcement tests run (Rego v1, package portcullis, rule decision). */
export const POLICY = `
package portcullis

reasons contains "reading public.pcs_secrets is not allowed" if {
  some s in input.request.statements
  "public.pcs_secrets" in s.tables_read
}

reasons contains "writing public.pcs_guarded is not allowed" if {
  some s in input.request.statements
  s.kind != "prepare"
  "public.pcs_guarded" in s.tables_written
}

reasons contains "pcs_tripwire() may not be called" if {
  some s in input.request.statements
  "pcs_tripwire" in s.functions
}

reasons contains sprintf("cannot analyse the statement: %s", [input.request.parse_error.message]) if {
  input.request.parse_error
}

reasons contains "parameter value 666 is not allowed" if {
  some p in input.request.params
  p == "666"
}

default approval := null

approval := {"approvers": ["dba"], "min": 1, "reason": "TRUNCATE needs a DBA", "ttl_seconds": 600} if {
  some s in input.request.statements
  s.kind == "truncate"
}

decision := {"allow": count(reasons) == 0, "deny": sort(reasons), "approval": approval, "mask": []}
`;

/** Creates the database if needed and (re)installs the fixtures in it. */
export async function installFixtures(database: string): Promise<void> {
  const admin = await direct("postgres");
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!exists.rowCount) await admin.query(`CREATE DATABASE ${database}`).catch(() => {}); // a parallel run may win the race
  } finally {
    await admin.end();
  }
  const c = await direct(database);
  try {
    await c.query(FIXTURE_SQL);
  } finally {
    await c.end();
  }
}

/** Everything the tripwires have logged so far. */
export async function tripwireLog(database: string): Promise<string[]> {
  const c = await direct(database);
  try {
    const r = await c.query<{ what: string }>("SELECT what FROM pcs_log ORDER BY id");
    return r.rows.map((x) => x.what);
  } finally {
    await c.end();
  }
}

export async function clearLog(database: string): Promise<void> {
  const c = await direct(database);
  try {
    await c.query("TRUNCATE pcs_log");
  } finally {
    await c.end();
  }
}
