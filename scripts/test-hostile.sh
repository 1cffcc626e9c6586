#!/usr/bin/env bash
# The hostile-input suite (issue 24): tools/hostile_client.py against a real `clip serve` with a library,
# loopback only, bounded in count and time; then SIGTERM while a client holds a half-sent body, which must
# end within --shutdown-grace. Standard-library Python only.
set -euo pipefail
cd "$(dirname "$0")/.."
clip=.build/release/clip
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/photos"
cp Tests/CLIPTestSupport/Fixtures/images/rgb.png Tests/CLIPTestSupport/Fixtures/images/rgb_224.jpg Tests/CLIPTestSupport/Fixtures/images/cmyk.jpg "$work/photos/"
"$clip" index --model synthetic-shapes --library "$work/library" "$work/photos" 2> /dev/null
"$clip" serve --model synthetic-shapes --served-name hostile --library "$work/library" --port 0 \
  --idle-timeout 2 --shutdown-grace 2 2> "$work/serve.log" &
server=$!
for _ in $(seq 200); do grep -q "serving hostile" "$work/serve.log" && break; sleep 0.1; done
port=$(grep -o '127\.0\.0\.1:[0-9]*,' "$work/serve.log" | head -1 | tr -d , | cut -d: -f2)
status=0
timeout 600 python3 tools/hostile_client.py --port "$port" --pid "$server" --model hostile --library --idle-timeout 2 || status=$?
# SIGTERM with a half-sent body held open: the process must be gone within the 2 s grace (+3 s slack).
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"model":' >&3
sleep 0.3
kill -TERM "$server"
gone=no
for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || { gone=yes; break; }; sleep 0.1; done
exec 3>&-
if [ "$gone" = yes ]; then
  wait "$server" && echo "ok    SIGTERM with a half-sent body held open: exited 0 within 5 s" || { echo "FAIL  exited $? after SIGTERM"; status=1; }
else
  echo "FAIL  still running 5 s after SIGTERM with a 2 s grace"; status=1
fi
server=""
exit $status
