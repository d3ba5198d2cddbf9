//! Container states from the engine's events stream: readiness without polling.
//!
//! A watcher subscribes to the project's container events before anything starts, seeds
//! each container's state with one inspect when someone first waits on it, then updates
//! it from `start`, `die` and `health_status` events. Waiters wake on every change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bollard::Docker;
use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;
use tokio::sync::Notify;

use super::error::EngineError;
use super::labels;

/// What the engine last said about a container.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerState {
    pub running: bool,
    /// `starting`, `healthy`, `unhealthy`, or empty when there is no healthcheck.
    pub health: String,
    /// The exit code once the container has stopped.
    pub exit_code: Option<i64>,
    /// True once the container has been started at least once since it was created.
    pub started_once: bool,
    /// hoist's own verdict from running the healthcheck test (`up --readiness probe`),
    /// recorded only when it came before the engine's.
    pub probed: Option<Probed>,
}

/// What probing the healthcheck concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probed {
    Healthy,
    Unhealthy,
}

/// A container's health as the first to decide said it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// The engine reported `healthy`.
    Healthy,
    /// hoist's probe confirmed the healthcheck before the engine decided.
    HealthyProbed,
    Unhealthy,
}

impl Health {
    /// The progress text of a healthy verdict, saying how it was established.
    pub fn text(self) -> &'static str {
        match self {
            Health::HealthyProbed => crate::ui::event::text::HEALTHY_PROBED,
            _ => crate::ui::event::text::HEALTHY,
        }
    }
}

impl ContainerState {
    /// hoist's own start call returned: the container runs, unless its `start` and `die`
    /// events have already told more (a job that exited at once stays exited).
    pub fn note_started(&mut self) {
        if !self.started_once {
            self.running = true;
            self.started_once = true;
        }
    }

    /// The engine's health verdict, if it has given one.
    pub fn engine_decided(&self) -> bool {
        matches!(self.health.as_str(), "healthy" | "unhealthy")
    }

    /// The health verdict: the probe's when it came first (it is only recorded then),
    /// else the engine's; `None` while neither has decided.
    pub fn health_verdict(&self) -> Option<Health> {
        match (self.probed, self.health.as_str()) {
            (Some(Probed::Healthy), _) => Some(Health::HealthyProbed),
            (Some(Probed::Unhealthy), _) => Some(Health::Unhealthy),
            (None, "healthy") => Some(Health::Healthy),
            (None, "unhealthy") => Some(Health::Unhealthy),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Shared {
    states: Mutex<HashMap<String, ContainerState>>,
    /// Per container, the moment (Unix nanoseconds) before which its events are history:
    /// set when hoist starts it, so a replayed `die` of its previous run cannot pass for
    /// the outcome of this one.
    fresh_since: Mutex<HashMap<String, i64>>,
    changed: Notify,
}

/// Now, in Unix nanoseconds (the unit of the events' `timeNano`).
fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A live view of the project's containers, fed by the events stream.
#[derive(Clone)]
pub struct Watcher {
    shared: Arc<Shared>,
    task: Arc<tokio::task::JoinHandle<()>>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if Arc::strong_count(&self.task) == 1 {
            self.task.abort();
        }
    }
}

impl Watcher {
    /// Subscribes to the container events of `project`. Call before creating or starting
    /// anything so no event is missed.
    pub async fn start(docker: &Docker, project: &str) -> Result<Watcher, EngineError> {
        let filters = HashMap::from([
            ("type".to_string(), vec!["container".to_string()]),
            (
                "label".to_string(),
                vec![format!("{}={project}", labels::PROJECT)],
            ),
        ]);
        // `since` replays what happened between this call and the moment the request
        // reaches the daemon, so a container that exits at once is not missed.
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs().saturating_sub(1))
            .unwrap_or(0);
        let mut stream = docker.events(Some(EventsOptions {
            since: Some(since.to_string()),
            filters: Some(filters),
            ..Default::default()
        }));
        let shared = Arc::new(Shared::default());
        let feed = shared.clone();
        let task = tokio::spawn(async move {
            while let Some(event) = stream.next().await {
                let Ok(event) = event else { break };
                let (Some(action), Some(actor)) = (event.action, event.actor) else {
                    continue;
                };
                let Some(id) = actor.id else { continue };
                if feed.is_history(&id, event.time_nano) {
                    continue;
                }
                let attrs = actor.attributes.unwrap_or_default();
                let mut states = feed.states.lock().unwrap_or_else(|p| p.into_inner());
                let state = states.entry(id).or_default();
                apply_event(state, &action, &attrs);
                drop(states);
                feed.changed.notify_waiters();
            }
            // The stream ended (daemon gone): wake everybody so they notice.
            feed.changed.notify_waiters();
        });
        Ok(Watcher {
            shared,
            task: Arc::new(task),
        })
    }

    /// Declares that hoist is about to start container `id`: what the engine said about it
    /// before now (the events `start` replays from up to a second ago) no longer counts.
    pub fn forget(&self, id: &str) {
        self.shared
            .fresh_since
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string(), now_nanos());
        let mut states = self.shared.states.lock().unwrap_or_else(|p| p.into_inner());
        states.insert(id.to_string(), ContainerState::default());
    }

    /// Records a state learned otherwise (after our own start call, for instance).
    pub fn note(&self, id: &str, update: impl FnOnce(&mut ContainerState)) {
        let mut states = self.shared.states.lock().unwrap_or_else(|p| p.into_inner());
        update(states.entry(id.to_string()).or_default());
        drop(states);
        self.shared.changed.notify_waiters();
    }

    /// Seeds the state of a container from the list entry we already have (state and
    /// status text), sparing an inspect per container on a no-op `up`.
    pub fn seed_from_list(&self, c: &super::containers::ProjectContainer) {
        let running = c.is_running();
        let health = if c.status.contains("(healthy)") {
            "healthy"
        } else if c.status.contains("(unhealthy)") {
            "unhealthy"
        } else if c.status.contains("(health: starting)") {
            "starting"
        } else {
            ""
        };
        let exit_code = c
            .status
            .strip_prefix("Exited (")
            .and_then(|r| r.split(')').next())
            .and_then(|n| n.parse().ok());
        self.note(&c.id, |s| {
            if !s.started_once {
                s.running = running;
                s.health = health.to_string();
                s.exit_code = if running { None } else { exit_code };
                s.started_once = running || exit_code.is_some();
            }
        });
    }

    /// Waits until `check` accepts the container's state; `check` returns `Some(result)` to
    /// stop waiting.
    pub async fn wait_for<T>(
        &self,
        id: &str,
        mut check: impl FnMut(&ContainerState) -> Option<T>,
    ) -> T {
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let states = self.shared.states.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(state) = states.get(id) {
                    if let Some(result) = check(state) {
                        return result;
                    }
                }
            }
            notified.await;
        }
    }

    /// The last known state of a container.
    pub fn state(&self, id: &str) -> Option<ContainerState> {
        let states = self.shared.states.lock().unwrap_or_else(|p| p.into_inner());
        states.get(id).cloned()
    }
}

impl Shared {
    /// True for an event about `id` from before hoist started it.
    fn is_history(&self, id: &str, time_nano: Option<i64>) -> bool {
        let fresh = self.fresh_since.lock().unwrap_or_else(|p| p.into_inner());
        match (fresh.get(id), time_nano) {
            (Some(since), Some(t)) => t < *since,
            _ => false,
        }
    }
}

fn apply_event(state: &mut ContainerState, action: &str, attrs: &HashMap<String, String>) {
    match action {
        "start" => {
            state.running = true;
            state.started_once = true;
            state.exit_code = None;
            if !state.health.is_empty() {
                state.health = "starting".into();
            }
        }
        "die" => {
            // A die implies a start: if hoist's own note of the start comes later, it
            // must not revive the container.
            state.started_once = true;
            state.running = false;
            state.exit_code = Some(
                attrs
                    .get("exitCode")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0),
            );
        }
        a if a.starts_with("health_status") => {
            // "health_status: healthy" (the status is in the action text).
            if let Some((_, status)) = a.split_once(": ") {
                state.health = status.trim().to_string();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_verdict_wins() {
        let mut s = ContainerState {
            health: "starting".into(),
            ..Default::default()
        };
        assert_eq!(s.health_verdict(), None);
        s.probed = Some(Probed::Healthy);
        // The engine's later verdict does not overrule the probe's earlier one.
        apply_event(&mut s, "health_status: unhealthy", &HashMap::new());
        assert_eq!(s.health_verdict(), Some(Health::HealthyProbed));
        let engine_first = ContainerState {
            health: "healthy".into(),
            ..Default::default()
        };
        assert_eq!(engine_first.health_verdict(), Some(Health::Healthy));
        assert!(engine_first.engine_decided());
    }

    #[test]
    fn events_move_the_state() {
        let mut s = ContainerState::default();
        apply_event(&mut s, "start", &HashMap::new());
        assert!(s.running && s.started_once);
        apply_event(&mut s, "health_status: healthy", &HashMap::new());
        assert_eq!(s.health, "healthy");
        apply_event(
            &mut s,
            "die",
            &HashMap::from([("exitCode".to_string(), "3".to_string())]),
        );
        assert!(!s.running);
        assert_eq!(s.exit_code, Some(3));
    }

    #[test]
    fn a_die_seen_before_our_own_start_note_is_not_undone() {
        let mut s = ContainerState::default();
        apply_event(
            &mut s,
            "die",
            &HashMap::from([("exitCode".to_string(), "0".to_string())]),
        );
        s.note_started();
        assert!(!s.running);
        assert_eq!(s.exit_code, Some(0));
    }

    #[test]
    fn events_from_before_a_start_are_history() {
        let shared = Shared::default();
        shared
            .fresh_since
            .lock()
            .unwrap()
            .insert("c1".into(), 1_000);
        assert!(shared.is_history("c1", Some(999)));
        assert!(!shared.is_history("c1", Some(1_000)));
        assert!(!shared.is_history("c2", Some(1)));
    }
}
