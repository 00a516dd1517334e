#!/usr/bin/env python3
"""What cutover's command line does where it once misread AWS, for one or two builds.

Starts `cutover sim` (the newest build's simulator, which answers as AWS documents) on the
default world with a manual clock, and runs each scenario with each binary given, from a
fresh world (`/_sim/reset`): the flags before the subcommand, a 5xx on UpdateService, a
redeploy (GetDeployment carries no AppSpec text), an approval at a PARALLEL gate with two
executions waiting, and `status` with the load balancer endpoint unreachable. For each it
prints the exit status, the last line the command printed, and what the simulator saw.

    scripts/safety-figures.py [--bin target/debug/cutover] [--before OLD_BINARY]

Every call goes to the simulator on loopback: `--endpoint-url` is always given after the
subcommand, where every build reads it.
"""
import argparse, json, os, subprocess, sys, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def call(url, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


class Sim:
    def __init__(self, binary):
        self.proc = subprocess.Popen([binary, "sim", "--addr", "127.0.0.1:0", "--manual-clock", "--seed", "7"],
                                     stdout=subprocess.PIPE, text=True)
        self.endpoint = self.proc.stdout.readline().split()[-1]

    def reset(self):
        call(self.endpoint + "/_sim/reset", "POST", {})
        call(self.endpoint + "/_sim/faults", "POST", {"error_rate": 0.0, "operations": [], "deny": []})

    def served(self, operation):
        return call(self.endpoint + "/_sim/requests")["counts"].get(operation, 0)

    def state(self):
        return call(self.endpoint + "/_sim/state")

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def run(binary, sim, before, after, extra_env=None):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", XDG_CONFIG_HOME="/nonexistent",
               XDG_STATE_HOME=os.path.join("/tmp", f"cutover-figures-{os.getpid()}"))
    env.pop("AWS_PROFILE", None)
    env.update(extra_env or {})
    where = ["--endpoint-url", sim.endpoint, "--region", "us-east-1"]
    out = subprocess.run([binary, *before, *after, *where], env=env, capture_output=True, text=True, timeout=120)
    lines = [l for l in (out.stderr + out.stdout).splitlines() if l.strip()]
    return out.returncode, (lines[-1] if lines else "")[:220]


def desired(sim, cluster, service):
    body = {"cluster": cluster, "services": [service]}
    req = urllib.request.Request(sim.endpoint + "/", data=json.dumps(body).encode(), method="POST", headers={
        "x-amz-target": "AmazonEC2ContainerServiceV20141113.DescribeServices",
        "content-type": "application/x-amz-json-1.1", "authorization": "AWS4-HMAC-SHA256 Credential=test/x"})
    with urllib.request.urlopen(req, timeout=30) as r:
        services = json.loads(r.read())["services"]
    return services[0]["desiredCount"] if services else None


def scenarios(binary, sim):
    cluster, service = "payments-prod", "ledger"
    sim.reset()
    was = desired(sim, cluster, service)
    code, said = run(binary, sim, ["--read-only"], ["scale", f"{cluster}/{service}", str(was + 1), "--yes"])
    yield "--read-only before `scale`", code, said, f"desired {was} -> {desired(sim, cluster, service)}, UpdateService x{sim.served('ecs:UpdateService')}"

    sim.reset()
    call(sim.endpoint + "/_sim/faults", "POST", {"error_rate": 1.0, "operations": ["ecs:UpdateService"]})
    code, said = run(binary, sim, [], ["scale", f"{cluster}/{service}", str(was + 1), "--yes"])
    yield "scale meeting a 500", code, said, f"UpdateService x{sim.served('ecs:UpdateService')}"

    sim.reset()
    group = "microservices/microservices-customer"
    code, said = run(binary, sim, [], ["redeploy", group, "--confirm", group])
    yield "redeploy (no AppSpec text in GetDeployment)", code, said, f"CreateDeployment x{sim.served('codedeploy:CreateDeployment')}, GetApplicationRevision x{sim.served('codedeploy:GetApplicationRevision')}"

    sim.reset()
    waiting = [a for a in sim.state().get("waitingApprovals", []) if a.get("pipeline") == "reviews-release"]
    code, said = run(binary, sim, [], ["approve", "reviews-release", "--comment", "ok", "--yes"])
    yield f"approve a PARALLEL gate ({len(waiting)} waiting)", code, said, f"PutApprovalResult x{sim.served('codepipeline:PutApprovalResult')}"

    sim.reset()
    dead = {"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2": "http://127.0.0.1:1"}
    env = dict(dead, AWS_ENDPOINT_URL=sim.endpoint)
    out = subprocess.run([binary, "status", "--region", "us-east-1"], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                                  AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                                  XDG_CONFIG_HOME="/nonexistent", **env))
    lines = [l for l in (out.stdout + out.stderr).splitlines() if l.strip()]
    gaps = [l for l in lines if "NOT READ" in l]
    yield "status, load balancer endpoint down", out.returncode, (gaps or lines[-1:] or [""])[0][:220], ""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "cutover"))
    p.add_argument("--before")
    a = p.parse_args()
    builds = [("before", a.before)] if a.before else []
    builds.append(("now", a.bin))
    for _, binary in builds:
        if not os.path.exists(binary):
            sys.exit(f"no binary at {binary}: build first")
    sim = Sim(a.bin)
    try:
        for name, binary in builds:
            print(f"== {name}: {binary}")
            for what, code, said, saw in scenarios(binary, sim):
                print(f"{what}\n    exit {code}: {said}\n    {saw}")
    finally:
        sim.close()


if __name__ == "__main__":
    main()
