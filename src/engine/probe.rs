//! Probe readiness (`up --readiness probe`): hoist runs a container's own healthcheck test
//! with exec from the moment the container starts, instead of waiting for the engine's first
//! check one full `interval` later (Engine 20.10 ignores `start_interval`).
//!
//! What "healthy" means does not change: the same test in the same container, run as the
//! engine runs it (`CMD` as an argument list, `CMD-SHELL` through the container's shell,
//! `/bin/sh -c` by default), each run bounded by the healthcheck's `timeout`.
//! - A success counts once a second success at least 500 ms later confirms it: servers that
//!   answer briefly while initializing (a database image's temporary init-time server on its
//!   local socket) must not pass.
//! - Failures count no faster than the engine counts them: none before the engine's first
//!   check at or after `start_period`, then at most one per `interval`. `retries` of them in a
//!   row make the container unhealthy, so probe mode never gives up earlier than engine mode.
//! - The engine's own verdict still counts: whichever decides first wins (the verdict lands
//!   in the `Watcher`'s state, where every waiter looks). Probing stops then, or when the
//!   container exits.
//! - At most `CONCURRENCY` probes run at once, so a large stack does not flood the engine.
//!   That bound is also what limits the CPU an expensive test takes: each run starts one
//!   cadence after the previous one ended, however long it ran. Pausing as long as the last
//!   run took (tried first) left `airflow jobs check`, 15-19 s per run while four Airflow
//!   processes boot on 2 cores, behind the engine's own first check on `stacks/airflow`
//!   (42 s against 33-39 s to healthy without the pause). Pausing half as long after a
//!   failed run only still lost: 38-41 s against 32-34 s, four rounds each, alternated; the
//!   CPU a pause saves the booting services is worth less than the later detection.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bollard::query_parameters::InspectContainerOptions;
use futures_util::StreamExt;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use super::error::EngineError;
use super::watch::{ContainerState, Probed, Watcher};

/// How many healthcheck runs may be in flight at once, across the whole `up`.
pub const CONCURRENCY: usize = 4;

/// How long after a first success a second one must come to confirm it.
pub const CONFIRM_AFTER: Duration = Duration::from_millis(500);

/// The cadence while the container is young.
const FAST: Duration = Duration::from_millis(250);
/// How long the fast cadence lasts before it slows down.
const FAST_FOR: Duration = Duration::from_secs(3);
/// The slowest cadence.
const SLOW: Duration = Duration::from_secs(1);

/// The engine's defaults for a healthcheck field left at 0 (Engine 20.10).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_RETRIES: u32 = 3;

/// The exec stream's read buffer: the output is read and dropped, never kept.
const OUTPUT_BUFFER: usize = 4096;

/// Runs healthcheck probes for the containers `up` starts. Dropping it stops every probe.
pub struct Prober {
    docker: Docker,
    watcher: Watcher,
    permits: Arc<Semaphore>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Prober {
    /// A prober whose verdicts go to `watcher`.
    pub fn new(docker: Docker, watcher: Watcher) -> Prober {
        Prober {
            docker,
            watcher,
            permits: Arc::new(Semaphore::new(CONCURRENCY)),
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Starts probing container `id`; call right after starting it. The healthcheck is read
    /// from the container (the compose file's, merged by the engine with the image's).
    pub fn probe(&self, id: &str) {
        let started = Instant::now();
        // A verdict from an earlier life of this container says nothing about this one.
        self.watcher.note(id, |s| s.probed = None);
        let task = tokio::spawn(probe_container(
            self.docker.clone(),
            self.watcher.clone(),
            self.permits.clone(),
            id.to_string(),
            started,
        ));
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }
}

impl Drop for Prober {
    fn drop(&mut self) {
        let tasks = self.tasks.get_mut().unwrap_or_else(|p| p.into_inner());
        for t in tasks.drain(..) {
            t.abort();
        }
    }
}

/// A healthcheck's timing, with the engine's defaults filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
    pub start_period: Duration,
}

impl Timing {
    /// From the engine's fields (nanoseconds; 0 or absent means the default).
    pub fn from_engine(
        interval: Option<i64>,
        timeout: Option<i64>,
        retries: Option<i64>,
        start_period: Option<i64>,
    ) -> Timing {
        let nanos = |n: Option<i64>| n.filter(|&n| n > 0).map(|n| Duration::from_nanos(n as u64));
        Timing {
            interval: nanos(interval).unwrap_or(DEFAULT_INTERVAL),
            timeout: nanos(timeout).unwrap_or(DEFAULT_TIMEOUT),
            retries: retries
                .filter(|&r| r > 0)
                .map_or(DEFAULT_RETRIES, |r| r.min(u32::MAX as i64) as u32),
            start_period: nanos(start_period).unwrap_or(Duration::ZERO),
        }
    }
}

/// The process a healthcheck test runs, as the engine runs it: `CMD` as an argument list,
/// `CMD-SHELL` through `shell` (the image's `SHELL`, else `/bin/sh -c`). `None` when there is
/// nothing to run (no test, `NONE`, an unknown kind).
pub fn command(test: &[String], shell: Option<&[String]>) -> Option<Vec<String>> {
    match test.split_first() {
        Some((kind, args)) if kind == "CMD" && !args.is_empty() => Some(args.to_vec()),
        Some((kind, [script])) if kind == "CMD-SHELL" => {
            let mut argv: Vec<String> = match shell {
                Some(sh) if !sh.is_empty() => sh.to_vec(),
                _ => vec!["/bin/sh".into(), "-c".into()],
            };
            argv.push(script.clone());
            Some(argv)
        }
        _ => None,
    }
}

/// What to do after a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Run again at this instant.
    RunAt(Instant),
    /// Stop probing with this verdict.
    Verdict(Probed),
}

/// When to probe and what the results add up to, for one container (no I/O: the rules in
/// one place, testable with made-up instants).
#[derive(Clone, Debug)]
pub struct Schedule {
    started: Instant,
    interval: Duration,
    retries: u32,
    /// The unconfirmed success, if the last run passed.
    first_pass: Option<Instant>,
    /// Failures counted in a row.
    failures: u32,
    /// The earliest instant the next failure may count.
    next_countable: Instant,
}

impl Schedule {
    /// The schedule of a container started at `started` (hoist's clock, taken after the
    /// engine's, so counting from it is never earlier than the engine).
    pub fn new(started: Instant, timing: &Timing) -> Schedule {
        // The engine checks one interval after start, then every interval; a failing check
        // counts once it runs at or after `start_period`.
        let interval = timing.interval.max(Duration::from_millis(1));
        let ticks = timing
            .start_period
            .as_nanos()
            .div_ceil(interval.as_nanos())
            .max(1)
            .min(u32::MAX as u128) as u32;
        Schedule {
            started,
            interval,
            retries: timing.retries.max(1),
            first_pass: None,
            failures: 0,
            next_countable: started + interval.saturating_mul(ticks),
        }
    }

    /// The pause between runs: 250 ms for the first 3 s, then growing to 1 s by 6 s.
    pub fn cadence(&self, now: Instant) -> Duration {
        let age = now.saturating_duration_since(self.started);
        match age.checked_sub(FAST_FOR) {
            None => FAST,
            Some(past) => (FAST + past / 4).min(SLOW),
        }
    }

    /// A run that ended at `now` passed.
    pub fn passed(&mut self, now: Instant) -> Step {
        self.failures = 0;
        match self.first_pass {
            Some(first) if now.saturating_duration_since(first) >= CONFIRM_AFTER => {
                Step::Verdict(Probed::Healthy)
            }
            Some(first) => Step::RunAt(first + CONFIRM_AFTER),
            None => {
                self.first_pass = Some(now);
                Step::RunAt(now + CONFIRM_AFTER)
            }
        }
    }

    /// A run that ended at `now` failed (non-zero exit, error, or timeout).
    pub fn failed(&mut self, now: Instant) -> Step {
        self.first_pass = None;
        if now >= self.next_countable {
            self.failures += 1;
            self.next_countable = now + self.interval;
            if self.failures >= self.retries {
                return Step::Verdict(Probed::Unhealthy);
            }
        }
        Step::RunAt(now + self.cadence(now))
    }
}

/// True once probing has nothing left to decide: a verdict exists or the container stopped.
fn settled(s: &ContainerState) -> bool {
    s.engine_decided() || s.probed.is_some() || (s.started_once && !s.running)
}

/// What one run of the test found.
#[derive(Debug, PartialEq, Eq)]
enum Run {
    Passed,
    Failed,
    /// The engine refused the exec because the container is not running (yet or anymore):
    /// not a result; the watcher learns why.
    NotRunning,
    /// The container is gone.
    Gone,
}

/// The test to run in container `id` and its timing, from the container's own config.
async fn check_of(docker: &Docker, id: &str) -> Option<(Vec<String>, Timing)> {
    let info = docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
        .ok()?;
    let config = info.config?;
    let health = config.healthcheck?;
    let argv = command(&health.test.unwrap_or_default(), config.shell.as_deref())?;
    let timing = Timing::from_engine(
        health.interval,
        health.timeout,
        health.retries,
        health.start_period,
    );
    Some((argv, timing))
}

async fn probe_container(
    docker: Docker,
    watcher: Watcher,
    permits: Arc<Semaphore>,
    id: String,
    started: Instant,
) {
    let Some((argv, timing)) = check_of(&docker, &id).await else {
        return;
    };
    let mut schedule = Schedule::new(started, &timing);
    let is_settled = || watcher.state(&id).is_some_and(|s| settled(&s));
    loop {
        if is_settled() {
            return;
        }
        let run = {
            let Ok(_permit) = permits.acquire().await else {
                return;
            };
            if is_settled() {
                return;
            }
            run_once(&docker, &id, &argv, timing.timeout).await
        };
        let now = Instant::now();
        let step = match run {
            Run::Passed => schedule.passed(now),
            Run::Failed => schedule.failed(now),
            Run::NotRunning => Step::RunAt(now + schedule.cadence(now)),
            Run::Gone => return,
        };
        let at = match step {
            Step::RunAt(at) => at,
            Step::Verdict(verdict) => {
                watcher.note(&id, |s| {
                    if !s.engine_decided() && s.probed.is_none() {
                        s.probed = Some(verdict);
                    }
                });
                return;
            }
        };
        tokio::select! {
            _ = tokio::time::sleep_until(at.into()) => {}
            _ = watcher.wait_for(&id, |s| settled(s).then_some(())) => return,
        }
    }
}

/// Runs the test once in the container, within `timeout`. The output is read and dropped.
async fn run_once(docker: &Docker, id: &str, argv: &[String], timeout: Duration) -> Run {
    let run = async {
        let exec = match docker
            .create_exec(
                id,
                CreateExecOptions {
                    cmd: Some(argv.to_vec()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await
        {
            Ok(exec) => exec,
            Err(e) => return refusal(&e),
        };
        let started = docker
            .start_exec(
                &exec.id,
                Some(StartExecOptions {
                    detach: false,
                    tty: false,
                    output_capacity: Some(OUTPUT_BUFFER),
                }),
            )
            .await;
        match started {
            // The stream ends when the process closes its output, which it does on exit.
            Ok(StartExecResults::Attached { mut output, .. }) => {
                while let Some(Ok(_)) = output.next().await {}
            }
            Ok(StartExecResults::Detached) => {}
            Err(e) => return refusal(&e),
        }
        match super::exec::exit_code(docker, &exec.id).await {
            Ok(Some(0)) => Run::Passed,
            Ok(_) => Run::Failed,
            Err(e) => refusal(&e),
        }
    };
    // A run that outlasts the timeout is a failure, as the engine counts it.
    tokio::time::timeout(timeout, run)
        .await
        .unwrap_or(Run::Failed)
}

/// What an API error during a run means: the container is gone (404), not running (409),
/// or the run failed.
fn refusal(e: &bollard::errors::Error) -> Run {
    match e {
        e if EngineError::is_not_found(e) => Run::Gone,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 409, ..
        } => Run::NotRunning,
        _ => Run::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn timing(interval: u64, retries: u32, start_period: u64) -> Timing {
        Timing {
            interval: Duration::from_secs(interval),
            timeout: Duration::from_secs(5),
            retries,
            start_period: Duration::from_secs(start_period),
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn cmd_runs_as_an_argument_list() {
        assert_eq!(
            command(&strings(&["CMD", "test", "a b", "=", "a b"]), None),
            Some(strings(&["test", "a b", "=", "a b"]))
        );
    }

    #[test]
    fn cmd_shell_runs_through_the_shell() {
        assert_eq!(
            command(&strings(&["CMD-SHELL", "false || true"]), None),
            Some(strings(&["/bin/sh", "-c", "false || true"]))
        );
        let pwsh = strings(&["pwsh", "-Command"]);
        assert_eq!(
            command(&strings(&["CMD-SHELL", "exit 0"]), Some(&pwsh)),
            Some(strings(&["pwsh", "-Command", "exit 0"]))
        );
    }

    #[test]
    fn nothing_runs_without_a_test() {
        assert_eq!(command(&strings(&["NONE"]), None), None);
        assert_eq!(command(&[], None), None);
        assert_eq!(command(&strings(&["CMD"]), None), None);
    }

    #[test]
    fn engine_defaults_fill_zero_fields() {
        assert_eq!(
            Timing::from_engine(None, Some(0), None, None),
            Timing {
                interval: Duration::from_secs(30),
                timeout: Duration::from_secs(30),
                retries: 3,
                start_period: Duration::ZERO,
            }
        );
        assert_eq!(
            Timing::from_engine(Some(1_000_000_000), None, Some(5), Some(2_000_000_000)),
            Timing {
                interval: Duration::from_secs(1),
                timeout: Duration::from_secs(30),
                retries: 5,
                start_period: Duration::from_secs(2),
            }
        );
    }

    #[test]
    fn a_single_success_is_not_enough() {
        let t0 = Instant::now();
        let mut s = Schedule::new(t0, &timing(30, 3, 0));
        assert_eq!(s.passed(t0 + ms(100)), Step::RunAt(t0 + ms(600)));
        assert_eq!(s.failed(t0 + ms(600)), Step::RunAt(t0 + ms(850)));
        // After the failure, a success starts over.
        assert_eq!(s.passed(t0 + ms(900)), Step::RunAt(t0 + ms(1400)));
        assert_eq!(s.passed(t0 + ms(1400)), Step::Verdict(Probed::Healthy));
    }

    #[test]
    fn a_second_success_too_soon_does_not_confirm() {
        let t0 = Instant::now();
        let mut s = Schedule::new(t0, &timing(30, 3, 0));
        s.passed(t0);
        assert_eq!(s.passed(t0 + ms(200)), Step::RunAt(t0 + ms(500)));
        assert_eq!(s.passed(t0 + ms(500)), Step::Verdict(Probed::Healthy));
    }

    #[test]
    fn failures_count_no_faster_than_the_engine() {
        let t0 = Instant::now();
        let mut s = Schedule::new(t0, &timing(1, 2, 0));
        // Nothing counts before the engine's first check, one interval after start.
        for i in 0..4 {
            assert!(matches!(s.failed(t0 + ms(i * 250)), Step::RunAt(_)));
        }
        assert!(matches!(s.failed(t0 + ms(1000)), Step::RunAt(_)));
        // The second counted failure needs another interval.
        assert!(matches!(s.failed(t0 + ms(1250)), Step::RunAt(_)));
        assert!(matches!(s.failed(t0 + ms(1999)), Step::RunAt(_)));
        assert_eq!(s.failed(t0 + ms(2000)), Step::Verdict(Probed::Unhealthy));
    }

    #[test]
    fn failures_in_the_start_period_do_not_count() {
        let t0 = Instant::now();
        // Engine checks at 2, 4, 6 s: the first one at or after 5 s is at 6 s.
        let mut s = Schedule::new(t0, &timing(2, 1, 5));
        assert!(matches!(s.failed(t0 + ms(5000)), Step::RunAt(_)));
        assert!(matches!(s.failed(t0 + ms(5999)), Step::RunAt(_)));
        assert_eq!(s.failed(t0 + ms(6000)), Step::Verdict(Probed::Unhealthy));
    }

    #[test]
    fn a_success_resets_the_failure_streak() {
        let t0 = Instant::now();
        let mut s = Schedule::new(t0, &timing(1, 2, 0));
        s.failed(t0 + ms(1000));
        s.passed(t0 + ms(1500));
        assert!(matches!(s.failed(t0 + ms(2000)), Step::RunAt(_)));
        assert_eq!(s.failed(t0 + ms(3000)), Step::Verdict(Probed::Unhealthy));
    }

    #[test]
    fn the_next_run_counts_from_the_end_of_the_last() {
        // A test that ran for seconds (a Python CLI on a loaded machine) is run again one
        // cadence after it ended: the pause is never shortened to make up for the run.
        let t0 = Instant::now();
        let mut s = Schedule::new(t0, &timing(30, 3, 60));
        let ended = t0 + ms(19_000);
        assert_eq!(s.failed(ended), Step::RunAt(ended + ms(1000)));
    }

    #[test]
    fn cadence_starts_fast_and_slows_to_a_second() {
        let t0 = Instant::now();
        let s = Schedule::new(t0, &timing(30, 3, 0));
        assert_eq!(s.cadence(t0), ms(250));
        assert_eq!(s.cadence(t0 + ms(2999)), ms(250));
        assert_eq!(s.cadence(t0 + ms(4000)), ms(500));
        assert_eq!(s.cadence(t0 + ms(6000)), ms(1000));
        assert_eq!(s.cadence(t0 + ms(60_000)), ms(1000));
    }

    #[test]
    fn probing_settles_on_any_verdict_or_exit() {
        let running = ContainerState {
            running: true,
            started_once: true,
            health: "starting".into(),
            ..Default::default()
        };
        assert!(!settled(&running));
        assert!(settled(&ContainerState {
            health: "healthy".into(),
            ..running.clone()
        }));
        assert!(settled(&ContainerState {
            probed: Some(Probed::Unhealthy),
            ..running.clone()
        }));
        assert!(settled(&ContainerState {
            running: false,
            exit_code: Some(3),
            ..running
        }));
    }
}
