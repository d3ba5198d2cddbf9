//! A second `up` touches nothing; a changed service alone is recreated.

use crate::support::{Stack, inspect};

const TWO: &str = "services:
  a:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    environment:
      LEVEL: ${LEVEL:-1}
  b:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
";

fn id(s: &Stack, service: &str) -> String {
    inspect(&format!("{}-{service}-1", s.name))["Id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn second_up_leaves_every_container_alone() {
    let s = Stack::new("noop", TWO);
    s.ok(&["up", "-d"]);
    let (a, b) = (id(&s, "a"), id(&s, "b"));
    s.ok(&["up", "-d"]);
    assert_eq!((id(&s, "a"), id(&s, "b")), (a, b));
}

#[test]
fn changed_variable_recreates_only_that_service() {
    let s = Stack::new("changed", TWO);
    s.ok(&["up", "-d"]);
    let (a, b) = (id(&s, "a"), id(&s, "b"));
    let out = s.hoist_env(&["up", "-d"], &[("LEVEL", "2")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(id(&s, "a"), a, "a changed and must be recreated");
    assert_eq!(id(&s, "b"), b, "b did not change");
}

#[test]
fn force_recreate_replaces_and_no_recreate_keeps() {
    let s = Stack::new("force", TWO);
    s.ok(&["up", "-d"]);
    let b = id(&s, "b");
    s.ok(&["up", "-d", "--force-recreate", "b"]);
    let b2 = id(&s, "b");
    assert_ne!(b2, b);
    let out = s.hoist_env(&["up", "-d", "--no-recreate"], &[("LEVEL", "9")]);
    assert!(out.status.success());
    assert_eq!(id(&s, "b"), b2);
}

#[test]
fn scale_creates_and_removes_replicas() {
    let s = Stack::new("scale", TWO);
    s.ok(&["up", "-d", "--scale", "b=3"]);
    assert_eq!(
        s.containers().iter().filter(|c| c.contains("-b-")).count(),
        3
    );
    s.ok(&["up", "-d", "--scale", "b=1"]);
    assert_eq!(
        s.containers().iter().filter(|c| c.contains("-b-")).count(),
        1
    );
}

#[test]
fn orphans_are_warned_about_and_removed_on_request() {
    let s = Stack::new("orphans", TWO);
    s.ok(&["up", "-d"]);
    s.write("compose.yaml", "services:\n  a:\n    image: $IMAGE\n    command: [\"sleep\", \"300\"]\n    stop_grace_period: 1s\n");
    let out = s.hoist(&["up", "-d"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Found orphan containers"));
    s.ok(&["up", "-d", "--remove-orphans"]);
    assert_eq!(s.containers(), vec![format!("{}-a-1", s.name)]);
}
