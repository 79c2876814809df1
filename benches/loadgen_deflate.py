"""Load with permessage-deflate for the end-to-end benchmarks.

The Rust generator (benches/loadgen) has no RFC 7692 client: tungstenite
offers none and soketto's cannot inflate a message that ends with a sync
flush, which is every message. Python's `websockets` implements the
extension correctly; it is slower, which bounds messages per second but not
the figure that counts, messages per server CPU-second.

Same command line and output as benches/loadgen:
  echo --url U --connections N --size B [--binary] --inflight K --warmup S --duration S
  idle --url U --connections N   (prints {"ready": N}, holds until stdin closes)
"""

import argparse
import asyncio
import json
import sys
import time
from collections import deque

from websockets.asyncio.client import connect
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory


def deflate():
    # Windows of 15 bits, context taken over: what browsers and ws offer.
    return [ClientPerMessageDeflateFactory(client_max_window_bits=True)]


def payload(size, binary):
    data = bytes(ord("a") + i % 23 for i in range(size))
    return data if binary else data.decode("ascii")


class Shared:
    measuring = False
    stopping = False
    echoed = 0
    mismatches = 0


async def echo(args, shared, rtts, errors):
    data = payload(args.size, args.binary)
    try:
        async with connect(args.url, compression=None, extensions=deflate(), max_size=None, ping_interval=None) as ws:
            sent = deque()
            for _ in range(args.inflight):
                await ws.send(data)
                sent.append(time.perf_counter())
            async for received in ws:
                if received != data:
                    shared.mismatches += 1
                started = sent.popleft()
                if shared.measuring:
                    shared.echoed += 1
                    rtts.append(int((time.perf_counter() - started) * 1e6))
                if shared.stopping:
                    if not sent:
                        break
                    continue
                await ws.send(data)
                sent.append(time.perf_counter())
    except Exception as e:  # reported, not raised: the runner fails on any
        errors.append(repr(e))


def percentile(values, p):
    if not values:
        return 0
    return values[round((len(values) - 1) * p)]


async def run_echo(args):
    shared = Shared()
    rtts, errors = [], []
    tasks = [asyncio.create_task(echo(args, shared, rtts, errors)) for _ in range(args.connections)]
    await asyncio.sleep(args.warmup)
    print(json.dumps({"window": "start"}), flush=True)
    shared.measuring = True
    started = time.perf_counter()
    await asyncio.sleep(args.duration)
    shared.measuring = False
    seconds = time.perf_counter() - started
    print(json.dumps({"window": "end"}), flush=True)
    shared.stopping = True
    await asyncio.gather(*tasks)
    rtts.sort()
    print(json.dumps({
        "messages": shared.echoed,
        "seconds": seconds,
        "p50_us": percentile(rtts, 0.5),
        "p99_us": percentile(rtts, 0.99),
        "mismatches": shared.mismatches,
        "errors": errors,
    }), flush=True)


async def run_idle(args):
    held, errors = [], []
    for _ in range(args.connections):
        try:
            held.append(await connect(args.url, compression=None, extensions=deflate(), ping_interval=None))
        except Exception as e:
            errors.append(repr(e))
    print(json.dumps({"ready": len(held), "errors": errors}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for ws in held:
        await ws.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["echo", "idle"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--binary", action="store_true")
    parser.add_argument("--inflight", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--deflate", action="store_true", help="always on; accepted for the same command line")
    args = parser.parse_args()
    asyncio.run(run_idle(args) if args.mode == "idle" else run_echo(args))


if __name__ == "__main__":
    main()
