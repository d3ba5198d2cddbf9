//! The day-two commands: cp, ls, events, wait, pause/unpause, port, top, scale, create, and
//! the shell completion scripts.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use crate::support::{Stack, docker, inspect, stderr, stdout};

const TWO: &str = "services:
  web:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    ports: [\"127.0.0.1::8080\", \"127.0.0.1::5353/udp\"]
  worker:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
";

fn mode(path: &std::path::Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("stat")
        .permissions()
        .mode()
        & 0o7777
}

/// `stat -c %a` of a path inside a container.
fn container_mode(container: &str, path: &str) -> String {
    docker(&["exec", container, "stat", "-c", "%a", path])
        .trim()
        .to_string()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[test]
fn cp_round_trips_a_file_and_a_directory_keeping_modes() {
    let s = Stack::new("cp", TWO);
    s.ok(&["up", "-d", "web"]);
    let web = format!("{}-web-1", s.name);
    let local = s.path();
    std::fs::write(local.join("run.sh"), "#!/bin/sh\necho hi\n").expect("write");
    std::fs::set_permissions(local.join("run.sh"), PermissionsExt::from_mode(0o751))
        .expect("chmod");
    let dags = local.join("dags");
    std::fs::create_dir_all(dags.join("sub")).expect("mkdir");
    std::fs::write(dags.join("etl.py"), "print('etl')\n").expect("write");
    std::fs::write(dags.join("sub/secret.cfg"), "k=v\n").expect("write");
    std::fs::set_permissions(dags.join("etl.py"), PermissionsExt::from_mode(0o640)).expect("chmod");
    std::fs::set_permissions(
        dags.join("sub/secret.cfg"),
        PermissionsExt::from_mode(0o600),
    )
    .expect("chmod");
    std::fs::set_permissions(dags.join("sub"), PermissionsExt::from_mode(0o750)).expect("chmod");

    s.ok(&["cp", "run.sh", "web:/tmp/"]);
    s.ok(&["cp", "dags", "web:/tmp/dags"]);
    assert_eq!(container_mode(&web, "/tmp/run.sh"), "751");
    assert_eq!(container_mode(&web, "/tmp/dags/etl.py"), "640");
    assert_eq!(container_mode(&web, "/tmp/dags/sub"), "750");
    assert_eq!(container_mode(&web, "/tmp/dags/sub/secret.cfg"), "600");

    s.ok(&["cp", "web:/tmp/run.sh", "back.sh"]);
    s.ok(&["cp", "web:/tmp/dags", "back"]);
    assert_eq!(
        std::fs::read_to_string(local.join("back.sh")).expect("read"),
        "#!/bin/sh\necho hi\n"
    );
    assert_eq!(mode(&local.join("back.sh")), 0o751);
    assert_eq!(
        std::fs::read_to_string(local.join("back/etl.py")).expect("read"),
        "print('etl')\n"
    );
    assert_eq!(mode(&local.join("back/etl.py")), 0o640);
    assert_eq!(mode(&local.join("back/sub")), 0o750);
    assert_eq!(mode(&local.join("back/sub/secret.cfg")), 0o600);

    // Into an existing directory the source keeps its name, as with `docker cp`.
    s.ok(&["cp", "web:/tmp/dags", "back"]);
    assert!(local.join("back/dags/sub/secret.cfg").is_file());
}

#[test]
fn cp_reports_what_it_copies_as_compose_does() {
    let s = Stack::new("cp-progress", TWO);
    s.ok(&["up", "-d", "web"]);
    std::fs::write(s.path().join("f.txt"), "x").expect("write");
    let out = s.hoist(&["cp", "f.txt", "web:/tmp/f.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let web = format!("{}-web-1", s.name);
    assert!(
        stderr(&out).contains(&format!(" {web} copy f.txt to {web}:/tmp/f.txt Copied")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cp_of_a_missing_path_fails_naming_it() {
    let s = Stack::new("cp-missing", TWO);
    s.ok(&["up", "-d", "web"]);
    let out = s.hoist(&["cp", "web:/no/such/file", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Could not find the file /no/such/file"),
        "{}",
        stderr(&out)
    );
    let out = s.hoist(&["cp", "nosuch:/etc/passwd", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no container found for service \"nosuch\""),
        "{}",
        stderr(&out)
    );
    assert!(!s.path().join("x").exists());
    let out = s.hoist(&["cp", "web:/etc/passwd", "worker:/tmp/"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("copying between services is not supported"),
        "{}",
        stderr(&out)
    );
    let out = s.hoist(&["cp", "web:/etc", "missing-parent/x/y"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no such directory"),
        "{}",
        stderr(&out)
    );
}

/// `hoist ls --format json` as parsed JSON, and Docker Compose's, for one project.
fn ls_json(s: &Stack, extra: &[&str]) -> (serde_json::Value, String, String) {
    let filter = format!("name=^{}$", s.name);
    let mut args = vec!["ls", "--format", "json", "--filter", filter.as_str()];
    args.extend_from_slice(extra);
    let ours = s.ok(&args);
    let theirs = stdout(&s.compose(&args));
    let parsed = serde_json::from_str(&ours).expect("ls --format json parses");
    (parsed, ours, theirs)
}

#[test]
fn ls_lists_projects_of_hoist_and_of_docker_compose() {
    let a = Stack::new("ls-hoist", TWO);
    let b = Stack::new("ls-compose", TWO);
    a.ok(&["up", "-d"]);
    let up = b.compose(&["up", "-d"]);
    assert!(up.status.success(), "{}", stderr(&up));
    for s in [&a, &b] {
        let (json, ours, theirs) = ls_json(s, &[]);
        assert_eq!(json[0]["Name"], s.name.as_str());
        assert_eq!(json[0]["Status"], "running(2)");
        assert_eq!(
            json[0]["ConfigFiles"],
            s.path().join("compose.yaml").display().to_string().as_str()
        );
        assert_eq!(ours, theirs, "hoist ls and docker compose ls differ");
    }
    let names = a.ok(&["ls", "-q"]);
    assert!(names.lines().any(|l| l == a.name), "{names}");
    assert!(names.lines().any(|l| l == b.name), "{names}");
    let table = a.ok(&["ls", "--filter", &format!("name={}", a.name)]);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.contains("CONFIG FILES"), "{table}");
    assert!(table.contains(&a.name), "{table}");
}

#[test]
fn ls_shows_stopped_projects_only_with_all() {
    let s = Stack::new("ls-all", TWO);
    s.ok(&["up", "-d"]);
    s.ok(&["stop", "worker"]);
    let (json, _, _) = ls_json(&s, &[]);
    assert_eq!(json[0]["Status"], "running(1)");
    let (json, ours, theirs) = ls_json(&s, &["-a"]);
    assert_eq!(json[0]["Status"], "exited(1), running(1)");
    assert_eq!(ours, theirs);
    s.ok(&["stop"]);
    let (json, _, _) = ls_json(&s, &[]);
    assert_eq!(json, serde_json::json!([]));
}

#[test]
fn ls_refuses_filters_other_than_name() {
    let s = Stack::new("ls-filter", TWO);
    let out = s.hoist(&["ls", "--filter", "status=running"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("invalid filter 'status'"),
        "{}",
        stderr(&out)
    );
}

/// Follows an events command (started before the change it should report) until it prints
/// a line with `"action":"start"`; returns that line and stops the command.
fn start_event(mut cmd: Command) -> String {
    use std::io::BufRead;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn events");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("\"action\":\"start\"") {
                let _ = tx.send(line);
                return;
            }
        }
    });
    // A safety net so that a broken stream fails the test instead of hanging it.
    let line = rx.recv_timeout(std::time::Duration::from_secs(120));
    let _ = child.kill();
    let _ = child.wait();
    line.expect("a start event")
}

#[test]
fn events_json_prints_composes_objects() {
    let s = Stack::new("events", TWO);
    s.ok(&["up", "-d"]);
    // Both commands follow the live stream; `--since` replays what happened between the
    // restart and the moment they subscribed. (The engine keeps only its last 256 events,
    // so a query after the fact could miss them on a busy engine.)
    let since = (now() - 1).to_string();
    let args = ["events", "--json", "--since", &since, "worker"];
    let mut ours = Command::new(env!("CARGO_BIN_EXE_hoist"));
    ours.arg("-p").arg(&s.name).args(args).current_dir(s.path());
    let mut theirs = Command::new("docker");
    theirs
        .args(["compose", "-p", &s.name])
        .args(args)
        .current_dir(s.path());
    let restart = {
        let name = s.name.clone();
        let dir = s.path().to_path_buf();
        std::thread::spawn(move || {
            Command::new(env!("CARGO_BIN_EXE_hoist"))
                .args(["-p", &name, "restart", "worker"])
                .current_dir(dir)
                .output()
                .expect("restart")
        })
    };
    let theirs_thread = std::thread::spawn(move || start_event(theirs));
    let line = start_event(ours);
    let compose_line = theirs_thread.join().expect("compose events");
    assert!(restart.join().expect("restart").status.success());

    let worker = format!("{}-worker-1", s.name);
    let id = inspect(&worker)["Id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let start: serde_json::Value = serde_json::from_str(&line).expect("one JSON object");
    let keys: Vec<&String> = start.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        ["action", "attributes", "id", "service", "time", "type"]
    );
    assert_eq!(start["service"], "worker");
    assert_eq!(start["type"], "container");
    assert_eq!(start["id"], id.as_str());
    assert_eq!(start["attributes"]["name"], worker.as_str());
    assert!(
        start["attributes"]
            .as_object()
            .is_some_and(|a| a.keys().all(|k| !k.starts_with("com.docker.compose."))),
        "Compose's labels are left out of the attributes: {line}"
    );
    assert_eq!(line, compose_line, "docker compose events --json differs");
}

const JOB: &str = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
  job:
    image: $IMAGE
    command: [\"sh\", \"-c\", \"sleep 3; exit 3\"]
";

/// Runs `hoist wait ARGS` while `job` runs. `wait` only waits for running containers: if the
/// job has already ended by the time `wait` lists them (a loaded machine), start it again.
fn wait_for_job(s: &Stack, args: &[&str]) -> Output {
    for _ in 0..5 {
        s.ok(&["up", "-d", "job"]);
        let out = s.hoist(args);
        if !stderr(&out).contains("no containers for project") {
            return out;
        }
    }
    panic!("the job never ran long enough for `wait` to see it");
}

#[test]
fn wait_exits_with_the_exit_code_of_the_container() {
    let s = Stack::new("wait", JOB);
    let out = wait_for_job(&s, &["wait", "job"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let id = inspect(&format!("{}-job-1", s.name))["Id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        stdout(&out),
        format!("container \"{id}\" exited with status code 3\n")
    );
}

#[test]
fn wait_down_project_removes_the_project_after() {
    let s = Stack::new("wait-down", JOB);
    s.ok(&["up", "-d"]);
    let out = wait_for_job(&s, &["wait", "--down-project", "job"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(s.containers().is_empty(), "{:?}", s.containers());
    assert!(s.networks().is_empty(), "{:?}", s.networks());
}

#[test]
fn wait_without_running_containers_is_an_error() {
    let s = Stack::new("wait-none", JOB);
    let out = s.hoist(&["wait", "db"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no containers for project"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn attach_to_a_paused_container_is_refused() {
    let s = Stack::new("attachpaused", TWO);
    s.ok(&["up", "-d"]);
    s.ok(&["pause", "worker"]);
    let out = s.hoist(&["attach", "--no-stdin", "worker"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("You cannot attach to a paused container, unpause it first"),
        "{}",
        stderr(&out)
    );
    s.ok(&["unpause", "worker"]);
}

#[test]
fn pause_and_unpause_freeze_and_thaw_containers() {
    let s = Stack::new("pause", TWO);
    s.ok(&["up", "-d"]);
    let worker = format!("{}-worker-1", s.name);
    let out = s.hoist(&["pause", "worker"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(" Container {worker}  Paused")),
        "{}",
        stderr(&out)
    );
    assert_eq!(inspect(&worker)["State"]["Paused"], true);
    assert_eq!(
        inspect(&format!("{}-web-1", s.name))["State"]["Paused"],
        false
    );
    let out = s.hoist(&["unpause", "worker"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!(" Container {worker}  Unpaused")));
    assert_eq!(inspect(&worker)["State"]["Paused"], false);
    assert_eq!(inspect(&worker)["State"]["Running"], true);
}

#[test]
fn port_prints_the_published_address_as_compose_does() {
    let s = Stack::new("port", TWO);
    s.ok(&["up", "-d"]);
    for args in [
        &["port", "web", "8080"][..],
        &["port", "--protocol", "udp", "web", "5353"][..],
        &["port", "--index", "1", "web", "8080"][..],
    ] {
        let ours = s.ok(args);
        assert!(ours.starts_with("127.0.0.1:"), "{ours}");
        assert_eq!(ours, stdout(&s.compose(args)), "{args:?}");
    }
    let out = s.hoist(&["port", "web", "9999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("no port 9999/tcp for container {}-web-1", s.name)),
        "{}",
        stderr(&out)
    );
    let out = s.hoist(&["port", "--index", "2", "web", "8080"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("service \"web\" is not running container #2"));
}

#[test]
fn top_lists_processes_with_service_and_replica_columns() {
    let s = Stack::new("top", TWO);
    s.ok(&["up", "-d"]);
    let ours = s.ok(&["top"]);
    let lines: Vec<&str> = ours.lines().collect();
    assert!(lines[0].starts_with("SERVICE  #   "), "{ours}");
    assert!(lines[0].ends_with("CMD"), "{ours}");
    assert_eq!(lines.len(), 3, "{ours}");
    assert!(lines[1].starts_with("web      1   ") && lines[1].ends_with("sleep 300"));
    assert!(lines[2].starts_with("worker   1   ") && lines[2].ends_with("sleep 300"));
    let theirs = stdout(&s.compose(&["top"]));
    assert_eq!(lines[0], theirs.lines().next().unwrap_or_default());
    assert_eq!(s.ok(&["top", "worker"]).lines().count(), 2);
}

#[test]
fn scale_adds_and_removes_replicas_through_up() {
    let compose = "services:
  db:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
  app:
    image: $IMAGE
    command: [\"sleep\", \"300\"]
    stop_grace_period: 1s
    depends_on: [db]
";
    let s = Stack::new("scale", compose);
    s.ok(&["scale", "--no-deps", "app=2"]);
    assert_eq!(
        s.containers(),
        vec![format!("{}-app-1", s.name), format!("{}-app-2", s.name)]
    );
    s.ok(&["scale", "app=3"]);
    assert_eq!(s.containers().len(), 4, "{:?}", s.containers());
    assert_eq!(
        inspect(&format!("{}-db-1", s.name))["State"]["Running"],
        true
    );
    assert_eq!(
        inspect(&format!("{}-app-3", s.name))["State"]["Running"],
        true
    );
    s.ok(&["scale", "app=1"]);
    assert_eq!(
        s.containers(),
        vec![format!("{}-app-1", s.name), format!("{}-db-1", s.name)]
    );
    let out = s.hoist(&["scale", "app=many"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("invalid scale specifier"),
        "{}",
        stderr(&out)
    );
    let out = s.hoist(&["scale", "nope=1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no such service: nope"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn create_makes_containers_that_up_then_starts() {
    let s = Stack::new("create", TWO);
    s.ok(&["create", "--scale", "worker=2"]);
    assert_eq!(s.containers().len(), 3, "{:?}", s.containers());
    assert_eq!(s.networks(), vec![format!("{}_default", s.name)]);
    let web = format!("{}-web-1", s.name);
    assert_eq!(inspect(&web)["State"]["Status"], "created");
    let id = inspect(&web)["Id"].clone();
    s.ok(&["up", "-d", "--scale", "worker=2"]);
    assert_eq!(inspect(&web)["Id"], id, "up recreated what create made");
    assert_eq!(inspect(&web)["State"]["Running"], true);
    let out = s.hoist(&["create", "--force-recreate", "--no-recreate"]);
    assert_eq!(out.status.code(), Some(2));
}

fn hoist_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoist"))
        .args(args)
        .current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .output()
        .expect("run hoist")
}

fn shell_available(shell: &str) -> bool {
    Command::new(shell)
        .args(["-c", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn completion_scripts_are_valid_for_bash_zsh_and_fish() {
    let dir = std::env::temp_dir().join(format!("hoist-completion-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (shell, check) in [
        ("bash", vec!["-n"]),
        ("zsh", vec!["-n"]),
        ("fish", vec!["--no-execute"]),
    ] {
        let out = hoist_in(&dir, &["completion", shell]);
        assert!(out.status.success(), "{}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains("__complete-services"), "{shell}");
        if shell == "bash" || shell_available(shell) || std::env::var_os("CI").is_some() {
            let path = dir.join(format!("hoist.{shell}"));
            std::fs::write(&path, &script).expect("write");
            let mut args = check.clone();
            args.push(path.to_str().expect("utf-8 path"));
            let checked = Command::new(shell).args(&args).output().expect("run shell");
            assert!(checked.status.success(), "{shell}: {}", stderr(&checked));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bash_completes_service_names_of_the_current_project() {
    let s = Stack::new(
        "completion",
        "services:\n  airflow-scheduler:\n    image: $IMAGE\n  postgres:\n    image: $IMAGE\n    profiles: [db]\n",
    );
    let script = stdout(&hoist_in(s.path(), &["completion", "bash"]));
    s.write("hoist.bash", &script);
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_hoist"))
        .parent()
        .expect("bin dir")
        .display()
        .to_string();
    let probe = format!(
        "export PATH={bin_dir}:$PATH
source ./hoist.bash
COMP_WORDS=(hoist logs ''); COMP_CWORD=2; _hoist_with_services hoist '' logs
echo \"logs: ${{COMPREPLY[*]}}\"
COMP_WORDS=(hoist scale air); COMP_CWORD=2; _hoist_with_services hoist air scale
echo \"scale: ${{COMPREPLY[*]}}\"
COMP_WORDS=(hoist cp po); COMP_CWORD=2; _hoist_with_services hoist po cp
echo \"cp: ${{COMPREPLY[*]}}\"
"
    );
    let out = Command::new("bash")
        .args(["-c", &probe])
        .current_dir(s.path())
        .env_remove("COMPOSE_FILE")
        .output()
        .expect("run bash");
    let text = stdout(&out);
    assert!(
        text.contains("logs: airflow-scheduler postgres"),
        "{text}{}",
        stderr(&out)
    );
    assert!(text.contains("scale: airflow-scheduler="), "{text}");
    assert!(text.contains("cp: postgres:"), "{text}");
}
