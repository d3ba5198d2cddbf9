//! Docker Compose v2.40.3 and hoist see and adopt each other's containers.

use crate::support::{Stack, inspect};

const STACK: &str = "services:
  db:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"touch /tmp/ok; exec sleep 300\"]
    stop_grace_period: 1s
    environment:
      MODE: test
    healthcheck:
      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ok\"]
      interval: 1s
    volumes: [data:/data]
  web:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on:
      db:
        condition: service_healthy
    ports: [\"127.0.0.1::8080\"]
    labels:
      team: data
volumes:
  data: {}
";

fn ids(s: &Stack) -> Vec<String> {
    let mut ids: Vec<String> = s
        .containers()
        .iter()
        .map(|c| inspect(c)["Id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

fn compose_ok(s: &Stack, args: &[&str]) -> String {
    let out = s.compose(args);
    assert!(
        out.status.success(),
        "docker compose {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn docker_compose_lists_and_keeps_hoists_containers() {
    let s = Stack::new("interop-a", STACK);
    s.ok(&["up", "-d", "--wait"]);
    let before = ids(&s);
    let ps = compose_ok(&s, &["ps", "--format", "json"]);
    assert_eq!(
        ps.lines().count(),
        2,
        "docker compose ps sees both containers:\n{ps}"
    );
    compose_ok(&s, &["up", "-d"]);
    assert_eq!(
        ids(&s),
        before,
        "docker compose recreated hoist's containers"
    );
}

#[test]
fn hoist_adopts_and_tears_down_a_docker_compose_stack() {
    let s = Stack::new("interop-b", STACK);
    compose_ok(&s, &["up", "-d", "--wait"]);
    let before = ids(&s);
    s.ok(&["up", "-d"]);
    assert_eq!(
        ids(&s),
        before,
        "hoist recreated Docker Compose's containers"
    );
    s.ok(&["down", "-v"]);
    assert!(s.containers().is_empty());
    assert!(s.networks().is_empty());
    assert!(s.volumes().is_empty());
}
