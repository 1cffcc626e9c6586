#!/usr/bin/env python3
"""A hostile client against a running `clip serve` on loopback (issue 24), standard library only.

Every request is bounded in count and time and goes to 127.0.0.1. After each hostile request the server
must still be alive and have answered 4xx. Strip PNGs (a million pixels in one row or column) and 15 MB
texts are sent four at a time while another thread probes /healthz: the server's peak RSS (VmHWM) must stay
under 2 × its resident size after start + 256 MB, and /healthz p99 under 100 ms.

Usage: hostile_client.py --port P --pid PID --model NAME [--library]
Prints one line per check and closes with 'N passed, M failed'; exits 1 if any failed.
"""
import argparse
import base64
import http.client
import json
import multiprocessing
import os
import socket
import struct
import threading
import time
import zlib

PASSED, FAILED = [], []


def check(name, ok, detail=""):
    (PASSED if ok else FAILED).append(name)
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else f": {detail}"), flush=True)


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def request(port, method, path, body=b"", headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else {}
        except ValueError:
            parsed = {"text": data[:200].decode("latin-1")}
        return response.status, parsed, dict(response.getheaders())
    finally:
        conn.close()


def multipart(fields, boundary="hostile-boundary-1"):
    body = b""
    for name, value, is_file in fields:
        body += f"--{boundary}\r\n".encode()
        if is_file:
            body += f'Content-Disposition: form-data; name="{name}"; filename="blob"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        else:
            body += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def png(width, height):
    """A grey-gradient PNG written by hand (filter 0 rows, one IDAT): a 1,000,000 × 1 strip is ~1 KB."""
    row = bytes((x * 7) % 256 for x in range(width))
    raw = b"".join(b"\x00" + row for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def raw_socket(port, data=b"", wait=0.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if data:
        s.sendall(data)
    if wait:
        time.sleep(wait)
    return s


def read_until_closed(s, seconds):
    """What arrives within `seconds`, and whether the server closed the connection by then."""
    s.settimeout(0.2)
    data, deadline = b"", time.time() + seconds
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def probe_healthz(port, stop, queue):
    """GET /healthz every 10 ms until `stop`; the latencies go back through `queue`."""
    latencies = []
    while not stop.is_set():
        t = time.time()
        try:
            request(port, "GET", "/healthz", timeout=10)
            latencies.append(time.time() - t)
        except Exception:  # noqa: BLE001 - a failed probe counts as 10 s
            latencies.append(10.0)
        time.sleep(0.01)
    queue.put(latencies)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--library", action="store_true")
    parser.add_argument("--idle-timeout", type=float, default=2)
    args = parser.parse_args()
    port, pid, model = args.port, args.pid, args.model
    # The bound on the whole run's peak: twice what the server holds with its model loaded, + 256 MB.
    baseline_kib = rss_kib(pid, "VmRSS")
    bound_kib = 2 * baseline_kib + 256 * 1024

    def hostile(name, method, path, body=b"", headers=None, expect=4):
        try:
            status, answer, _ = request(port, method, path, body, headers, timeout=30)
        except Exception as e:  # noqa: BLE001 - any failure to answer is the finding
            status, answer = 0, {"exception": repr(e)}
        check(f"{name}: {status}", status // 100 == expect and alive(pid), f"status {status}, alive {alive(pid)}: {answer}")
        return answer

    # 1. Multipart boundaries MultipartKit trapped on.
    entries_text = (b'{"clip":{"textual":{"modelName":"%s"}}}' % model.encode())
    for parameter in ["boundary=", 'boundary=""', 'boundary="', "BOUNDARY=", "boundary=;charset=utf-8", "boundary=" + "a" * 71]:
        for path in ["/predict"] + (["/v1/search"] if args.library else []):
            hostile(f"POST {path} Content-Type multipart/form-data; {parameter}", "POST", path, b"x",
                    {"Content-Type": f"multipart/form-data; {parameter}"})

    # 5, 6. Long texts and a Content-Length over the limit.
    long_text = "a" * 15_000_000
    hostile("15 MB text to /v1/embeddings", "POST", "/v1/embeddings", json.dumps({"model": model, "input": long_text}).encode(),
            {"Content-Type": "application/json"})
    s = raw_socket(port, b"POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 10737418240\r\n\r\n0123456789")
    started, data = time.time(), b""
    s.settimeout(5)
    while b"\r\n\r\n" not in data and time.time() - started < 5:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    took = time.time() - started
    check(f"Content-Length 10 GiB + 10 bytes: 413 in {took * 1000:.0f} ms", data.startswith(b"HTTP/1.1 413") and took < 1, f"{data[:60]!r}")
    s.close()

    # Texts that are short in Characters or words but costly to tokenize.
    marks = "a" + "\u0301" * 7_000_000  # one Character of 14 MB
    hostile("one Character with 7 M combining marks", "POST", "/v1/embeddings", json.dumps({"model": model, "input": marks}, ensure_ascii=False).encode(),
            {"Content-Type": "application/json"})
    cjk = ["的一是不了人我在有他这为之大来以个中上们" * 450 for _ in range(256)]  # 256 words of 9,000 letters, no spaces
    started = time.time()
    status, answer, _ = request(port, "POST", "/v1/embeddings", json.dumps({"model": model, "input": cjk}).encode(),
                                {"Content-Type": "application/json"}, timeout=120)
    took = time.time() - started
    check(f"256 texts of 9,000 CJK letters without a space: {status} in {took:.1f} s", status == 200 and took < 30 and alive(pid),
          f"{status} {str(answer)[:200]}")
    if args.library:
        hostile("a classify template with 2,500 {}", "POST", "/v1/classify",
                json.dumps({"labels": ["x" * 4000], "templates": ["{}" * 2500], "ids": [1]}).encode(), {"Content-Type": "application/json"})
        hostile("10 M comma-separated labels", "POST", "/v1/classify", json.dumps({"labels": "a," * 5_000_000, "ids": [1]}).encode(),
                {"Content-Type": "application/json"})

    # 10. HTTP manners.
    hostile("DELETE /v1/embeddings (405)", "DELETE", "/v1/embeddings")
    status, _, headers = request(port, "HEAD", "/healthz")
    check("HEAD /healthz: 200", status == 200, f"{status}")
    form, content_type = multipart([("entries", entries_text, False), ("text", b"x" * 30_000_000, False)])
    answer = hostile("/predict over --max-body", "POST", "/predict", form, {"Content-Type": content_type})
    check("/predict 413 in FastAPI's shape", "detail" in answer and "error" not in answer, f"{answer}")

    # 11. Lenient parsing.
    hostile("base64 with garbage", "POST", "/v1/embeddings",
            json.dumps({"model": model, "modality": "image", "input": "iVBORw0K!!**GgoAAAANSUhEUg=="}).encode(), {"Content-Type": "application/json"})
    picture = base64.b64encode(png(64, 64)).decode()
    hostile("data:text/plain holding a PNG", "POST", "/v1/embeddings",
            json.dumps({"model": model, "modality": "image", "input": "data:text/plain;base64," + picture}).encode(), {"Content-Type": "application/json"})
    if args.library:
        for query in ["nan:cat", "inf:cat + dog"]:
            hostile(f"query weight {query}", "POST", "/v1/search", json.dumps({"query": query}).encode(), {"Content-Type": "application/json"})

    # 2, 5 under load: strips and long texts four at a time, /healthz probed meanwhile.
    # Bodies made up front, and the probe in a process of its own: this client's own JSON encoding holds
    # Python's GIL for tens of milliseconds, which a probe thread would count as the server's latency.
    visual = b'{"clip":{"visual":{"modelName":"%s"}}}' % model.encode()
    strip_forms = [multipart([("entries", visual, False), ("image", png(w, h), True)])
                   for w, h in [(1_000_000, 1), (1, 1_000_000), (100_000, 1), (1, 100_000)]]
    text_body = json.dumps({"model": model, "input": long_text}).encode()
    stop = multiprocessing.Event()
    queue = multiprocessing.Queue()
    prober = multiprocessing.Process(target=probe_healthz, args=(port, stop, queue))
    prober.start()
    time.sleep(0.3)

    results, lock = [], threading.Lock()

    def send(kind, i):
        if kind == "strip":
            form, content_type = strip_forms[i % len(strip_forms)]
            status, answer, _ = request(port, "POST", "/predict", form, {"Content-Type": content_type}, timeout=60)
        else:
            status, answer, _ = request(port, "POST", "/v1/embeddings", text_body, {"Content-Type": "application/json"}, timeout=60)
        with lock:
            results.append((kind, status, answer))

    started = time.time()
    for round_ in range(3):
        for kind in ["strip", "text"]:
            workers = [threading.Thread(target=send, args=(kind, i)) for i in range(4)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(120)
    stop.set()
    latencies = queue.get(timeout=30)
    prober.join(15)
    took = time.time() - started
    strips_ok = [s for k, s, _ in results if k == "strip"]
    texts = [s for k, s, _ in results if k == "text"]
    check(f"12 strip PNGs (1e6×1, 1×1e6, 1e5×1, 1×1e5), 4 at a time: embedded (200) in {took:.1f} s all told",
          strips_ok == [200] * 12, f"{strips_ok} {[a for k, s, a in results if k == 'strip' and s != 200][:1]}")
    check("12 texts of 15 MB, 4 at a time: 400", texts == [400] * 12, f"{texts}")
    peak_kib = rss_kib(pid, "VmHWM")
    check(f"peak RSS {peak_kib // 1024} MB under {bound_kib // 1024} MB (2 × {baseline_kib // 1024} MB + 256 MB)",
          peak_kib < bound_kib, f"{peak_kib} KiB")
    slowest = sorted(latencies)[-5:]
    print(f"      /healthz: {len(latencies)} probes, slowest {[round(x * 1000, 1) for x in slowest]} ms", flush=True)
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else 99
    check(f"/healthz p99 {p99 * 1000:.1f} ms under 100 ms over {len(latencies)} probes", p99 < 0.1 and len(latencies) >= 20,
          f"p99 {p99:.3f} s, {len(latencies)} probes")
    check("alive after the load", alive(pid))

    # 4. Idle, stalled and many connections.
    idle = [raw_socket(port) for _ in range(200)]
    stalled = raw_socket(port, b"POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
    partial = raw_socket(port, b"GET /heal")
    deadline = time.time() + args.idle_timeout + 5
    closed = 0
    for s in idle + [stalled, partial]:
        _, was_closed = read_until_closed(s, max(0.1, deadline - time.time()))
        closed += was_closed
        s.close()
    check(f"202 idle or stalled connections closed by the server within the idle timeout + 5 s: {closed}", closed == 202, f"{closed}")
    status, _, _ = request(port, "GET", "/healthz")
    check("healthz answers after the connections", status == 200 and alive(pid), f"{status}")

    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    raise SystemExit(main())
