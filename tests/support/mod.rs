//! Shared helpers for the integration tests: finding the corpus, running `hoist` (and the real
//! Docker Compose) the way the corpus was recorded, normalising their output, and describing the
//! first difference between two JSON documents.
//!
//! Each integration test is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The path of the `hoist` binary that cargo built for this test run.
pub const HOIST: &str = env!("CARGO_BIN_EXE_hoist");

/// How long one run of `hoist` or `docker compose` may take before it counts as hung.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether we run in CI (`CI=true`), where missing prerequisites fail instead of skipping.
pub fn in_ci() -> bool {
    matches!(
        std::env::var("CI")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Ok("true" | "1" | "yes")
    )
}

/// Writes straight to the process's stderr, bypassing libtest's output capture, so that skip
/// notices and summary lines are seen even when the test passes.
pub fn shout(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{msg}");
    let _ = err.flush();
}

/// Skips the calling test loudly, or fails it under CI, where a prerequisite must never be
/// silently missing. Returns normally only when skipping.
pub fn skip_or_fail(test: &str, why: &str) {
    if in_ci() {
        panic!("{test}: {why}\n(CI=true, so this fails instead of being skipped)");
    }
    let bar = "!".repeat(78);
    shout(&format!(
        "\n{bar}\n!! SKIPPED {test}: {why}\n!! (under CI=true this is a failure)\n{bar}\n"
    ));
}

/// The corpus `cases` folder: `$HOIST_CORPUS_DIR` if set, else `../shared/corpus/cases` next to
/// the crate. `Err` says where we looked.
pub fn corpus_dir() -> Result<PathBuf, String> {
    let dir = match std::env::var_os("HOIST_CORPUS_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/cases"),
    };
    // Canonical, because Compose writes the real absolute path of the case folder.
    fs::canonicalize(&dir).map_err(|e| format!("corpus folder {} not found ({e})", dir.display()))
}

/// One corpus case: a folder with compose files and what Compose printed for it.
#[derive(Debug, Clone)]
pub struct Case {
    /// The folder name, e.g. `docker-compose__pkg-e2e-fixtures-dotenv`.
    pub name: String,
    /// Canonical absolute path of the folder.
    pub dir: PathBuf,
    /// Options from `ARGS`, placed before `config`.
    pub args: Vec<String>,
    /// Exit status of `docker compose config`.
    pub expected_rc: i32,
    /// `expected.json` (raw text; empty when Compose failed).
    pub expected_json: String,
    /// `expected.err`.
    pub expected_err: String,
    /// Lines of `expected.services`, in Compose's order.
    pub expected_services: Vec<String>,
}

impl Case {
    /// Reads the case in `dir`.
    pub fn load(dir: &Path) -> Result<Case, String> {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| format!("{}: no folder name", dir.display()))?;
        let read = |file: &str| -> Result<String, String> {
            fs::read_to_string(dir.join(file)).map_err(|e| format!("{name}/{file}: {e}"))
        };
        let read_opt = |file: &str| -> Result<String, String> {
            if dir.join(file).exists() {
                read(file)
            } else {
                Ok(String::new())
            }
        };
        let rc_text = read("expected.rc")?;
        let expected_rc = rc_text
            .trim()
            .parse()
            .map_err(|e| format!("{name}/expected.rc: {e}: {rc_text:?}"))?;
        Ok(Case {
            args: read_opt("ARGS")?
                .split_whitespace()
                .map(String::from)
                .collect(),
            expected_rc,
            expected_json: read_opt("expected.json")?,
            expected_err: read_opt("expected.err")?,
            expected_services: read_opt("expected.services")?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            dir: dir.to_path_buf(),
            name,
        })
    }
}

/// All cases under `root`, sorted by name, restricted to names containing `$CORPUS_CASE` when
/// that is set.
pub fn load_cases(root: &Path) -> Result<Vec<Case>, String> {
    let filter = std::env::var("CORPUS_CASE").unwrap_or_default();
    let entries = fs::read_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", root.display()))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() && name.contains(&filter) {
            dirs.push(path);
        }
    }
    dirs.sort();
    dirs.iter().map(|d| Case::load(d)).collect()
}

/// The value of `HOME` the tests pass on (and replace with `@HOME@`).
pub fn home() -> String {
    std::env::var("HOME").unwrap_or_default()
}

/// A command for `program` that runs in `dir` with only `PATH` and `HOME` set, as the corpus was
/// recorded.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear().current_dir(dir);
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("HOME", home());
    cmd
}

/// `hoist <case args> <extra>` in the case folder, clean environment.
pub fn hoist_command(case: &Case, extra: &[&str]) -> Command {
    let mut cmd = clean_command(HOIST, &case.dir);
    cmd.args(&case.args).args(extra);
    cmd
}

/// What one finished (or killed) run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Exit code; `None` when killed by a signal or by our timeout.
    pub code: Option<i32>,
    /// Signal that ended the process, if any.
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl RunOutput {
    /// True when the process panicked (Rust's exit code 101 with a panic message).
    pub fn panicked(&self) -> bool {
        self.code == Some(101) && self.stderr.contains("panicked at")
    }

    /// A short account of how the process ended, for failure messages.
    pub fn describe_exit(&self) -> String {
        if self.timed_out {
            return format!("timed out after {}s (killed)", RUN_TIMEOUT.as_secs());
        }
        if self.panicked() {
            let line = self
                .stderr
                .lines()
                .find(|l| l.contains("panicked at"))
                .unwrap_or("");
            let next = self
                .stderr
                .lines()
                .skip_while(|l| !l.contains("panicked at"))
                .nth(1)
                .unwrap_or("");
            return format!("panicked: {} {}", line.trim(), next.trim());
        }
        match (self.code, self.signal) {
            (Some(c), _) => format!("exit status {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "ended without a status".to_string(),
        }
    }

    /// The first non-empty stderr line, shortened: usually the error message.
    pub fn stderr_head(&self) -> String {
        let line = self
            .stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        shorten(line.trim(), 300)
    }
}

/// Runs `cmd` with no stdin, capturing output, killing it after `timeout`.
pub fn run(mut cmd: Command, timeout: Duration) -> Result<RunOutput, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    // Drain both pipes on their own threads so a chatty child never blocks on a full pipe.
    let out_reader = spawn_reader(child.stdout.take());
    let err_reader = spawn_reader(child.stderr.take());

    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                timed_out = true;
                let _ = child.kill();
                break child
                    .wait()
                    .map_err(|e| format!("waiting for {program}: {e}"))?;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for {program}: {e}")),
        }
    };
    // A grandchild that outlived the process may still hold the pipes open: don't wait for it.
    let collect = |rx: mpsc::Receiver<String>| {
        rx.recv_timeout(Duration::from_secs(2))
            .unwrap_or_else(|_| "(output still open after the process ended)".to_string())
    };
    let stdout = collect(out_reader);
    let stderr = collect(err_reader);
    use std::os::unix::process::ExitStatusExt;
    Ok(RunOutput {
        code: if timed_out { None } else { status.code() },
        signal: status.signal(),
        stdout,
        stderr,
        timed_out,
    })
}

/// Reads `pipe` to the end on a new thread; the text arrives on the returned channel.
fn spawn_reader(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        let _ = tx.send(String::from_utf8_lossy(&buf).into_owned());
    });
    rx
}

/// The error part of Compose's stderr: the lines that are not logrus warnings, joined.
pub fn compose_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("time=\""))
        .collect();
    lines.join(" ⏎ ")
}

/// Applies the corpus README's replacements to raw output text: the case folder anywhere becomes
/// `@CASE_DIR@`, a `HOME` path at the start of a JSON string becomes `@HOME@`, and logrus
/// timestamps become `time="@TIME@"`.
pub fn normalize_text(text: &str, case_dir: &Path, home: &str) -> String {
    let mut s = text.replace(&*case_dir.to_string_lossy(), "@CASE_DIR@");
    if !home.is_empty() {
        s = replace_home_at_string_start(&s, home);
    }
    replace_logrus_time(&s)
}

fn replace_home_at_string_start(s: &str, home: &str) -> String {
    let pat = format!("\"{home}");
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(&pat) {
        let after = &rest[i + pat.len()..];
        out.push_str(&rest[..i]);
        // Only a whole path component: HOME=/root must not touch "/rootfs".
        if after.starts_with('/') || after.starts_with('"') {
            out.push_str("\"@HOME@");
        } else {
            out.push_str(&pat);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn replace_logrus_time(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("time=\"") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 6..];
        match after.find('"') {
            Some(end) => {
                out.push_str("time=\"@TIME@\"");
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Applies the same replacements to every string (keys included) of a parsed JSON document.
pub fn normalize_json(value: Value, case_dir: &Path, home: &str) -> Value {
    let dir = case_dir.to_string_lossy().into_owned();
    let fix = |s: String| -> String {
        let s = s.replace(&dir, "@CASE_DIR@");
        match s.strip_prefix(home) {
            Some(rest) if !home.is_empty() && (rest.is_empty() || rest.starts_with('/')) => {
                format!("@HOME@{rest}")
            }
            _ => s,
        }
    };
    normalize_strings(value, &fix)
}

fn normalize_strings(value: Value, fix: &dyn Fn(String) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(fix(s)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| normalize_strings(v, fix))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (fix(k), normalize_strings(v, fix)))
                .collect(),
        ),
        other => other,
    }
}

/// The first structural difference between `expected` and `actual`, as
/// `services.web.ports[0].published: expected "80", got 80`; `None` when they are equal.
/// Object key order is ignored; array order is not.
pub fn first_difference(expected: &Value, actual: &Value) -> Option<String> {
    diff_at(&mut String::new(), expected, actual)
}

fn diff_at(path: &mut String, expected: &Value, actual: &Value) -> Option<String> {
    let here = |path: &str| {
        if path.is_empty() {
            "(top level)".to_string()
        } else {
            path.to_string()
        }
    };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let len = path.len();
                push_key(path, key);
                let found = match a.get(key) {
                    None => Some(format!("{path}: missing, expected {}", show(ev))),
                    Some(av) => diff_at(path, ev, av),
                };
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            a.iter().find(|(k, _)| !e.contains_key(*k)).map(|(k, av)| {
                let mut p = path.clone();
                push_key(&mut p, k);
                format!("{p}: unexpected key, got {}", show(av))
            })
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = diff_at(path, ev, av);
                path.truncate(len);
                if found.is_some() {
                    return found;
                }
            }
            match e.len().cmp(&a.len()) {
                std::cmp::Ordering::Equal => None,
                std::cmp::Ordering::Greater => Some(format!(
                    "{}: expected {} items, got {}; first missing [{}] = {}",
                    here(path),
                    e.len(),
                    a.len(),
                    a.len(),
                    show(&e[a.len()])
                )),
                std::cmp::Ordering::Less => Some(format!(
                    "{}: expected {} items, got {}; first extra [{}] = {}",
                    here(path),
                    e.len(),
                    a.len(),
                    e.len(),
                    show(&a[e.len()])
                )),
            }
        }
        (e, a) if e == a => None,
        (e, a) => Some(format!(
            "{}: expected {}, got {}",
            here(path),
            show(e),
            show(a)
        )),
    }
}

fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push_str(&format!("[{}]", Value::String(key.to_string())));
    }
}

/// Compact JSON for a message, shortened to a readable length.
pub fn show(v: &Value) -> String {
    shorten(&v.to_string(), 160)
}

/// `s` cut to at most `max` characters, marking the cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// Compares two lists of lines as sets; `None` when equal, else what is missing and extra.
pub fn set_difference(expected: &[String], actual: &[String]) -> Option<String> {
    let e: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    let a: BTreeSet<&str> = actual.iter().map(String::as_str).collect();
    if e == a {
        return None;
    }
    let missing: Vec<&str> = e.difference(&a).copied().collect();
    let extra: Vec<&str> = a.difference(&e).copied().collect();
    Some(format!("missing {missing:?}, unexpected {extra:?}"))
}

/// Non-empty trimmed lines of `text`.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// Runs `f` on every item on a few threads (the machine has 2 cores), keeping input order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4)
        .min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn difference_names_the_json_path() {
        let e = json!({"services": {"web": {"ports": [{"published": "80"}]}}});
        let a = json!({"services": {"web": {"ports": [{"published": 80}]}}});
        assert_eq!(
            first_difference(&e, &a).as_deref(),
            Some(r#"services.web.ports[0].published: expected "80", got 80"#)
        );
    }

    #[test]
    fn difference_ignores_key_order() {
        let e = json!({"a": 1, "b": 2});
        let a = json!({"b": 2, "a": 1});
        assert_eq!(first_difference(&e, &a), None);
    }

    #[test]
    fn difference_reports_missing_and_extra_keys() {
        let e = json!({"x": {"a": 1, "b": 2}});
        let a = json!({"x": {"a": 1, "c": 3}});
        assert_eq!(
            first_difference(&e, &a).as_deref(),
            Some("x.b: missing, expected 2")
        );
        let e = json!({"x": {"a": 1}});
        assert_eq!(
            first_difference(&e, &a).as_deref(),
            Some("x.c: unexpected key, got 3")
        );
    }

    #[test]
    fn difference_reports_array_length() {
        let e = json!({"l": [1, 2]});
        let a = json!({"l": [1]});
        assert_eq!(
            first_difference(&e, &a).as_deref(),
            Some("l: expected 2 items, got 1; first missing [1] = 2")
        );
    }

    #[test]
    fn difference_quotes_unusual_keys() {
        let e = json!({"volumes": {"a.b": 1}});
        let a = json!({"volumes": {"a.b": 2}});
        assert_eq!(
            first_difference(&e, &a).as_deref(),
            Some(r#"volumes["a.b"]: expected 1, got 2"#)
        );
    }

    #[test]
    fn normalize_replaces_case_dir_and_home_prefix_only() {
        let v = json!({"s": "/c/d/x", "h": "/root/data", "r": "/rootfs", "m": "a:/root/x"});
        let n = normalize_json(v, Path::new("/c/d"), "/root");
        assert_eq!(
            n,
            json!({"s": "@CASE_DIR@/x", "h": "@HOME@/data", "r": "/rootfs", "m": "a:/root/x"})
        );
    }

    #[test]
    fn normalize_text_matches_normalize_json() {
        let t = r#"{"s": "/c/d/x", "h": "/root/data", "r": "/rootfs"} time="2025-01-01T00:00:00Z""#;
        assert_eq!(
            normalize_text(t, Path::new("/c/d"), "/root"),
            r#"{"s": "@CASE_DIR@/x", "h": "@HOME@/data", "r": "/rootfs"} time="@TIME@""#
        );
    }
}
