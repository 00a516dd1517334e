#!/usr/bin/env python3
"""What the console's refresh costs in calls, and what a cold snapshot costs in time, for one or
two builds.

Starts `cutover sim` (the --sim-bin build's simulator, whose default world has the ECS-native
services) on the default world at real-time speed, so that autopilot moves deployments. Every
simulator of a run gets the same seed and the same virtual start, so each build meets the same
world at the same moments.

- Calls per minute: for each build, a fresh simulator and the console (`cutover`) in tmux
  against it; once the overview shows (the first snapshot is done) and --settle seconds more,
  the simulator's request log is read, and again after --window seconds. Only the console
  talks to that simulator, so every call in the window is the console's. Prints the calls per
  minute per operation, by AWS service and in total, ELB calls per second, and the refreshes
  in the window (bursts of calls; a burst with ecs:ListClusters is a cold snapshot, the others
  hot polls) with the DescribeServiceDeployments calls each made.
- Cold snapshot: `cutover status --json` (one full snapshot) --runs times per build, the builds
  taking turns, against one simulator without added latency and one with --latency-ms on every
  call (loopback hides the cost of sequential calls). Prints the median wall times and the
  calls of one run per operation.

    scripts/refresh-figures.py [--bin target/debug/cutover] [--before OLD_BINARY] [--sim-bin BINARY]
                               [--window 60] [--settle 5] [--runs 5] [--latency-ms 50] [--seed 1]
                               [--sim-args '--generate services=1000,pipelines=300,in-flight=50']

--sim-bin defaults to --bin. Compare wall times only between builds of the same mode (debug
with debug); call counts do not depend on the build mode.
"""
import argparse, collections, datetime, json, os, shlex, statistics, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES = [("ecs", "ECS"), ("elasticloadbalancing", "ELB"), ("codedeploy", "CodeDeploy"),
            ("codepipeline", "CodePipeline"), ("sts", "STS")]
ECS_DEPLOYMENT_READS = ["ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "ecs:DescribeServiceRevisions"]
IN_FLIGHT = {"PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"}
BURST_GAP_MS = 400


def request(url, method="GET"):
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as r:
        return json.loads(r.read() or b"{}")


def environment(tag):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", XDG_CONFIG_HOME="/nonexistent",
               XDG_STATE_HOME=f"/tmp/cutover-refresh-figures-{os.getpid()}-{tag}")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    return env


class Sim:
    def __init__(self, binary, seed, start, latency_ms=0, extra=()):
        args = [binary, "sim", "--addr", "127.0.0.1:0", "--seed", str(seed), "--start", start, *extra]
        if latency_ms:
            args += ["--latency-ms", str(latency_ms)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.strip():
            self.proc.wait()
            sys.exit(f"the simulator did not start: {' '.join(args)}")
        self.endpoint = line.split()[-1]

    def log(self, since=0):
        return request(f"{self.endpoint}/_sim/requests?since={since}")

    def clear(self):
        request(self.endpoint + "/_sim/requests", "DELETE")

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def capture(session):
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def bursts(records):
    """The refreshes in a window: calls answered less than BURST_GAP_MS after the previous one."""
    out, previous = [], None
    for r in sorted(records, key=lambda r: r["wallMs"]):
        if previous is None or r["wallMs"] - previous > BURST_GAP_MS:
            out.append([])
        out[-1].append(f"{r['service']}:{r['operation']}")
        previous = r["wallMs"]
    return out


def console_window(label, binary, a, start):
    """The console's calls over one window, against a simulator of its own."""
    sim = Sim(a.sim_bin, a.seed, start, extra=shlex.split(a.sim_args))
    session = f"cutover-refresh-figures-{os.getpid()}-{label}"
    try:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in environment(label).items()
                       if k.startswith(("AWS_", "XDG_")))
        command = f"{env} {shlex.quote(binary)} --endpoint-url {sim.endpoint} --region us-east-1; sleep 5"
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "48", command], check=True)
        started = time.time()
        deadline = started + a.first_timeout
        # The overview's sections, or its word for a fleet where nothing needs attention.
        while not any(t in capture(session) for t in ("Deployments in flight", "Nothing needs attention")):
            if time.time() > deadline:
                sys.exit(f"{label}: the console did not show the overview:\n" + capture(session))
            time.sleep(0.2)
        print(f"{label}: first screen after {time.time() - started:.1f} s")
        time.sleep(a.settle)
        first = sim.log()
        began = time.monotonic()
        time.sleep(a.window)
        last = sim.log(since=first["last"])
        elapsed = time.monotonic() - began
        header = capture(session).splitlines()[:1]
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        sim.close()
    records = last["requests"]
    counts = collections.Counter(f"{r['service']}:{r['operation']}" for r in records)
    # The log's counts, as a check that the records hold every call of the window.
    by_counts = collections.Counter(last["counts"])
    by_counts.subtract(first["counts"])
    if +by_counts != counts:
        print(f"warning: {label}: records and counts disagree: {dict(+by_counts)} vs {dict(counts)}")
    failed = collections.Counter(f"{r['service']}:{r['operation']} {r['status']}" for r in records if r["status"] != 200)
    return {"counts": counts, "elapsed": elapsed, "bursts": bursts(records), "failed": failed,
            "header": header[0].strip() if header else ""}


def cold_snapshots(builds, a, start, latency_ms):
    """`cutover status --json` a.runs times per build, taking turns, against one simulator."""
    sim = Sim(a.sim_bin, a.seed, start, latency_ms, extra=shlex.split(a.sim_args))
    walls = {label: [] for label, _ in builds}
    totals = {label: [] for label, _ in builds}
    counts, in_flight = {}, {}
    try:
        for _ in range(a.runs):
            for label, binary in builds:
                sim.clear()
                began = time.monotonic()
                out = subprocess.run([binary, "status", "--json", "--endpoint-url", sim.endpoint, "--region", "us-east-1"],
                                     env=environment(label), capture_output=True, text=True, timeout=300)
                walls[label].append(time.monotonic() - began)
                if out.returncode != 0:
                    sys.exit(f"{label}: status failed ({out.returncode}): {out.stderr[-2000:]}")
                counts[label] = collections.Counter(sim.log()["counts"])
                totals[label].append(sum(counts[label].values()))
                snapshot = json.loads(out.stdout)
                in_flight.setdefault(label, (
                    sum(1 for d in snapshot.get("service_deployments", []) if d.get("status") in IN_FLIGHT),
                    len(snapshot.get("service_deployments", [])) if "service_deployments" in snapshot else None))
    finally:
        sim.close()
    return walls, totals, counts, in_flight


def service_of(key):
    prefix = key.split(":", 1)[0]
    return dict(SERVICES).get(prefix, prefix)


def table(labels, columns, fmt, total_name="total"):
    """Rows per operation (the ECS service-deployment reads marked *), then per service, then the total."""
    keys = sorted(set().union(*(c.keys() for c in columns)), key=lambda k: (service_of(k), k))
    width = max([len(k) for k in keys] + [len(total_name), 30]) + 2
    lines = [f"{'operation':<{width}}" + "".join(f"{l:>12}" for l in labels)]
    for k in keys:
        mark = " *" if k in ECS_DEPLOYMENT_READS else ""
        lines.append(f"{k + mark:<{width}}" + "".join(f"{fmt(c.get(k, 0)):>12}" for c in columns))
    lines.append("by service:")
    for _, name in SERVICES:
        lines.append(f"  {name:<{width - 2}}" + "".join(
            f"{fmt(sum(v for k, v in c.items() if service_of(k) == name)):>12}" for c in columns))
    lines.append(f"{total_name:<{width}}" + "".join(f"{fmt(sum(c.values())):>12}" for c in columns))
    return "\n".join(lines)


def refresh_report(label, w):
    hot = [b for b in w["bursts"] if "ecs:ListClusters" not in b]
    cold = [b for b in w["bursts"] if "ecs:ListClusters" in b]
    per_hot = collections.Counter(b.count("ecs:DescribeServiceDeployments") for b in hot)
    per_cold = collections.Counter(b.count("ecs:DescribeServiceDeployments") for b in cold)
    show = lambda c: ", ".join(f"{n} call{'s' if n != 1 else ''} x{c[n]}" for n in sorted(c)) or "none"
    hot_sizes = sorted(len(b) for b in hot)
    print(f"{label}: {len(hot)} hot polls ({hot_sizes[0] if hot else 0}-{hot_sizes[-1] if hot else 0} calls each, "
          f"median {statistics.median(hot_sizes) if hot else 0}), {len(cold)} cold snapshots in {w['elapsed']:.1f} s")
    print(f"  DescribeServiceDeployments per hot poll: {show(per_hot)}; per cold snapshot: {show(per_cold)}")
    if w["failed"]:
        print(f"  answers other than 200: {dict(w['failed'])}")
    print(f"  screen at the end: {w['header']}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "cutover"), help="the console (after)")
    p.add_argument("--before", help="an older build of the console to compare")
    p.add_argument("--sim-bin", help="the simulator's build (default: --bin)")
    p.add_argument("--window", type=float, default=60, help="seconds of counting")
    p.add_argument("--settle", type=float, default=5, help="seconds after the overview shows before counting")
    p.add_argument("--runs", type=int, default=5, help="status runs per build and latency")
    p.add_argument("--latency-ms", type=int, default=50, help="the second cold-snapshot latency (0: skip)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--first-timeout", type=float, default=90, help="seconds to wait for the console's first screen")
    p.add_argument("--sim-args", default="", help="more simulator flags, e.g. '--generate services=1000,pipelines=300,in-flight=50' or '--no-autopilot'")
    a = p.parse_args()
    a.sim_bin = a.sim_bin or a.bin
    builds = ([("before", a.before)] if a.before else []) + [("after", a.bin)]
    for _, binary in builds + [("sim", a.sim_bin)]:
        if not os.path.exists(binary):
            sys.exit(f"no binary at {binary}: build first")
    labels = [label for label, _ in builds]
    start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"simulator: {a.sim_bin} (default world, seed {a.seed}, start {start}, real time)")
    for label, binary in builds:
        print(f"{label}: {binary}")

    print(f"\n== console: calls per minute over {a.window:.0f} s, counted from {a.settle:.0f} s after the overview showed")
    windows = {label: console_window(label, binary, a, start) for label, binary in builds}
    per_minute = [{k: v * 60 / windows[l]["elapsed"] for k, v in windows[l]["counts"].items()} for l in labels]
    print(table(labels, per_minute, lambda v: f"{v:.1f}", "total per minute"))
    print("(* the ECS service-deployment reads)")
    for label in labels:
        w = windows[label]
        elb = sum(v for k, v in w["counts"].items() if service_of(k) == "ELB")
        print(f"{label}: {sum(w['counts'].values())} calls in {w['elapsed']:.1f} s; ELB {elb / w['elapsed']:.2f} calls/s")
    for label in labels:
        refresh_report(label, windows[label])

    for latency in [0] + ([a.latency_ms] if a.latency_ms else []):
        print(f"\n== cold snapshot: `status --json`, {a.runs} runs per build, {latency} ms added per call")
        walls, totals, counts, in_flight = cold_snapshots(builds, a, start, latency)
        for label in labels:
            runs = ", ".join(f"{w * 1000:.0f}" for w in walls[label])
            print(f"{label}: median {statistics.median(walls[label]) * 1000:.0f} ms (runs: {runs}); "
                  f"calls per run: {', '.join(map(str, totals[label]))}")
        if len(labels) == 2:
            ratio = statistics.median(walls[labels[1]]) / statistics.median(walls[labels[0]])
            print(f"after / before: {ratio:.2f}")
        if latency == 0:
            for label in labels:
                flying, read = in_flight[label]
                if read is not None:
                    print(f"{label}: ECS service deployments read: {read}, in flight: {flying}")
            print("calls of one status run (the last):")
            print(table(labels, [counts[l] for l in labels], str))


if __name__ == "__main__":
    main()
