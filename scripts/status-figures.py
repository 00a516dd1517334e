#!/usr/bin/env python3
"""Figures for a cold `cutover status`: wall time, calls, repeated calls and dependent rounds.

Starts `cutover sim` with a fixed latency on every call, runs `cutover status` several times
against it, and reads the simulator's request log. A "round" is a burst of calls answered
together: calls answered more than half the latency after the previous one start a new round,
so sequential waves forced by the per-service concurrency bound count as rounds too.

    scripts/status-figures.py [--latency-ms 50] [--runs 5] [--generate services=330,pipelines=260,in-flight=50]
"""
import argparse, json, os, statistics, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "cutover")


def request(url, method="GET"):
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as r:
        return json.loads(r.read() or b"{}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--latency-ms", type=int, default=50)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--generate")
    a = p.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    args = [BIN, "sim", "--addr", "127.0.0.1:0", "--latency-ms", str(a.latency_ms), "--manual-clock"]
    if a.generate:
        args += ["--generate", a.generate]
    sim = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        endpoint = sim.stdout.readline().split()[-1]
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null", XDG_CONFIG_HOME="/nonexistent")
        walls, last = [], None
        for _ in range(a.runs):
            request(endpoint + "/_sim/requests", "DELETE")
            start = time.monotonic()
            out = subprocess.run([BIN, "status", "--endpoint-url", endpoint, "--region", "us-east-1"], env=env,
                                 capture_output=True, text=True)
            walls.append(time.monotonic() - start)
            if out.returncode != 0:
                sys.exit(f"status failed: {out.stderr}")
            last = request(endpoint + "/_sim/requests")["requests"]
        keys = [(r["service"], r["operation"], r["digest"]) for r in last]
        times = sorted(r["wallMs"] for r in last)
        rounds, previous = 0, None
        for t in times:
            if previous is None or t - previous > a.latency_ms / 2:
                rounds += 1
            previous = t
        median = statistics.median(walls)
        ideal = rounds * a.latency_ms / 1000
        print(f"world: {a.generate or 'default'}; latency {a.latency_ms} ms per call; {a.runs} runs")
        print(f"wall time: median {median*1000:.0f} ms (runs: {', '.join(f'{w*1000:.0f}' for w in walls)})")
        print(f"calls: {len(last)}, repeated: {len(keys) - len(set(keys))}")
        print(f"rounds on the critical path: {rounds}; rounds x latency = {ideal*1000:.0f} ms; ratio {median/ideal:.2f}")
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()
