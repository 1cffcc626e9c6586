#!/usr/bin/env bash
# A throwaway PostgreSQL 16 + pgvector server on 127.0.0.1 for tests, from the PyPI wheel `pgserver`
# (it bundles the PostgreSQL binaries, psql and pgvector's vector.so; x86_64 Linux, CPython 3.8–3.12).
#
#   scripts/postgres.sh start DIR   creates (first time) and starts a cluster under DIR; prints its URL
#   scripts/postgres.sh url DIR     prints the URL of the running cluster under DIR
#   scripts/postgres.sh stop DIR    stops it (fast shutdown); a no-op when it is not running
#
# The URL is postgres://clip:clip@127.0.0.1:PORT/clip (role `clip`, password `clip`, scram-sha-256), also
# written to DIR/url, with the port in DIR/port. Databases:
#   clip           owned by `clip`, with `CREATE EXTENSION vector` done by the superuser;
#   clip_novector  owned by `clip`, without pgvector. vector is not a trusted extension, so `clip` cannot
#                  create it there (42501 "permission denied to create extension").
# The superuser is `postgres` (password `postgres`): DIR/admin_url, or trust over the unix socket in the
# directory named in DIR/socketdir (DIR/socket, mode 0700, unless that path is too long for a socket).
# PostgreSQL refuses to run as root, so as root the server runs as the system user `clippg` (created when
# missing) and DIR is chowned to it. Everything else goes to DIR/log.
set -euo pipefail

PGSERVER_VERSION=0.1.4          # PostgreSQL 16.2, pgvector 0.6.2
PG_SYSTEM_USER=clippg
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$ROOT/.venv-postgres
LOG=/dev/null
DIED=""

die() { DIED=1; echo "postgres.sh: $*" >&2; exit 1; }
usage() { die "usage: postgres.sh start|stop|url DIR"; }

[ $# -eq 2 ] || usage
cmd=$1
[ -n "$2" ] || usage
DIR=$(realpath -m -- "$2")
[ "$DIR" != / ] || die "refusing to use / as DIR"
DATA=$DIR/data
LOG=$DIR/log
trap 'rc=$?; [ $rc -eq 0 ] || [ -n "$DIED" ] || echo "postgres.sh: $cmd failed (exit $rc); see $LOG" >&2' EXIT

# as_pg CMD…: runs CMD as the server's user, in DIR (a cwd the user can read), in the C locale, without the
# lock descriptors (a server started with fd 9 open would hold DIR's lock for its whole life).
if [ "$(id -u)" -eq 0 ]; then
  as_pg() {
    if command -v runuser >/dev/null; then
      (cd "$DIR" && runuser -u "$PG_SYSTEM_USER" -- env LC_ALL=C LANG=C "$@") 8>&- 9>&-
    else
      (cd "$DIR" && su -s /bin/sh "$PG_SYSTEM_USER" -c 'exec "$@"' sh env LC_ALL=C LANG=C "$@") 8>&- 9>&-
    fi
  }
else
  as_pg() { (cd "$DIR" && env LC_ALL=C LANG=C "$@") 8>&- 9>&-; }
fi

# alive PID: whether PID is a live process. A zombie is not: where PID 1 is slow to reap (or never reaps,
# as in a container without an init) a killed postmaster lingers as one, and kill -0 still succeeds on it.
alive() {
  local st
  st=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# running: whether the postmaster recorded in DATA/postmaster.pid is alive.
running() {
  local pid
  [ -f "$DATA/postmaster.pid" ] || return 1
  pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid"
}

# clear_stale_pid: after a crash (postmaster killed), waits for its orphaned children (their cwd is DATA)
# to exit, then removes postmaster.pid, which postgres would otherwise trust while the dead postmaster is
# an unreaped zombie.
clear_stale_pid() {
  [ -f "$DATA/postmaster.pid" ] || return 0
  local busy p
  for _ in $(seq 300); do
    busy=""
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/cwd" 2>/dev/null)" = "$DATA" ] && alive "${p#/proc/}" && { busy=1; break; }
    done
    [ -n "$busy" ] || break
    sleep 0.1
  done
  [ -z "$busy" ] || die "processes of a crashed server still use $DATA"
  rm -f "$DATA/postmaster.pid"
}

url_of() { echo "postgres://clip:clip@127.0.0.1:$1/clip"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_free() {
  # SO_REUSEADDR as PostgreSQL binds: a port left in TIME_WAIT by the previous run is still ours, so a
  # restarted server keeps its URL (tests stop and start it under running clients).
  python3 -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

# ensure_venv: .venv-postgres with pgserver==$PGSERVER_VERSION (no dependencies: only its files are used);
# sets BIN to the bundled bin/ directory.
ensure_venv() {
  local marker=$VENV/.pgserver-$PGSERVER_VERSION
  mkdir -p "$VENV"
  exec 8>"$VENV.lock"   # beside the venv: `venv --clear` would empty a lock inside it
  flock 8
  if [ ! -f "$marker" ] || [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv --clear "$VENV" >>"$LOG" 2>&1 ||
      die "python3 -m venv failed (Debian: apt-get install python3-venv); see $LOG"
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps "pgserver==$PGSERVER_VERSION" >>"$LOG" 2>&1 ||
      die "pip install pgserver==$PGSERVER_VERSION failed (wheels: x86_64 Linux, CPython 3.8-3.12); see $LOG"
    touch "$marker"
  fi
  exec 8>&-
  local pkg
  pkg=$("$VENV/bin/python" -c 'import importlib.util as u; print(u.find_spec("pgserver").submodule_search_locations[0])') ||
    die "pgserver is not importable from $VENV"
  BIN=$pkg/pginstall/bin
  for b in initdb pg_ctl postgres psql; do [ -x "$BIN/$b" ] || die "$BIN/$b is missing from pgserver $PGSERVER_VERSION"; done
}

# ensure_pg_user (as root): the system user, DIR owned by it, and binaries it can run (copied into DIR when
# the repository is not readable by it, e.g. a clone under /root).
ensure_pg_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id -u "$PG_SYSTEM_USER" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      "$PG_SYSTEM_USER" >>"$LOG" 2>&1 || id -u "$PG_SYSTEM_USER" >/dev/null 2>&1 ||
      die "useradd $PG_SYSTEM_USER failed; see $LOG"
  fi
  [ ! -k "$DIR" ] || die "$DIR is a sticky shared directory (like /tmp); pass a directory of its own"
  chown "$PG_SYSTEM_USER:" "$DIR" "$LOG"
  chmod 0755 "$DIR"
  as_pg test -w "$DIR" ||
    die "user $PG_SYSTEM_USER cannot reach $DIR (a parent directory is not searchable); use e.g. /tmp/NAME"
  if ! as_pg test -x "$BIN/postgres" || ! as_pg test -r "$BIN/../share/postgresql/postgres.bki"; then
    local pkg=${BIN%/pginstall/bin} copy=$DIR/pg
    if [ ! -f "$copy/.pgserver-$PGSERVER_VERSION" ]; then
      rm -rf "$copy"
      mkdir -p "$copy/pgserver"
      cp -a "$pkg/pginstall" "$copy/pgserver/"
      cp -a "$pkg/../pgserver.libs" "$copy/"   # libpq, found through the binaries' $ORIGIN/../../../ rpath
      touch "$copy/.pgserver-$PGSERVER_VERSION"
      chown -R "$PG_SYSTEM_USER:" "$copy"
    fi
    BIN=$copy/pgserver/pginstall/bin
  fi
}

start() {
  mkdir -p "$DIR" 2>/dev/null || die "cannot create $DIR"
  exec 9>>"$DIR/.lock"
  flock 9
  touch "$LOG"
  if running; then
    [ -f "$DIR/url" ] || die "a server runs on $DATA but $DIR/url is missing"
    cat "$DIR/url"
    return
  fi
  clear_stale_pid
  ensure_venv
  ensure_pg_user
  echo "$BIN" >"$DIR/bindir"

  # The unix socket (for setup, and pg_ctl's readiness check) sits in DIR unless the path is too long
  # for sockaddr_un (107 bytes with ".s.PGSQL.NNNNN").
  local sock=$DIR/socket
  if [ $(( ${#sock} + 20 )) -gt 107 ]; then
    sock=$(cat "$DIR/socketdir" 2>/dev/null || true)
    [ -n "$sock" ] && [ -d "$sock" ] || sock=$(mktemp -d /tmp/clippg.XXXXXX)
  fi
  echo "$sock" >"$DIR/socketdir"
  mkdir -p "$sock"
  chmod 0700 "$sock"
  [ "$(id -u)" -ne 0 ] || chown "$PG_SYSTEM_USER:" "$sock"

  local fresh=""
  if [ ! -f "$DIR/.initialized" ]; then
    fresh=1
    rm -rf "$DATA"
    if [ "$(id -u)" -eq 0 ]; then install -d -m 0700 -o "$PG_SYSTEM_USER" -g "$PG_SYSTEM_USER" "$DATA"; else install -d -m 0700 "$DATA"; fi
    echo postgres >"$DIR/.pwfile"
    [ "$(id -u)" -ne 0 ] || chown "$PG_SYSTEM_USER:" "$DIR/.pwfile"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$DIR/.pwfile" -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 --no-sync >>"$LOG" 2>&1 || die "initdb failed; see $LOG"
    rm -f "$DIR/.pwfile"
    as_pg sh -c 'cat > "$1/pg_hba.conf"' sh "$DATA" <<'EOF'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust          # the socket directory is mode 0700
host    all       all   127.0.0.1/32  scram-sha-256
EOF
    as_pg sh -c 'cat >> "$1/postgresql.conf"' sh "$DATA" <<EOF

# scripts/postgres.sh: a loopback-only test server
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
shared_buffers = 64MB
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
include_if_exists = 'port.conf'
EOF
  else
    as_pg sed -i "s|^unix_socket_directories = .*|unix_socket_directories = '$sock'|" "$DATA/postgresql.conf"
  fi

  # The previous port when it is still free, else a fresh one; retried when another process takes it
  # between the check and the bind.
  local port="" attempt
  [ -f "$DIR/port" ] && port=$(cat "$DIR/port") && { port_free "$port" || port=""; }
  for attempt in 1 2 3 4 5; do
    [ -n "$port" ] || port=$(free_port)
    echo "port = $port" | as_pg sh -c 'cat > "$1/port.conf"' sh "$DATA"
    if as_pg "$BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 -s >>"$LOG" 2>&1; then
      break
    fi
    running && die "pg_ctl start timed out but the server is running; see $LOG"
    port=""
    [ "$attempt" -lt 5 ] || die "the server did not start (5 tries); see $LOG"
  done

  if [ -n "$fresh" ]; then
    local psql=("$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres)
    {
      as_pg "${psql[@]}" -d postgres <<'EOF'
CREATE ROLE clip LOGIN PASSWORD 'clip';
CREATE DATABASE clip OWNER clip;
CREATE DATABASE clip_novector OWNER clip;
EOF
      as_pg "${psql[@]}" -d clip -c 'CREATE EXTENSION vector'
    } >>"$LOG" 2>&1 || die "creating the role and databases failed; see $LOG"
    touch "$DIR/.initialized"
  fi

  echo "$port" >"$DIR/port"
  echo "postgres://postgres:postgres@127.0.0.1:$port/postgres" >"$DIR/admin_url"
  url_of "$port" >"$DIR/url"
  cat "$DIR/url"
}

stop() {
  [ -d "$DATA" ] || return 0
  exec 9>>"$DIR/.lock"
  flock 9
  running || return 0
  local bin pid
  bin=$(cat "$DIR/bindir" 2>/dev/null || true)
  if [ -n "$bin" ] && [ -x "$bin/pg_ctl" ] && as_pg "$bin/pg_ctl" stop -D "$DATA" -m fast -w -t 60 -s >>"$LOG" 2>&1; then
    return 0
  fi
  # No usable pg_ctl: SIGINT is the fast shutdown, SIGQUIT the immediate one.
  pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -INT "$pid" 2>/dev/null || return 0
  for _ in $(seq 600); do alive "$pid" || return 0; sleep 0.1; done
  kill -QUIT "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.1; done
  die "the server (pid $pid) did not stop"
}

url() {
  running || die "no server is running under $DIR"
  [ -f "$DIR/url" ] || die "$DIR/url is missing"
  cat "$DIR/url"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) usage ;;
esac
