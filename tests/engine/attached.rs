//! Attached `up`: output streamed with prefixes, exit codes passed through, Ctrl-C stops
//! the stack and a later `up` converges.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Stack, inspect};

#[test]
fn exit_code_from_returns_the_services_code_and_stops_the_rest() {
    let compose = "services:
  app:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
  job:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"sleep 1; echo bye from job; exit 3\"]
";
    let s = Stack::new("exitcode", compose);
    let out = s.hoist(&["up", "--exit-code-from", "job"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("{}-job-1 | bye from job", s.name)),
        "{stdout}"
    );
    assert_eq!(
        inspect(&format!("{}-app-1", s.name))["State"]["Running"],
        false
    );
}

#[test]
fn attached_up_returns_when_every_container_has_exited() {
    let compose = "services:
  a:
    image: $IMAGE
    command: [\"echo\", \"one\"]
  b:
    image: $IMAGE
    command: [\"echo\", \"two\"]
";
    let s = Stack::new("allexit", compose);
    let out = s.hoist(&["up"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("| one") && stdout.contains("| two"),
        "{stdout}"
    );
}

/// Starts attached `hoist up` on `s`, sends it SIGINT (Ctrl-C) as soon as `container` runs,
/// and returns what hoist printed and its exit status.
fn interrupt_attached_up_once_running(s: &Stack, container: &str) -> std::process::Output {
    let child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["-p", &s.name, "up"])
        .current_dir(s.path())
        .env("COMPOSE_PROGRESS", "plain")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hoist up");
    let deadline = Instant::now() + Duration::from_secs(30);
    while inspect(container)["State"]["Running"] != true {
        assert!(Instant::now() < deadline, "{container} never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    child.wait_with_output().expect("wait for hoist")
}

#[test]
fn ctrl_c_stops_the_stack_with_130_and_up_again_converges() {
    let compose = "services:
  web:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    init: true
";
    let s = Stack::new("ctrlc", compose);
    let web = format!("{}-web-1", s.name);
    let out = interrupt_attached_up_once_running(&s, &web);
    let id = inspect(&web)["Id"].clone();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        inspect(&web)["State"]["Running"],
        false,
        "Ctrl-C stops the stack"
    );
    s.ok(&["up", "-d"]);
    assert_eq!(inspect(&web)["Id"], id, "the stopped container is reused");
    assert_eq!(inspect(&web)["State"]["Running"], true);
    s.ok(&["down"]);
    assert!(s.containers().is_empty() && s.networks().is_empty());
}

#[test]
fn ctrl_c_while_the_stack_is_still_starting_stops_it_with_130() {
    // web waits for db's first healthcheck: Ctrl-C comes while up is still starting.
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    init: true
    healthcheck:
      test: [\"CMD\", \"true\"]
      interval: 2s
  web:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    init: true
    depends_on:
      db:
        condition: service_healthy
";
    let s = Stack::new("ctrlcearly", compose);
    let db = format!("{}-db-1", s.name);
    let out = interrupt_attached_up_once_running(&s, &db);
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [db, format!("{}-web-1", s.name)] {
        assert_ne!(inspect(&name)["State"]["Running"], true, "{name} stopped");
    }
    s.ok(&["down"]);
}
