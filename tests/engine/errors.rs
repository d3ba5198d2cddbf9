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

/// A socket that answers every connection with `response` and closes it, until the test
/// ends. A stand-in for a daemon that is there but broken (starting up, shutting down, a
/// proxy in front of it): the real engine here cannot be made to answer `/_ping` so.
fn answering_socket(name: &str, response: &'static str) -> std::path::PathBuf {
    use std::io::{Read, Write};
    let path = std::env::temp_dir().join(format!("hoist-{name}-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind the socket");
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut request = [0u8; 1024];
            let _ = conn.read(&mut request);
            let _ = conn.write_all(response.as_bytes());
        }
    });
    path
}

#[test]
fn a_daemon_that_refuses_the_ping_is_unreachable_with_its_answer() {
    let socket = answering_socket(
        "ping503",
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
    );
    let s = Stack::new("ping503", "services:\n  a:\n    image: $IMAGE\n");
    let host = format!("unix://{}", socket.display());
    let out = s.hoist_env(&["ps"], &[("DOCKER_HOST", host.as_str())]);
    let _ = std::fs::remove_file(&socket);
    assert_eq!(out.status.code(), Some(125));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("Cannot connect to the Docker daemon at {host}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("unexpected answer to /_ping: HTTP/1.1 503 Service Unavailable"),
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
