#!/usr/bin/env bash
# Make sure PostgreSQL (and a streaming replica of it) and Redis run on localhost, installing
# them with apt-get where missing. Used by .ci/run and make bench; the first argument labels
# the messages (ci, bench).
set -euo pipefail
label="${1:-services}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "$label: installing PostgreSQL"
  apt_install postgresql
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "$label: starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

if ! command -v redis-server >/dev/null 2>&1; then
  echo "$label: installing Redis"
  apt_install redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "$label: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/$label.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

# A streaming replica of that PostgreSQL on port 5433 (DATABASE_REPLICA_URL, docs/operations.md):
# a second cluster copied from the primary with pg_basebackup -R, replaying its WAL as it
# comes. Left alone while it streams; started when stopped; made again when it is broken,
# not a standby, or follows another server.
version=$(ls /etc/postgresql | sort -V | tail -n 1)
replica_port=5433
primary_sql() { psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc "$1"; }
replica_sql() { psql -h 127.0.0.1 -p "$replica_port" -U postgres -d postgres -Atqc "$1" 2>/dev/null; }
replica_exists() { pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "replica" {found=1} END {exit !found}'; }
replica_streaming() {
  [ "$(replica_sql "select pg_is_in_recovery() and exists (select 1 from pg_stat_wal_receiver
    where status = 'streaming' and sender_port = 5432)")" = t ]
}
replica_wait_streaming() {
  for _ in $(seq 1 "${1:-30}"); do
    replica_streaming && return 0
    # Answering and not in recovery: promoted, or never a standby; no use waiting.
    [ "$(replica_sql "select pg_is_in_recovery()")" = f ] && return 1
    sleep 1
  done
  return 1
}

hba=$(primary_sql "show hba_file")
if ! as_root grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
  echo "$label: letting 127.0.0.1 stream the primary's WAL ($hba)"
  echo "host replication all 127.0.0.1/32 trust" | as_root tee -a "$hba" >/dev/null
  primary_sql "select pg_reload_conf()" >/dev/null
fi

if replica_exists && ! pg_isready -h 127.0.0.1 -p "$replica_port" -q; then
  echo "$label: starting the PostgreSQL replica"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" replica start || true
fi
if ! replica_exists || ! replica_wait_streaming 20; then
  echo "$label: making a streaming replica of PostgreSQL on port $replica_port"
  if replica_exists; then as_root pg_dropcluster --stop "$version" replica; fi
  as_root pg_createcluster "$version" replica -p "$replica_port" >/dev/null
  datadir=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "replica" {print $6}')
  as_root find "$datadir" -mindepth 1 -delete
  as_root runuser -u postgres -- "/usr/lib/postgresql/$version/bin/pg_basebackup" \
    -h 127.0.0.1 -p 5432 -U postgres -D "$datadir" -R -X stream -c fast
  # A hot standby refuses to start with fewer of these than its primary has.
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $replica_port"
    echo "hot_standby = on"
    # Vacuum on the primary then keeps the rows a replica query still reads, rather than
    # the replica cancelling that query.
    echo "hot_standby_feedback = on"
    for setting in max_connections max_worker_processes max_wal_senders \
      max_prepared_transactions max_locks_per_transaction; do
      echo "$setting = $(primary_sql "show $setting")"
    done
  } | as_root tee "/etc/postgresql/$version/replica/conf.d/90-replica.conf" >/dev/null
  # The replica lets in whoever its primary lets in.
  as_root cp "$hba" "/etc/postgresql/$version/replica/pg_hba.conf"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" replica start
  if ! replica_wait_streaming 60; then
    echo "$label: the replica on port $replica_port does not stream from the primary" >&2
    as_root tail -n 20 "/var/log/postgresql/postgresql-$version-replica.log" >&2 || true
    exit 1
  fi
fi
# A test run killed while it had replay paused (tests/integration/test_replica.py) leaves
# the replica behind for good: let it catch up, unless a replica test (holding the lock
# those tests take) has it paused right now.
if [ "$(replica_sql "select pg_is_wal_replay_paused()")" = t ] &&
  flock -n "${TMPDIR:-/tmp}/hitrec-replica-tests.lock" true; then
  echo "$label: resuming the replica's replay, left paused"
  replica_sql "select pg_wal_replay_resume()" >/dev/null
fi
