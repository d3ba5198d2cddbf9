//! `up --readiness probe`: hoist runs each gating healthcheck itself, from the moment the
//! container starts, and the verdict means what the engine's would.

use std::process::Output;

use crate::support::{Stack, docker, inspect, json_events, stderr};

/// The engine's health status of a container (`starting`, `healthy`, `unhealthy`).
fn engine_health(container: &str) -> String {
    inspect(container)["State"]["Health"]["Status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The `error:` line hoist printed, with the project name made generic.
fn error_line(stderr: &str, project: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default()
        .replace(project, "PROJECT")
}

#[test]
fn a_chain_with_30s_intervals_is_ready_while_the_engine_still_says_starting() {
    // The engine's first check of each service runs 30 s after its start: everything
    // below is decided by hoist's own probes.
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD\", \"true\"]
      interval: 30s
  api:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD\", \"true\"]
      interval: 30s
    depends_on:
      db:
        condition: service_healthy
  worker:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD\", \"true\"]
      interval: 30s
    depends_on:
      api:
        condition: service_healthy
";
    let s = Stack::new("probechain", compose);
    let out = s.hoist(&["up", "-d", "--wait", "--readiness", "probe"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for service in ["db", "api", "worker"] {
        let container = format!("{}-{service}-1", s.name);
        assert_eq!(engine_health(&container), "starting", "{container}");
        let probed = format!(" Container {container}  Healthy (probed)");
        assert!(
            stderr.lines().any(|l| l == probed),
            "missing {probed:?} in:\n{stderr}"
        );
    }
    // Each dependent started only after its dependency was declared healthy.
    let position = |line: String| stderr.lines().position(|l| l == line);
    for (dep, dependent) in [("db", "api"), ("api", "worker")] {
        let healthy = position(format!(" Container {}-{dep}-1  Healthy (probed)", s.name));
        let started = position(format!(" Container {}-{dependent}-1  Starting", s.name));
        assert!(healthy < started, "{dependent} started early:\n{stderr}");
    }
}

#[test]
fn a_single_success_does_not_make_a_service_ready() {
    // The test passes exactly once (like a database's temporary init-time server), then
    // fails; the engine's own first check is 30 s away.
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: \"test ! -f /tmp/seen && touch /tmp/seen\"
      interval: 30s
";
    let s = Stack::new("probeonce", compose);
    let out = s.hoist(&[
        "up",
        "-d",
        "--wait",
        "--wait-timeout",
        "8",
        "--readiness",
        "probe",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("timeout waiting"), "{stderr}");
    let container = format!("{}-db-1", s.name);
    // hoist did run the test and saw its one success...
    let seen = std::process::Command::new("docker")
        .args(["exec", &container, "test", "-f", "/tmp/seen"])
        .status()
        .expect("docker exec");
    assert!(seen.success(), "the probe never ran the test");
    // ...and neither hoist nor the engine called that healthy.
    assert!(!stderr.contains("Healthy"), "{stderr}");
    assert_eq!(engine_health(&container), "starting");
}

const NEVER_HEALTHY: &str = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD\", \"false\"]
      interval: 1s
      retries: 2
  web:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on:
      db:
        condition: service_healthy
";

/// Engine and probe readiness failed alike: exit status 1 from both, and the same error
/// line, `expected` (with the project name written `PROJECT`).
fn assert_same_failure(engine: &Output, probe: &Output, project: &str, expected: &str) {
    let (engine_err, probe_err) = (stderr(engine), stderr(probe));
    assert_eq!(engine.status.code(), Some(1), "{engine_err}");
    assert_eq!(probe.status.code(), engine.status.code(), "{probe_err}");
    assert_eq!(error_line(&probe_err, project), expected);
    assert_eq!(
        error_line(&probe_err, project),
        error_line(&engine_err, project)
    );
}

#[test]
fn a_never_healthy_dependency_fails_alike_in_both_modes() {
    let s = Stack::new("probeneverdep", NEVER_HEALTHY);
    let engine = s.hoist(&["up", "-d"]);
    s.ok(&["down", "-t", "0"]);
    let probe = s.hoist(&["up", "-d", "--readiness", "probe"]);
    assert_same_failure(
        &engine,
        &probe,
        &s.name,
        "error: dependency failed to start: container PROJECT-db-1 is unhealthy",
    );
    let web = inspect(&format!("{}-web-1", s.name));
    assert_eq!(web["State"]["Running"], false, "web must not start");
}

#[test]
fn a_never_healthy_service_fails_wait_alike_in_both_modes() {
    let s = Stack::new("probeneverwait", NEVER_HEALTHY);
    let engine = s.hoist(&["up", "-d", "--wait", "db"]);
    s.ok(&["down", "-t", "0"]);
    let probe = s.hoist_env(
        &["up", "-d", "--wait", "db"],
        &[("HOIST_READINESS", "probe")],
    );
    assert_same_failure(
        &engine,
        &probe,
        &s.name,
        "error: container PROJECT-db-1 is unhealthy",
    );
}

#[test]
fn a_container_that_exits_while_probed_fails_up_with_its_exit_code() {
    let compose = "services:
  job:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"sleep 1; exit 3\"]
    healthcheck:
      test: [\"CMD\", \"false\"]
      interval: 30s
";
    let s = Stack::new("probeexit", compose);
    let out = s.hoist(&["up", "-d", "--wait", "--readiness", "probe"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        error_line(&stderr, &s.name),
        "error: container PROJECT-job-1 exited (3)"
    );
}

#[test]
fn cmd_cmd_shell_and_string_tests_run_as_the_engine_runs_them() {
    // Each test passes only when run in its own form: `CMD` as an argument list (a shell
    // would split "a b"), `CMD-SHELL` and the string form through `/bin/sh -c` (`||` means
    // nothing to `false` itself). A disabled healthcheck is never probed.
    let compose = "services:
  argv:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD\", \"test\", \"a b\", \"=\", \"a b\"]
      interval: 30s
  shell:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD-SHELL\", \"false || true\"]
      interval: 30s
  string:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: \"false || true\"
      interval: 30s
  off:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      disable: true
";
    let s = Stack::new("probeforms", compose);
    let out = s.hoist_env(
        &["--progress", "json", "up", "-d", "--wait"],
        &[("HOIST_READINESS", "probe")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let events = json_events(&stderr);
    let said = |service: &str, status: &str| {
        let id = format!("Container {}-{service}-1", s.name);
        events
            .iter()
            .any(|e| e["id"] == id.as_str() && e["status"] == status)
    };
    for service in ["argv", "shell", "string"] {
        assert!(said(service, "Healthy (probed)"), "{service}:\n{stderr}");
        assert_eq!(
            engine_health(&format!("{}-{service}-1", s.name)),
            "starting"
        );
    }
    assert!(said("off", "Running"), "{stderr}");
    assert!(!said("off", "Healthy (probed)"), "{stderr}");
    // The disabled check left no trace of an exec in the container.
    let execs = docker(&[
        "inspect",
        "--format",
        "{{len .ExecIDs}}",
        &format!("{}-off-1", s.name),
    ]);
    assert_eq!(
        execs.trim(),
        "0",
        "nothing was exec'd in the disabled service"
    );
}

#[test]
fn probe_mode_takes_the_engines_verdict_for_a_container_it_did_not_start() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD\", \"true\"]
      interval: 1s
";
    let s = Stack::new("probekept", compose);
    s.ok(&["up", "-d", "--wait"]);
    let container = format!("{}-db-1", s.name);
    assert_eq!(engine_health(&container), "healthy");
    // Kept as it is: hoist does not start it, so does not probe it; the engine has decided.
    let out = s.hoist(&["up", "-d", "--wait", "--readiness", "probe"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let healthy = format!(" Container {container}  Healthy");
    assert!(stderr.lines().any(|l| l == healthy), "{stderr}");
    assert!(!stderr.contains("(probed)"), "{stderr}");
}

#[test]
fn an_unknown_readiness_mode_is_a_usage_error() {
    let s = Stack::new("probebad", "services:\n  a:\n    image: $IMAGE\n");
    let out = s.hoist_env(&["up", "-d"], &[("HOIST_READINESS", "fast")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[possible values: engine, probe]"),
        "{stderr}"
    );
    assert!(s.containers().is_empty(), "nothing is created");
}
