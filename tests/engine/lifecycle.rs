//! up, ps, logs, stop, start, restart, rm, kill, down.

use crate::support::{Stack, docker, inspect};

const WEB: &str = "services:
  web:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"echo hello from web; exec sleep 300\"]
    stop_grace_period: 1s
  worker:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
";

#[test]
fn up_detached_creates_network_and_containers_with_compose_labels() {
    let s = Stack::new("labels", WEB);
    s.ok(&["up", "-d"]);
    assert_eq!(
        s.containers(),
        vec![format!("{}-web-1", s.name), format!("{}-worker-1", s.name)]
    );
    assert_eq!(s.networks(), vec![format!("{}_default", s.name)]);
    let web = inspect(&format!("{}-web-1", s.name));
    let labels = &web["Config"]["Labels"];
    assert_eq!(labels["com.docker.compose.project"], s.name.as_str());
    assert_eq!(labels["com.docker.compose.service"], "web");
    assert_eq!(labels["com.docker.compose.container-number"], "1");
    assert_eq!(labels["com.docker.compose.oneoff"], "False");
    assert_eq!(
        labels["com.docker.compose.config-hash"]
            .as_str()
            .map(str::len),
        Some(64)
    );
    assert_eq!(web["State"]["Running"], true);
}

#[test]
fn ps_lists_the_running_containers_and_json_lines_parse() {
    let s = Stack::new("ps", WEB);
    s.ok(&["up", "-d"]);
    let table = s.ok(&["ps"]);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.contains(&format!("{}-web-1", s.name)), "{table}");
    let json = s.ok(&["ps", "--format", "json"]);
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["State"] == "running"));
    assert_eq!(
        s.ok(&["ps", "--services"]).lines().collect::<Vec<_>>(),
        vec!["web", "worker"]
    );
    assert_eq!(s.ok(&["ps", "-q"]).lines().count(), 2);
}

#[test]
fn logs_prefix_each_line_with_the_container_name() {
    let s = Stack::new("logs", WEB);
    s.ok(&["up", "-d", "--wait"]);
    // Running is not "has printed yet": give the shell its moment, under any load.
    let expected = format!("{}-web-1 | hello from web", s.name);
    let mut out = String::new();
    for _ in 0..100 {
        out = s.ok(&["logs", "--no-color", "web"]);
        if out.contains(&expected) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(out.contains(&expected), "{out}");
    let bare = s.ok(&["logs", "--no-log-prefix", "web"]);
    assert_eq!(bare.trim(), "hello from web");
}

#[test]
fn stop_start_restart_and_kill_change_container_states() {
    let s = Stack::new("states", WEB);
    s.ok(&["up", "-d"]);
    let web = format!("{}-web-1", s.name);
    s.ok(&["stop", "web"]);
    assert_eq!(inspect(&web)["State"]["Running"], false);
    assert_eq!(
        inspect(&format!("{}-worker-1", s.name))["State"]["Running"],
        true
    );
    s.ok(&["start", "web"]);
    assert_eq!(inspect(&web)["State"]["Running"], true);
    let before = inspect(&web)["State"]["StartedAt"].clone();
    s.ok(&["restart", "web"]);
    assert_ne!(inspect(&web)["State"]["StartedAt"], before);
    s.ok(&["kill", "-s", "SIGKILL", "web"]);
    assert_eq!(inspect(&web)["State"]["Running"], false);
    s.ok(&["rm", "-f", "web"]);
    assert_eq!(s.containers(), vec![format!("{}-worker-1", s.name)]);
}

#[test]
fn down_removes_containers_and_networks_but_keeps_volumes_without_v() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    volumes: [data:/data]
volumes:
  data: {}
";
    let s = Stack::new("down", compose);
    s.ok(&["up", "-d"]);
    assert_eq!(s.volumes(), vec![format!("{}_data", s.name)]);
    s.ok(&["down"]);
    assert!(s.containers().is_empty());
    assert!(s.networks().is_empty());
    assert_eq!(s.volumes(), vec![format!("{}_data", s.name)]);
    s.ok(&["up", "-d"]);
    s.ok(&["down", "-v"]);
    assert!(s.volumes().is_empty());
}

#[test]
fn data_in_a_named_volume_survives_down_and_up() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"test -f /data/seen || echo first > /data/seen; exec sleep 300\"]
    stop_grace_period: 1s
    volumes: [data:/data]
volumes:
  data: {}
";
    let s = Stack::new("volume", compose);
    s.ok(&["up", "-d", "--wait"]);
    docker(&[
        "exec",
        &format!("{}-db-1", s.name),
        "sh",
        "-c",
        "echo kept > /data/mark",
    ]);
    s.ok(&["down"]);
    s.ok(&["up", "-d", "--wait"]);
    let mark = docker(&["exec", &format!("{}-db-1", s.name), "cat", "/data/mark"]);
    assert_eq!(mark.trim(), "kept");
}

#[test]
fn services_reach_each_other_by_name_and_alias() {
    let compose = "services:
  server:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"echo pong > /tmp/index.html; exec httpd -f -p 8080 -h /tmp\"]
    stop_grace_period: 1s
    networks:
      default:
        aliases: [api]
  client:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
";
    let s = Stack::new("dns", compose);
    s.ok(&["up", "-d", "--wait"]);
    let client = format!("{}-client-1", s.name);
    for host in ["server", "api"] {
        let mut got = String::new();
        for _ in 0..50 {
            got = docker(&[
                "exec",
                &client,
                "wget",
                "-qO-",
                &format!("http://{host}:8080/"),
            ]);
            if got.trim() == "pong" {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert_eq!(got.trim(), "pong", "{host} did not answer");
    }
}

#[test]
fn down_works_from_labels_alone_when_the_file_is_gone() {
    let s = Stack::new("labelsonly", WEB);
    s.ok(&["up", "-d"]);
    std::fs::remove_file(s.path().join("compose.yaml")).expect("remove compose file");
    s.ok(&["down"]);
    assert!(s.containers().is_empty());
    assert!(s.networks().is_empty());
}

#[test]
fn down_rmi_local_removes_only_the_images_hoist_names() {
    let compose = "services:
  tool:
    build: .
    command: [\"sleep\", \"300\"]
    init: true
  base:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    init: true
";
    let s = Stack::new("rmi", compose);
    let built = format!("{}-tool", s.name);
    docker(&["tag", crate::support::IMAGE, &built]);
    s.ok(&["up", "-d"]);
    s.ok(&["down", "--rmi", "local"]);
    assert_eq!(
        inspect(&built),
        serde_json::Value::Null,
        "{built} must be gone"
    );
    assert_ne!(
        inspect(crate::support::IMAGE),
        serde_json::Value::Null,
        "the base image stays"
    );
}

#[test]
fn missing_bind_source_directory_is_created() {
    let compose = "services:
  app:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"echo hi > /out/file; exec sleep 300\"]
    init: true
    volumes: [\"./out:/out\"]
";
    let s = Stack::new("bind", compose);
    s.ok(&["up", "-d", "--wait"]);
    let file = s.path().join("out/file");
    // The shell creates the file before it writes to it: wait for the content.
    let mut content = String::new();
    for _ in 0..100 {
        content = std::fs::read_to_string(&file).unwrap_or_default();
        if content.trim() == "hi" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(content.trim(), "hi", "written through the bind");
}

#[test]
fn logs_follow_picks_up_a_container_that_restarts() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let compose = "services:
  app:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"echo started at $$(cat /proc/uptime); exec sleep 300\"]
    init: true
";
    let s = Stack::new("follow", compose);
    s.ok(&["up", "-d", "--wait"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["-p", &s.name, "logs", "-f", "--no-color"])
        .current_dir(s.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start hoist logs -f");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.contains("started at"), "{first}");
    s.ok(&["restart", "app"]);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.contains("started at") && tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(15)) {
        if line != first {
            seen.push(line);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(!seen.is_empty(), "no output after the restart");
}

#[test]
fn kill_remove_orphans_removes_containers_of_services_gone_from_the_file() {
    let s = Stack::new("killorphans", WEB);
    s.ok(&["up", "-d"]);
    s.write("compose.yaml", "services:\n  web:\n    image: $IMAGE\n    command: [\"sleep\", \"300\"]\n    stop_grace_period: 1s\n");
    s.ok(&["kill", "--remove-orphans"]);
    assert_eq!(s.containers(), vec![format!("{}-web-1", s.name)]);
}

/// Runs hoist `args` on `s` and returns how many distinct containers the engine signalled
/// (`kill` events) before the first of them died.
fn signalled_before_first_death(s: &Stack, args: &[&str]) -> usize {
    let since = docker(&["info", "--format", "{{.SystemTime}}"]);
    s.ok(args);
    let until = docker(&["info", "--format", "{{.SystemTime}}"]);
    let events = docker(&[
        "events",
        "--since",
        since.trim(),
        "--until",
        until.trim(),
        "--filter",
        &format!("label=com.docker.compose.project={}", s.name),
        "--filter",
        "event=kill",
        "--filter",
        "event=die",
        "--format",
        "{{.Action}} {{.Actor.ID}}",
    ]);
    let actions: Vec<(&str, &str)> = events.lines().filter_map(|l| l.split_once(' ')).collect();
    let first_die = actions
        .iter()
        .position(|(a, _)| *a == "die")
        .expect("a die event");
    let signalled: std::collections::BTreeSet<&str> = actions[..first_die]
        .iter()
        .filter(|(a, _)| *a == "kill")
        .map(|(_, id)| *id)
        .collect();
    signalled.len()
}

// `sleep` as PID 1 ignores SIGTERM, so each stop below lasts the whole grace period:
// stopped one after another, a container would die before the next one is even signalled.
// The period is long enough that a loaded engine still signals all of them within it.

#[test]
fn down_stops_the_replicas_of_a_service_together() {
    let s = Stack::new(
        "downreplicas",
        "services:
  w:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 6s
    scale: 3
",
    );
    s.ok(&["up", "-d"]);
    assert_eq!(signalled_before_first_death(&s, &["down"]), 3);
}

#[test]
fn stop_and_restart_handle_independent_services_together() {
    let s = Stack::new(
        "stoptogether",
        "services:
  a:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 6s
  b:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 6s
",
    );
    s.ok(&["up", "-d"]);
    assert_eq!(signalled_before_first_death(&s, &["restart"]), 2);
    assert_eq!(signalled_before_first_death(&s, &["stop"]), 2);
    s.ok(&["start"]);
    assert_eq!(
        inspect(&format!("{}-a-1", s.name))["State"]["Running"],
        true
    );
    assert_eq!(
        inspect(&format!("{}-b-1", s.name))["State"]["Running"],
        true
    );
}
