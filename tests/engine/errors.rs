//! Engine errors: each with its message and exit status.

use crate::support::Stack;

#[test]
fn unreachable_daemon_has_its_own_exit_code() {
    let s = Stack::new("nodaemon", "services:\n  a:\n    image: $IMAGE\n");
    let out = s.hoist_env(
        &["ps"],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert_eq!(out.status.code(), Some(125));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock"),
        "{stderr}"
    );
}

#[test]
fn missing_image_names_the_service_and_the_image() {
    let s = Stack::new(
        "noimage",
        "services:\n  app:\n    image: hoist-test/does-not-exist:1\n",
    );
    let out = s.hoist(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("service \"app\""), "{stderr}");
    assert!(stderr.contains("hoist-test/does-not-exist:1"), "{stderr}");
}

#[test]
fn port_already_allocated_is_reported_for_the_service() {
    let holder = std::net::TcpListener::bind("0.0.0.0:0").expect("bind a port");
    let port = holder.local_addr().expect("addr").port();
    let s = Stack::new(
        "port",
        &format!(
            "services:\n  web:\n    image: $IMAGE\n    command: [\"sleep\", \"300\"]\n    ports: [\"{port}:80\"]\n"
        ),
    );
    let out = s.hoist(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("service \"web\""), "{stderr}");
    assert!(stderr.contains("cannot publish port"), "{stderr}");
    drop(holder);
}
