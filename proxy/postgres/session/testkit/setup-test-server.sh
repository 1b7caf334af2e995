#!/bin/sh
# Test-only server setup for proxy/postgres/session's tests (idempotent; CI calls it, and
# so do the tests). It makes the local PostgreSQL ask three dedicated roles for passwords
# over TCP, so the gateway's upstream cleartext, md5 and SCRAM-SHA-256 logins are
# exercised; every other role keeps the server's existing rules (trust on this machine).
# The roles themselves (and their random passwords) are created by the tests.
#
# Needs: psql, a superuser reachable as `postgres` on 127.0.0.1:5432, and write access to
# the server's pg_hba.conf (root or the postgres user).
set -eu
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
export PGHOST PGPORT
HBA=$(psql -U postgres -d postgres -Atc 'SHOW hba_file')
MARK='# portcullis pgsession tests'
if ! grep -qF "$MARK" "$HBA"; then
  TMP=$(mktemp)
  {
    echo "$MARK (begin)"
    echo "host all pcs_scram 127.0.0.1/32 scram-sha-256"
    echo "host all pcs_md5 127.0.0.1/32 md5"
    echo "host all pcs_clear 127.0.0.1/32 password"
    echo "$MARK (end)"
    cat "$HBA"
  } > "$TMP"
  # Keep the file's owner and mode: write in place rather than replace it.
  cat "$TMP" > "$HBA"
  rm -f "$TMP"
  psql -U postgres -d postgres -Atc 'SELECT pg_reload_conf()' > /dev/null
fi
