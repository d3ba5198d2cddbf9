//! Hostile input: every malformed project gets a clear error that names the file (and the
//! line, column and service where there is one), a non-zero exit status, and never a panic.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A scratch project directory, removed when the test ends.
struct Project {
    dir: PathBuf,
}

impl Project {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("hoist-errors-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Project { dir }
    }

    fn file(self, name: &str, content: &str) -> Self {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(path, content).expect("write file");
        self
    }

    fn hoist(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hoist"))
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .output()
            .expect("run hoist")
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `config` and returns stderr, asserting a clean failure (exit 1, no panic).
fn config_fails(p: &Project) -> String {
    let out = p.hoist(&["config"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit 1, stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "hoist panicked:\n{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    stderr
}

fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected {needle:?} in:\n{haystack}"
    );
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let p = Project::new("yaml").file("compose.yaml", "services:\n  web:\n    image: [nginx\n");
    let err = config_fails(&p);
    assert_contains(&err, &p.path("compose.yaml"));
    assert_contains(&err, "yaml: line 2: did not find expected ',' or ']'");
}

#[test]
fn tab_indentation_is_a_yaml_error() {
    let p = Project::new("tabs").file("compose.yaml", "services:\n\tweb:\n\t\timage: nginx\n");
    let err = config_fails(&p);
    assert_contains(&err, &p.path("compose.yaml"));
}

#[test]
fn unknown_attribute_names_service_and_attribute() {
    let p = Project::new("unknown").file(
        "compose.yaml",
        "services:\n  simple:\n    image: busybox\n    wrongField: x\n",
    );
    let err = config_fails(&p);
    assert_contains(
        &err,
        "services.simple additional properties 'wrongField' not allowed",
    );
    assert_contains(&err, &p.path("compose.yaml"));
}

#[test]
fn wrong_type_is_reported_with_its_path() {
    let p = Project::new("wrongtype").file(
        "compose.yaml",
        "services:\n  web:\n    image: busybox\n    ports: 80\n",
    );
    let err = config_fails(&p);
    assert_contains(&err, "services.web.ports");
}

#[test]
fn required_variable_error_names_the_attribute() {
    let p = Project::new("required").file(
        "compose.yaml",
        "services:\n  test:\n    image: ${ID:?ID variable must be set}\n",
    );
    let err = config_fails(&p);
    assert_contains(
        &err,
        "error while interpolating services.test.image: required variable ID is missing a value: ID variable must be set",
    );
}

#[test]
fn invalid_interpolation_syntax_is_an_error() {
    let p = Project::new("badinterp").file("compose.yaml", "services:\n  test:\n    image: ${ID\n");
    let err = config_fails(&p);
    assert_contains(&err, "invalid interpolation format for services.test.image");
}

#[test]
fn dependency_cycle_names_its_members() {
    let p = Project::new("cycle").file(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
    );
    let err = config_fails(&p);
    assert_contains(&err, "dependency cycle detected: a -> b -> a");
}

#[test]
fn missing_compose_file_given_with_f_is_an_error() {
    let p = Project::new("missing");
    let out = p.hoist(&["-f", "nope.yaml", "config"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_contains(&stderr, &p.path("nope.yaml"));
    assert_contains(&stderr, "no such file or directory");
}

#[test]
fn no_compose_file_anywhere_is_an_error() {
    let p = Project::new("nofile");
    let err = config_fails(&p);
    assert_contains(&err, "no configuration file provided");
}

#[test]
fn missing_env_file_given_with_env_file_is_an_error() {
    let p = Project::new("envfile").file("compose.yaml", "services:\n  a:\n    image: x\n");
    let out = p.hoist(&["--env-file", "nope.env", "config"]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains(&String::from_utf8_lossy(&out.stderr), "nope.env");
}

#[test]
fn missing_required_env_file_of_a_service_is_an_error() {
    let p = Project::new("svcenv").file(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    env_file: ./missing.env\n",
    );
    let err = config_fails(&p);
    assert_contains(&err, "missing.env not found");
}

#[test]
fn undefined_network_is_an_error_naming_the_service() {
    let p = Project::new("net").file(
        "compose.yaml",
        "services:\n  web:\n    image: x\n    networks: [back]\n",
    );
    let err = config_fails(&p);
    assert_contains(&err, "service \"web\" refers to undefined network back");
}

#[test]
fn service_without_image_or_build_is_an_error() {
    let p = Project::new("noimage").file("compose.yaml", "services:\n  web:\n    command: x\n");
    let err = config_fails(&p);
    assert_contains(&err, "has neither an image nor a build context");
}

#[test]
fn include_cycle_is_an_error() {
    let p = Project::new("inccycle")
        .file(
            "compose.yaml",
            "include:\n  - other.yaml\nservices:\n  a:\n    image: x\n",
        )
        .file("other.yaml", "include:\n  - compose.yaml\n");
    let err = config_fails(&p);
    assert_contains(&err, "include cycle detected");
}

#[test]
fn extends_of_a_missing_service_is_an_error() {
    let p = Project::new("extends").file(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    extends: nothere\n",
    );
    let err = config_fails(&p);
    assert_contains(&err, "nothere");
}

#[test]
fn invalid_explicit_project_name_is_an_error() {
    let p = Project::new("pname").file("compose.yaml", "services:\n  a:\n    image: x\n");
    let out = p.hoist(&["-p", "Bad Name", "config"]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains(
        &String::from_utf8_lossy(&out.stderr),
        "invalid project name \"Bad Name\"",
    );
}

#[test]
fn top_level_sequence_is_an_error() {
    let p = Project::new("toplist").file("compose.yaml", "- a\n- b\n");
    let err = config_fails(&p);
    assert_contains(&err, "top-level object must be a mapping");
}

#[test]
fn empty_file_is_an_error() {
    let p = Project::new("empty").file("compose.yaml", "# nothing\n");
    let err = config_fails(&p);
    assert_contains(&err, "empty compose file");
}

#[test]
fn binary_garbage_never_panics() {
    let garbage: String = (0u8..=255).map(|b| b as char).cycle().take(5000).collect();
    let p = Project::new("garbage").file("compose.yaml", &garbage);
    let out = p.hoist(&["config"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

/// Real compose files cut short at several points and with bytes flipped: whatever the
/// damage, hoist answers with a result or an error, never a panic or a hang.
#[test]
fn damaged_real_files_never_panic() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/cases");
    let Ok(cases) = std::fs::read_dir(&corpus) else {
        assert!(
            std::env::var("CI").is_err(),
            "corpus missing at {}",
            corpus.display()
        );
        eprintln!("SKIPPED: no corpus at {}", corpus.display());
        return;
    };
    let mut files: Vec<PathBuf> = cases
        .flatten()
        .map(|c| c.path())
        .filter_map(|dir| {
            [
                "compose.yaml",
                "compose.yml",
                "docker-compose.yml",
                "docker-compose.yaml",
            ]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
        })
        .collect();
    files.sort();
    assert!(files.len() > 50, "expected the corpus' compose files");
    let p = Project::new("damaged");
    let mut runs = 0;
    for file in &files {
        let text = std::fs::read(file).expect("read corpus file");
        let mut variants: Vec<Vec<u8>> = [3, 2, 1]
            .iter()
            .map(|d| text[..text.len() * (4 - d) / 4].to_vec())
            .collect();
        let mut flipped = text.clone();
        for i in (7..flipped.len()).step_by(41) {
            let damage = b"{[:&*!|>'\"%@`-\t";
            flipped[i] = damage[i % damage.len()];
        }
        variants.push(flipped);
        for v in variants {
            std::fs::write(p.dir.join("compose.yaml"), &v).expect("write variant");
            let out = p.hoist(&["config"]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                matches!(out.status.code(), Some(0) | Some(1)),
                "{}: exit {:?}\n{stderr}",
                file.display(),
                out.status.code()
            );
            assert!(
                !stderr.contains("panicked"),
                "{}:\n{stderr}",
                file.display()
            );
            runs += 1;
        }
    }
    eprintln!("{runs} damaged files loaded without a panic");
}
