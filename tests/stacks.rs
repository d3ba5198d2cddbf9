//! The bundled stacks (`stacks/`) and `hoist init`, which writes them from the binary.
//!
//! Each stack must load in hoist exactly as in Docker Compose v2.40.3 (`config --format json`,
//! compared structurally as in tests/corpus.rs), as bundled and with every image and port
//! overridden the way the end-to-end suite does. `hoist init` must write, list and refuse the
//! same way from any directory. The stacks running for real: tests/e2e/ (run by .ci/run).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use support::{HOIST, RUN_TIMEOUT, RunOutput};

const STACKS: [&str; 3] = ["airflow", "minio", "mongo"];

fn stacks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks")
}

/// A fresh, empty directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "hoist-stacks-{test}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `hoist ARGS` in `cwd`, clean environment plus `env`.
fn hoist(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> RunOutput {
    let mut cmd = support::clean_command(HOIST, cwd);
    cmd.args(args).envs(env.iter().copied());
    support::run(cmd, RUN_TIMEOUT).expect("run hoist")
}

/// Every file of a stack folder, as relative paths, sorted (what `hoist init` must write).
fn stack_files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).expect("read stack dir") {
            let path = entry.expect("dir entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name == "__pycache__" || name.ends_with(".pyc") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `config --format json` of the project in `dir` by hoist and by Docker Compose, compared.
fn assert_config_matches_compose(dir: &Path, env: &[(&str, &str)]) {
    let mut compose = support::clean_command("docker", dir);
    compose
        .args(["compose", "config", "--format", "json"])
        .envs(env.iter().copied());
    let compose = match support::run(compose, RUN_TIMEOUT) {
        Ok(out) if out.code == Some(0) => out,
        Ok(out) => {
            return support::skip_or_fail(
                "stacks config",
                &format!(
                    "docker compose config failed in {}: {}",
                    dir.display(),
                    out.stderr_head()
                ),
            );
        }
        Err(e) => return support::skip_or_fail("stacks config", &e),
    };
    let ours = hoist(dir, &["config", "--format", "json"], env);
    assert_eq!(
        ours.code,
        Some(0),
        "hoist config in {}: {}",
        dir.display(),
        ours.stderr
    );
    assert!(
        !ours.stderr.contains("WARN"),
        "hoist config warned in {}: {}",
        dir.display(),
        ours.stderr
    );
    let expected: Value = serde_json::from_str(&compose.stdout).expect("compose printed JSON");
    let actual: Value = serde_json::from_str(&ours.stdout).expect("hoist printed JSON");
    if let Some(diff) = support::first_difference(&expected, &actual) {
        panic!("{} with {env:?}: {diff}", dir.display());
    }
}

/// Image and port overrides as the end-to-end suite passes them.
const OVERRIDES: &[(&str, &str)] = &[
    ("AIRFLOW_IMAGE", "hoist-e2e/airflow:test"),
    ("POSTGRES_IMAGE", "hoist-e2e/postgres:test"),
    ("PGADMIN_IMAGE", "hoist-e2e/pgadmin:test"),
    ("MINIO_IMAGE", "hoist-e2e/minio:test"),
    ("MC_IMAGE", "hoist-e2e/mc:test"),
    ("MONGO_IMAGE", "hoist-e2e/mongo:test"),
    ("MONGO_EXPRESS_IMAGE", "hoist-e2e/mongo-express:test"),
    ("AIRFLOW_PORT", "18080"),
    ("PGADMIN_PORT", "15050"),
    ("POSTGRES_PORT", "15432"),
    ("MINIO_API_PORT", "19000"),
    ("MINIO_CONSOLE_PORT", "19001"),
    ("MONGO_PORT", "37017"),
    ("MONGO_EXPRESS_PORT", "18081"),
    ("COMPOSE_PROJECT_NAME", "stacks-config-test"),
];

#[test]
fn each_bundled_stack_loads_as_in_docker_compose() {
    for stack in STACKS {
        assert_config_matches_compose(&stacks_dir().join(stack), &[]);
    }
}

#[test]
fn each_bundled_stack_takes_image_and_port_overrides_as_docker_compose() {
    for stack in STACKS {
        assert_config_matches_compose(&stacks_dir().join(stack), OVERRIDES);
    }
}

#[test]
fn every_image_in_the_stacks_can_be_swapped_through_a_variable() {
    for stack in STACKS {
        let dir = stacks_dir().join(stack);
        let out = hoist(&dir, &["config", "--images"], OVERRIDES);
        assert_eq!(out.code, Some(0), "{stack}: {}", out.stderr);
        for image in support::lines(&out.stdout) {
            assert!(
                image.starts_with("hoist-e2e/"),
                "{stack}: image {image} ignores the *_IMAGE overrides"
            );
        }
    }
}

#[test]
fn init_writes_a_stack_that_loads_as_in_docker_compose_from_any_directory() {
    let scratch = Scratch::new("init-config");
    for stack in STACKS {
        let out = hoist(&scratch.0, &["init", stack], &[]);
        assert_eq!(out.code, Some(0), "init {stack}: {}", out.stderr);
        assert_config_matches_compose(&scratch.0.join(stack), &[]);
    }
}

#[test]
fn init_writes_every_file_of_the_stack_byte_for_byte() {
    let scratch = Scratch::new("init-files");
    for stack in STACKS {
        let target = scratch.0.join("nested").join(format!("my-{stack}"));
        let rel = format!("nested/my-{stack}");
        let out = hoist(&scratch.0, &["init", stack, &rel], &[]);
        assert_eq!(out.code, Some(0), "init {stack} {rel}: {}", out.stderr);
        let source = stacks_dir().join(stack);
        let expected = stack_files(&source);
        assert_eq!(stack_files(&target), expected, "files written for {stack}");
        for file in &expected {
            assert_eq!(
                fs::read(target.join(file)).expect("written file"),
                fs::read(source.join(file)).expect("source file"),
                "{stack}/{file} differs from the bundled one"
            );
        }
    }
}

#[test]
fn init_list_names_every_bundled_stack() {
    let scratch = Scratch::new("init-list");
    let out = hoist(&scratch.0, &["init", "--list"], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let names: Vec<String> = support::lines(&out.stdout)
        .iter()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(names, STACKS);
    assert_eq!(
        fs::read_dir(&scratch.0).expect("scratch").count(),
        0,
        "--list wrote files"
    );
}

#[test]
fn init_refuses_to_overwrite_existing_files_and_writes_nothing() {
    let scratch = Scratch::new("init-refuse");
    let dir = scratch.0.join("minio");
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join("compose.yaml"), "services: {}\n").expect("write");
    let out = hoist(&scratch.0, &["init", "minio"], &[]);
    assert_eq!(out.code, Some(1), "stdout: {}", out.stdout);
    assert!(
        out.stderr.contains("compose.yaml") && out.stderr.contains("--force"),
        "the error should name the file and --force: {}",
        out.stderr
    );
    assert_eq!(
        fs::read_to_string(dir.join("compose.yaml")).expect("read"),
        "services: {}\n"
    );
    assert_eq!(
        stack_files(&dir),
        ["compose.yaml"],
        "nothing else may be written"
    );
}

#[test]
fn init_force_overwrites_existing_files() {
    let scratch = Scratch::new("init-force");
    let dir = scratch.0.join("minio");
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join("compose.yaml"), "services: {}\n").expect("write");
    let out = hoist(&scratch.0, &["init", "--force", "minio"], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        fs::read(dir.join("compose.yaml")).expect("read"),
        fs::read(stacks_dir().join("minio/compose.yaml")).expect("read bundled")
    );
}

#[test]
fn init_of_an_unknown_stack_fails_and_names_the_available_ones() {
    let scratch = Scratch::new("init-unknown");
    let out = hoist(&scratch.0, &["init", "postgres"], &[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("`postgres`") && out.stderr.contains("airflow, minio, mongo"),
        "{}",
        out.stderr
    );
    assert_eq!(fs::read_dir(&scratch.0).expect("scratch").count(), 0);
}

#[test]
fn init_without_a_stack_name_fails_and_names_the_available_ones() {
    let scratch = Scratch::new("init-none");
    let out = hoist(&scratch.0, &["init"], &[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("airflow, minio, mongo"),
        "{}",
        out.stderr
    );
}

#[test]
fn init_into_a_path_that_is_a_file_fails() {
    let scratch = Scratch::new("init-file");
    fs::write(scratch.0.join("taken"), "x").expect("write");
    let out = hoist(&scratch.0, &["init", "mongo", "taken"], &[]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("not a directory"), "{}", out.stderr);
}
