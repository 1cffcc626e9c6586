#!/bin/bash
# Old build against new on one machine, alternating so that drift hits both: `clip bench` (model-only image and
# text throughput, ViT-B/32 random weights) at fp32 and int8, ROUNDS rounds each; then tools/bench_serve.sh
# (wrk on `clip serve`, and `clip index` files/s) for each build. Prints the median of each measurement and
# the ratio new/old.
#
# Usage: tools/compare_speed.sh OLD_CLIP NEW_CLIP MODEL_FOLDER PHOTOS_FOLDER [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 model=$3 photos=$4 rounds=${5:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; rounds: $rounds"
for round in $(seq "$rounds"); do
    for build in old new; do
        binary=$old
        [ $build = new ] && binary=$new
        for precision in fp32 int8; do
            "$binary" bench --json --seconds 3 --precision $precision 2>/dev/null > "$out/$build-$precision-$round.json"
        done
    done
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def runs(build, precision):
    rows = {}
    for r in range(1, rounds + 1):
        for row in json.load(open(f"{out}/{build}-{precision}-{r}.json"))["results"]:
            key = f"{row['kind']} batch {row['batch']}" + (f" ({row['tokens']} tokens)" if row["tokens"] else "")
            rows.setdefault(key, []).append(row["per_second"])
    return rows
print(f"{'clip bench':34} {'old /s':>9} {'new /s':>9} {'new/old':>8}")
for precision in ("fp32", "int8"):
    old, new = runs("old", precision), runs("new", precision)
    for key in old:
        o, n = statistics.median(old[key]), statistics.median(new[key])
        print(f"{precision + ' ' + key:34} {o:9.1f} {n:9.1f} {n / o:8.3f}")
PY
for build in old new; do
    binary=$old
    [ $build = new ] && binary=$new
    echo "== $build: tools/bench_serve.sh"
    CLIP=$binary tools/bench_serve.sh "$model" --photos "$photos" 8 2>&1 | grep -v "^clip serve"
done
