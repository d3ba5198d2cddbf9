//! depends_on conditions, from the engine's events: started, healthy, completed.

use crate::support::{Stack, first_healthy_at, inspect, sortable_time, started_at};

#[test]
fn dependent_starts_only_after_its_dependency_is_healthy() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"sleep 1; touch /tmp/ready; exec sleep 300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ready\"]
      interval: 1s
      retries: 30
  web:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on:
      db:
        condition: service_healthy
";
    let s = Stack::new("healthy", compose);
    s.ok(&["up", "-d"]);
    let first_ok = first_healthy_at(&format!("{}-db-1", s.name));
    let web_started = started_at(&format!("{}-web-1", s.name));
    assert!(
        web_started > first_ok,
        "web started at {web_started}, db healthy at {first_ok}"
    );
}

#[test]
fn failing_init_job_fails_up_and_its_dependent_is_not_started() {
    let compose = "services:
  init:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"exit 3\"]
  app:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    depends_on:
      init:
        condition: service_completed_successfully
";
    let s = Stack::new("initfail", compose);
    let out = s.hoist(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("didn't complete successfully: exit 3"),
        "{stderr}"
    );
    let app = inspect(&format!("{}-app-1", s.name));
    assert_eq!(app["State"]["Running"], false, "app must not start");
}

#[test]
fn wait_succeeds_when_a_one_shot_init_job_exits_zero() {
    let compose = "services:
  init:
    image: $IMAGE
    command: [\"true\"]
  app:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on:
      init:
        condition: service_completed_successfully
";
    let s = Stack::new("initok", compose);
    s.ok(&["up", "-d", "--wait"]);
    assert_eq!(
        inspect(&format!("{}-app-1", s.name))["State"]["Running"],
        true
    );
}

#[test]
fn back_to_back_up_runs_the_init_job_again_and_returns() {
    let compose = "services:
  init:
    image: $IMAGE
    command: [\"true\"]
  app:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on:
      init:
        condition: service_completed_successfully
";
    let s = Stack::new("initagain", compose);
    s.ok(&["up", "-d", "--wait"]);
    // The second up restarts the exited job within the second the events replay: the
    // previous run's `die` must not be taken for this run's outcome, nor hide it.
    s.ok(&["up", "-d", "--wait"]);
    s.ok(&["up", "-d"]);
    assert_eq!(
        inspect(&format!("{}-init-1", s.name))["State"]["ExitCode"],
        0
    );
}

#[test]
fn what_others_wait_on_is_created_and_started_before_the_independent_services() {
    let mut compose = String::from(
        "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
  web:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on: [db]
",
    );
    for i in 0..8 {
        compose.push_str(&format!(
            "  solo{i}:\n    image: $IMAGE\n    command: [\"sleep\", \"300\"]\n    stop_grace_period: 1s\n"
        ));
    }
    let s = Stack::new("ranked", &compose);
    s.ok(&["up", "-d"]);
    let created = |svc: &str| sortable_time(&inspect(&format!("{}-{svc}-1", s.name))["Created"]);
    let db = created("db");
    for i in 0..8 {
        let solo = created(&format!("solo{i}"));
        assert!(db < solo, "db created at {db}, solo{i} at {solo}");
    }
    // And started first: the dependent too, before any independent service starts.
    let started = |svc: &str| started_at(&format!("{}-{svc}-1", s.name));
    let web = started("web");
    for i in 0..8 {
        let solo = started(&format!("solo{i}"));
        assert!(web < solo, "web started at {web}, solo{i} at {solo}");
    }
}

#[test]
fn wait_accepts_a_job_nothing_waits_on_that_exits_zero() {
    // app starts a healthcheck interval after the job, so the job has surely exited 0
    // when --wait looks at it; nothing waits for its completion.
    let compose = "services:
  job:
    image: $IMAGE
    command: [\"true\"]
  slow:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD\", \"true\"]
      interval: 1s
  app:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on:
      job:
        condition: service_started
      slow:
        condition: service_healthy
";
    let s = Stack::new("lonejob", compose);
    s.ok(&["up", "-d", "--wait"]);
    assert_eq!(
        inspect(&format!("{}-job-1", s.name))["State"]["ExitCode"],
        0
    );
}

#[test]
fn unhealthy_dependency_fails_up_with_the_reason() {
    let compose = "services:
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
    depends_on:
      db:
        condition: service_healthy
";
    let s = Stack::new("unhealthy", compose);
    let out = s.hoist(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is unhealthy"), "{stderr}");
}

#[test]
fn optional_dependency_failure_is_only_a_warning() {
    let compose = "services:
  init:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"exit 1\"]
  app:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on:
      init:
        condition: service_completed_successfully
        required: false
";
    let s = Stack::new("optional", compose);
    s.ok(&["up", "-d"]);
    assert_eq!(
        inspect(&format!("{}-app-1", s.name))["State"]["Running"],
        true
    );
}

#[test]
fn wait_timeout_fails_when_a_service_never_becomes_healthy() {
    let compose = "services:
  slow:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    init: true
    healthcheck:
      test: [\"CMD\", \"false\"]
      interval: 30s
";
    let s = Stack::new("waittimeout", compose);
    let out = s.hoist(&["up", "-d", "--wait", "--wait-timeout", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("timeout"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn restart_true_restarts_the_dependent_when_its_dependency_is_recreated() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    init: true
    environment:
      V: ${V:-1}
  app:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    init: true
    depends_on:
      db:
        condition: service_started
        restart: true
";
    let s = Stack::new("restarttrue", compose);
    s.ok(&["up", "-d"]);
    let app = format!("{}-app-1", s.name);
    let (id, started) = (
        inspect(&app)["Id"].clone(),
        inspect(&app)["State"]["StartedAt"].clone(),
    );
    let out = s.hoist_env(&["up", "-d"], &[("V", "2")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(inspect(&app)["Id"], id, "app itself did not change");
    assert_ne!(
        inspect(&app)["State"]["StartedAt"],
        started,
        "app was restarted"
    );
}

#[test]
fn no_deps_starts_only_the_named_service_and_no_start_only_creates() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    init: true
  app:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    init: true
    depends_on: [db]
";
    let s = Stack::new("nodeps", compose);
    s.ok(&["up", "-d", "--no-deps", "app"]);
    assert_eq!(s.containers(), vec![format!("{}-app-1", s.name)]);
    s.ok(&["up", "--no-start"]);
    assert_eq!(
        inspect(&format!("{}-db-1", s.name))["State"]["Status"],
        "created"
    );
}

#[test]
fn a_dependency_with_a_shorter_chain_than_its_dependent_does_not_hang_up() {
    // web waits for cache to start; cache's own chain is shorter than web's, which once
    // made cache wait for web to be handed to the engine first: neither ever started.
    let compose = "services:
  init:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on: [init]
  cache:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
  web:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on: [cache, db]
";
    let s = Stack::new("shortdep", compose);
    s.ok(&["up", "-d"]);
    for svc in ["init", "db", "cache", "web"] {
        assert_eq!(
            inspect(&format!("{}-{svc}-1", s.name))["State"]["Running"],
            true,
            "{svc} runs"
        );
    }
}
