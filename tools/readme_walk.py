"""A newcomer's walk through README.md and the docs/ pages: every `clip` example in their ```sh blocks, run as written with the
`clip` found on the PATH, from a folder that is not the checkout, in a fresh $HOME. Offline: the default
model (ViT-B-32) is downloaded from tools/fake_hub.py on loopback, which serves the bundled synthetic-shapes
model's files under openai/clip-vit-base-patch32, so the download path runs too (the numbers are the small
model's; this walk checks that the commands work as the README says, not what ViT-B-32 scores).

Each example gets exactly one rule below: run it (after the substitutions the rule names), or skip it with
the reason. An example without a rule fails the walk, so a new README example is walked or explained.

Usage: python3 tools/readme_walk.py README.md docs/PAGE.md … --home DIR   (run by scripts/test-readme-walk.sh;
       pages in the order a user reads them: training comes before the pages that use its output)
Prints one line per example and 'N run, M skipped, 0 failed'; exits 1 on any failure.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

# (pattern, action): action is "run", ("run", {old: new}), ("server", …) or ("skip", reason). First match wins.
RULES = [
    (r"^scripts/setup\.sh", ("skip", "the set-up line itself: scripts/test-readme-walk.sh installs clip from this build")),
    (r"^scripts/test\.sh", ("skip", "the test command itself")),
    (r"--model ViT-B-16-SigLIP", ("skip", "needs a SigLIP checkpoint; the stand-in hub serves one CLIP (SigLIP is covered by the parity tests)")),
    (r"^clip bench train", ("run", {"[--batch-size 64]": "--batch-size 8 --steps 2"})),
    # A benchmark measures for seconds per shape: the walk shortens it (the command, not the numbers).
    (r"^clip bench ", ("run", {"[--shape ViT-L-14] ": "", "[--threads N] ": "--threads 1 ", "[--json] ": "--seconds 0.2 ",
                               "--kernels": "--kernels --seconds 0.1"})),
    (r"^clip eval precision --model M ", ("run", {"--model M": "--model synthetic-shapes"})),
    (r"^clip eval precision --model OUT/", ("skip", "needs the precision checkpoints tools/make_precision_checkpoints.py writes (torch)")),
    (r"^clip serve --host 0\.0\.0\.0", ("skip", "binds beyond loopback; the refusal without keys is tested in ServeProcessTests")),
    (r"CLIP_DATABASE_URL|--store", ("skip", "needs a PostgreSQL server; PostgresProcessTests run these against one")),
    (r"^clip serve", ("server", None)),
    (r"^curl ", ("curl", None)),
    # The 15-minute run, cut to 3 steps: the command and its files, not the model's quality.
    (r"^clip train --data shapes/train", ("run", {"--batch-size 64 --steps 3000 --warmup 200": "--batch-size 8 --steps 3 --warmup 1",
                                                  "-o run/ --steps 300": "-o run/ --steps 3 --batch-size 8 --warmup 1",
                                                  "configs/synthetic-small.json": "CHECKOUT/configs/synthetic-small.json"})),
    (r"^clip train --data pets/ --init ViT-B-32 --lock-image", ("run", {"-o lit/": "-o lit/ --steps 2 --batch-size 4"})),
    (r"^clip train \.\.\.", ("skip", "a fragment: '...' stands for the options above")),
    (r"^clip data synth", ("run", {"--count 30000 --heldout 600": "--count 40 --heldout 10"})),
    (r"^clip", "run"),
    (r"^echo .* \| clip", "run"),
]


def examples(readme):
    """The shell lines of README's ```sh blocks (backslash continuations joined), comments cut."""
    lines, block, pending = [], False, ""
    for raw in open(readme, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.startswith("```"):
            block = line.strip() == "```sh"
            continue
        if not block:
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1].strip() + " "
            continue
        line = pending + line.strip()
        pending = ""
        line = re.sub(r"\s+#\s.*$", "", line).strip()  # a trailing comment (two spaces and '#' in the README)
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def rule_for(command):
    for pattern, action in RULES:
        if re.search(pattern, command):
            return action
    return None


def substitute(command, replacements):
    for old, new in (replacements or {}).items():
        command = command.replace(old, new)
    # [optional] parts are left out: the example shows them as choices
    return re.sub(r"\s*\[[^\]]*\]", "", command).strip()


def prepare(home, gallery):
    """The files the examples name, made from the demo gallery (coloured shapes)."""
    images = sorted(os.path.join(gallery, n) for n in os.listdir(gallery))
    def put(folder, chosen):
        os.makedirs(folder, exist_ok=True)
        for path in chosen:
            shutil.copy(path, os.path.join(folder, os.path.basename(path)))
    pictures = os.path.join(home, "Pictures")
    put(pictures, images[:16])
    put(os.path.join(pictures, "trip"), images[16:22])
    put(os.path.join(pictures, "cats"), images[22:26])
    put(os.path.join(pictures, "cache"), images[26:28])
    put(os.path.join(home, "Phone"), images[28:32])
    put(os.path.join(home, "photos"), images[32:36])
    os.makedirs(os.path.join(home, "new"), exist_ok=True)
    for i, path in enumerate(images[36:39]):  # the README globs new/*.jpg
        shutil.copy(path, os.path.join(home, "new", f"{i}.jpg"))
    put(os.path.join(home, "pets", "cat"), images[40:48])
    put(os.path.join(home, "pets", "dog"), images[48:56])
    put(os.path.join(home, "imagenet-val", "n01440764"), images[56:59])
    put(os.path.join(home, "imagenet-val", "n01443537"), images[59:62])
    for name, source in (("photo.jpg", 0), ("x.jpg", 1), ("beach.jpg", 2), ("query.jpg", 3)):
        shutil.copy(images[source], os.path.join(home, name))  # PNG bytes: decoding goes by content
    with open(os.path.join(home, "captions.txt"), "w") as f:
        f.write("a red square\na blue circle\na green triangle\n")
    with open(os.path.join(home, "coco-5k.tsv"), "w") as f:
        for i, path in enumerate(images[:12]):
            f.write(f"{path}\ta picture number {i}\n")


def start_server(command, env, home):
    """`clip serve …` on port 8080 as the README says; returns the process once /readyz answers."""
    log = open(os.path.join(home, "serve.log"), "w")
    process = subprocess.Popen(command, shell=True, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            return process, "exited: " + open(os.path.join(home, "serve.log")).read()[-800:]
        try:
            with urllib.request.urlopen("http://127.0.0.1:8080/readyz", timeout=2) as r:
                if r.status == 200:
                    return process, None
        except OSError:
            time.sleep(0.2)
    return process, "not ready after 60 s"


def wait_for_indexing(home):
    """Until a server started with --index has indexed its folders (the README's ids refer to indexed images)."""
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen("http://127.0.0.1:8080/v1/index/status", timeout=5) as r:
                status = json.load(r)
            if status.get("state") == "idle" and status.get("images", 0) > 0:
                return None
        except OSError:
            pass
        time.sleep(0.5)
    return "indexing did not finish in 120 s"


def stop_server(process):
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pages", nargs="+", help="README.md and the docs/ pages")
    ap.add_argument("--home", required=True)
    args = ap.parse_args()
    home = args.home
    env = dict(os.environ, HOME=home)
    env.pop("CLIP_LIBRARY_DIR", None)
    env.pop("CLIP_DATABASE_URL", None)
    clip = shutil.which("clip", path=env["PATH"])
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert clip and not os.path.abspath(clip).startswith(checkout), f"clip must come from the PATH, not the checkout: {clip}"
    assert not os.path.abspath(home).startswith(checkout), "the walk runs outside the checkout"

    subprocess.run(["clip", "demo", "--out", os.path.join(home, "demo")], env=env, cwd=home, check=True,
                   stdout=subprocess.DEVNULL)
    prepare(home, os.path.join(home, "demo", "gallery", "train", "images"))

    passed = skipped = failed = 0
    server = None
    # In the order of the pages; a command shown on two pages runs once (a server starts again: the curl
    # examples after it need it).
    commands, seen = [], set()
    for command in (c for page in args.pages for c in examples(page)):
        if command in seen and rule_for(command) != ("server", None):
            continue
        seen.add(command)
        commands.append(command)
    for command in commands:
        action = rule_for(command)
        if action is None:
            print(f"FAIL no rule for README example: {command}")
            failed += 1
            continue
        kind, detail = (action, None) if isinstance(action, str) else action
        if kind == "skip":
            print(f"skip {command}  ({detail})")
            skipped += 1
            continue
        if kind != "curl":
            stop_server(server)  # a server lives across the curl examples that follow it, no further
            server = None
        if kind == "server":
            server, problem = start_server(substitute(command, None), env, home)
            if problem is None and "--index" in command:
                problem = wait_for_indexing(home)
            ok = problem is None
            print(f"{'ok  ' if ok else 'FAIL'} {command}" + ("" if ok else f"  ({problem})"))
            passed, failed = passed + ok, failed + (not ok)
            continue
        if kind == "curl":
            # The README's library ids in the README (1234) are examples: the walk's library numbers from 1; its folder is ~/Pictures.
            # The stand-in model embeds in 64 dimensions, fewer than the example's 256.
            command = command.replace('"dimensions": 256', '"dimensions": 32')
            command = command.replace("1234", "1").replace("1235", "2").replace("/home/me/Pictures/2024", os.path.join(home, "Pictures", "trip"))
            if server is None:
                print(f"FAIL {command}  (no server running)")
                failed += 1
                continue
            run = subprocess.run(command.replace("curl -s", "curl -sS --fail-with-body --max-time 60"), shell=True, cwd=home, env=env,
                                 capture_output=True, text=True, timeout=90)
            ok = run.returncode == 0
            print(f"{'ok  ' if ok else 'FAIL'} {command}" + ("" if ok else f"  (exit {run.returncode}: {(run.stdout + run.stderr)[-400:]})"))
            passed, failed = passed + ok, failed + (not ok)
            continue
        line = substitute(command, detail if kind == "run" else None).replace("CHECKOUT", checkout)
        try:
            run = subprocess.run(line, shell=True, cwd=home, env=env, capture_output=True, text=True, timeout=300)
            ok, why = run.returncode == 0, f"exit {run.returncode}: {run.stderr[-600:]}"
        except subprocess.TimeoutExpired:
            ok, why = False, "timed out after 300 s"
        print(f"{'ok  ' if ok else 'FAIL'} {line}" + ("" if ok else f"  ({why})"))
        passed, failed = passed + ok, failed + (not ok)
    stop_server(server)
    print(f"{passed} run, {skipped} skipped, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
