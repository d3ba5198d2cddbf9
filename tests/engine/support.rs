//! What every engine test needs: the busybox test image (built here, offline, from Debian's
//! busybox-static), a scratch project with a unique name, and a guard that removes what the
//! test created even when it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The image every test service runs: `/bin/busybox` plus one symlink per applet.
pub const IMAGE: &str = "hoist-test/busybox:latest";

/// Builds the test image once per test run (and only if the engine does not have it).
pub fn test_image() -> &'static str {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let have = Command::new("docker")
            .args(["image", "inspect", IMAGE])
            .output();
        if have.is_ok_and(|o| o.status.success()) {
            return;
        }
        let root = std::env::temp_dir().join(format!("hoist-busybox-{}", std::process::id()));
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin).expect("create image root");
        std::fs::copy("/bin/busybox", bin.join("busybox"))
            .expect("/bin/busybox is missing: install Debian's busybox-static (.ci/run does)");
        let list = Command::new("/bin/busybox")
            .arg("--list")
            .output()
            .expect("busybox --list");
        for applet in String::from_utf8_lossy(&list.stdout).lines() {
            if applet != "busybox" {
                let _ = std::os::unix::fs::symlink("busybox", bin.join(applet));
            }
        }
        for dir in ["etc", "tmp", "data"] {
            std::fs::create_dir_all(root.join(dir)).expect("create dir");
        }
        std::fs::write(
            root.join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
        )
        .expect("passwd");
        std::fs::write(root.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n").expect("group");
        let tar = root.with_extension("tar");
        let status = Command::new("tar")
            .args([
                "-C",
                &root.display().to_string(),
                "-cf",
                &tar.display().to_string(),
                ".",
            ])
            .status()
            .expect("tar");
        assert!(status.success(), "tar failed");
        let out = Command::new("docker")
            .args([
                "import",
                "-c",
                "ENV PATH=/bin",
                "-c",
                "CMD [\"sh\"]",
                &tar.display().to_string(),
                IMAGE,
            ])
            .output()
            .expect("docker import");
        assert!(
            out.status.success(),
            "docker import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::remove_dir_all(&root);
        let _ = std::fs::remove_file(&tar);
    });
    IMAGE
}

/// A project in a scratch directory, named uniquely; `Drop` removes its containers,
/// networks and volumes through the engine's labels.
pub struct Stack {
    pub dir: PathBuf,
    pub name: String,
}

impl Stack {
    /// A project named `hoist-t-<test>-<pid>` whose compose.yaml is `compose` (with
    /// `IMAGE` substituted for `$IMAGE`).
    pub fn new(test: &str, compose: &str) -> Stack {
        test_image();
        let name = format!("hoist-t-{test}-{}", std::process::id());
        let dir = std::env::temp_dir().join(&name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create project dir");
        let stack = Stack { dir, name };
        stack.write("compose.yaml", compose);
        stack
    }

    /// Writes a file of the project (`$IMAGE` becomes the test image).
    pub fn write(&self, file: &str, content: &str) {
        std::fs::write(self.dir.join(file), content.replace("$IMAGE", IMAGE)).expect("write file");
    }

    /// Runs hoist in the project directory with `-p <name>`.
    pub fn hoist(&self, args: &[&str]) -> Output {
        self.hoist_env(args, &[])
    }

    pub fn hoist_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoist"));
        cmd.arg("-p")
            .arg(&self.name)
            .args(args)
            .current_dir(&self.dir);
        cmd.env("COMPOSE_PROGRESS", "plain")
            .env_remove("COMPOSE_FILE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        run_bounded(cmd)
    }

    /// Runs hoist and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.hoist(args);
        assert!(
            out.status.success(),
            "hoist {args:?} failed ({:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Runs the real Docker Compose v2.40.3 on the same project.
    pub fn compose(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .arg("compose")
            .arg("-p")
            .arg(&self.name)
            .args(args)
            .current_dir(&self.dir)
            .env("COMPOSE_PROGRESS", "plain")
            .output()
            .expect("run docker compose")
    }

    /// The project's container names (running or not), sorted.
    pub fn containers(&self) -> Vec<String> {
        let out = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.name),
            "--format",
            "{{.Names}}",
        ]);
        let mut names: Vec<String> = out.lines().map(str::to_string).collect();
        names.sort();
        names
    }

    /// Names of the project's networks and volumes.
    pub fn networks(&self) -> Vec<String> {
        let out = docker(&[
            "network",
            "ls",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.name),
            "--format",
            "{{.Name}}",
        ]);
        out.lines().map(str::to_string).collect()
    }

    pub fn volumes(&self) -> Vec<String> {
        let out = docker(&[
            "volume",
            "ls",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.name),
            "--format",
            "{{.Name}}",
        ]);
        out.lines().map(str::to_string).collect()
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let label = format!("label=com.docker.compose.project={}", self.name);
        let ids = docker(&["ps", "-aq", "--filter", &label]);
        let ids: Vec<&str> = ids.lines().collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(ids);
            docker(&args);
        }
        for n in self.networks() {
            docker(&["network", "rm", &n]);
        }
        for v in self.volumes() {
            docker(&["volume", "rm", "-f", &v]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs the docker CLI; returns stdout.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("run docker");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// `docker inspect` of one object, as JSON.
pub fn inspect(name: &str) -> serde_json::Value {
    let out = docker(&["inspect", name]);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
    list.get(0).cloned().unwrap_or(serde_json::Value::Null)
}

/// A command's stdout, as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A command's stderr, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// The JSON progress events among a command's stderr lines (`--progress json`).
pub fn json_events(stderr: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("json event"))
        .collect()
}

/// An engine timestamp (RFC 3339 in UTC, the fraction's trailing zeros trimmed) padded to
/// nine fraction digits, so that text order is time order (`…05.1Z` would otherwise sort
/// after `…05.12Z`).
pub fn sortable_time(value: &serde_json::Value) -> String {
    let text = value.as_str().expect("a timestamp");
    let (whole, frac) = text
        .trim_end_matches('Z')
        .split_once('.')
        .unwrap_or((text, ""));
    format!("{whole}.{frac:0<9}")
}

/// When `container` started (`State.StartedAt`), sortable.
pub fn started_at(container: &str) -> String {
    sortable_time(&inspect(container)["State"]["StartedAt"])
}

/// When `container`'s first successful engine healthcheck ended, sortable.
pub fn first_healthy_at(container: &str) -> String {
    let state = inspect(container);
    let first_ok = state["State"]["Health"]["Log"]
        .as_array()
        .and_then(|log| log.iter().find(|l| l["ExitCode"] == 0))
        .map(|l| l["End"].clone())
        .unwrap_or_else(|| panic!("{container} has a successful health check"));
    sortable_time(&first_ok)
}

/// How long one hoist command may take in a test before it counts as hung.
const HUNG_AFTER: std::time::Duration = std::time::Duration::from_secs(240);

/// Runs `cmd` to completion, killing it (and failing the test) when it hangs, so a hang
/// is a red test rather than a CI run that never ends.
pub fn run_bounded(mut cmd: Command) -> Output {
    use std::io::Read;
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run hoist");
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out_pipe.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err_pipe.read_to_end(&mut b);
        b
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for hoist") {
            break status;
        }
        if started.elapsed() > HUNG_AFTER {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} still running after {HUNG_AFTER:?}; stderr so far:\n{}",
                String::from_utf8_lossy(&err.join().unwrap_or_default())
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}
