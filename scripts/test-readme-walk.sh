#!/usr/bin/env bash
# The first hour of a new user, in CI: this build installed with scripts/install.sh into a fresh prefix, that
# prefix first on the PATH, a fresh $HOME outside the checkout, and every example of README.md and docs/ run there
# (tools/readme_walk.py: the default model comes from a stand-in hub on loopback serving the bundled model).
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
work=$(mktemp -d)
hub=""
trap 'kill "$hub" 2>/dev/null || true; rm -rf "$work"' EXIT
scripts/install.sh "$work/prefix" > "$work/install.log"
export PATH="$work/prefix/bin:$PATH"
[ "$(command -v clip)" = "$work/prefix/bin/clip" ] || { echo "clip on the PATH is $(command -v clip), not the installed one" >&2; exit 1; }
mkdir -p "$work/home"
# The stand-in hub: ViT-B-32's repository holds the bundled model's files.
python3 tools/fake_hub.py --repo "openai/clip-vit-base-patch32=$checkout/Sources/clip/Resources/synthetic-shapes" \
  --port-file "$work/hub.port" --log "$work/hub.log" &
hub=$!
for _ in $(seq 100); do [ -s "$work/hub.port" ] && break; sleep 0.1; done
export HF_ENDPOINT="http://127.0.0.1:$(cat "$work/hub.port")"
unset HF_HUB_OFFLINE CLIP_LIBRARY_DIR CLIP_DATABASE_URL HF_HOME HF_HUB_CACHE XDG_CACHE_HOME XDG_DATA_HOME
cd "$work/home"
pages=(commands search serving postgresql training precision models lab performance correctness swift architecture)
for page in "$checkout"/docs/*.md; do
  case " ${pages[*]} " in *" $(basename "$page" .md) "*) ;; *) echo "$page is not walked: add it to pages" >&2; exit 1 ;; esac
done
python3 "$checkout/tools/readme_walk.py" "$checkout/README.md" $(printf "$checkout/docs/%s.md " "${pages[@]}") --home "$work/home"
