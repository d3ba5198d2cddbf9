//! `hoist config` end to end: how files, environment, profiles and names are resolved, and
//! what each output flag prints. Each test builds a small project in a temp directory and
//! runs the real binary with a clean environment.

use std::path::PathBuf;
use std::process::{Command, Output};

struct Project {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Project {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("hoist-config-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Project {
            dir,
            env: Vec::new(),
        }
    }

    fn file(self, name: &str, content: &str) -> Self {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(path, content).expect("write file");
        self
    }

    fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    fn hoist_in(&self, sub: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hoist"));
        cmd.args(args)
            .current_dir(self.dir.join(sub))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.output().expect("run hoist")
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_in("", args)
    }

    fn ok_in(&self, sub: &str, args: &[&str]) -> String {
        let out = self.hoist_in(sub, args);
        assert!(
            out.status.success(),
            "hoist {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["config", "--format", "json"]);
        serde_json::from_str(&self.ok(&all)).expect("config prints JSON")
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const SIMPLE: &str = "services:\n  web:\n    image: nginx:${TAG:-latest}\n";

#[test]
fn shell_environment_beats_env_file_and_dotenv() {
    let p = Project::new("prec")
        .file("compose.yaml", SIMPLE)
        .file(".env", "TAG=from-dotenv\n")
        .file("other.env", "TAG=from-env-file\n");
    assert_eq!(p.json(&[])["services"]["web"]["image"], "nginx:from-dotenv");
    assert_eq!(
        p.json(&["--env-file", "other.env"])["services"]["web"]["image"],
        "nginx:from-env-file"
    );
    let p = p.env("TAG", "from-shell");
    assert_eq!(
        p.json(&["--env-file", "other.env"])["services"]["web"]["image"],
        "nginx:from-shell"
    );
}

#[test]
fn later_env_file_wins() {
    let p = Project::new("envfiles")
        .file("compose.yaml", SIMPLE)
        .file("a.env", "TAG=a\n")
        .file("b.env", "TAG=b\n");
    let j = p.json(&["--env-file", "a.env", "--env-file", "b.env"]);
    assert_eq!(j["services"]["web"]["image"], "nginx:b");
}

#[test]
fn compose_disable_env_file_skips_dotenv() {
    let p = Project::new("disable")
        .file("compose.yaml", SIMPLE)
        .file(".env", "TAG=from-dotenv\n")
        .env("COMPOSE_DISABLE_ENV_FILE", "true");
    assert_eq!(p.json(&[])["services"]["web"]["image"], "nginx:latest");
}

#[test]
fn compose_file_and_project_name_can_come_from_dotenv() {
    let p = Project::new("dotenvfile").file("custom.yaml", SIMPLE).file(
        ".env",
        "COMPOSE_FILE=custom.yaml\nCOMPOSE_PROJECT_NAME=fromenv\n",
    );
    let j = p.json(&[]);
    assert_eq!(j["name"], "fromenv");
    assert_eq!(j["services"]["web"]["image"], "nginx:latest");
}

#[test]
fn compose_file_is_split_on_the_path_separator() {
    let p = Project::new("sep")
        .file("a.yaml", SIMPLE)
        .file(
            "b.yaml",
            "services:\n  web:\n    environment:\n      B: \"1\"\n",
        )
        .env("COMPOSE_FILE", "a.yaml;b.yaml")
        .env("COMPOSE_PATH_SEPARATOR", ";");
    let j = p.json(&[]);
    assert_eq!(j["services"]["web"]["environment"]["B"], "1");
}

#[test]
fn files_are_discovered_from_a_subdirectory_with_their_override() {
    let p = Project::new("discover")
        .file("compose.yaml", SIMPLE)
        .file(
            "compose.override.yaml",
            "services:\n  web:\n    environment:\n      O: yes-override\n",
        )
        .file("sub/deeper/.keep", "");
    let out = p.ok_in("sub/deeper", &["config", "--format", "json"]);
    let j: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(j["services"]["web"]["environment"]["O"], "yes-override");
}

#[test]
fn project_name_comes_from_flag_then_env_then_file_then_directory() {
    let p = Project::new("Names.Dir").file("compose.yaml", SIMPLE);
    let dir_name = p.json(&[])["name"].as_str().expect("name").to_string();
    assert!(
        dir_name.starts_with("hoist-config-") && dir_name.ends_with("-namesdir"),
        "{dir_name}"
    );
    let p = p.file("compose.yaml", &format!("name: From_File\n{SIMPLE}"));
    assert_eq!(p.json(&[])["name"], "from_file");
    let p = p.env("COMPOSE_PROJECT_NAME", "fromenv");
    assert_eq!(p.json(&[])["name"], "fromenv");
    assert_eq!(p.json(&["-p", "fromflag"])["name"], "fromflag");
}

#[test]
fn profiles_enable_services_from_flag_and_environment() {
    let compose = "services:\n  web:\n    image: x\n  debug:\n    image: x\n    profiles: [dbg]\n";
    let p = Project::new("profiles").file("compose.yaml", compose);
    assert!(p.json(&[])["services"].get("debug").is_none());
    assert!(
        p.json(&["--profile", "dbg"])["services"]
            .get("debug")
            .is_some()
    );
    let p = p.env("COMPOSE_PROFILES", "dbg");
    assert!(p.json(&[])["services"].get("debug").is_some());
}

#[test]
fn naming_a_service_enables_its_profile() {
    let compose = "services:\n  web:\n    image: x\n  debug:\n    image: x\n    profiles: [dbg]\n";
    let p = Project::new("named").file("compose.yaml", compose);
    let out = p.ok(&["config", "--format", "json", "debug"]);
    let j: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(j["services"].get("debug").is_some());
    assert!(j["services"].get("web").is_none());
}

#[test]
fn listing_flags_print_one_name_per_line() {
    let compose = "services:\n  web:\n    image: nginx\n    depends_on: [db]\n    volumes: [data:/d]\n  db:\n    image: postgres\n    profiles: [p1]\n  tool:\n    build: .\n    profiles: [p2]\nvolumes:\n  data: {}\n";
    let p = Project::new("listing").file("compose.yaml", compose);
    assert_eq!(
        p.ok(&["--profile", "p1", "config", "--services"]),
        "db\nweb\n"
    );
    assert_eq!(p.ok(&["--profile", "p1", "config", "--volumes"]), "data\n");
    assert_eq!(
        p.ok(&["--profile", "p1", "config", "--profiles"]),
        "p1\np2\n"
    );
    let images = p.ok(&["--profile", "*", "config", "--images"]);
    let mut images: Vec<&str> = images.lines().collect();
    images.sort_unstable();
    let name = p.json(&["--profile", "*"])["name"]
        .as_str()
        .expect("name")
        .to_string();
    let built = format!("{name}-tool");
    let mut expected = vec!["nginx", "postgres", built.as_str()];
    expected.sort_unstable();
    assert_eq!(images, expected);
}

#[test]
fn hash_prints_one_line_per_service_sorted() {
    let p = Project::new("hash").file(
        "compose.yaml",
        "services:\n  b:\n    image: x\n  a:\n    image: y\n",
    );
    let out = p.ok(&["config", "--hash", "*"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("a ") && lines[1].starts_with("b "));
    assert_eq!(lines[0].len(), 2 + 64);
    assert_eq!(p.ok(&["config", "--hash", "b"]).lines().count(), 1);
}

#[test]
fn quiet_validates_and_prints_nothing() {
    let p = Project::new("quiet").file("compose.yaml", SIMPLE);
    assert_eq!(p.ok(&["config", "-q"]), "");
}

#[test]
fn output_flag_writes_the_file() {
    let p = Project::new("output").file("compose.yaml", SIMPLE);
    assert_eq!(p.ok(&["config", "--format", "json", "-o", "out.json"]), "");
    let written = std::fs::read_to_string(p.dir.join("out.json")).expect("written");
    let j: serde_json::Value = serde_json::from_str(&written).expect("json");
    assert_eq!(j["services"]["web"]["image"], "nginx:latest");
}

#[test]
fn dollar_dollar_is_printed_escaped() {
    let p = Project::new("dollar").file(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    command: echo $$HOME\n",
    );
    let j = p.json(&[]);
    assert_eq!(
        j["services"]["a"]["command"],
        serde_json::json!(["echo", "$$HOME"])
    );
}

#[test]
fn unset_variable_warns_on_stderr() {
    let p = Project::new("warn").file("compose.yaml", "services:\n  a:\n    image: x:${NOPE}\n");
    let out = p.hoist_in("", &["config"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("The \"NOPE\" variable is not set. Defaulting to a blank string.")
    );
}

#[test]
fn yaml_is_the_default_format() {
    let p = Project::new("yaml").file("compose.yaml", SIMPLE);
    let out = p.ok(&["config"]);
    assert!(out.contains("services:\n"), "{out}");
    assert!(out.contains("image: nginx:latest"), "{out}");
}

#[test]
fn version_prints_the_crate_version() {
    let p = Project::new("version");
    assert!(p.ok(&["version"]).contains(env!("CARGO_PKG_VERSION")));
    assert_eq!(
        p.ok(&["version", "--short"]).trim(),
        env!("CARGO_PKG_VERSION")
    );
}

#[test]
fn variables_lists_each_variable_with_default_and_alternate_value() {
    let p = Project::new("vars").file(
        "compose.yaml",
        "services:\n  web:\n    image: nginx:${TAG:-latest}\n    ports: [\"${PORT:?need a port}:80\"]\n    environment:\n      A: ${A:+set}\n",
    );
    let out = p.ok(&["config", "--variables"]);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["NAME", "REQUIRED", "DEFAULT", "VALUE", "ALTERNATE", "VALUE"]
    );
    assert!(rows.contains(&vec!["TAG", "false", "latest"]), "{out}");
    assert!(rows.contains(&vec!["PORT", "true"]), "{out}");
    assert!(rows.contains(&vec!["A", "false", "set"]), "{out}");
}

#[test]
fn no_interpolate_keeps_variables_as_written() {
    let p = Project::new("noint").file(
        "compose.yaml",
        "services:\n  web:\n    image: nginx:${TAG:-latest}\n    ports: [\"${PORT}:80\"]\n",
    );
    let j: serde_json::Value =
        serde_json::from_str(&p.ok(&["config", "--no-interpolate", "--format", "json"]))
            .expect("json");
    assert_eq!(j["services"]["web"]["image"], "nginx:${TAG:-latest}");
    assert_eq!(
        j["services"]["web"]["ports"],
        serde_json::json!(["${PORT}:80"])
    );
}
