//! Runs `hoist config` on every case of the shared corpus (`../shared/corpus/cases`) exactly as
//! the corpus README describes, and compares with what Docker Compose v2.40.3 printed.
//!
//! Run alone with `cargo test --test corpus`; add `-- --nocapture` to see each case.
//! `CORPUS_CASE=<substring>` restricts the cases; `HOIST_CORPUS_DIR` points at another `cases`
//! folder. A missing corpus skips the test, except under `CI=true`, where it fails.

mod support;

use serde_json::Value;
use support::{Case, RUN_TIMEOUT, RunOutput};

/// What checking one case found.
struct Outcome {
    name: String,
    /// Differences from Compose; the case fails when there is any.
    problems: Vec<String>,
    /// Output that matches Compose byte for byte after the README's replacements.
    byte_identical: bool,
    /// Compose succeeded on this case (so there is JSON to compare).
    expects_success: bool,
    /// `hoist config` printed nothing on stdout (the usual sign of an unimplemented command).
    silent: bool,
}

#[test]
fn corpus_matches_docker_compose() {
    let root = match support::corpus_dir() {
        Ok(root) => root,
        Err(why) => return support::skip_or_fail("corpus", &why),
    };
    let cases = match support::load_cases(&root) {
        Ok(cases) => cases,
        Err(why) => panic!("corpus: cannot read the cases: {why}"),
    };
    if cases.is_empty() {
        panic!(
            "corpus: no case in {} matches CORPUS_CASE={:?}",
            root.display(),
            std::env::var("CORPUS_CASE").unwrap_or_default()
        );
    }

    let outcomes = support::parallel_map(&cases, check_case);
    report(&outcomes);
}

/// Prints one line per case and the summary, then fails listing every failing case.
fn report(outcomes: &[Outcome]) {
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.problems.is_empty()).collect();
    let passed = outcomes.len() - failed.len();
    let identical = outcomes.iter().filter(|o| o.byte_identical).count();
    let successes = outcomes.iter().filter(|o| o.expects_success).count();
    for o in outcomes {
        match o.problems.first() {
            None => println!("ok   {}", o.name),
            Some(p) => println!("FAIL {}: {p}", o.name),
        }
    }
    let summary = format!("corpus: {passed} passed, {} failed", failed.len());
    support::shout(&format!(
        "{summary} (byte-identical JSON: {identical} of {successes} successful cases)"
    ));
    if failed.is_empty() {
        return;
    }
    let mut msg = format!("{summary}\n");
    for o in &failed {
        msg.push_str(&format!("\n  {}:", o.name));
        for p in &o.problems {
            msg.push_str(&format!("\n      {p}"));
        }
    }
    if failed.len() == outcomes.len() && outcomes.iter().all(|o| o.silent) {
        msg.push_str(
            "\n\nhoist printed nothing for `config --format json` in any case: \
             is the `config` command implemented yet?",
        );
    }
    panic!("{msg}\n");
}

/// Checks `config --format json` and `config --services` for one case.
fn check_case(case: &Case) -> Outcome {
    let mut outcome = Outcome {
        name: case.name.clone(),
        problems: Vec::new(),
        byte_identical: false,
        expects_success: case.expected_rc == 0,
        silent: false,
    };
    match support::run(
        support::hoist_command(case, &["config", "--format", "json"]),
        RUN_TIMEOUT,
    ) {
        Ok(out) => {
            outcome.silent = out.stdout.trim().is_empty();
            if case.expected_rc == 0 {
                check_json(case, &out, &mut outcome);
            } else {
                check_error(case, &out, &mut outcome);
            }
        }
        Err(e) => outcome.problems.push(e),
    }
    match support::run(
        support::hoist_command(case, &["config", "--services"]),
        RUN_TIMEOUT,
    ) {
        Ok(out) => check_services(case, &out, &mut outcome),
        Err(e) => outcome.problems.push(e),
    }
    outcome
}

/// A case where Compose succeeded: hoist must succeed and print the same JSON.
fn check_json(case: &Case, out: &RunOutput, outcome: &mut Outcome) {
    if out.code != Some(0) {
        outcome.problems.push(format!(
            "config: {}, expected success; stderr: {}",
            out.describe_exit(),
            out.stderr_head()
        ));
        return;
    }
    let home = support::home();
    outcome.byte_identical =
        support::normalize_text(&out.stdout, &case.dir, &home) == case.expected_json;
    let expected: Value = match serde_json::from_str(&case.expected_json) {
        Ok(v) => v,
        Err(e) => {
            outcome
                .problems
                .push(format!("corpus expected.json is not JSON: {e}"));
            return;
        }
    };
    let actual: Value = match serde_json::from_str(&out.stdout) {
        Ok(v) => support::normalize_json(v, &case.dir, &home),
        Err(_) if out.stdout.trim().is_empty() => {
            outcome.problems.push(format!(
                "config: printed nothing on stdout (exit 0); stderr: {}",
                out.stderr_head()
            ));
            return;
        }
        Err(e) => {
            outcome.problems.push(format!(
                "config: stdout is not JSON ({e}): {}",
                support::shorten(out.stdout.trim(), 200)
            ));
            return;
        }
    };
    if let Some(diff) = support::first_difference(&expected, &actual) {
        outcome.problems.push(diff);
    }
}

/// A case where Compose failed: hoist must fail too, cleanly. The messages are printed side by
/// side for comparison, not asserted: Compose itself is not stable about which error it reports.
fn check_error(case: &Case, out: &RunOutput, outcome: &mut Outcome) {
    let compose_says = support::compose_error(&case.expected_err);
    if out.code == Some(0) {
        outcome.problems.push(format!(
            "config: exit status 0, expected failure; Compose said: {compose_says}"
        ));
        return;
    }
    if out.timed_out || out.panicked() || out.code.is_none() {
        outcome.problems.push(format!(
            "config: {}, expected a clean failure; Compose said: {compose_says}",
            out.describe_exit()
        ));
        return;
    }
    let hoist_says = support::normalize_text(out.stderr.trim(), &case.dir, &support::home());
    println!(
        "note {}: error case\n    compose: {compose_says}\n    hoist:   {}",
        case.name,
        support::shorten(&support::compose_error(&hoist_says), 600)
    );
}

/// `config --services` must list the same services (as a set), each after the services it
/// depends on.
fn check_services(case: &Case, out: &RunOutput, outcome: &mut Outcome) {
    if out.timed_out || out.panicked() || out.code.is_none() {
        outcome
            .problems
            .push(format!("config --services: {}", out.describe_exit()));
        return;
    }
    let listed = support::lines(&out.stdout);
    if !case.expected_services.is_empty() && out.code != Some(0) {
        outcome.problems.push(format!(
            "config --services: {}, expected success; stderr: {}",
            out.describe_exit(),
            out.stderr_head()
        ));
        return;
    }
    if let Some(diff) = support::set_difference(&case.expected_services, &listed) {
        outcome.problems.push(format!("config --services: {diff}"));
        return;
    }
    if let Some(problem) = dependency_order_problem(case, &listed) {
        outcome.problems.push(problem);
    }
}

/// The first service that `listed` puts before one of its dependencies, going by the
/// `depends_on` keys of `expected.json`.
fn dependency_order_problem(case: &Case, listed: &[String]) -> Option<String> {
    let expected: Value = serde_json::from_str(&case.expected_json).ok()?;
    let services = expected.get("services")?.as_object()?;
    for (i, name) in listed.iter().enumerate() {
        let Some(deps) = services
            .get(name)
            .and_then(|s| s.get("depends_on"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        for dep in deps.keys() {
            if listed[i + 1..].contains(dep) {
                return Some(format!(
                    "config --services: {name:?} is listed before its dependency {dep:?}"
                ));
            }
        }
    }
    None
}
