"""A stand-in for the Hugging Face hub on loopback, for SwiftCLIP's download tests (there is no internet here).

It answers `HEAD|GET /{org}/{name}/resolve/{revision}/{file}` the way huggingface.co does: small files directly
with `ETag` (a git-style sha1) and `X-Repo-Commit`; large ("LFS") files with a 302 to `/cdn/{sha256}` carrying
`X-Linked-Etag` (the sha256) and `X-Linked-Size`. The CDN honours `Range`. Switches make it misbehave on purpose.

Usage: python3 tools/fake_hub.py --repo org/name=DIR [--private org/name] [--token T] [--cut-after N]
                                 [--corrupt FILE] --port-file F --log F
"""
import argparse
import hashlib
import http.server
import json
import os
import sys
import threading

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LFS_MIN = 100_000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", action="append", default=[], help="org/name=folder whose files the repo serves")
    ap.add_argument("--private", action="append", default=[])
    ap.add_argument("--token", default="secret")
    ap.add_argument("--cut-after", type=int, default=0, help="close the first CDN download after this many bytes")
    ap.add_argument("--corrupt", default="", help="serve this file's bytes altered (its sha256 no longer matches)")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    repos = dict(r.split("=", 1) for r in args.repo)
    blobs = {}
    state = {"cut": args.cut_after}
    lock = threading.Lock()

    def log(entry):
        with lock, open(args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def resolve(self):
            parts = self.path.split("?")[0].strip("/").split("/")
            if len(parts) >= 5 and parts[2] == "resolve":
                repo, file = "/".join(parts[:2]), "/".join(parts[4:])
                if repo not in repos:
                    return self.reply(404, b"Repository not found")
                if repo in args.private and self.headers.get("Authorization") != "Bearer " + args.token:
                    return self.reply(401, b"Invalid credentials")
                path = os.path.join(repos[repo], file)
                if not os.path.isfile(path):
                    return self.reply(404, b"Entry not found")
                data = open(path, "rb").read()
                if len(data) >= LFS_MIN:
                    sha = hashlib.sha256(data).hexdigest()
                    blobs[sha] = (data, file)
                    return self.reply(302, b"", {"Location": "/cdn/" + sha, "X-Linked-Etag": '"%s"' % sha,
                                                 "X-Linked-Size": str(len(data)), "X-Repo-Commit": COMMIT,
                                                 "ETag": '"%s"' % hashlib.sha1(data).hexdigest()})
                git_sha = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                return self.reply(200, data, {"ETag": '"%s"' % git_sha, "X-Repo-Commit": COMMIT})
            if len(parts) == 2 and parts[0] == "cdn" and parts[1] in blobs:
                data, file = blobs[parts[1]]
                if file == args.corrupt:
                    data = data[:-1] + bytes([data[-1] ^ 1])
                start = 0
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes=") and rng.endswith("-"):
                    start = int(rng[6:-1])
                body = data[start:]
                headers = {"Content-Range": "bytes %d-%d/%d" % (start, len(data) - 1, len(data))} if start else {}
                cut = 0
                with lock:
                    if state["cut"] and self.command == "GET":
                        cut, state["cut"] = state["cut"], 0
                return self.reply(206 if start else 200, body, headers, cut=cut)
            return self.reply(404, b"not found")

        def reply(self, status, body, headers=None, cut=0):
            log({"method": self.command, "path": self.path, "range": self.headers.get("Range"), "status": status})
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "GET":
                if cut:
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)

        do_GET = resolve
        do_HEAD = resolve

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
