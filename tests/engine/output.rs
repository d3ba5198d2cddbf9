//! Progress output: plain lines as Compose prints them, JSON events that parse.

use crate::support::{Stack, json_events};

const ONE: &str =
    "services:\n  web:\n    image: $IMAGE\n    command: [\"sleep\", \"300\"]\n    init: true\n";

#[test]
fn plain_progress_prints_one_line_per_state_change() {
    let s = Stack::new("plain", ONE);
    let out = s.hoist(&["--progress", "plain", "up", "-d"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let container = format!("{}-web-1", s.name);
    for expected in [
        format!(" Network {}_default  Creating", s.name),
        format!(" Network {}_default  Created", s.name),
        format!(" Container {container}  Creating"),
        format!(" Container {container}  Created"),
        format!(" Container {container}  Starting"),
        format!(" Container {container}  Started"),
    ] {
        assert!(
            stderr.lines().any(|l| l == expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains('\u{1b}'),
        "no escape codes in plain output"
    );
}

#[test]
fn a_second_up_announces_no_network_creation() {
    let s = Stack::new("plainagain", ONE);
    s.ok(&["--progress", "plain", "up", "-d"]);
    let out = s.hoist(&["--progress", "plain", "up", "-d"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("Network"),
        "the network exists already, as Compose says nothing of it:\n{stderr}"
    );
    let running = format!(" Container {}-web-1  Running", s.name);
    assert!(
        stderr.lines().any(|l| l == running),
        "missing {running:?} in:\n{stderr}"
    );
}

#[test]
fn json_progress_prints_one_object_per_event() {
    let s = Stack::new("jsonprog", ONE);
    let out = s.hoist(&["--progress", "json", "up", "-d"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let events = json_events(&stderr);
    let started = format!("Container {}-web-1", s.name);
    assert!(
        events
            .iter()
            .any(|e| e["id"] == started.as_str() && e["status"] == "Started"),
        "{stderr}"
    );
}

#[test]
fn tty_progress_with_ansi_never_is_refused_like_compose() {
    let s = Stack::new("modes", ONE);
    let out = s.hoist(&["--progress", "tty", "--ansi", "never", "up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("can't use --progress tty while ANSI support is disabled"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s.containers().is_empty(), "nothing is created");
}
