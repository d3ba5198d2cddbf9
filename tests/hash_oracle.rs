//! Compares `hoist config --hash '*'` with the real Docker Compose v2.40.3 on every corpus case
//! where Compose succeeds. Both run in the case folder with the same arguments and a clean
//! environment (only `PATH` and `HOME`), so the absolute paths that go into the hashes agree.
//!
//! Compose is `$HOIST_COMPOSE_BIN` (the path of a `docker-compose` binary) when set, else
//! `docker compose`, else the CLI plugin binary itself from the usual plugin folders.
//! `config` needs no Docker daemon. Without Compose v2.40.3 the test is skipped, except under
//! `CI=true`, where it fails (install it with `tools/install-compose`).
//!
//! Run alone with `cargo test --test hash_oracle`; `CORPUS_CASE=<substring>` restricts the cases.

mod support;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{Case, RUN_TIMEOUT};

/// The Compose release whose hashes hoist must reproduce.
const COMPOSE_VERSION: &str = "2.40.3";

/// How to run the reference Docker Compose.
struct Compose {
    program: OsString,
    /// `["compose"]` when going through the docker CLI.
    prefix: Vec<&'static str>,
    /// For messages.
    label: String,
}

impl Compose {
    /// `compose <case args> <extra>` in the case folder, with the corpus's clean environment
    /// (plus `DOCKER_CONFIG` when set, which only says where the CLI plugin lives).
    fn command(&self, dir: &Path, args: &[String], extra: &[&str]) -> Command {
        let mut cmd = support::clean_command(&self.program, dir);
        if let Some(cfg) = std::env::var_os("DOCKER_CONFIG") {
            cmd.env("DOCKER_CONFIG", cfg);
        }
        cmd.args(&self.prefix).args(args).args(extra);
        cmd
    }

    /// Checks that this is Compose v2.40.3; `Err` says what it is instead.
    fn check_version(&self) -> Result<(), String> {
        let cmd = self.command(&std::env::temp_dir(), &[], &["version", "--short"]);
        let out = support::run(cmd, RUN_TIMEOUT).map_err(|e| format!("{}: {e}", self.label))?;
        let version = out.stdout.trim().trim_start_matches('v');
        if out.code != Some(0) {
            return Err(format!(
                "{}: `version --short` {}: {}",
                self.label,
                out.describe_exit(),
                out.stderr_head()
            ));
        }
        if version != COMPOSE_VERSION {
            return Err(format!(
                "{} is version {version:?}, need {COMPOSE_VERSION}",
                self.label
            ));
        }
        Ok(())
    }
}

/// Finds Compose v2.40.3, or says everywhere it looked and what was wrong.
fn find_compose() -> Result<Compose, String> {
    if let Some(bin) = std::env::var_os("HOIST_COMPOSE_BIN") {
        let compose = Compose {
            label: format!("HOIST_COMPOSE_BIN={}", bin.to_string_lossy()),
            program: bin,
            prefix: Vec::new(),
        };
        return compose.check_version().map(|()| compose);
    }
    let mut candidates = vec![Compose {
        program: "docker".into(),
        prefix: vec!["compose"],
        label: "`docker compose`".into(),
    }];
    for dir in plugin_dirs() {
        let bin = dir.join("docker-compose");
        if bin.exists() {
            candidates.push(Compose {
                label: bin.display().to_string(),
                program: bin.into_os_string(),
                prefix: Vec::new(),
            });
        }
    }
    let mut reasons = Vec::new();
    for compose in candidates {
        match compose.check_version() {
            Ok(()) => return Ok(compose),
            Err(why) => reasons.push(why),
        }
    }
    Err(format!(
        "Docker Compose v{COMPOSE_VERSION} not found (run tools/install-compose, or set \
         HOIST_COMPOSE_BIN): {}",
        reasons.join("; ")
    ))
}

/// Where the docker CLI looks for plugins.
fn plugin_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(cfg) = std::env::var_os("DOCKER_CONFIG") {
        dirs.push(PathBuf::from(cfg).join("cli-plugins"));
    }
    let home = support::home();
    if !home.is_empty() {
        dirs.push(Path::new(&home).join(".docker/cli-plugins"));
    }
    for d in [
        "/usr/local/lib/docker/cli-plugins",
        "/usr/local/libexec/docker/cli-plugins",
        "/usr/lib/docker/cli-plugins",
        "/usr/libexec/docker/cli-plugins",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs
}

#[test]
fn config_hash_matches_docker_compose() {
    let compose = match find_compose() {
        Ok(c) => c,
        Err(why) => return support::skip_or_fail("hash_oracle", &why),
    };
    let root = match support::corpus_dir() {
        Ok(root) => root,
        Err(why) => return support::skip_or_fail("hash_oracle", &why),
    };
    let cases: Vec<Case> = match support::load_cases(&root) {
        Ok(cases) => cases
            .into_iter()
            .filter(|c| c.expected_rc == 0 && !c.expected_services.is_empty())
            .collect(),
        Err(why) => panic!("hash_oracle: cannot read the cases: {why}"),
    };
    if cases.is_empty() {
        panic!(
            "hash_oracle: no successful case in {} matches CORPUS_CASE={:?}",
            root.display(),
            std::env::var("CORPUS_CASE").unwrap_or_default()
        );
    }

    let results = support::parallel_map(&cases, |case| check_case(&compose, case));
    let failed: Vec<(&Case, &String)> = cases
        .iter()
        .zip(&results)
        .filter_map(|(c, r)| r.as_ref().err().map(|e| (c, e)))
        .collect();
    for (case, result) in cases.iter().zip(&results) {
        match result {
            Ok(()) => println!("ok   {}", case.name),
            Err(e) => println!("FAIL {}: {e}", case.name),
        }
    }
    let summary = format!(
        "hash oracle: {} passed, {} failed",
        cases.len() - failed.len(),
        failed.len()
    );
    support::shout(&format!("{summary} (reference: {})", compose.label));
    if !failed.is_empty() {
        let list: String = failed
            .iter()
            .map(|(c, e)| format!("\n  {}:\n      {e}", c.name))
            .collect();
        panic!("{summary}\n{list}\n");
    }
}

/// How many times Compose runs on a case whose hashes differ from hoist's: Compose is not
/// deterministic on every case (e.g. the order in which `extends` resolves can change what
/// `depends_on` ends up with), so hoist passes when it matches any of these runs.
const COMPOSE_TRIES: usize = 5;

/// Runs both tools on one case; `Err` describes the first way hoist differs.
fn check_case(compose: &Compose, case: &Case) -> Result<(), String> {
    let extra = ["config", "--hash", "*"];
    let ours = support::run(support::hoist_command(case, &extra), RUN_TIMEOUT)?;
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..COMPOSE_TRIES {
        let cmd = compose.command(&case.dir, &case.args, &extra);
        let reference = support::run(cmd, RUN_TIMEOUT)?;
        if reference.code != Some(0) {
            return Err(format!(
                "the reference Compose itself failed ({}): {}",
                reference.describe_exit(),
                reference.stderr_head()
            ));
        }
        if ours.code != Some(0) {
            break;
        }
        if reference.stdout == ours.stdout {
            return Ok(());
        }
        // Retrying only helps when hoist lists the same services and just a hash differs.
        let same_services = service_names(&reference.stdout) == service_names(&ours.stdout);
        if !seen.contains(&reference.stdout) {
            seen.push(reference.stdout);
        }
        if !same_services {
            break;
        }
    }
    if ours.code != Some(0) {
        return Err(format!(
            "hoist config --hash '*': {}; stderr: {}",
            ours.describe_exit(),
            ours.stderr_head()
        ));
    }
    let mut msg = compare_hash_lines(seen.first().map_or("", String::as_str), &ours.stdout)
        .err()
        .unwrap_or_else(|| "output differs in whitespace".to_string());
    if seen.len() > 1 {
        msg.push_str(&format!(
            "\n      (Compose itself gave {} different outputs in up to {COMPOSE_TRIES} runs)",
            seen.len()
        ));
    }
    Err(msg)
}

/// The first word of each line: the service names of `--hash` output.
fn service_names(text: &str) -> Vec<String> {
    support::lines(text)
        .iter()
        .map(|l| l.split(' ').next().unwrap_or("").to_string())
        .collect()
}

/// Compares `service hash` lines: every service's hash, then the (sorted) order.
fn compare_hash_lines(expected: &str, actual: &str) -> Result<(), String> {
    let parse = |text: &str| -> Vec<(String, String)> {
        support::lines(text)
            .into_iter()
            .map(|l| match l.split_once(' ') {
                Some((name, hash)) => (name.to_string(), hash.trim().to_string()),
                None => (l, String::new()),
            })
            .collect()
    };
    let want = parse(expected);
    let got = parse(actual);
    if got.is_empty() {
        return Err("hoist printed nothing for config --hash '*'".to_string());
    }
    let mut problems = Vec::new();
    for (name, hash) in &want {
        match got.iter().find(|(n, _)| n == name) {
            None => problems.push(format!("{name}: missing (expected {hash})")),
            Some((_, h)) if h != hash => problems.push(format!("{name}: expected {hash}, got {h}")),
            Some(_) => {}
        }
    }
    for (name, hash) in &got {
        if !want.iter().any(|(n, _)| n == name) {
            problems.push(format!("{name}: unexpected service (got {hash})"));
        }
    }
    if problems.is_empty() && want != got {
        problems.push(format!(
            "services in a different order: expected {:?}, got {:?}",
            want.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            got.iter().map(|(n, _)| n).collect::<Vec<_>>()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n      "))
    }
}
