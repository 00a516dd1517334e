#!/usr/bin/env python3
"""Figures for `cutover status` over several sources: one source's wall time beside two's.

Starts two `cutover sim` on the same world (with a fixed latency on every call), writes an AWS
config file with one profile per simulator (`endpoint_url` and keys in the profile, as the
AWS CLI reads them), and times `cutover status --profile a` against `--profile a --profile b`,
alternating, at the default budgets. Read concurrently, two sources should take about the
time of the slower one, not the sum.

    scripts/sources-figures.py [--bin target/release/cutover] [--latency-ms 20] [--runs 5]
                               [--console]

`--console` times the console's first full screen instead (in tmux, 160×48): from its start
until the header shows the account of every source, that is until each source's first
snapshot has landed.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "cutover"))
    p.add_argument("--latency-ms", type=int, default=20)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--console", action="store_true", help="time the console's first screen")
    a = p.parse_args()
    if not os.path.exists(a.bin):
        sys.exit(f"build first: {a.bin} is missing")
    sims = [subprocess.Popen([a.bin, "sim", "--addr", "127.0.0.1:0", "--latency-ms", str(a.latency_ms),
                              "--manual-clock"], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        endpoints = [s.stdout.readline().split()[-1] for s in sims]
        with tempfile.TemporaryDirectory() as tmp:
            config = os.path.join(tmp, "aws-config")
            with open(config, "w") as f:
                for name, endpoint in zip("ab", endpoints):
                    f.write(f"[profile {name}]\nregion = us-east-1\nendpoint_url = {endpoint}\n"
                            "aws_access_key_id = AKIDTEST\naws_secret_access_key = secret\n\n")
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                       XDG_CONFIG_HOME=os.path.join(tmp, "none"))
            walls = {"one": [], "two": []}
            for _ in range(a.runs):
                for kind, profiles in (("one", ["a"]), ("two", ["a", "b"])):
                    flags = [x for p in profiles for x in ("--profile", p)]
                    if a.console:
                        walls[kind].append(console_first_screen(a.bin, flags, env, len(profiles)))
                        continue
                    args = [a.bin, "status"] + flags
                    start = time.monotonic()
                    out = subprocess.run(args, env=env, capture_output=True, text=True)
                    walls[kind].append(time.monotonic() - start)
                    if out.returncode not in (0, 3):
                        sys.exit(f"status failed ({out.returncode}): {out.stderr}")
        one, two = statistics.median(walls["one"]), statistics.median(walls["two"])
        what = "the console's first screen" if a.console else "cutover status"
        print(f"{what}; default world on each simulator; latency {a.latency_ms} ms per call; default budgets; {a.runs} runs each")
        for kind, label in (("one", "one source "), ("two", "two sources")):
            runs = ", ".join(f"{w*1000:.0f}" for w in walls[kind])
            print(f"{label}: median {statistics.median(walls[kind])*1000:.0f} ms (runs: {runs})")
        print(f"two / one: {two/one:.2f} (1.00 = as fast as one; 2.00 = the sum)")
    finally:
        for s in sims:
            s.terminate()
            s.wait()


def console_first_screen(binary, flags, env, sources):
    """Seconds from the console's start in tmux until its header shows every source's
    account (all the simulators share the default world's, 123456789012)."""
    session = f"cutover-figures-{os.getpid()}"
    command = " ".join([binary] + flags)
    environment = [f"{k}={v}" for k, v in env.items() if k.startswith(("AWS_", "XDG_"))]
    start = time.monotonic()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "48",
                    "env " + " ".join(environment) + " " + command], check=True)
    try:
        while time.monotonic() - start < 120:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True).stdout
            header = screen.splitlines()[0] if screen else ""
            if header.count("123456789012") >= sources:
                return time.monotonic() - start
            time.sleep(0.02)
        sys.exit(f"no first screen within 120 s:\n{screen}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


if __name__ == "__main__":
    main()
