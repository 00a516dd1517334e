#!/usr/bin/env python3
"""A soak: the console against `cutover sim`'s default world for a virtual day at high speed,
with faults on, through the real binary. Passes when nothing panicked, the console still runs
and redraws at the end, and its resident memory, threads, file descriptors, connections and
tokio tasks stay flat.

What it runs:
- `cutover sim` (--bin) on the default world at --speed virtual seconds per wall second (by
  default 86400 / --duration: one virtual day in the wall time asked), with faults from the
  start (latency and jitter, throttling, 5xx, dropped connections) and, in a cycle of
  --cycle wall seconds, phases set through POST /_sim/faults: an outage (every connection
  dropped), expired credentials, two operations denied, 5xx bursts on CodePipeline, heavy
  throttling, 2 s latency on CodePipeline, and back to the start's faults. The last
  --recover seconds run without any fault.
- The console (`cutover --read-only`, so no key can change the world) in a detached tmux
  session of 160x48 on a tmux server of its own (-L), pointed at the simulator as the tests
  and scripts/refresh-figures.py do (--endpoint-url, static test credentials, no AWS config).
  Its stderr goes to a file (a panic's message lands there); its log (CUTOVER_LOG, with the
  runner at debug) to XDG_STATE_HOME.
- Every --key-every seconds one key of a read-only rotation (move, open, tab, back, the
  screens 1-5, filter, palette, help, r); every --status-every seconds `cutover status --json`
  against the same simulator (its calls count in the call rate).
- Every --interval seconds a sample: the console's and the simulator's VmRSS and threads
  (/proc/PID/status), open fds (/proc/PID/fd), TCP connections between them (/proc/net/tcp and
  tcp6, matched on the processes' socket inodes and the simulator's port), and the calls the
  simulator served since the last sample (/_sim/requests; the log is then cleared so that the
  simulator's own memory does not grow with it: its log keeps up to 100,000 records).

Tasks: the console logs the tokio runtime's live task count
(`RuntimeMetrics::num_alive_tasks`) with each cold snapshot (every 60 s) at debug level; the
script reads it from the log. With a build that does not log it, the thread, fd and connection
counts are the evidence for "no task or connection leak": a task holding a connection holds an
fd, and the runtime has a fixed number of worker threads.

The verdict, per process and measure: the median of the samples in the last 20 % of the run
against the median of the 20 %-40 % window (after warm-up). Memory is the anonymous resident
memory (RssAnon: heap and stacks; VmRSS also counts the binary's code as it is paged in, and is
reported), flat when it grew by less than --rss-tolerance (a share) or --rss-slack-mb,
whichever is larger; threads by at most --count-slack; fds and connections by at most
--count-slack or half the early median (idle pooled connections close after a while, so their
number follows the last minute's load); tasks by at most --count-slack or a fifth. The
simulator's memory is reported and not judged: it keeps every execution and deployment, as
AWS does. The console must never hold more than --max-connections at once. The exit status is 0 when the
verdict passes, 1 when it fails, 2 when the run could not be made.

    scripts/soak.py [--bin target/release/cutover] [--duration 1440] [--speed N] [--interval 10]
                    [--cycle 240] [--latency-ms 20] [--jitter-ms 80] [--throttle-rate 0.05]
                    [--error-rate 0.02] [--drop-rate 0.01] [--seed 1] [--json] [--keep]
"""
import argparse, collections, datetime, json, os, re, shlex, shutil, statistics, subprocess, sys, tempfile, time
import urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIRTUAL_DAY = 86400
WIDTH, HEIGHT = 160, 48
TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
              "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN",
              "0B": "CLOSING"}
# Read-only keys, in the order they are pressed, round and round: moving, opening a row and
# its panels, back, each list screen, the filter and the palette (closed again), help, refresh.
KEYS = ["j", "j", "Enter", "Tab", "Tab", "Escape", "2", "j", "Enter", "Tab", "Escape", "3", "G", "Enter",
        "Escape", "4", "j", "Enter", "Escape", "5", "g", "Enter", "Escape", "1", ("/", "pay"), "Escape",
        ("Escape",), (":", "web"), "Escape", "?", "Escape", "r", "PageDown", "PageUp"]
# The fault phases of one cycle: (name, share of the cycle, what is changed from the start's
# faults). Every phase is set as a whole, so that one phase's fault never outlives it.
PHASES = [
    ("normal", 0.30, {}),
    ("outage", 0.08, {"drop_rate": 1.0}),
    ("normal", 0.10, {}),
    ("expired-credentials", 0.08, {"expired_credentials": True}),
    ("normal", 0.08, {}),
    ("denied", 0.10, {"deny": ["elasticloadbalancing:DescribeTargetHealth", "codedeploy:BatchGetDeploymentTargets"]}),
    ("5xx-codepipeline", 0.08, {"error_rate": 0.5, "services": ["codepipeline"]}),
    ("throttled", 0.10, {"throttle_rate": 0.3}),
    ("slow-codepipeline", 0.08, {"latency_ms": 2000, "jitter_ms": 500, "services": ["codepipeline"]}),
]
NO_FAULTS = {"latency_ms": 0, "jitter_ms": 0, "throttle_rate": 0.0, "error_rate": 0.0, "drop_rate": 0.0,
             "lost_answer_rate": 0.0, "deny": [], "expired_credentials": False, "services": [], "operations": []}


def say(text):
    print(text, file=sys.stderr, flush=True)


def request(url, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def environment(state):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", XDG_CONFIG_HOME="/nonexistent", XDG_STATE_HOME=state,
               CUTOVER_LOG="info,cutover::app::runner=debug")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "RUST_LOG"):
        env.pop(name, None)
    return env


def proc_status(pid):
    """VmRSS, RssAnon and RssFile (KiB) and threads of a live process, or None."""
    try:
        text = open(f"/proc/{pid}/status").read()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    kib = lambda name: int(fields[name].split()[0])
    return {"rss_kb": kib("VmRSS"), "anon_kb": kib("RssAnon"), "file_kb": kib("RssFile"),
            "threads": int(fields["Threads"])}


def socket_inodes(pid):
    inodes, fds = set(), 0
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None, 0
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        fds += 1
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes, fds


def tcp_table():
    """Rows of /proc/net/tcp and tcp6: (local port, remote port, state, inode)."""
    rows = []
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(path).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            rows.append((int(f[1].rsplit(":", 1)[1], 16), int(f[2].rsplit(":", 1)[1], 16), TCP_STATES.get(f[3], f[3]), f[9]))
    return rows


def client_ports(pid, port, table):
    """The local ports of a client's connections to the simulator (none once it has exited)."""
    inodes, _ = socket_inodes(pid) if pid else (None, 0)
    return {local for local, remote, _, inode in table if inodes and inode in inodes and remote == port}


def measure(pid, port, side, table, others=frozenset()):
    """One process's figures; `side` says which end of the connection to the simulator it is.
    The simulator's ends of connections from `others` (client ports: a `status` run that is
    still going) are left out of its connections and fds."""
    status = proc_status(pid)
    inodes, fds = socket_inodes(pid)
    if status is None or inodes is None:
        return None
    mine = [(remote, state) for local, remote, state, inode in table if inode in inodes and state != "LISTEN"
            and (remote == port if side == "client" else local == port)]
    states = collections.Counter(state for remote, state in mine if side == "client" or remote not in others)
    left_out = len(mine) - sum(states.values())
    return dict(status, fds=fds - left_out, conns=sum(states.values()), conn_states=dict(states))


class Unrunnable(Exception):
    """The soak could not be made (exit status 2), as opposed to a soak that failed."""


class Sim:
    def __init__(self, a, work):
        self.stderr_path = os.path.join(work, "sim.stderr")
        args = [a.bin, "sim", "--addr", "127.0.0.1:0", "--seed", str(a.seed), "--speed", str(a.speed),
                "--latency-ms", str(a.latency_ms), "--jitter-ms", str(a.jitter_ms),
                "--throttle-rate", str(a.throttle_rate), "--error-rate", str(a.error_rate),
                "--drop-rate", str(a.drop_rate)]
        self.args = args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(self.stderr_path, "w"), text=True)
        line = self.proc.stdout.readline()
        if not line.strip():
            self.proc.wait()
            raise Unrunnable(f"the simulator did not start: {shlex.join(args)}")
        self.endpoint = line.split()[-1]
        self.port = int(self.endpoint.rsplit(":", 1)[1])
        self.last = 0
        if a.history_hours:
            request(f"{self.endpoint}/_sim/clock/advance", "POST", {"seconds": a.history_hours * 3600})

    def faults(self, patch):
        return request(f"{self.endpoint}/_sim/faults", "POST", patch)

    def calls(self):
        """Calls served since the last call of this, by outcome; the log is then cleared."""
        log = request(f"{self.endpoint}/_sim/requests?since={self.last}")
        request(f"{self.endpoint}/_sim/requests", "DELETE")
        served = log["last"] - self.last
        self.last = log["last"]
        outcomes = collections.Counter(r.get("error") or str(r["status"]) for r in log["requests"])
        return served, outcomes

    def clock(self):
        return request(f"{self.endpoint}/_sim/clock")["now"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Console:
    """The console in tmux, on a tmux server of its own."""

    def __init__(self, a, sim, work):
        self.socket = f"cutover-soak-{os.getpid()}"
        self.session = "soak"
        self.stderr_path = os.path.join(work, "console.stderr")
        self.log_path = os.path.join(work, "state", "cutover", "cutover.log")
        env = environment(os.path.join(work, "state"))
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()
                           if k.startswith(("AWS_", "XDG_", "CUTOVER_")))
        self.rc_path = os.path.join(work, "console.rc")
        # The pane's shell writes the console's exit status to a file: tmux 3.3 at times
        # leaves a pane's exited process unreaped, its status unknown (#{pane_dead_status}).
        command = (f"env {exports} {shlex.quote(a.bin)} --read-only --endpoint-url {sim.endpoint} "
                   f"--region us-east-1 2>{shlex.quote(self.stderr_path)}; echo $? > {shlex.quote(self.rc_path)}")
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", self.session, "-x", str(WIDTH), "-y", str(HEIGHT),
                  command, ";", "set-option", "-t", self.session, "remain-on-exit", "on")
        shell = self.pane("#{pane_pid}")
        deadline = time.monotonic() + 10
        while not (children := read(f"/proc/{shell}/task/{shell}/children").split()):
            if time.monotonic() > deadline:
                raise Unrunnable(f"no console under the pane's shell {shell}")
            time.sleep(0.05)
        self.pid = int(children[0])

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True).stdout

    def pane(self, fmt):
        return self.tmux("display-message", "-p", "-t", self.session, fmt).strip()

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, key):
        if isinstance(key, tuple):
            self.tmux("send-keys", "-t", self.session, key[0])
            if len(key) > 1:
                self.tmux("send-keys", "-t", self.session, "-l", key[1])
        else:
            self.tmux("send-keys", "-t", self.session, key)

    def dead(self):
        return self.exit_status() is not None or self.pane("#{pane_dead}") == "1"

    def exit_status(self):
        """The console's exit status once it has exited, as its shell wrote it."""
        return read(self.rc_path).strip() or None

    def close(self):
        self.tmux("kill-server")


def read(path):
    try:
        return open(path, errors="replace").read()
    except OSError:
        return ""


def tasks_from_log(text, started):
    """(wall seconds since the soak started, live tasks) from the console's cold-snapshot lines."""
    out = []
    for line in text.splitlines():
        m = re.search(r"cold snapshot.*\btasks=(\d+)", line)
        t = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?Z", line)
        if m and t:
            at = datetime.datetime.fromisoformat(t.group(1) + "+00:00").timestamp()
            out.append((at - started, int(m.group(1))))
    return out


def window(samples, lo, hi):
    return [v for t, v in samples if lo <= t < hi]


def judge(name, series, duration, limit, informational=False):
    """One measure's verdict: the late window's median against the early window's."""
    early = window(series, 0.2 * duration, 0.4 * duration)
    late = window(series, 0.8 * duration, float("inf"))
    values = [v for _, v in series]
    row = {"measure": name, "start": values[0] if values else None, "end": values[-1] if values else None,
           "max": max(values) if values else None}
    if not early or not late:
        return dict(row, early=None, late=None, growth=None, limit=None, ok=None)
    e, l = statistics.median(early), statistics.median(late)
    allowed = None if informational else limit(e)
    return dict(row, early=e, late=l, growth=l - e, limit=allowed, ok=None if informational else l - e <= allowed)


def verdict(samples, tasks, duration, a):
    rows = []
    for who in ("console", "sim"):
        series = lambda key: [(s["t"], s[who][key]) for s in samples if s.get(who)]
        # VmRSS counts the binary's code as it is paged in (a path first taken late, such as a
        # fault's, adds its pages): it is reported; the anonymous part (heap, stacks) is judged.
        # The simulator keeps every execution and deployment, as AWS does: its memory grows
        # with the world's history, by design, so it is reported and not judged.
        rss = [(t, v / 1024) for t, v in series("rss_kb")]
        anon = [(t, v / 1024) for t, v in series("anon_kb")]
        rows.append(dict(judge("RSS MiB", rss, duration, None, informational=True), who=who))
        rows.append(dict(judge("anon MiB", anon, duration, lambda e: max(e * a.rss_tolerance, a.rss_slack_mb),
                               informational=who == "sim"), who=who))
        rows.append(dict(judge("threads", series("threads"), duration, lambda e: a.count_slack), who=who))
        # Idle pooled connections close after a while: how many are open follows the last
        # minute's load, so their counts are judged against half the early median or the slack.
        for key, label in (("fds", "fds"), ("conns", "connections")):
            rows.append(dict(judge(label, series(key), duration, lambda e: max(a.count_slack, e / 2)), who=who))
    if tasks:
        rows.append(dict(judge("tokio tasks", tasks, duration, lambda e: max(a.count_slack, e / 5)), who="console"))
    return rows


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def print_table(report):
    print(f"soak: {report['wall_seconds']:.0f} s wall, {report['virtual_hours']:.1f} virtual hours "
          f"(speed {report['speed']:g}), {report['samples']} samples")
    print(f"{'':8} {'measure':12} {'start':>8} {'end':>8} {'max':>8} {'early':>8} {'late':>8} {'growth':>8} "
          f"{'allowed':>8}  ok")
    for r in report["rows"]:
        ok = {True: "yes", False: "NO", None: "info" if r["early"] is not None else "-"}[r["ok"]]
        print(f"{r['who']:8} {r['measure']:12} {fmt(r['start']):>8} {fmt(r['end']):>8} {fmt(r['max']):>8} "
              f"{fmt(r['early']):>8} {fmt(r['late']):>8} {fmt(r['growth']):>8} {fmt(r['limit']):>8}  {ok}")
    c = report["calls"]
    print(f"calls: {c['total']} served, {c['per_minute']:.0f}/min on average "
          f"(min {c['min_per_minute']:.0f}, max {c['max_per_minute']:.0f} per sample); "
          f"outcomes: {', '.join(f'{k} {v}' for k, v in sorted(c['outcomes'].items(), key=lambda kv: -kv[1]))}")
    print(f"connection states seen (console, max per state): {report['console_conn_states_max']}")
    s = report["status_runs"]
    print(f"status --json: {s['runs']} runs, exit codes {s['exit_codes']}, median {fmt(s['median_seconds'])} s"
          + (f"; failed when started in: {', '.join(r['started_in'] for r in s.get('each', []) if r['rc'] not in (0, 3))}"
             if any(r["rc"] not in (0, 3) for r in s.get("each", [])) else ""))
    print(f"keys pressed: {report['keys_pressed']}; console log: {report['log']['errors']} ERROR, "
          f"{report['log']['warnings']} WARN lines")
    for check, ok in report["checks"].items():
        print(f"check: {check}: {'yes' if ok else 'NO'}")
    print(f"verdict: {'PASS' if report['pass'] else 'FAIL'}" + (f" ({'; '.join(report['failures'])})" if report["failures"] else ""))


def diagnose(console, work, screen):
    """What the console was doing when it did not quit: the screen before and after `q`, its
    threads' states and kernel wait channels, and their stacks when gdb is there."""
    with open(os.path.join(work, "quit-failed.txt"), "w") as out:
        out.write(f"screen before q:\n{screen}\nscreen after:\n{console.screen()}\n")
        out.write(f"pane: {console.pane('#{pane_dead} #{pane_dead_status} #{pane_dead_signal}')}\n")
        for tid in sorted(os.listdir(f"/proc/{console.pid}/task")) if os.path.isdir(f"/proc/{console.pid}") else []:
            stat = read(f"/proc/{console.pid}/task/{tid}/stat").rsplit(")", 1)[-1].split()[:1]
            out.write(f"thread {tid} {read(f'/proc/{console.pid}/task/{tid}/comm').strip()} "
                      f"{stat} {read(f'/proc/{console.pid}/task/{tid}/wchan')}\n")
        if shutil.which("gdb") and os.path.isdir(f"/proc/{console.pid}"):
            out.write(subprocess.run(["gdb", "-p", str(console.pid), "-batch", "-ex", "thread apply all bt"],
                                     capture_output=True, text=True, timeout=120).stdout)


def redraws(console, limit):
    """Whether the pane changes with no key pressed within `limit` seconds, and after how long."""
    first, began = console.screen(), time.monotonic()
    while time.monotonic() - began < limit:
        time.sleep(1)
        if console.screen() != first:
            return True, time.monotonic() - began
    return False, None


def phase_at(elapsed, a):
    if elapsed >= a.duration - a.recover:
        return "recovery", NO_FAULTS
    at, start = (elapsed % a.cycle) / a.cycle, 0.0
    for name, share, patch in PHASES:
        start += share
        if at < start:
            return name, dict(a.base_faults, **patch)
    return PHASES[-1][0], dict(a.base_faults, **PHASES[-1][2])


def run(a, work):
    say(f"soak: {a.bin}, {a.duration:.0f} s at speed {a.speed:g} ({a.duration * a.speed / 3600:.1f} virtual hours), "
        f"work directory {work}")
    sim = Sim(a, work)
    console = None
    status_proc, status_runs, samples, keys_pressed = None, [], [], 0
    calls = {"total": 0, "outcomes": collections.Counter(), "rates": []}
    try:
        console = Console(a, sim, work)
        say(f"simulator pid {sim.proc.pid} at {sim.endpoint}; console pid {console.pid} (tmux -L {console.socket})")
        started_wall = time.time()
        began = time.monotonic()
        virtual_start = sim.clock()
        deadline = began + a.first_timeout
        while not any(t in console.screen() for t in ("Deployments in flight", "Nothing needs attention")):
            if time.monotonic() > deadline or console.dead():
                raise Unrunnable("the console did not show the overview:\n" + console.screen())
            time.sleep(0.5)
        first_screen = time.monotonic() - began
        say(f"first screen after {first_screen:.1f} s")
        # The soak's clock starts at the first screen: the first snapshot is not the steady state.
        started_wall, began, virtual_start = time.time(), time.monotonic(), sim.clock()
        sim.calls()
        phase, next_sample, next_key, next_status, last_sample = None, 0.0, a.key_every, a.status_every, began
        while True:
            elapsed = time.monotonic() - began
            if elapsed >= a.duration:
                break
            name, faults = phase_at(elapsed, a)
            if name != phase:
                sim.faults(faults)
                phase = name
            if console.dead():
                say(f"the console ended at {elapsed:.0f} s")
                break
            if elapsed >= next_key:
                console.keys(KEYS[keys_pressed % len(KEYS)])
                keys_pressed += 1
                next_key += a.key_every
            if status_proc is None and elapsed >= next_status:
                status_proc = (time.monotonic(), phase, subprocess.Popen(
                    [a.bin, "status", "--json", "--endpoint-url", sim.endpoint, "--region", "us-east-1"],
                    env=environment(os.path.join(work, "status-state")), stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE, text=True))
                next_status += a.status_every
            if status_proc is not None and status_proc[2].poll() is not None:
                stderr = status_proc[2].stderr.read()
                status_runs.append({"rc": status_proc[2].returncode, "seconds": time.monotonic() - status_proc[0],
                                    "panicked": "panicked" in stderr, "started_in": status_proc[1]})
                status_proc = None
            if elapsed >= next_sample:
                now = time.monotonic()
                table = tcp_table()
                served, outcomes = sim.calls()
                calls["total"] += served
                calls["outcomes"].update(outcomes)
                if samples:
                    calls["rates"].append(served * 60 / (now - last_sample))
                last_sample = now
                sample = {"t": elapsed, "phase": phase, "virtual": sim.clock() - virtual_start, "calls": served,
                          "outcomes": dict(outcomes),
                          "console": measure(console.pid, sim.port, "client", table),
                          "sim": measure(sim.proc.pid, sim.port, "server", table, client_ports(
                              status_proc[2].pid if status_proc else None, sim.port, table))}
                samples.append(sample)
                c = sample["console"] or {}
                say(f"{elapsed:6.0f} s  v+{sample['virtual'] / 3600:5.1f} h  {phase:20} console "
                    f"{c.get('rss_kb', 0) / 1024:6.1f} MiB {c.get('threads')} thr {c.get('fds')} fd "
                    f"{c.get('conns')} conn  sim {sample['sim']['rss_kb'] / 1024:6.1f} MiB  {served} calls")
                next_sample += a.interval
            time.sleep(0.25)
        wall = time.monotonic() - began
        virtual = sim.clock() - virtual_start
        if status_proc is not None:
            status_proc[2].wait(timeout=300)
            status_runs.append({"rc": status_proc[2].returncode, "seconds": time.monotonic() - status_proc[0],
                                "panicked": "panicked" in status_proc[2].stderr.read(), "started_in": status_proc[1]})
        sim.faults(NO_FAULTS)
        alive = not console.dead() and proc_status(console.pid) is not None
        redrew, redraw_after = redraws(console, a.redraw_timeout) if alive else (False, None)
        header = console.screen().splitlines()[:1]
        screen_at_quit = console.screen()
        console.keys("q")
        asked = time.monotonic()
        while not console.dead() and time.monotonic() - asked < a.quit_timeout:
            time.sleep(0.1)
        quit_seconds = time.monotonic() - asked if console.dead() else None
        exit_status = console.exit_status()
        if exit_status != "0":
            diagnose(console, work, screen_at_quit)
    finally:
        if console is not None:
            console.close()
        if status_proc is not None and status_proc[2].poll() is None:
            status_proc[2].kill()
        sim_rc = sim.close()
    log = read(console.log_path)
    console_stderr, sim_stderr = read(console.stderr_path), read(sim.stderr_path)
    tasks = tasks_from_log(log, started_wall)
    rows = verdict(samples, tasks, wall, a)
    checks = {
        "console alive at the end": alive,
        f"console redraws with no key (within {a.redraw_timeout:.0f} s)": redrew,
        f"console quit on q with status 0 (within {a.quit_timeout:.0f} s)": exit_status == "0",
        "no panic (console stderr and log, status runs, simulator stderr)":
            not any("panicked" in t for t in (console_stderr, log, sim_stderr))
            and not any(r["panicked"] or r["rc"] == 101 for r in status_runs),
        "simulator ran to the end": sim_rc in (0, -15, 143),
    }
    failures = [c for c, ok in checks.items() if not ok]
    failures += [f"{r['who']} {r['measure']} grew {fmt(r['growth'])} (allowed {fmt(r['limit'])})"
                 for r in rows if r["ok"] is False]
    if any(r["early"] is None for r in rows if r["who"] == "console" and r["measure"] != "tokio tasks"):
        failures.append("too few samples for a verdict")
    most = max([(s.get("console") or {}).get("conns", 0) for s in samples] or [0])
    if most > a.max_connections:
        failures.append(f"the console held {most} connections at once (more than {a.max_connections})")
    conn_states = collections.Counter()
    for s in samples:
        for state, n in ((s.get("console") or {}).get("conn_states") or {}).items():
            conn_states[state] = max(conn_states[state], n)
    rates = calls["rates"] or [0.0]
    walls = [r["seconds"] for r in status_runs]
    return {
        "binary": a.bin, "simulator": shlex.join(sim.args), "speed": a.speed, "wall_seconds": wall,
        "first_screen_seconds": first_screen,
        "virtual_hours": virtual / 3600, "samples": len(samples), "rows": rows, "tasks": tasks,
        "calls": {"total": calls["total"], "per_minute": calls["total"] * 60 / wall,
                  "min_per_minute": min(rates), "max_per_minute": max(rates), "outcomes": dict(calls["outcomes"])},
        "console_conn_states_max": dict(conn_states),
        "status_runs": {"runs": len(status_runs), "exit_codes": dict(collections.Counter(r["rc"] for r in status_runs)),
                        "median_seconds": statistics.median(walls) if walls else None, "each": status_runs},
        "keys_pressed": keys_pressed, "redraw_after_seconds": redraw_after, "quit_seconds": quit_seconds, "header_at_end": header[0] if header else "",
        "log": {"errors": sum(" ERROR " in l for l in log.splitlines()),
                "warnings": sum(" WARN " in l for l in log.splitlines()), "path": console.log_path},
        "checks": checks, "failures": failures, "pass": not failures, "work": work,
        "samples_detail": samples,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "cutover"))
    p.add_argument("--duration", type=float, default=1440, help="wall seconds of the soak")
    p.add_argument("--speed", type=float, help="virtual seconds per wall second (default: a virtual day in --duration)")
    p.add_argument("--interval", type=float, default=10, help="seconds between samples")
    p.add_argument("--cycle", type=float, help="wall seconds of one cycle of fault phases (default: --duration / 6, at least 60)")
    p.add_argument("--recover", type=float, default=20, help="seconds without faults at the end")
    p.add_argument("--key-every", type=float, default=7, help="seconds between keys")
    p.add_argument("--status-every", type=float, default=120, help="seconds between `status --json` runs")
    p.add_argument("--latency-ms", type=int, default=20)
    p.add_argument("--jitter-ms", type=int, default=80)
    p.add_argument("--throttle-rate", type=float, default=0.05)
    p.add_argument("--error-rate", type=float, default=0.02)
    p.add_argument("--drop-rate", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--history-hours", type=float, default=18,
                   help="virtual hours the world runs before the console starts (with the world's own 6, a full day)")
    p.add_argument("--max-connections", type=int, default=96,
                   help="connections the console may hold at once (5 read clients of 16 calls each, and retries)")
    p.add_argument("--rss-tolerance", type=float, default=0.10, help="memory growth allowed, as a share of the early median")
    p.add_argument("--rss-slack-mb", type=float, default=4, help="memory growth allowed in MiB when more than the share")
    p.add_argument("--count-slack", type=float, default=3, help="growth allowed in threads, fds, connections, tasks")
    p.add_argument("--first-timeout", type=float, default=120, help="seconds to wait for the console's first screen")
    p.add_argument("--redraw-timeout", type=float, default=75, help="seconds to wait for a redraw at the end")
    p.add_argument("--quit-timeout", type=float, default=30, help="seconds to wait for the console to quit on q")
    p.add_argument("--json", action="store_true", help="print the figures as JSON (with every sample)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs) even when the soak passes")
    a = p.parse_args()
    a.bin = os.path.abspath(a.bin)
    if not os.path.exists(a.bin):
        sys.exit(f"no binary at {a.bin}: build first (cargo build --release)")
    if shutil.which("tmux") is None:
        sys.exit("tmux is required: apt-get install tmux")
    a.speed = a.speed or VIRTUAL_DAY / a.duration
    a.cycle = a.cycle or max(60.0, a.duration / 6)
    a.base_faults = dict(NO_FAULTS, latency_ms=a.latency_ms, jitter_ms=a.jitter_ms, throttle_rate=a.throttle_rate,
                         error_rate=a.error_rate, drop_rate=a.drop_rate)
    work = tempfile.mkdtemp(prefix="cutover-soak-")
    try:
        report = run(a, work)
    except (Unrunnable, OSError, urllib.error.URLError, subprocess.SubprocessError) as e:
        say(f"soak: could not run: {e}; logs in {work}")
        sys.exit(2)
    if a.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    if report["pass"] and not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        say(f"logs kept in {work}")
    sys.exit(0 if report["pass"] else 1)


if __name__ == "__main__":
    main()
