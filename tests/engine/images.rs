//! Images: pull with progress from a real registry (Debian's `docker-registry`, started
//! here on 127.0.0.1, which dockerd treats as insecure-allowed), credentials from a
//! temporary DOCKER_CONFIG, the pull policies of `up`, classic builds and `.dockerignore`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use crate::support::{Stack, docker, test_image};

const USER: &str = "hoist";
const PASSWORD: &str = "s3cret-pass";

/// A private registry on a free port of 127.0.0.1, stopped and deleted on drop.
struct Registry {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Registry {
    /// Starts a registry; with `auth`, it wants `USER` / `PASSWORD` (htpasswd, bcrypt).
    fn start(test: &str, auth: bool) -> Registry {
        let dir = std::env::temp_dir().join(format!("hoist-reg-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).expect("registry dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.join("data").display()
        );
        if auth {
            let out = Command::new("htpasswd")
                .args(["-Bbn", USER, PASSWORD])
                .output()
                .expect("htpasswd is missing: install Debian's apache2-utils (.ci/run does)");
            assert!(out.status.success(), "htpasswd failed");
            std::fs::write(dir.join("htpasswd"), &out.stdout).expect("write htpasswd");
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: hoist-test\n    path: {}\n",
                dir.join("htpasswd").display()
            ));
        }
        std::fs::write(dir.join("config.yml"), config).expect("write registry config");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry is missing: install Debian's docker-registry (.ci/run does)");
        let registry = Registry { child, dir, port };
        registry.wait_ready();
        registry
    }

    /// Waits until `/v2/` answers (200 open, 401 with auth).
    fn wait_ready(&self) {
        for _ in 0..200 {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\nHost: localhost\r\n\r\n");
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the registry on port {} did not answer", self.port);
    }

    /// `127.0.0.1:<port>/<path>`.
    fn image(&self, path: &str) -> String {
        format!("127.0.0.1:{}/{path}", self.port)
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes the listed images (tags) when the test ends, even when it fails.
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        for image in &self.0 {
            docker(&["rmi", "-f", image]);
        }
    }
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn has_image(image: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", image])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A DOCKER_CONFIG directory whose `auths` hold `user:password` for `host`.
fn docker_config(test: &str, host: &str, password: &str) -> PathBuf {
    use base64::Engine as _;
    let dir = std::env::temp_dir().join(format!("hoist-dcfg-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("config dir");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{password}"));
    std::fs::write(
        dir.join("config.json"),
        format!(r#"{{"auths":{{"{host}":{{"auth":"{auth}"}}}}}}"#),
    )
    .expect("write config.json");
    dir
}

/// A project whose service `a` builds `image` FROM the test image with a layer of its own
/// (random bytes: a real download on pull), so that pull has layers to report.
fn unique_image_stack(test: &str, image: &str) -> Stack {
    let s = Stack::new(
        test,
        &format!(
            "services:\n  a:\n    image: {image}\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM $IMAGE\n        RUN head -c 300000 /dev/urandom > /blob\n    command: [\"sleep\", \"300\"]\n"
        ),
    );
    // Without --no-cache the builder reuses another test's identical RUN step, and the
    // two tests' images share the layer: one test's pull then finds it "Already exists".
    s.ok(&["build", "-q", "--no-cache"]);
    s
}

#[test]
fn pull_brings_back_a_pushed_image_with_layer_progress() {
    let reg = Registry::start("pull", false);
    let image = reg.image("hoist-t/pull:1");
    let _cleanup = Images(vec![image.clone()]);
    let s = unique_image_stack("pull", &image);
    s.ok(&["push"]);
    docker(&["rmi", &image]);
    assert!(!has_image(&image));

    let out = s.hoist(&["--progress", "plain", "pull"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(has_image(&image));
    assert!(stderr.contains(" a Pulling \n"), "{stderr}");
    assert!(stderr.contains(" Pull complete "), "{stderr}");
    assert!(stderr.contains(" a Pulled \n"), "{stderr}");

    docker(&["rmi", &image]);
    let out = s.hoist(&["--progress", "json", "pull"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    // Per-layer bytes: the download of a small layer may be too quick for a `Downloading`
    // tick, but its extraction always reports the bytes.
    assert!(
        events.iter().any(|e| e["parent_id"] == "a"
            && (e["text"] == "Downloading" || e["text"] == "Extracting")
            && e["total"].as_u64() > Some(0)),
        "{stderr}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["parent_id"] == "a" && e["text"] == "Pull complete"),
        "{stderr}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["id"] == "a" && e["text"] == "Pulled"),
        "{stderr}"
    );
}

#[test]
fn pull_skips_present_tagged_images_and_services_without_image() {
    let s = Stack::new(
        "pullskip",
        "services:\n  a:\n    image: $IMAGE\n  b:\n    build:\n      context: .\n      dockerfile_inline: \"FROM $IMAGE\\n\"\n",
    );
    // The test image's tag is `latest`: Compose pulls `latest` even when present. Give it
    // a fixed tag.
    let tagged = format!("hoist-t-pullskip-{}:1", std::process::id());
    let _cleanup = Images(vec![tagged.clone()]);
    docker(&["tag", test_image(), &tagged]);
    s.write(
        "compose.yaml",
        &format!("services:\n  a:\n    image: {tagged}\n  b:\n    build:\n      context: .\n      dockerfile_inline: \"FROM $IMAGE\\n\"\n"),
    );
    let out = s.hoist(&["--progress", "plain", "pull"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(" a Skipped - Image is already present locally \n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(" b Skipped - No image to be pulled \n"),
        "{stderr}"
    );
}

#[test]
fn pull_of_a_missing_image_names_service_image_and_registry_answer() {
    let reg = Registry::start("missing", false);
    let image = reg.image("hoist-t/nothing-here:1");
    let s = Stack::new(
        "pullmissing",
        &format!("services:\n  gone:\n    image: {image}\n"),
    );
    let out = s.hoist(&["--progress", "plain", "pull"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(" gone Error "), "{stderr}");
    let last = stderr.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: service \"gone\": pulling image "),
        "{stderr}"
    );
    assert!(last.contains(&image), "{stderr}");
    assert!(last.contains("manifest unknown"), "{stderr}");
}

#[test]
fn credentials_from_docker_config_push_and_pull_an_authenticated_registry() {
    let reg = Registry::start("auth", true);
    let image = reg.image("hoist-t/private:1");
    let _cleanup = Images(vec![image.clone()]);
    let good = docker_config("good", &reg.host(), PASSWORD);
    let bad = docker_config("bad", &reg.host(), "wrong-password");
    let s = unique_image_stack("auth", &image);
    let env_good = [("DOCKER_CONFIG", good.to_str().unwrap_or_default())];
    let env_bad = [("DOCKER_CONFIG", bad.to_str().unwrap_or_default())];

    let out = s.hoist_env(&["push"], &env_bad);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("error: service \"a\": pushing image {image}")),
        "{stderr}"
    );

    let out = s.hoist_env(&["push"], &env_good);
    assert!(out.status.success(), "{}", text(&out).1);
    docker(&["rmi", &image]);

    let out = s.hoist_env(&["pull"], &env_bad);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: service \"a\": pulling image"),
        "{stderr}"
    );
    assert!(stderr.contains("unauthorized"), "{stderr}");
    assert!(!has_image(&image));

    let out = s.hoist_env(&["pull"], &env_good);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(has_image(&image));
    let _ = std::fs::remove_dir_all(good);
    let _ = std::fs::remove_dir_all(bad);
}

/// How the engine holds the image before the first `up`.
#[derive(Clone, Copy)]
enum Before {
    /// Not at all.
    Absent,
    /// Tagged locally a moment ago (`docker tag`: its last-tag time is now).
    JustTagged,
    /// Pulled with `docker pull` (the engine records no tag time for a pull).
    DockerPulled,
}

/// `up -d` twice with `up_args` under `pull_policy: <policy>`, the image pushed to a
/// registry first: whether each `up` pulled.
fn up_pulls(test: &str, policy: &str, before: Before, up_args: &[&str]) -> (bool, bool) {
    let reg = Registry::start(test, false);
    let image = reg.image(&format!("hoist-t/{test}:1"));
    let _cleanup = Images(vec![image.clone()]);
    // An image of its own (a layer of random bytes): `rmi` then really removes it.
    let s = unique_image_stack(test, &image);
    let push = Command::new("docker")
        .args(["push", &image])
        .output()
        .expect("docker push");
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    match before {
        Before::Absent => {
            docker(&["rmi", &image]);
        }
        Before::JustTagged => {}
        Before::DockerPulled => {
            docker(&["rmi", &image]);
            docker(&["pull", &image]);
            assert!(has_image(&image));
        }
    }
    s.write(
        "compose.yaml",
        &format!(
            "services:\n  a:\n    image: {image}\n    pull_policy: {policy}\n    command: [\"sleep\", \"300\"]\n"
        ),
    );
    let mut args = vec!["up", "-d"];
    args.extend_from_slice(up_args);
    let first = s.hoist(&args);
    let (_, e1) = text(&first);
    assert!(first.status.success(), "{e1}");
    let second = s.hoist(&args);
    let (_, e2) = text(&second);
    assert!(second.status.success(), "{e2}");
    (e1.contains(" a Pulled "), e2.contains(" a Pulled "))
}

#[test]
fn up_with_pull_policy_missing_pulls_only_an_absent_image() {
    assert_eq!(
        up_pulls("polmissing", "missing", Before::Absent, &[]),
        (true, false)
    );
}

#[test]
fn up_with_pull_policy_always_pulls_every_time() {
    assert_eq!(
        up_pulls("polalways", "always", Before::JustTagged, &[]),
        (true, true)
    );
}

#[test]
fn up_with_pull_policy_daily_pulls_an_absent_image_once() {
    // The first `up` pulls and stamps the image; the second finds it fresh.
    assert_eq!(
        up_pulls("poldaily", "daily", Before::Absent, &[]),
        (true, false)
    );
}

#[test]
fn up_with_pull_policy_every_pulls_an_image_with_no_pull_time_once() {
    // `docker pull` records no time: due (as in Compose). hoist's pull stamps it.
    assert_eq!(
        up_pulls("polevery", "every_12h", Before::DockerPulled, &[]),
        (true, false)
    );
}

#[test]
fn up_with_pull_policy_weekly_leaves_a_fresh_image_alone() {
    assert_eq!(
        up_pulls("polweekly", "weekly", Before::JustTagged, &[]),
        (false, false)
    );
}

#[test]
fn up_pull_flag_overrides_the_policy() {
    assert_eq!(
        up_pulls(
            "pullflag",
            "never",
            Before::JustTagged,
            &["--pull", "always"]
        ),
        (true, true)
    );
}

#[test]
fn up_with_pull_policy_never_and_a_missing_image_says_why() {
    let s = Stack::new(
        "polnever",
        "services:\n  a:\n    image: 127.0.0.1:9/hoist-t/never:1\n    pull_policy: never\n",
    );
    let out = s.hoist(&["up", "-d"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "service \"a\": image 127.0.0.1:9/hoist-t/never:1 not found on the engine (pull_policy: never)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("Pulling"), "{stderr}");
    assert!(s.containers().is_empty());
}

/// A project whose service `app` builds (image `<project>-app`); the guard comes first so
/// that it outlives the stack (containers go before their image).
fn built_stack(test: &str, compose_build: &str) -> (Images, Stack) {
    let s = Stack::new(test, "services: {}\n");
    let image = format!("{}-app", s.name);
    let cleanup = Images(vec![image]);
    s.write(
        "compose.yaml",
        &format!(
            "services:\n  app:\n    build:\n{compose_build}    command: [\"sleep\", \"300\"]\n"
        ),
    );
    (cleanup, s)
}

/// Runs `sh -c script` in a throwaway container of `image`; returns stdout.
fn run_in(image: &str, script: &str) -> String {
    docker(&["run", "--rm", image, "sh", "-c", script])
}

#[test]
fn build_passes_args_target_labels_and_names_the_image_after_project_and_service() {
    let (_cleanup, s) = built_stack(
        "buildargs",
        "      context: .\n      target: second\n      args:\n        GREETING: hello\n      labels:\n        org.example.team: data\n      extra_hosts: [\"dbhost=10.1.2.3\"]\n",
    );
    s.write(
        "Dockerfile",
        "FROM $IMAGE AS first\nARG GREETING\nRUN echo \"first $GREETING\" > /stage\nFROM $IMAGE AS second\nARG GREETING\nARG EXTRA=none\nRUN echo \"second $GREETING $EXTRA\" > /stage\nRUN grep dbhost /etc/hosts > /hosts || true\nFROM $IMAGE AS third\nRUN echo third > /stage\n",
    );
    let out = s.hoist(&["build", "--build-arg", "EXTRA=cli"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let image = format!("{}-app", s.name);
    assert_eq!(run_in(&image, "cat /stage").trim(), "second hello cli");
    assert!(
        run_in(&image, "cat /hosts").contains("10.1.2.3"),
        "extra_hosts reach RUN"
    );
    let labels = docker(&[
        "image",
        "inspect",
        &image,
        "--format",
        "{{json .Config.Labels}}",
    ]);
    assert!(labels.contains("\"org.example.team\":\"data\""), "{labels}");
    assert!(
        labels.contains(&format!("\"com.docker.compose.project\":\"{}\"", s.name)),
        "{labels}"
    );
}

#[test]
fn dockerignore_excludes_with_docker_semantics_inside_the_built_image() {
    let (_cleanup, s) = built_stack(
        "ignore",
        "      context: .\n      dockerfile_inline: |\n        FROM $IMAGE\n        COPY . /ctx\n",
    );
    for dir in ["docs", "secrets", "data/raw"] {
        std::fs::create_dir_all(s.path().join(dir)).expect("mkdir");
    }
    s.write("README.md", "root readme");
    s.write("docs/guide.md", "nested markdown stays: *.md is root-only");
    s.write("secrets/key.pem", "private");
    s.write("secrets/public.pem", "public");
    s.write("data/raw/big.csv", "1,2");
    s.write("keep.txt", "kept");
    s.write(
        ".dockerignore",
        "*.md\nsecrets\n!secrets/public.pem\n**/*.csv\n",
    );
    let out = s.hoist(&["build"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let image = format!("{}-app", s.name);
    let listing = run_in(&image, "cd /ctx && find . -type f | sort");
    let files: Vec<&str> = listing.lines().collect();
    assert!(files.contains(&"./docs/guide.md"), "{listing}");
    assert!(files.contains(&"./secrets/public.pem"), "{listing}");
    assert!(files.contains(&"./keep.txt"), "{listing}");
    assert!(!files.contains(&"./README.md"), "{listing}");
    assert!(!files.contains(&"./secrets/key.pem"), "{listing}");
    assert!(!files.contains(&"./data/raw/big.csv"), "{listing}");
    // The inline Dockerfile travels in the context but is not part of it.
    assert!(!files.iter().any(|f| f.contains("Dockerfile")), "{listing}");
}

#[test]
fn up_builds_a_missing_image_and_up_build_rebuilds_it() {
    let (mut cleanup, s) = built_stack(
        "upbuild",
        "      context: .\n      dockerfile_inline: |\n        FROM $IMAGE\n        COPY version /version\n",
    );
    s.write("version", "1");
    let out = s.hoist(&["up", "-d"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(" Service app  Built"), "{stderr}");
    let image = format!("{}-app", s.name);
    assert_eq!(run_in(&image, "cat /version").trim(), "1");
    // The rebuild leaves this one untagged: remove it too at the end.
    let first_id = docker(&["image", "inspect", &image, "--format", "{{.Id}}"]);
    cleanup.0.push(first_id.trim().to_string());

    s.write("version", "2");
    let out = s.hoist(&["up", "-d"]);
    assert!(!text(&out).1.contains("Built"), "present image: no build");
    let out = s.hoist(&["up", "-d", "--build"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(" Service app  Built"), "{stderr}");
    assert_eq!(run_in(&image, "cat /version").trim(), "2");
    assert!(
        stderr.contains("Recreated"),
        "new image: container recreated\n{stderr}"
    );
}

#[test]
fn up_no_build_with_a_missing_image_fails_naming_it() {
    let (_cleanup, s) = built_stack(
        "nobuild",
        "      context: .\n      dockerfile_inline: \"FROM $IMAGE\\n\"\n",
    );
    let out = s.hoist(&["up", "-d", "--no-build"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "service \"app\": image {}-app not found on the engine (--no-build)",
            s.name
        )),
        "{stderr}"
    );
    assert!(s.containers().is_empty());
}

#[test]
fn buildkit_only_attributes_fail_up_front() {
    let (_cleanup, s) = built_stack(
        "buildkit",
        "      context: .\n      dockerfile_inline: \"FROM $IMAGE\\n\"\n      ssh: [default]\n",
    );
    let out = s.hoist(&["up", "-d"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("service \"app\": build.ssh need(s) BuildKit"),
        "{stderr}"
    );
    assert!(s.containers().is_empty());
    assert!(s.networks().is_empty());
}

#[test]
fn down_rmi_local_removes_the_built_image() {
    let (_cleanup, s) = built_stack(
        "rmibuilt",
        "      context: .\n      dockerfile_inline: \"FROM $IMAGE\\n\"\n",
    );
    s.ok(&["up", "-d"]);
    let image = format!("{}-app", s.name);
    assert!(has_image(&image));
    s.ok(&["down", "-t", "0", "--rmi", "local"]);
    assert!(!has_image(&image));
}

#[test]
fn images_lists_the_containers_images_like_compose() {
    let s = Stack::new(
        "imagescmd",
        "services:\n  a:\n    image: $IMAGE\n    command: [\"sleep\", \"300\"]\n",
    );
    s.ok(&["up", "-d"]);
    let table = s.ok(&["images"]);
    let mut lines = table.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or("")
        .split("   ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        header,
        [
            "CONTAINER",
            "REPOSITORY",
            "TAG",
            "PLATFORM",
            "IMAGE ID",
            "SIZE",
            "CREATED"
        ],
        "{table}"
    );
    let row = lines.next().unwrap_or("");
    assert!(row.starts_with(&format!("{}-a-1", s.name)), "{table}");
    assert!(row.contains("hoist-test/busybox"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&s.ok(&["images", "--format", "json"])).expect("json");
    assert_eq!(json[0]["Repository"], "hoist-test/busybox");
    assert_eq!(json[0]["Tag"], "latest");
    let ids = s.ok(&["images", "-q"]);
    assert!(ids.trim().starts_with("sha256:"), "{ids}");
}

#[test]
fn a_failing_build_step_names_the_service_and_the_image() {
    let (_cleanup, s) = built_stack(
        "buildfails",
        "      context: .\n      dockerfile_inline: \"FROM $IMAGE\\nRUN false\\n\"\n",
    );
    let out = s.hoist(&["build", "--no-cache"]);
    assert!(!out.status.success());
    let (_, err) = text(&out);
    assert!(
        err.contains(&format!("service \"app\": building image {}-app", s.name)),
        "{err}"
    );
    assert!(err.contains("returned a non-zero code"), "{err}");
}

#[test]
fn images_quiet_prints_each_image_once() {
    // app's built image sorts between two containers of the test image.
    let (_cleanup, s) = built_stack(
        "imagesq",
        "      context: .\n      dockerfile_inline: \"FROM $IMAGE\\nLABEL imagesq=1\\n\"\n",
    );
    let compose = std::fs::read_to_string(s.dir.join("compose.yaml")).expect("compose.yaml");
    s.write(
        "compose.yaml",
        &format!(
            "{compose}  aa:\n    image: $IMAGE\n    command: [\"sleep\", \"300\"]\n  \
             zz:\n    image: $IMAGE\n    command: [\"sleep\", \"300\"]\n"
        ),
    );
    s.ok(&["up", "-d"]);
    let ids = s.ok(&["images", "-q"]);
    let lines: Vec<&str> = ids.lines().collect();
    assert_eq!(lines.len(), 2, "{ids}");
    assert_ne!(lines[0], lines[1], "{ids}");
}

#[test]
fn buildkit_only_attributes_do_not_stop_up_when_the_image_is_there() {
    let (_cleanup, s) = built_stack(
        "buildkitok",
        "      context: .\n      dockerfile_inline: \"FROM $IMAGE\\n\"\n      ssh: [default]\n",
    );
    // Built elsewhere (say with BuildKit): nothing to build, nothing to refuse.
    docker(&["tag", test_image(), &format!("{}-app", s.name)]);
    let out = s.hoist(&["up", "-d"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(s.containers(), [format!("{}-app-1", s.name)]);
}

#[test]
fn up_with_pull_policy_build_builds_every_time() {
    let (_cleanup, s) = built_stack(
        "polbuild",
        "      context: .\n      dockerfile_inline: \"FROM $IMAGE\\n\"\n    pull_policy: build\n",
    );
    for _ in 0..2 {
        let out = s.hoist(&["up", "-d"]);
        let (_, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains(" Service app  Built"), "{stderr}");
        assert!(!stderr.contains("Pulling"), "{stderr}");
    }
}

#[test]
fn pull_prints_the_lines_docker_compose_prints() {
    let reg = Registry::start("interop", false);
    let image = reg.image("hoist-t/interop:1");
    let _cleanup = Images(vec![image.clone()]);
    let s = unique_image_stack("pullinterop", &image);
    s.ok(&["push"]);
    // Download and extraction lines come as the bytes arrive: compare the others.
    let steady = |out: &Output| -> Vec<String> {
        let (stdout, stderr) = text(out);
        let mut lines: Vec<String> = format!("{stdout}{stderr}")
            .lines()
            .filter(|l| {
                ![
                    "Downloading",
                    "Extracting",
                    "Verifying Checksum",
                    "Download complete",
                    "Waiting",
                ]
                .iter()
                .any(|w| l.contains(w))
            })
            // Whether a layer is still on the engine when a pull starts depends on what
            // else the engine holds (tests run in parallel): a present layer reads
            // "Already exists", a missing one "Pulling fs layer" then "Pull complete".
            .filter(|l| !l.ends_with(" Pulling fs layer "))
            .map(|l| l.replace(" Already exists ", " Pull complete "))
            .collect();
        lines.sort();
        lines
    };
    docker(&["rmi", &image]);
    let theirs = s.compose(&["--progress", "plain", "pull"]);
    assert!(theirs.status.success(), "{}", text(&theirs).1);
    docker(&["rmi", &image]);
    let ours = s.hoist(&["--progress", "plain", "pull"]);
    assert!(ours.status.success(), "{}", text(&ours).1);
    assert_eq!(steady(&ours), steady(&theirs));
}

#[test]
fn up_builds_when_the_pull_of_a_buildable_image_fails() {
    let reg = Registry::start("pullbuild", false);
    let image = reg.image("hoist-t/not-pushed:1");
    let _cleanup = Images(vec![image.clone()]);
    let s = Stack::new(
        "pullbuild",
        &format!(
            "services:\n  app:\n    image: {image}\n    build:\n      context: .\n      dockerfile_inline: \"FROM $IMAGE\\n\"\n    command: [\"sleep\", \"300\"]\n"
        ),
    );
    let out = s.hoist(&["up", "-d"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(" app Warning "), "{stderr}");
    assert!(stderr.contains(" Service app  Built"), "{stderr}");
    assert!(has_image(&image));
    assert_eq!(s.containers(), [format!("{}-app-1", s.name)]);
}

#[test]
fn up_quiet_pull_reports_the_pull_without_its_layers() {
    let reg = Registry::start("quietpull", false);
    let image = reg.image("hoist-t/quiet:1");
    let _cleanup = Images(vec![image.clone()]);
    let s = unique_image_stack("quietpull", &image);
    s.ok(&["push"]);
    docker(&["rmi", &image]);
    s.write(
        "compose.yaml",
        &format!("services:\n  a:\n    image: {image}\n    command: [\"sleep\", \"300\"]\n"),
    );
    let out = s.hoist(&["up", "-d", "--quiet-pull"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(" a Pulled \n"), "{stderr}");
    assert!(!stderr.contains("Pull complete"), "{stderr}");
    assert!(!stderr.contains("Pulling fs layer"), "{stderr}");
}

#[test]
fn pull_flags_ignore_failures_and_buildable_services() {
    // Nothing listens on port 9: the pull fails at once.
    let s = Stack::new(
        "pullflags",
        "services:\n  down:\n    image: 127.0.0.1:9/hoist-t/down:1\n  app:\n    image: 127.0.0.1:9/hoist-t/app:1\n    build:\n      context: .\n      dockerfile_inline: \"FROM $IMAGE\\n\"\n",
    );
    let out = s.hoist(&["--progress", "plain", "pull", "--ignore-buildable"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(" app Skipped - Image can be built \n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: service \"down\": pulling image 127.0.0.1:9/hoist-t/down:1"),
        "{stderr}"
    );

    let out = s.hoist(&["--progress", "plain", "pull", "--ignore-pull-failures"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(" down Error "), "{stderr}");
    assert!(stderr.contains(" app Warning "), "{stderr}");
    assert!(
        stderr.contains("must be built from source by running:\n    hoist build app"),
        "{stderr}"
    );
}

#[test]
fn credentials_from_a_credential_helper_pull_an_authenticated_registry() {
    use std::os::unix::fs::PermissionsExt;
    let reg = Registry::start("helper", true);
    let image = reg.image("hoist-t/helper:1");
    let _cleanup = Images(vec![image.clone()]);
    let auths = docker_config("helperpush", &reg.host(), PASSWORD);
    let s = unique_image_stack("helper", &image);
    let out = s.hoist_env(
        &["push"],
        &[("DOCKER_CONFIG", auths.to_str().unwrap_or_default())],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    docker(&["rmi", &image]);

    // A helper speaking the docker-credential protocol: the registry on stdin, JSON out;
    // it knows only this registry.
    let dir = std::env::temp_dir().join(format!("hoist-helper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("helper dir");
    let helper = dir.join("docker-credential-hoisttest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\nif [ \"$1\" = get ] && [ \"$server\" = \"{}\" ]; then\n  printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$server\"\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
            reg.host()
        ),
    )
    .expect("write helper");
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(dir.join("config.json"), r#"{"credsStore":"hoisttest"}"#).expect("config");
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = s.hoist_env(
        &["pull"],
        &[
            ("DOCKER_CONFIG", dir.to_str().unwrap_or_default()),
            ("PATH", &path),
        ],
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(has_image(&image));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&auths);
}

#[test]
fn run_builds_a_missing_image_and_run_build_rebuilds_it() {
    let (mut cleanup, s) = built_stack(
        "runbuild",
        "      context: .\n      dockerfile_inline: |\n        FROM $IMAGE\n        COPY version /version\n",
    );
    s.write("version", "1");
    let out = s.hoist(&["run", "--rm", "app", "cat", "/version"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.trim(), "1");
    let image = format!("{}-app", s.name);
    let first_id = docker(&["image", "inspect", &image, "--format", "{{.Id}}"]);
    cleanup.0.push(first_id.trim().to_string());

    s.write("version", "2");
    let out = s.hoist(&["run", "--rm", "app", "cat", "/version"]);
    assert_eq!(text(&out).0.trim(), "1", "present image: no build");
    let out = s.hoist(&["run", "--rm", "--build", "app", "cat", "/version"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.trim(), "2");
}
