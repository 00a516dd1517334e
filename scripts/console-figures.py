#!/usr/bin/env python3
"""Figures for the console on a big fleet: resident memory, CPU while nothing changes, and the
time from a change in the simulator to the screen.

Starts `cutover sim --generate …` on a manual clock (so nothing changes unless told), opens
`cutover` against it in tmux, then: reads the console's RSS; counts its CPU time over a quiet
spell; advances the simulator's clock (deployments shift) and times how long the screen
takes to show it.

    scripts/console-figures.py [--generate services=1000,pipelines=300,in-flight=50] [--quiet 30] [--changes 5]
"""
import argparse, json, os, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "cutover")
TICK = os.sysconf("SC_CLK_TCK")


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def capture(session):
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--generate", default="services=1000,pipelines=300,in-flight=50")
    p.add_argument("--quiet", type=int, default=30)
    p.add_argument("--changes", type=int, default=5)
    a = p.parse_args()
    sim = subprocess.Popen([BIN, "sim", "--addr", "127.0.0.1:0", "--manual-clock", "--generate", a.generate], stdout=subprocess.PIPE, text=True)
    session = f"cutover-figures-{os.getpid()}"
    try:
        endpoint = sim.stdout.readline().split()[-1]
        env = f"AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_CONFIG_FILE=/dev/null XDG_CONFIG_HOME=/nonexistent XDG_STATE_HOME=/tmp/{session}"
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "48",
                        f"{env} {BIN} --endpoint-url {endpoint} --region us-east-1; sleep 5"], check=True)
        deadline = time.time() + 60
        while "Deployments in flight" not in capture(session):
            if time.time() > deadline:
                sys.exit("the console did not show the overview:\n" + capture(session))
            time.sleep(0.2)
        shell = subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"], capture_output=True, text=True).stdout.split()[0]
        pid = int(subprocess.run(["pgrep", "-P", shell, "-f", "cutover"], capture_output=True, text=True).stdout.split()[0])
        time.sleep(3)
        print(f"world: {a.generate}")
        print(f"console RSS after the first snapshot: {rss_mb(pid):.1f} MB")
        before = cpu_seconds(pid)
        time.sleep(a.quiet)
        used = cpu_seconds(pid) - before
        print(f"CPU while nothing changes: {used:.2f} s over {a.quiet} s ({100 * used / a.quiet:.1f}% of a core; hot polls every 2 s go on)")
        latencies = []
        for _ in range(a.changes):
            still = capture(session)
            start = time.monotonic()
            post(endpoint + "/_sim/clock/advance", {"seconds": 180})
            while capture(session) == still:
                if time.monotonic() - start > 20:
                    break
                time.sleep(0.02)
            latencies.append(time.monotonic() - start)
            time.sleep(2.5)
        latencies.sort()
        print("change to screen: " + ", ".join(f"{l * 1000:.0f} ms" for l in latencies) + f" (median {latencies[len(latencies) // 2] * 1000:.0f} ms; hot interval 2000 ms)")
        print(f"console RSS at the end: {rss_mb(pid):.1f} MB")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()
