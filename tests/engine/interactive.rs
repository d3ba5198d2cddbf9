//! exec, run and attach: processes people talk to, with and without a terminal.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::{Stack, docker, first_healthy_at, inspect, started_at, stderr, stdout};

/// A service that idles, for `exec`.
const IDLE: &str = "services:
  box:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
";

/// Runs hoist in the stack with `input` on its standard input.
fn hoist_with_stdin(s: &Stack, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .arg("-p")
        .arg(&s.name)
        .args(args)
        .current_dir(s.path())
        .env("COMPOSE_PROGRESS", "plain")
        .env_remove("COMPOSE_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hoist");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("write stdin");
    drop(stdin);
    child.wait_with_output().expect("wait for hoist")
}

/// Runs hoist under a pseudo-terminal (util-linux `script`), as from an interactive shell.
fn hoist_in_terminal(s: &Stack, args: &str) -> Output {
    let line = format!("{} -p {} {args}", env!("CARGO_BIN_EXE_hoist"), s.name);
    Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(s.path())
        .env("COMPOSE_PROGRESS", "plain")
        .env_remove("COMPOSE_FILE")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) is needed for the terminal tests")
}

/// The project's one-off containers (running or not).
fn one_offs(s: &Stack) -> Vec<String> {
    let out = docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("label=com.docker.compose.project={}", s.name),
        "--filter",
        "label=com.docker.compose.oneoff=True",
        "--format",
        "{{.Names}}",
    ]);
    out.lines().map(str::to_string).collect()
}

#[test]
fn exec_without_a_tty_pipes_stdin_through_and_passes_the_exit_status() {
    let s = Stack::new("exec-pipe", IDLE);
    s.ok(&["up", "-d"]);
    let out = hoist_with_stdin(
        &s,
        &["exec", "-T", "box", "sh", "-c", "cat; exit 7"],
        "hello from stdin\n",
    );
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hello from stdin\n");
}

#[test]
fn exec_stops_when_nobody_reads_its_output_any_more() {
    let s = Stack::new("exec-pipe-closed", IDLE);
    s.ok(&["up", "-d"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["-p", &s.name, "exec", "-T", "box", "seq", "1", "5000000"])
        .current_dir(s.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hoist");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(
        child.stdout.take().expect("stdout"),
    ));
    assert_eq!(lines.next().expect("a line").expect("text"), "1");
    drop(lines);
    // As `hoist exec box seq ... | head -1`: the status a shell gives a SIGPIPE death,
    // long before the five million lines are through.
    assert_eq!(child.wait().expect("wait").code(), Some(141));
}

#[test]
fn exec_applies_environment_user_and_workdir() {
    let s = Stack::new("exec-env", IDLE);
    s.ok(&["up", "-d"]);
    let out = s.hoist_env(
        &[
            "exec",
            "-T",
            "-e",
            "GREETING=hi",
            "-e",
            "FROM_SHELL",
            "-u",
            "nobody",
            "-w",
            "/tmp",
            "box",
            "sh",
            "-c",
            "echo $GREETING $FROM_SHELL; id -u; pwd",
        ],
        &[("FROM_SHELL", "passed")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hi passed\n65534\n/tmp\n");
}

#[test]
fn exec_gets_a_tty_in_a_terminal_and_plain_streams_otherwise() {
    let s = Stack::new("exec-tty", IDLE);
    s.ok(&["up", "-d"]);
    let out = hoist_in_terminal(&s, "exec box sh -c 'tty; exit 5'");
    assert_eq!(out.status.code(), Some(5), "{}", stdout(&out));
    assert!(stdout(&out).contains("/dev/pts/"), "{}", stdout(&out));

    let out = hoist_in_terminal(&s, "exec -T box tty");
    assert!(stdout(&out).contains("not a tty"), "{}", stdout(&out));

    let out = s.hoist(&["exec", "box", "tty"]);
    assert_eq!(stdout(&out), "not a tty\n");
}

#[test]
fn run_gets_a_tty_in_a_terminal_and_plain_streams_otherwise() {
    let s = Stack::new("run-tty", IDLE);
    let out = hoist_in_terminal(&s, "run --rm box sh -c 'tty; exit 6'");
    assert_eq!(out.status.code(), Some(6), "{}", stdout(&out));
    assert!(stdout(&out).contains("/dev/pts/"), "{}", stdout(&out));
    let out = s.hoist(&["run", "--rm", "box", "tty"]);
    assert_eq!(stdout(&out), "not a tty\n");
}

#[test]
fn an_explicit_tty_on_piped_input_is_refused_as_docker_does() {
    let s = Stack::new("exec-notty", IDLE);
    s.ok(&["up", "-d"]);
    for args in [
        &["exec", "-t", "box", "true"][..],
        &["run", "--rm", "-t", "box", "true"],
    ] {
        let out = hoist_with_stdin(&s, args, "input\n");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("the input device is not a TTY"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(one_offs(&s), Vec::<String>::new());
}

#[test]
fn exec_on_a_service_that_is_not_running_says_so() {
    let s = Stack::new("exec-down", IDLE);
    s.ok(&["up", "-d"]);
    s.ok(&["stop"]);
    let out = s.hoist(&["exec", "-T", "box", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("service \"box\" is not running"),
        "{}",
        stderr(&out)
    );
    let out = s.hoist(&["exec", "-T", "--index", "2", "box", "true"]);
    assert!(
        stderr(&out).contains("service \"box\" is not running container #2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn run_with_rm_leaves_nothing_and_passes_the_exit_status() {
    let s = Stack::new(
        "run-rm",
        "services:
  job:
    image: $IMAGE
    environment:
      FROM_FILE: file
",
    );
    let out = hoist_with_stdin(
        &s,
        &[
            "run",
            "--rm",
            "-e",
            "EXTRA=cli",
            "job",
            "sh",
            "-c",
            "cat; echo $FROM_FILE $EXTRA; exit 4",
        ],
        "piped\n",
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(stdout(&out), "piped\nfile cli\n");
    assert_eq!(one_offs(&s), Vec::<String>::new());
}

#[test]
fn run_without_rm_is_listed_by_ps_and_removed_by_down() {
    let s = Stack::new("run-keep", IDLE);
    s.ok(&["run", "-l", "team=data", "box", "true"]);
    let names = one_offs(&s);
    assert_eq!(names.len(), 1, "{names:?}");
    let name = &names[0];
    let prefix = format!("{}-box-run-", s.name);
    let id = name
        .strip_prefix(&prefix)
        .expect("named <project>-box-run-<id>");
    assert_eq!(id.len(), 12);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
    let labels = &inspect(name)["Config"]["Labels"];
    assert_eq!(labels["com.docker.compose.oneoff"], "True");
    assert_eq!(labels["team"], "data");
    let slug = labels["com.docker.compose.slug"]
        .as_str()
        .expect("slug label");
    assert!(slug.len() == 64 && slug.starts_with(id), "{slug}");
    assert!(labels.get("com.docker.compose.container-number").is_none());

    assert!(s.ok(&["ps", "-a"]).contains(name.as_str()));
    // The project name may follow the command (only `run -p` publishes a port).
    for flag in ["--project-name", "-p"] {
        let ps = Command::new(env!("CARGO_BIN_EXE_hoist"))
            .args(["ps", "-a", flag, &s.name])
            .current_dir(std::env::temp_dir())
            .output()
            .expect("run hoist");
        assert!(stdout(&ps).contains(name.as_str()), "{}", stderr(&ps));
    }
    s.ok(&["down"]);
    assert_eq!(one_offs(&s), Vec::<String>::new());
}

#[test]
fn run_starts_dependencies_and_waits_for_their_health() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"sleep 1; touch /tmp/ready; exec sleep 300\"]
    stop_grace_period: 1s
    healthcheck:
      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ready\"]
      interval: 1s
      retries: 30
  app:
    image: $IMAGE
    depends_on:
      db:
        condition: service_healthy
";
    let s = Stack::new("run-deps", compose);
    s.ok(&["run", "app", "true"]);
    let healthy_at = first_healthy_at(&format!("{}-db-1", s.name));
    let started = started_at(&one_offs(&s)[0]);
    assert!(
        started > healthy_at,
        "one-off started at {started}, db healthy at {healthy_at}"
    );
}

#[test]
fn run_no_deps_leaves_dependencies_alone() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
  app:
    image: $IMAGE
    depends_on: [db]
";
    let s = Stack::new("run-nodeps", compose);
    s.ok(&["run", "--rm", "--no-deps", "app", "true"]);
    assert_eq!(s.containers(), Vec::<String>::new());
}

#[test]
fn run_publishes_service_ports_only_when_asked() {
    let compose = "services:
  web:
    image: $IMAGE
    ports: [\"127.0.0.1::80\"]
";
    let s = Stack::new("run-ports", compose);
    let id = s.ok(&["run", "-d", "web", "sleep", "30"]);
    let plain = inspect(id.trim());
    assert_eq!(plain["HostConfig"]["PortBindings"], serde_json::json!({}));

    let id = s.ok(&["run", "-d", "--service-ports", "web", "sleep", "30"]);
    let bound = inspect(id.trim());
    assert_eq!(
        bound["HostConfig"]["PortBindings"]["80/tcp"][0]["HostIp"],
        "127.0.0.1"
    );

    let id = s.ok(&["run", "-d", "-p", "127.0.0.1::8080", "web", "sleep", "30"]);
    let published = inspect(id.trim());
    let bindings = &published["HostConfig"]["PortBindings"];
    assert_eq!(bindings["8080/tcp"][0]["HostIp"], "127.0.0.1");
    assert!(bindings.get("80/tcp").is_none(), "{bindings}");
    let port = docker(&["port", id.trim(), "8080/tcp"]);
    assert!(port.starts_with("127.0.0.1:"), "{port}");
}

#[test]
fn run_enables_the_profiles_of_the_named_service() {
    let compose = "services:
  tool:
    image: $IMAGE
    profiles: [tools]
";
    let s = Stack::new("run-profile", compose);
    let out = s.ok(&["run", "--rm", "tool", "echo", "from-tool"]);
    assert_eq!(out, "from-tool\n");
}

#[test]
fn run_with_a_missing_image_says_so_and_creates_nothing() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
  app:
    image: hoist-test/does-not-exist:1
    depends_on: [db]
";
    let s = Stack::new("run-noimage", compose);
    let out = s.hoist(&["run", "--rm", "app", "true"]);
    assert_eq!(out.status.code(), Some(1));
    // run pulls a missing image as up does; no registry answers here, so the pull fails
    // and the error names the service and the image.
    let err = stderr(&out);
    assert!(
        err.contains("service \"app\"") && err.contains("hoist-test/does-not-exist:1"),
        "{err}"
    );
    assert_eq!(s.containers(), Vec::<String>::new());
    assert_eq!(s.networks(), Vec::<String>::new());
}

#[test]
fn run_of_an_unknown_service_is_an_error() {
    let s = Stack::new("run-nosvc", IDLE);
    let out = s.hoist(&["run", "--rm", "nope", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no such service: nope"),
        "{}",
        stderr(&out)
    );
}

/// Runs `hoist run --rm box` in project `s`, sends it `signal` once its container runs,
/// and returns what hoist did.
fn run_then_signal(s: &Stack, signal: &str) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["--project-name", &s.name, "run", "--rm", "box"])
        .current_dir(s.path())
        .env("COMPOSE_PROGRESS", "plain")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hoist");
    // Wait (without a deadline on the behaviour itself) for the container to run.
    let mut running = false;
    for _ in 0..600 {
        let ps = docker(&[
            "ps",
            "--filter",
            &format!("label=com.docker.compose.project={}", s.name),
            "--format",
            "{{.Names}}",
        ]);
        if !ps.trim().is_empty() {
            running = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(running, "the one-off container never ran");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill")
            .success()
    );
    child.wait_with_output().expect("wait for hoist")
}

#[test]
fn run_interrupted_stops_and_removes_its_container() {
    let s = Stack::new("run-int", IDLE);
    let out = run_then_signal(&s, "-INT");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(one_offs(&s), Vec::<String>::new());
}

#[test]
fn run_terminated_stops_and_removes_its_container_too() {
    // SIGTERM is what a cancelled CI job sends.
    let s = Stack::new("run-term", IDLE);
    let out = run_then_signal(&s, "-TERM");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(one_offs(&s), Vec::<String>::new());
}

#[test]
fn attach_shows_the_main_process_output_and_returns_its_exit_status() {
    let compose = "services:
  ticker:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"while [ ! -f /tmp/stop ]; do echo tick; sleep 0.2; done; echo bye; exit 3\"]
";
    let s = Stack::new("attach", compose);
    s.ok(&["up", "-d"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["-p", &s.name, "attach", "--no-stdin", "ticker"])
        .current_dir(s.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hoist");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(
        child.stdout.take().expect("stdout"),
    ));
    // The output of a process that was already running reaches the attached terminal.
    let first = lines.next().expect("a line").expect("text");
    assert_eq!(first, "tick");
    docker(&[
        "exec",
        &format!("{}-ticker-1", s.name),
        "touch",
        "/tmp/stop",
    ]);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(rest.last().map(String::as_str), Some("bye"), "{rest:?}");
    let status = child.wait().expect("wait for hoist");
    assert_eq!(status.code(), Some(3));
}

#[test]
fn attach_passes_ctrl_c_on_to_the_process() {
    let compose = "services:
  ticker:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"trap 'echo got-int; exit 5' INT; while true; do echo tick; sleep 0.2; done\"]
";
    let s = Stack::new("attach-int", compose);
    s.ok(&["up", "-d"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(["-p", &s.name, "attach", "ticker"])
        .current_dir(s.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hoist");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(
        child.stdout.take().expect("stdout"),
    ));
    assert_eq!(lines.next().expect("a line").expect("text"), "tick");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(rest.last().map(String::as_str), Some("got-int"), "{rest:?}");
    assert_eq!(child.wait().expect("wait for hoist").code(), Some(5));
}
