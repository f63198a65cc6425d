"""Benchmark the link prober: 1,000 distinct URLs answered after 50 ms each, then the same
URLs again from the cache.

    python benchmarks/bench_links.py [--urls 1000] [--latency 0.05] [--hosts 8] [--per-host 32]

Why a separate server *process*: a server thread inside the benchmark would compete with the
prober for the GIL and measure Python's lock, not the prober. The server is a small asyncio
HTTP/1.1 keep-alive server (a thread per connection would add its own scheduling noise); it
counts the requests it answers so the cached run can prove it made none.

``--hosts`` spreads the URLs over that many loopback addresses (127.0.0.1, 127.0.0.2, … all
reach this machine on Linux), because the prober limits concurrency *per host*: with the
default ``per_host=32``, one host at 50 ms latency cannot go faster than 32 / 0.05 = 640 URLs/s
whatever the overall ``concurrency``. Run with ``--hosts 1`` to see that bound, and with
``--hosts 1 --per-host 64`` to see the engine alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run from a checkout without installing walint.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FILE_SIZE = 51_200
BODY = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 200)[:FILE_SIZE]


# --------------------------------------------------------------------------------------------
# The server (runs in a child process)


async def serve(hosts: list[str], latency: float) -> None:
    count = connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count, connections
        connections += 1
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                target = line.split(b" ")[1]
                headers = {}
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                if target == b"/__stats":
                    body, status, extra = b"%d %d" % (count, connections), b"200 OK", b""
                else:
                    count += 1
                    await asyncio.sleep(latency)
                    status, body, extra = b"200 OK", BODY, b""
                    wanted = headers.get(b"range", b"")
                    if wanted.startswith(b"bytes=0-"):
                        end = min(int(wanted[8:]), FILE_SIZE - 1)
                        body = BODY[: end + 1]
                        status = b"206 Partial Content"
                        extra = b"Content-Range: bytes 0-%d/%d\r\n" % (end, FILE_SIZE)
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: image/jpeg\r\n" + extra
                    + b"Content-Length: %d\r\n\r\n" % len(body) + body
                )
                await writer.drain()
        except (ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host=hosts, port=0, backlog=1024)
    ports = {sock.getsockname()[0]: sock.getsockname()[1] for sock in server.sockets}
    print(json.dumps(ports), flush=True)
    async with server:
        await server.serve_forever()


# --------------------------------------------------------------------------------------------
# The benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--hosts", type=int, default=8, help="loopback addresses to spread URLs over")
    parser.add_argument("--per-host", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    hosts = [f"127.0.0.{i}" for i in range(1, args.hosts + 1)]
    if args.serve:
        asyncio.run(serve(hosts, args.latency))
        return

    import httpx

    from validator.net import ProbeCache, UrlProber

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--hosts", str(args.hosts), "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ports = json.loads(server.stdout.readline())
        stats = f"http://127.0.0.1:{ports['127.0.0.1']}/__stats"

        def served() -> tuple[int, int]:
            """(requests, connections) the server has seen so far."""
            requests, connections = httpx.get(stats).text.split()
            return int(requests), int(connections)

        urls = [
            f"http://{hosts[i % len(hosts)]}:{ports[hosts[i % len(hosts)]]}/media/{i}.jpg?v={i}"
            for i in range(args.urls)
        ]
        bound = args.latency * args.urls / min(args.concurrency, args.per_host * len(hosts))
        print(
            f"{args.urls} URLs over {len(hosts)} loopback host(s), {args.latency * 1000:.0f} ms latency, "
            f"concurrency={args.concurrency}, per_host={args.per_host} "
            f"(latency-bound minimum {bound:.2f} s)"
        )

        def run(label: str, **options: object) -> None:
            prober = UrlProber(
                allow_private=True, concurrency=args.concurrency, per_host=args.per_host, **options
            )
            before = served()
            started = time.perf_counter()
            results = prober.probe_all(urls)
            elapsed = time.perf_counter() - started
            after = served()
            requests, connections = after[0] - before[0], after[1] - before[1] - 1  # minus /__stats
            ok = sum(r.ok for r in results.values())
            cached = sum(r.from_cache for r in results.values())
            print(
                f"{label:<24} {elapsed:6.2f} s  {len(urls) / elapsed:8.0f} URLs/s  "
                f"ok={ok}  from_cache={cached}  requests seen by server={requests} "
                f"(on {connections} connections)"
            )

        with tempfile.TemporaryDirectory() as tmp:
            run("run 1: no cache")
            cache_path = Path(tmp) / "urls.json"
            run("run 2: filling cache", cache=ProbeCache(cache_path, ttl=3600))
            run("run 3: cached (in TTL)", cache=ProbeCache(cache_path, ttl=3600))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
