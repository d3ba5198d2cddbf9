#!/usr/bin/env python3
"""The benchmark runner behind `bench/run` (see bench/README.md).

For each scenario it runs hoist and Docker Compose in turns (hoist's sequence of operations,
then Compose's, then the engine floor's, and again), each from the same starting state, and
writes docs/benchmarks.md and docs/benchmarks.svg. Python 3 standard library only.
"""

import datetime
import functools
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS_DIR = os.path.join(REPO, "bench", "scenarios")
PROJECT_LABEL = "com.docker.compose.project"


def env_int(name, default):
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return max(0, int(value))
    except ValueError:
        sys.exit(f"bench: {name} must be a number, not {value!r}")


RUNS = max(1, env_int("BENCH_RUNS", 5))
WARMUP = env_int("BENCH_WARMUP", 1)
SLOW_RUNS = max(1, env_int("BENCH_SLOW_RUNS", 3))
# The two biggest scenarios (41 and 50 containers) take most of a run's time.
HEAVY_RUNS = min(RUNS, max(1, env_int("BENCH_HEAVY_RUNS", 3)))
CONFIG_RUNS = max(1, env_int("BENCH_CONFIG_RUNS", 4 * RUNS))
OP_TIMEOUT = env_int("BENCH_TIMEOUT", 600)
HOIST = os.environ.get("BENCH_HOIST") or os.path.join(REPO, "target", "release", "hoist")
FLOOR = os.environ.get("BENCH_FLOOR") or os.path.join(
    REPO, "target", "release", "examples", "engine_floor")
OUT = os.environ.get("BENCH_OUT") or os.path.join(REPO, "docs", "benchmarks.md")
TOOLS = ("hoist", "compose")
# In every project name of this invocation: a network the engine could not remove in an
# earlier invocation (see INCIDENTS) then never shares a name with a new one.
TOKEN = f"{(os.getpid() ^ int(time.time())) & 0xffff:04x}"


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------
# Operations


class Op:
    """One command both tools run, with the engine-floor mode that does the same engine work."""

    def __init__(self, label, args, floor=None, hoist_needs=None):
        self.label = label
        self.args = args
        self.floor = floor
        # A subcommand hoist must have for the operation to be run with it.
        self.hoist_needs = hoist_needs


OPS = {
    "up": Op("up -d", ["up", "-d"], floor="up"),
    "up-wait": Op("up -d --wait", ["up", "-d", "--wait"], floor="up-wait"),
    "noop": Op("no-op up -d", ["up", "-d"]),
    "ps": Op("ps", ["ps"]),
    "logs": Op("logs", ["logs"]),
    "config": Op("config", ["config"]),
    "down": Op("down", ["down"], floor="down"),
    "exec": Op("exec -T app true", ["exec", "-T", "app", "true"], hoist_needs="exec"),
    "restart": Op("restart", ["restart"]),
    "pull": Op("pull", ["pull"], floor="pull", hoist_needs="pull"),
}
UP_OPS = ("up", "up-wait", "noop")

# A step is (operation, timed). Every sequence starts and ends with no container running.
ENGINE_STEPS = [("up", True), ("noop", True), ("ps", True), ("logs", True), ("config", True),
                ("down", True)]
WAIT_STEPS = ENGINE_STEPS + [("up-wait", True), ("down", False)]
# Where `up -d` itself waits on healthchecks, `up -d --wait` replaces it (it costs as much).
HEALTH_STEPS = [("up-wait", True)] + ENGINE_STEPS[1:]


class Scenario:
    def __init__(self, name, about, steps, folder=None, files=(), scale=(), hoist_args=None,
                 runs=None, warmup=None, floor=True, gap=None, state="clean", floor_from=None,
                 answers=False):
        self.name = name
        self.about = about
        self.steps = steps
        self.dir = os.path.join(SCENARIOS_DIR, folder or name)
        self.files = list(files)
        self.scale = list(scale)
        self.hoist_args = hoist_args or {}
        self.runs = runs if runs is not None else RUNS
        self.warmup = warmup if warmup is not None else WARMUP
        self.floor = floor
        # (dependency service, dependent service): report how long after the dependency's
        # start the dependent starts.
        self.gap = gap
        # Probe scenarios: record when the slowest service's healthcheck first passed during
        # hoist's `up --wait`, the moment no readiness method that runs the same test can beat
        # (see `first_answers`).
        self.answers = answers
        # "clean": each sequence starts from nothing; "running": from a project Compose
        # brought up once before the first sequence.
        self.state = state
        # Each sequence of a "clean" scenario gets its own project,
        # `<base>-<who><round>-<TOKEN>`: a network the engine fails to remove (see INCIDENTS)
        # then spoils no later run. A "running" scenario has one, `<base>-s00-<TOKEN>`.
        self.base = f"bench-{name}"
        self.project = f"{self.base}-s00-{TOKEN}"
        self.env = {}
        # A scenario whose floor would be another's (the same containers) borrows that one.
        self.floor_from = floor_from

    def check(self):
        """None when the scenario can run here, else why not."""
        probes = any("--readiness" in args for args in self.hoist_args.values())
        if probes and not hoist_has_readiness():
            return "`hoist up --help` has no `--readiness` (the probe-readiness feature is absent)"
        return None

    def setup(self):
        pass

    def before(self, op):
        """Called before each run of `op`, by every tool and the floor."""

    def teardown(self):
        pass

    def floor_args(self, op, spec_path):
        mode = OPS[op].floor
        if mode == "up":
            return ["up", spec_path]
        if mode == "up-wait":
            return ["up", spec_path, "--wait"]
        if mode == "down":
            return ["down", self.project]
        return None


@functools.cache
def hoist_has(subcommand):
    return subprocess.run([HOIST, subcommand, "--help"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


@functools.cache
def hoist_has_readiness():
    out = subprocess.run([HOIST, "up", "--help"], capture_output=True, text=True)
    return out.returncode == 0 and "--readiness" in out.stdout


class Pull(Scenario):
    """Several distinct images pulled in parallel from a registry on 127.0.0.1 (Debian's
    `docker-registry`), removed from the engine before every pull."""

    IMAGES = 4
    PAYLOAD_MB = 8

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.registry = None
        self.tmp = None
        self.images = []

    def check(self):
        if not hoist_has("pull"):
            return "`hoist pull --help` fails (the pull feature is absent)"
        if not shutil.which("docker-registry"):
            if os.geteuid() == 0 and shutil.which("apt-get"):
                log("installing Debian's docker-registry for the pull scenario")
                subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                                "docker-registry"], check=False)
            if not shutil.which("docker-registry"):
                return "Debian's `docker-registry` is not installed (apt-get install docker-registry)"
        return None

    def setup(self):
        self.tmp = tempfile.mkdtemp(prefix="hoist-bench-pull-")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = os.path.join(self.tmp, "registry.yml")
        with open(config, "w") as f:
            f.write(f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {self.tmp}/data\n"
                    f"http:\n  addr: 127.0.0.1:{port}\n")
        self.registry = subprocess.Popen(["docker-registry", "serve", config],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise BenchError(f"the registry on 127.0.0.1:{port} did not answer")
        root = os.path.join(self.tmp, "root")
        os.makedirs(os.path.join(root, "bin"))
        shutil.copy("/bin/busybox", os.path.join(root, "bin", "busybox"))
        self.images = [f"127.0.0.1:{port}/hoist-bench/pull-{i}:latest"
                       for i in range(1, self.IMAGES + 1)]
        for image in self.images:
            with open(os.path.join(root, "payload"), "wb") as f:
                f.write(os.urandom(self.PAYLOAD_MB << 20))
            tar = os.path.join(self.tmp, "image.tar")
            docker(["tar", "-C", root, "-cf", tar, "."], raw=True)
            docker(["import", "-c", "ENV PATH=/bin", tar, image])
            docker(["push", image])
        self.dir = os.path.join(self.tmp, "project")
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, "compose.yaml"), "w") as f:
            f.write("services:\n" + "".join(
                f"  p{i}:\n    image: {image}\n" for i, image in enumerate(self.images, 1)))

    def before(self, op):
        subprocess.run(["docker", "rmi", "-f"] + self.images, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def verify(self, op):
        missing = [i for i in self.images
                   if subprocess.run(["docker", "image", "inspect", i], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL).returncode != 0]
        return f"images missing after pull: {', '.join(missing)}" if missing else None

    def floor_args(self, op, spec_path):
        return ["pull"] + self.images if op == "pull" else None

    def teardown(self):
        self.before("pull")
        if self.registry:
            self.registry.terminate()
            self.registry.wait()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


AIRFLOW_IMAGES = {}


class Airflow(Scenario):
    """stacks/airflow on images built offline by tests/e2e/images/build."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dir = os.path.join(REPO, "stacks", "airflow")

    def check(self):
        build = os.path.join(REPO, "tests", "e2e", "images", "build")
        if not os.path.isdir(self.dir):
            return "stacks/airflow is absent"
        if not os.access(build, os.X_OK):
            return "tests/e2e/images/build is absent"
        reason = super().check()
        if reason:
            return reason
        if not AIRFLOW_IMAGES:
            log("building the Airflow stack's images offline (tests/e2e/images/build --print)")
            out = subprocess.run([build, "--print"], cwd=REPO, stdout=subprocess.PIPE, text=True)
            if out.returncode != 0:
                raise BenchError(f"tests/e2e/images/build --print failed ({out.returncode})")
            for line in out.stdout.splitlines():
                m = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)=(\S+)\s*", line)
                if m:
                    AIRFLOW_IMAGES[m.group(1)] = m.group(2)
            if not AIRFLOW_IMAGES:
                raise BenchError("tests/e2e/images/build --print printed no VAR=image line")
        self.env = dict(AIRFLOW_IMAGES)
        return None


def scenarios():
    return [
        Scenario("single", "one service", WAIT_STEPS),
        Scenario("wide", "20 independent services", ENGINE_STEPS),
        Scenario("wide-level", "40 independent services and one that depends on one of them",
                 ENGINE_STEPS, gap=("s01", "dependent"), runs=HEAVY_RUNS),
        Scenario("chain", "5 services, each `service_healthy` on the previous (1 s interval)",
                 HEALTH_STEPS),
        Scenario("init-job", "a database, a one-shot job gated on its health, two services "
                 "gated on the job's success", HEALTH_STEPS),
        Scenario("many", "50 services, 5 networks, 10 named volumes, 50 published ports",
                 ENGINE_STEPS, runs=HEAVY_RUNS),
        Scenario("config-heavy", "Airflow-sized project: 3 `-f` files, `extends`, `.env`",
                 [("config", True)], runs=CONFIG_RUNS, floor=False,
                 files=["docker-compose.yaml", "docker-compose.local.yaml",
                        "docker-compose.observability.yaml"]),
        Scenario("running", "ps, logs, exec and restart on a running 5-service project",
                 [("ps", True), ("logs", True), ("exec", True), ("restart", True)],
                 floor=False, state="running"),
        Scenario("scale", "one service scaled to 10 (`--scale web=10`) next to another",
                 ENGINE_STEPS, scale=["web=10"]),
        Pull("pull", f"{Pull.IMAGES} images of {Pull.PAYLOAD_MB} MB pulled from a registry on "
             "127.0.0.1", [("pull", True)], runs=RUNS, floor=True),
        Scenario("chain-10s", "5-service `service_healthy` chain, 10 s healthcheck interval; "
                 "hoist with `--readiness probe`", [("up-wait", True), ("down", True)],
                 hoist_args={"up-wait": ["--readiness", "probe"]}, runs=SLOW_RUNS, warmup=0,
                 answers=True),
        Airflow("airflow", "stacks/airflow on images built offline, until healthy",
                [("up-wait", True), ("ps", True), ("logs", True), ("down", True)],
                runs=SLOW_RUNS, warmup=0),
        Airflow("airflow-probe", "stacks/airflow, hoist with `--readiness probe`",
                [("up-wait", True), ("down", True)],
                hoist_args={"up-wait": ["--readiness", "probe"]}, runs=SLOW_RUNS, warmup=0,
                floor=False, floor_from="airflow", answers=True),
    ]


# ---------------------------------------------------------------------------------------------
# The engine, through the docker CLI (never timed)


class BenchError(Exception):
    pass


def docker(args, raw=False):
    cmd = args if raw else ["docker"] + args
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"{' '.join(cmd[:4])}... failed: {out.stderr.strip()[:300]}")
    return out.stdout


def project_containers(project):
    """[(name, state, status)] of the project's containers."""
    out = docker(["ps", "-a", "--filter", f"label={PROJECT_LABEL}={project}",
                  "--format", "{{.Names}}\t{{.State}}\t{{.Status}}"])
    return [tuple(line.split("\t", 2)) for line in out.splitlines() if line]


def project_networks(project):
    out = docker(["network", "ls", "-q", "--filter", f"label={PROJECT_LABEL}={project}"])
    return out.split()


def project_volumes(project):
    out = docker(["volume", "ls", "-q", "--filter", f"label={PROJECT_LABEL}={project}"])
    return out.split()


def remove_everything(project, volumes=True):
    """Removes the project's containers, networks (and volumes): only what carries its label."""
    ids = docker(["ps", "-aq", "--filter", f"label={PROJECT_LABEL}={project}"]).split()
    if ids:
        docker(["rm", "-f", "-v"] + ids)
    for n in project_networks(project):
        subprocess.run(["docker", "network", "rm", n], capture_output=True)
    if volumes:
        vols = project_volumes(project)
        if vols:
            subprocess.run(["docker", "volume", "rm", "-f"] + vols, capture_output=True)


def remove_stale(sc):
    """Removes what an earlier, interrupted run of the scenario left."""
    pattern = re.compile(re.escape(sc.base) + r"(-[hcfs]\d\d-[0-9a-f]{4})?")
    projects = set()
    fmt = '{{.Label "%s"}}' % PROJECT_LABEL
    for kind in (["ps", "-a"], ["network", "ls"], ["volume", "ls"]):
        out = docker(kind + ["--filter", f"label={PROJECT_LABEL}", "--format", fmt])
        projects.update(p for p in out.split() if pattern.fullmatch(p))
    for project in sorted(projects):
        remove_everything(project)


def started_at(names):
    """{name: StartedAt in seconds since the epoch}."""
    if not names:
        return {}
    out = docker(["inspect", "-f", "{{.Name}} {{.State.StartedAt}}"] + names)
    result = {}
    for line in out.splitlines():
        name, stamp = line.split()
        result[name.lstrip("/")] = parse_time(stamp)
    return result


def healthchecked(names):
    """The containers among `names` that have a healthcheck test."""
    if not names:
        return []
    # The rule engine_floor.rs uses: a test, and not NONE. A healthcheck with only timings
    # (no test) has a null Test, which a template's `index` would fail on.
    out = docker(["inspect", "-f", "{{.Name}} {{json .Config.Healthcheck}}"] + names)
    checked = []
    for line in out.splitlines():
        name, hc = line.split(" ", 1)
        test = (json.loads(hc) or {}).get("Test") or []
        if test and test[0] != "NONE":
            checked.append(name.lstrip("/"))
    return checked


def parse_time(stamp):
    """RFC 3339 with nanoseconds (the engine's format) to seconds since the epoch."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", stamp)
    if not m:
        raise BenchError(f"unexpected time format {stamp!r}")
    base = datetime.datetime.fromisoformat(m.group(1) + ("+00:00" if m.group(3) == "Z"
                                                         else m.group(3)))
    frac = float("0." + m.group(2)) if m.group(2) else 0.0
    return base.timestamp() + frac


def floor_spec(project):
    """The engine floor's input (JSON text): the create requests of what Compose created."""
    ids = docker(["ps", "-aq", "--filter", f"label={PROJECT_LABEL}={project}"]).split()
    containers = json.loads(docker(["inspect"] + ids)) if ids else []
    nets = project_networks(project)
    networks = json.loads(docker(["network", "inspect"] + nets)) if nets else []
    vols = project_volumes(project)
    volumes = json.loads(docker(["volume", "inspect"] + vols)) if vols else []
    spec = {"project": project, "networks": [], "volumes": [], "containers": []}
    for n in networks:
        spec["networks"].append({k: v for k, v in {
            "Name": n["Name"], "Driver": n.get("Driver"), "Internal": n.get("Internal"),
            "Attachable": n.get("Attachable"), "EnableIPv6": n.get("EnableIPv6"),
            "Labels": n.get("Labels") or {}, "Options": n.get("Options") or {},
            "CheckDuplicate": True,
        }.items() if v is not None})
    for v in volumes:
        spec["volumes"].append({"Name": v["Name"], "Driver": v.get("Driver") or "local",
                                "DriverOpts": v.get("Options") or {},
                                "Labels": v.get("Labels") or {}})
    for c in containers:
        short_id = c["Id"][:12]
        body = dict(c["Config"])
        # The engine fills in the hostname from the ID when none was asked for.
        if body.get("Hostname") == short_id:
            body.pop("Hostname")
        body["HostConfig"] = c["HostConfig"]
        primary = c["HostConfig"].get("NetworkMode", "")
        endpoints = {}
        for net, ep in (c["NetworkSettings"].get("Networks") or {}).items():
            endpoints[net] = {k: v for k, v in {
                "Aliases": [a for a in (ep.get("Aliases") or []) if a != short_id] or None,
                "Links": ep.get("Links"), "IPAMConfig": ep.get("IPAMConfig"),
                "DriverOpts": ep.get("DriverOpts"),
            }.items() if v}
        connect = []
        if primary in endpoints:
            body["NetworkingConfig"] = {"EndpointsConfig": {primary: endpoints.pop(primary)}}
            connect = sorted(endpoints.items())
        labels = c["Config"].get("Labels") or {}
        depends = []
        for item in filter(None, (labels.get("com.docker.compose.depends_on") or "").split(",")):
            parts = item.split(":")
            depends.append((parts[0], parts[1] if len(parts) > 1 else "service_started"))
        spec["containers"].append({
            "name": c["Name"].lstrip("/"),
            "service": labels.get("com.docker.compose.service", ""),
            "body": body, "connect": connect, "depends_on": depends,
        })
    return json.dumps(spec)


# ---------------------------------------------------------------------------------------------
# Running a tool: wall time and peak RSS


class Rss:
    """Peak RSS with GNU time (`time -f %M`, the rusage of the measured process alone).
    hoist runs under it directly. `docker compose` is the docker CLI running the compose plugin
    as its child, so Compose runs with a DOCKER_CONFIG whose compose plugin is a shell wrapper
    that execs GNU time on the real plugin: the figure is the plugin's, not the CLI's. Used in
    the first round only (a warm-up round unless a scenario has none)."""

    def __init__(self):
        self.time = gnu_time()
        self.dir = tempfile.mkdtemp(prefix="hoist-bench-docker-config-")
        self.record = os.path.join(self.dir, "rss")
        real = compose_plugin_path()
        home_config = os.environ.get("DOCKER_CONFIG") or os.path.expanduser("~/.docker")
        for entry in ("config.json", "contexts"):
            src = os.path.join(home_config, entry)
            if os.path.exists(src):
                os.symlink(src, os.path.join(self.dir, entry))
        os.makedirs(os.path.join(self.dir, "cli-plugins"))
        wrapper = os.path.join(self.dir, "cli-plugins", "docker-compose")
        with open(wrapper, "w") as f:
            f.write(f"""#!/bin/sh
# The docker CLI asks every plugin for its metadata first: not measured.
[ "$1" = docker-cli-plugin-metadata ] && exec {shquote(real)} "$@"
exec {shquote(self.time or "")} -a -o {shquote(self.record)} -f %M {shquote(real)} "$@"
""")
        os.chmod(wrapper, 0o755)

    def wrap(self, who, cmd, env):
        """The command and environment that record `who`'s peak RSS."""
        if not self.time:
            return cmd, env
        if who == "compose":
            return cmd, {**env, "DOCKER_CONFIG": self.dir}
        return [self.time, "-a", "-o", self.record, "-f", "%M"] + cmd, env

    def take(self):
        """The peak RSS (KiB) recorded since the last call."""
        try:
            with open(self.record) as f:
                values = [int(v) for v in f.read().split() if v.isdigit()]
            os.remove(self.record)
        except OSError:
            return None
        return max(values) if values else None

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def shquote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def gnu_time():
    path = shutil.which("time") or ("/usr/bin/time" if os.access("/usr/bin/time", os.X_OK)
                                    else None)
    if path:
        out = subprocess.run([path, "--version"], capture_output=True, text=True)
        if "GNU" in out.stdout + out.stderr:
            return path
    return None


def compose_plugin_path():
    out = subprocess.run(["docker", "info", "--format", "{{json .ClientInfo.Plugins}}"],
                         capture_output=True, text=True)
    try:
        for plugin in json.loads(out.stdout) or []:
            if plugin.get("Name") == "compose" and plugin.get("Path"):
                return plugin["Path"]
    except ValueError:
        pass
    return os.path.expanduser("~/.docker/cli-plugins/docker-compose")


def base_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    return env


class Outcome:
    def __init__(self, seconds, code, err):
        self.seconds = seconds
        self.code = code
        self.err = err


class ExecWatch:
    """Watches a project's `exec_die` events (healthcheck runs, the engine's and hoist's probes
    alike) while a command runs; never timed itself."""

    def __init__(self, project):
        self.t0 = time.time_ns()
        # --since replays what happens before the subscription is in place.
        self.proc = subprocess.Popen(
            ["docker", "events", "--since", f"{self.t0 / 1e9:.9f}",
             "--filter", "type=container", "--filter", "event=exec_die",
             "--filter", f"label={PROJECT_LABEL}={project}",
             "--format", '{{.TimeNano}} {{.Actor.Attributes.name}} '
                         '{{index .Actor.Attributes "exitCode"}}'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def first_answers(self):
        """{container: seconds from the watch's start to its first exec that exited 0}. Stops
        the watch, after a moment for the events of the last runs to arrive. A watch that
        ended by itself failed: that is the runner's error, not the services'."""
        time.sleep(0.5)
        ended = self.proc.poll()
        if ended is None:
            self.proc.terminate()
        out, err = self.proc.communicate()
        if ended is not None:
            raise BenchError(f"`docker events` ended early ({ended}): {err.strip()}")
        first = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) != 3:
                raise BenchError(f"unexpected `docker events` line: {line!r}")
            if parts[2] == "0":
                first.setdefault(parts[1], (int(parts[0]) - self.t0) / 1e9)
        return first


def execute(cmd, cwd, env):
    """Runs cmd with output discarded; returns its wall time, exit code and the tail of its
    stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        timer = threading.Timer(OP_TIMEOUT, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        _, status = os.waitpid(proc.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
    return Outcome(seconds, proc.returncode, " | ".join(tail))


# ---------------------------------------------------------------------------------------------
# Measuring a scenario


class Results:
    def __init__(self, sc):
        self.sc = sc
        # op -> who -> {round: seconds}, timed rounds only
        self.times = {}
        # op -> who -> peak RSS in KiB
        self.rss = {}
        # who -> [seconds from the dependency's start to the dependent's, per timed round]
        self.gaps = {}
        # {round: seconds from hoist's `up --wait` start until the slowest service's
        #  healthcheck first passed}, timed rounds only
        self.answers = {}
        self.notes = []


FAILURES = []
# Engine 20.10 sometimes keeps a network's endpoint count after its containers are gone
# (moby/moby#43286): `down` cannot remove that network, with any tool, until dockerd restarts.
# Such runs are discarded and listed, not counted as the tool's failure.
INCIDENTS = []


def fail(sc, who, what):
    FAILURES.append(f"{sc.name}: {who}: {what}")
    log(f"  FAILURE {sc.name}: {who}: {what}")


def tool_cmd(sc, tool, op):
    cmd = [HOIST] if tool == "hoist" else ["docker", "compose"]
    cmd += ["-p", sc.project]
    for f in sc.files:
        cmd += ["-f", f]
    cmd += OPS[op].args
    if op in UP_OPS:
        for s in sc.scale:
            cmd += ["--scale", s]
    if tool == "hoist":
        cmd += sc.hoist_args.get(op, [])
    return cmd


def expected_count(sc):
    out = subprocess.run(["docker", "compose", "-p", sc.project]
                         + [a for f in sc.files for a in ("-f", f)] + ["config", "--services"],
                         cwd=sc.dir, env={**base_env(), **sc.env}, capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise BenchError(f"docker compose config --services failed: {out.stderr.strip()[:300]}")
    services = out.stdout.split()
    count = len(services)
    for s in sc.scale:
        name, n = s.split("=")
        if name in services:
            count += int(n) - 1
    return count


def verify_up(sc, who, op, expected):
    """Why the project is not up as `op` promises, or None."""
    containers = project_containers(sc.project)
    if len(containers) != expected:
        return f"after {OPS[op].label}: {len(containers)} containers, expected {expected}"
    probe = "--readiness" in sc.hoist_args.get(op, []) and who == "hoist"
    for name, state, status in containers:
        if state != "running" and not status.startswith("Exited (0)"):
            return f"after {OPS[op].label}: {name} is {status}"
        if op == "up-wait" and not probe and ("(health: starting)" in status
                                              or "(unhealthy)" in status):
            return f"after {OPS[op].label}: {name} is {status}"
    return None


def after_down(sc, who):
    """Leftovers are failures; then the named volumes `down` keeps go, for the next start."""
    left = [c[0] for c in project_containers(sc.project)]
    nets = project_networks(sc.project)
    if left or nets:
        fail(sc, who, f"down left {len(left)} containers ({', '.join(left[:5])}) and "
             f"{len(nets)} networks behind")
    remove_everything(sc.project, volumes=True)


def run_op(sc, res, who, op, timed, round_no, rss=None):
    """Runs one operation for `who` (hoist, compose or floor); False when it failed."""
    sc.before(op)
    env = {**base_env(), **sc.env}
    if who == "floor":
        cmd = [FLOOR] + sc.floor_args(op, res.spec_path)
        rss = None
    else:
        cmd = tool_cmd(sc, who, op)
        if rss is not None:
            cmd, env = rss.wrap(who, cmd, env)
    watch = None
    if sc.answers and who == "hoist" and op == "up-wait" and timed and round_no >= sc.warmup:
        watch = ExecWatch(sc.project)
    try:
        outcome = execute(cmd, sc.dir, env)
    finally:
        answers = watch.first_answers() if watch else None
    peak = rss.take() if rss is not None else None
    if round_no < 0:
        tag = "setup"
    elif round_no < sc.warmup:
        tag = "warm-up"
    else:
        tag = f"run {round_no - sc.warmup + 1}/{sc.runs}"
    ok = outcome.code == 0
    log(f"  [{sc.name} {tag}] {who:<7} {OPS[op].label:<18} {outcome.seconds:8.3f} s"
        + ("" if ok else f"  exit {outcome.code}: {outcome.err}"))
    if not ok:
        if op == "down" and "active endpoints" in outcome.err \
                and not project_containers(sc.project):
            stuck = project_networks(sc.project)
            INCIDENTS.append(f"{sc.name}: {who}'s `down` (project {sc.project}): the engine "
                             f"kept {len(stuck)} network(s) with phantom endpoints; run discarded")
            log(f"  ENGINE INCIDENT: {INCIDENTS[-1]}")
            remove_everything(sc.project)
            return False
        fail(sc, who, f"{OPS[op].label} exited {outcome.code}: {outcome.err}")
        return False
    problem = None
    if op in UP_OPS or op == "restart":
        problem = verify_up(sc, who, op, res.expected)
    elif hasattr(sc, "verify"):
        problem = sc.verify(op)
    if problem:
        fail(sc, who, problem)
        return False
    if peak is not None:
        res.rss.setdefault(op, {})[who] = peak
    if timed and round_no >= sc.warmup:
        res.times.setdefault(op, {}).setdefault(who, {})[round_no] = outcome.seconds
    if answers is not None:
        checked = healthchecked([c[0] for c in project_containers(sc.project)])
        missing = [c for c in checked if c not in answers]
        if missing:
            res.notes.append(f"run {round_no - sc.warmup + 1}: no passing healthcheck was seen "
                             f"for {', '.join(missing)}; its first answer is left out")
        elif checked:
            res.answers[round_no] = max(answers[c] for c in checked)
    if sc.gap and op == "up" and round_no >= sc.warmup:
        dep, dependent = sc.gap
        names = [f"{sc.project}-{dep}-1", f"{sc.project}-{dependent}-1"]
        stamps = started_at(names)
        res.gaps.setdefault(who, []).append(stamps[names[1]] - stamps[names[0]])
    return True


def run_sequence(sc, res, who, round_no, rss):
    if sc.state == "clean":
        sc.project = f"{sc.base}-{who[0]}{round_no:02d}-{TOKEN}"
        remove_everything(sc.project)
        if who == "floor" and res.spec_ready:
            with open(res.spec_path, "w") as f:
                f.write(res.spec_text.replace(res.spec_from, sc.project))
    for op, timed in sc.steps:
        if who == "hoist" and OPS[op].hoist_needs and not res.hoist_has[op]:
            continue
        if who == "floor" and sc.floor_args(op, res.spec_path) is None:
            continue
        ok = run_op(sc, res, who, op, timed, round_no, rss)
        if not ok:
            if sc.state == "clean":
                remove_everything(sc.project)
            return
        if op == "down":
            after_down(sc, who)
        if who == "compose" and op in ("up", "up-wait") and sc.floor and not res.spec_ready:
            res.spec_text = floor_spec(sc.project)
            res.spec_from = sc.project
            res.spec_ready = True


def run_scenario(sc):
    res = Results(sc)
    reason = sc.check()
    if reason:
        log(f"== {sc.name}: skipped: {reason}")
        res.skipped = reason
        return res
    res.skipped = None
    log(f"== {sc.name}: {sc.about} ({sc.warmup} warm-up + {sc.runs} runs)")
    started = time.monotonic()
    res.hoist_has = {op: hoist_has(OPS[op].hoist_needs)
                     for op, _ in sc.steps if OPS[op].hoist_needs}
    for op, present in res.hoist_has.items():
        if not present:
            res.notes.append(f"`{OPS[op].label}`: hoist has no `{OPS[op].hoist_needs}` "
                             "command yet; Compose alone is timed")
    tmp = tempfile.mkdtemp(prefix=f"hoist-bench-{sc.name}-")
    res.spec_path = os.path.join(tmp, "floor-spec.json")
    res.spec_ready = False
    if sc.warmup == 0:
        res.notes.append("no warm-up: peak RSS comes from the first timed run, where Compose "
                         "runs under GNU time (about a millisecond more)")
    rss = Rss()
    if not rss.time:
        res.notes.append("peak RSS not measured: GNU time is missing (apt-get install time)")
    try:
        remove_stale(sc)
        sc.setup()
        res.expected = expected_count(sc)
        if any(op == "config" for op, _ in sc.steps):
            config_parity(sc, res)
        if sc.state == "running":
            if not run_op(sc, res, "compose", "up-wait", False, -1):
                raise BenchError("Compose could not bring the running project up")
        rounds = sc.warmup + sc.runs
        for r in range(rounds):
            measure_rss = rss if r == 0 else None
            for who in TOOLS:
                run_sequence(sc, res, who, r, measure_rss)
            if sc.floor and (res.spec_ready or not any(o in UP_OPS for o, _ in sc.steps)):
                run_sequence(sc, res, "floor", r, None)
            elapsed = time.monotonic() - started
            if r + 1 < rounds:
                log(f"  ({elapsed:.0f} s so far, about {elapsed / (r + 1) * (rounds - r - 1):.0f}"
                    " s more for this scenario)")
        if sc.state == "running" and run_op(sc, res, "compose", "down", False, -1):
            after_down(sc, "compose")
    except BenchError as e:
        fail(sc, "runner", str(e))
    finally:
        rss.close()
        try:
            remove_everything(sc.project)
        except BenchError:
            pass
        sc.teardown()
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"   {sc.name} took {time.monotonic() - started:.0f} s")
    return res


def config_parity(sc, res):
    """Notes when the two tools print different projects: the times would compare different
    work."""
    outputs = []
    for tool in TOOLS:
        cmd = tool_cmd(sc, tool, "config") + ["--format", "json"]
        out = subprocess.run(cmd, cwd=sc.dir, env={**base_env(), **sc.env}, capture_output=True)
        outputs.append(out.stdout.strip() if out.returncode == 0 else None)
    if outputs[0] != outputs[1]:
        res.notes.append("`config`: hoist's output differs from Compose's")


# ---------------------------------------------------------------------------------------------
# The report


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def paired_ratio(a, b):
    """Median of the ratios a[i]/b[i] over the rounds both have."""
    return med([a[i] / b[i] for i in a if i in b and b[i] > 0])


def fmt_s(v):
    return "—" if v is None else (f"{v:.3f} s" if v < 10 else f"{v:.1f} s")


def fmt_x(v):
    return "—" if v is None else f"{v:.2f}x"


def fmt_mb(kb):
    return "—" if kb is None else f"{kb / 1024:.1f} MB"


def rows(results):
    """One row per measured (scenario, operation)."""
    out = []
    by_name = {res.sc.name: res for res in results if not res.skipped}
    for res in results:
        if res.skipped:
            continue
        for op in dict.fromkeys(op for op, timed in res.sc.steps if timed):
            t = res.times.get(op, {})
            h, c, f = t.get("hoist", {}), t.get("compose", {}), t.get("floor", {})
            if not f and res.sc.floor_from in by_name:
                f = by_name[res.sc.floor_from].times.get(op, {}).get("floor", {})
            rss = res.rss.get(op, {})
            hr, cr = rss.get("hoist"), rss.get("compose")
            out.append({
                "scenario": res.sc.name, "op": op, "label": OPS[op].label,
                "hoist": med(h.values()), "compose": med(c.values()), "floor": med(f.values()),
                "ratio": paired_ratio(h, c), "hoist_floor": paired_ratio(h, f),
                "compose_floor": paired_ratio(c, f), "n": len(set(h) & set(c)),
                "hoist_rss": hr, "compose_rss": cr,
                "rss_ratio": hr / cr if hr and cr else None,
            })
    return out


TARGETS = [
    # (what, how to get the value from rows/results, target, unit)
    ("`config` (config-heavy), hoist/compose", "ratio", ("config-heavy", "config"), 0.1),
    ("`ps`, hoist/compose (worst scenario)", "worst", "ps", 0.3),
    ("no-op `up -d`, hoist/compose (worst scenario)", "worst", "noop", 0.5),
    ("`wide` `up -d`, hoist/compose", "ratio", ("wide", "up"), 1.0),
    ("`chain` `up -d --wait`, hoist/compose", "ratio", ("chain", "up-wait"), 0.6),
    ("`wide-level`: dependent starts after its dependency (hoist, median)", "gap", None, 0.2),
    ("peak memory, hoist/compose (worst operation)", "rss", None, 0.3),
    ("`chain-10s` `up -d --wait` with `--readiness probe`, hoist/compose", "ratio",
     ("chain-10s", "up-wait"), 0.3),
    ("`airflow-probe` `up -d --wait`, hoist/compose", "ratio", ("airflow-probe", "up-wait"), 0.5),
    ("`pull`, hoist/compose", "ratio", ("pull", "pull"), 1.0),
]


def target_lines(table, results):
    lines = ["| target | limit | measured | verdict |", "|---|---|---|---|"]
    for what, kind, key, limit in TARGETS:
        value, unit = None, "x"
        if kind == "ratio":
            value = next((r["ratio"] for r in table if (r["scenario"], r["op"]) == key), None)
        elif kind == "worst":
            values = [r["ratio"] for r in table if r["op"] == key and r["ratio"] is not None]
            value = max(values) if values else None
        elif kind == "rss":
            values = [r["rss_ratio"] for r in table if r["rss_ratio"] is not None]
            value = max(values) if values else None
        elif kind == "gap":
            unit = " s"
            gaps = [g for res in results if not res.skipped and res.sc.gap
                    for g in res.gaps.get("hoist", [])]
            value = med(gaps)
        if value is None:
            verdict, shown = "not measured", "—"
        else:
            shown = f"{value:.2f}{unit}" if unit == "x" else f"{value:.3f}{unit}"
            verdict = "met" if value <= limit else \
                f"missed by {value - limit:.2f}{unit.strip()} ({(value / limit - 1) * 100:.0f}% over)"
        lines.append(f"| {what} | {limit}{unit} | {shown} | {verdict} |")
    return lines


def machine():
    def read(path):
        try:
            with open(path) as f:
                return f.read()
        except OSError:
            return ""
    cpu = re.search(r"model name\s*:\s*(.*)", read("/proc/cpuinfo"))
    mem = re.search(r"MemTotal:\s*(\d+)", read("/proc/meminfo"))
    engine = subprocess.run(["docker", "version", "--format",
                             "{{.Server.Version}} (API {{.Server.APIVersion}}), docker CLI "
                             "{{.Client.Version}}"], capture_output=True, text=True).stdout.strip()
    driver = subprocess.run(["docker", "info", "--format", "{{.Driver}}"], capture_output=True,
                            text=True).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else "?",
        "memory": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "?",
        "kernel": os.uname().release,
        "engine": engine, "driver": driver,
    }


def versions():
    hoist = subprocess.run([HOIST, "version", "--short"], capture_output=True,
                           text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    compose = subprocess.run(["docker", "compose", "version", "--short"], capture_output=True,
                             text=True).stdout.strip()
    return f"hoist {hoist} ({commit or 'no git'})", f"Docker Compose {compose}"


def write_report(results, selected, started_at_utc, load_before, load_after, elapsed):
    table = rows(results)
    # Before anything is written: `git describe --dirty` would count the new report.
    hoist_v, compose_v = versions()
    svg_path = os.path.splitext(OUT)[0] + ".svg"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(svg_path, "w") as f:
        f.write(chart(table))
    m = machine()
    quick = RUNS < 5 or selected
    lines = ["# Benchmarks: hoist against Docker Compose", ""]
    if quick:
        lines += ["> **Quick run, not a measurement.** "
                  + (f"BENCH_RUNS={RUNS}" if RUNS < 5 else "")
                  + (" and " if RUNS < 5 and selected else "")
                  + (f"only the scenarios {', '.join(selected)}" if selected else "")
                  + ": it shows the runner works; the numbers are not the published ones. "
                  "Run `bench/run` on a quiet machine for those.", ""]
    lines += [
        f"Written by `bench/run` ([bench/README.md](../bench/README.md) says how it measures) on "
        f"{started_at_utc} UTC; the run took {elapsed / 60:.1f} min.", "",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['memory']} memory, Linux {m['kernel']}",
        f"- Engine: Docker Engine {m['engine']}, storage driver {m['driver']}",
        f"- Load average (1 min) before and after: {load_before:.2f}, {load_after:.2f}",
        f"- Tools: {hoist_v} (release build); {compose_v} (`docker compose`)",
        f"- Method: per scenario, {WARMUP} warm-up round(s) then {RUNS} timed rounds (wide-level "
        f"and many: {HEAVY_RUNS}; chain-10s and airflow: {SLOW_RUNS}, no warm-up; config-heavy: "
        f"{CONFIG_RUNS}); each round runs "
        "hoist's sequence, then Compose's, then the engine floor's, every one from the same "
        "starting state. Times are medians of wall time; ratios are medians of the "
        "round-by-round ratios. Peak RSS is from the first round (see bench/README.md).",
        "",
        "The **floor** is the same containers created and started straight through the Engine "
        "API with all the parallelism the dependencies allow (`examples/engine_floor.rs`): "
        "`x/floor` says how far a tool is from what the engine allows.", "",
        "![hoist/compose and x/floor ratios](benchmarks.svg)", "",
        "| scenario | operation | hoist | compose | hoist/compose | floor | hoist/floor | "
        "compose/floor | hoist RSS | compose RSS | RSS hoist/compose |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in table:
        lines.append(
            f"| {r['scenario']} | `{r['label']}` | {fmt_s(r['hoist'])} | {fmt_s(r['compose'])} | "
            f"{fmt_x(r['ratio'])} | {fmt_s(r['floor'])} | {fmt_x(r['hoist_floor'])} | "
            f"{fmt_x(r['compose_floor'])} | {fmt_mb(r['hoist_rss'])} | "
            f"{fmt_mb(r['compose_rss'])} | {fmt_x(r['rss_ratio'])} |")
    gap_results = [res for res in results if not res.skipped and res.sc.gap]
    for res in gap_results:
        dep, dependent = res.sc.gap
        lines += ["", f"**{res.sc.name}**: seconds from `{dep}`'s start to `{dependent}`'s start "
                  "(`State.StartedAt`), after `up -d`; `dependent` depends on `s01` only.", "",
                  "| who | median | all runs |", "|---|---:|---|"]
        for who in ("hoist", "compose", "floor"):
            gaps = res.gaps.get(who, [])
            lines.append(f"| {who} | {fmt_s(med(gaps))} | "
                         f"{', '.join(f'{g:.3f}' for g in gaps) or '—'} |")
    for res in (res for res in results if not res.skipped and res.answers):
        lines += ["", f"**{res.sc.name}**: when the services really answered. *First answer* is "
                  "the moment the slowest service's healthcheck first passed during hoist's "
                  "`up --wait` (its first run that exited 0, hoist's probe or the engine's own "
                  "check, from `docker events`), counted from the start of `up`. No readiness "
                  "that runs the same tests can report before it; probe mode adds the "
                  "confirming second run to it.", "",
                  "| run | first answer | hoist `up --wait` | compose `up --wait` | "
                  "first answer/compose | hoist/compose |", "|---|---:|---:|---:|---:|---:|"]
        ups = res.times.get("up-wait", {})
        for n, (r, first) in enumerate(sorted(res.answers.items()), 1):
            hoist_s = ups.get("hoist", {}).get(r)
            compose_s = ups.get("compose", {}).get(r)
            lines.append(f"| {n} | {fmt_s(first)} | {fmt_s(hoist_s)} | {fmt_s(compose_s)} | "
                         f"{fmt_x(first / compose_s if compose_s else None)} | "
                         f"{fmt_x(hoist_s / compose_s if hoist_s and compose_s else None)} |")
    lines += ["", "## Targets", ""] + target_lines(table, results)
    notes = [f"- {res.sc.name}: {n}" for res in results if not res.skipped for n in res.notes]
    skipped = [f"- {res.sc.name}: {res.skipped}" for res in results if res.skipped]
    if notes:
        lines += ["", "## Notes", ""] + notes
    if skipped:
        lines += ["", "## Skipped scenarios", ""] + skipped
    lines += ["", "## Failures", ""] + ([f"- {f}" for f in FAILURES] or ["None."])
    if INCIDENTS:
        lines += ["", "## Engine incidents", "",
                  "Engine 20.10 kept a network's endpoint count after its containers were gone "
                  "(moby/moby#43286), so `down` could not remove it; those runs were discarded "
                  "and the networks stay until dockerd restarts (`docker network ls --filter "
                  "label=com.docker.compose.project`).", ""] + [f"- {i}" for i in INCIDENTS]
    lines += ["", "## Scenarios", ""]
    for res in results:
        lines.append(f"- **{res.sc.name}**: {res.sc.about}"
                     + ("" if res.skipped else f" ({res.sc.runs} runs)"))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    log(f"wrote {os.path.relpath(OUT, REPO)} and {os.path.relpath(svg_path, REPO)}")
    return table


def esc(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def chart(table):
    """A horizontal bar chart, two panels: hoist/compose per operation; then hoist/floor and
    compose/floor where there is a floor."""
    label_w, panel_w, row_h, top = 230, 330, 18, 50
    width = label_w + 2 * panel_w + 60
    height = top + row_h * max(1, len(table)) + 40
    colors = {"ratio": "#2b6cb0", "hoist_floor": "#2f855a", "compose_floor": "#c05621"}
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{label_w}" y="18" font-size="13" font-weight="bold">hoist / compose '
           '(lower is better; 1 = as fast)</text>',
           f'<text x="{label_w + panel_w + 40}" y="18" font-size="13" font-weight="bold">'
           'time / engine floor (1 = the floor)</text>',
           f'<rect x="{label_w + panel_w + 40}" y="26" width="10" height="10" '
           f'fill="{colors["hoist_floor"]}"/>',
           f'<text x="{label_w + panel_w + 54}" y="35">hoist</text>',
           f'<rect x="{label_w + panel_w + 100}" y="26" width="10" height="10" '
           f'fill="{colors["compose_floor"]}"/>',
           f'<text x="{label_w + panel_w + 114}" y="35">compose</text>']
    max1 = max([1.2] + [r["ratio"] for r in table if r["ratio"]])
    max2 = max([1.5] + [r[k] for r in table for k in ("hoist_floor", "compose_floor") if r[k]])
    x1, x2 = label_w, label_w + panel_w + 40

    def axis(x0, scale, ticks):
        for t in ticks:
            x = x0 + t / scale * panel_w
            svg.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" '
                       f'y2="{top + row_h * len(table)}" stroke="#bbb" '
                       f'stroke-dasharray="{"" if t == 1 else "2,3"}"/>')
            svg.append(f'<text x="{x:.1f}" y="{top + row_h * len(table) + 14}" '
                       f'text-anchor="middle">{t:g}</text>')

    def ticks(scale):
        step = 0.25 if scale <= 1.5 else 0.5 if scale <= 3 else 1 if scale <= 6 else \
            round(scale / 6)
        n = int(scale / step) + 1
        return [round(i * step, 2) for i in range(n)]

    axis(x1, max1, ticks(max1))
    axis(x2, max2, ticks(max2))
    for i, r in enumerate(table):
        y = top + i * row_h
        svg.append(f'<text x="{label_w - 8}" y="{y + 12}" text-anchor="end">'
                   f'{esc(r["scenario"])} · {esc(r["label"])}</text>')
        if r["ratio"] is not None:
            w = r["ratio"] / max1 * panel_w
            svg.append(f'<rect x="{x1}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                       f'fill="{colors["ratio"]}"/>')
            svg.append(f'<text x="{x1 + w + 4:.1f}" y="{y + 12}">{r["ratio"]:.2f}</text>')
        for j, key in enumerate(("hoist_floor", "compose_floor")):
            if r[key] is None:
                continue
            w = r[key] / max2 * panel_w
            svg.append(f'<rect x="{x2}" y="{y + 2 + j * 7}" width="{w:.1f}" height="6" '
                       f'fill="{colors[key]}"/>')
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


# ---------------------------------------------------------------------------------------------


def main(argv):
    all_scenarios = scenarios()
    names = [s.name for s in all_scenarios]
    selected = argv
    unknown = [n for n in selected if n not in names]
    if unknown:
        sys.exit(f"bench: unknown scenario {', '.join(unknown)}; known: {' '.join(names)}")
    chosen = [s for s in all_scenarios if not selected or s.name in selected]
    started_utc = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    load_before = os.getloadavg()[0]
    start = time.monotonic()
    log(f"hoist: {HOIST}\nfloor: {FLOOR}\nscenarios: {' '.join(s.name for s in chosen)}; "
        f"runs {RUNS} (+{WARMUP} warm-up), slow scenarios {SLOW_RUNS}")
    results = []
    for sc in chosen:
        try:
            results.append(run_scenario(sc))
        except BenchError as e:
            fail(sc, "runner", str(e))
    write_report(results, selected, started_utc, load_before, os.getloadavg()[0],
                 time.monotonic() - start)
    for i in INCIDENTS:
        log(f"engine incident: {i}")
    if FAILURES:
        log(f"{len(FAILURES)} failure(s):")
        for f in FAILURES:
            log(f"  {f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
