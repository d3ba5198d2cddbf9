//! What happens to one resource, as the engine commands report it. One model, rendered four
//! ways by `progress` (tty, plain, json, quiet), shaped after Docker Compose's progress events
//! so that hoist prints what Compose prints.
//!
//! Compose shows every event as three columns: an id (`Container p-web-1`), a text and a
//! status text. Lifecycle events of a resource put the verb in the status column
//! (` Container p-web-1  Started`: empty text); pull events, keyed by the bare service name,
//! put it in the text column (` web Pulling `) and any detail in the status column. `Event`
//! keeps one `text` and optional `details` and maps them to those columns by `kind`.

use std::time::Instant;

/// The kind of thing an event is about; it decides the label of the id column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `Container p-web-1`.
    Container,
    /// `Network p_default`.
    Network,
    /// `Volume p_data`.
    Volume,
    /// `Image nginx:latest` (images removed by `down --rmi`).
    Image,
    /// `Service web` (what Compose shows while building).
    Service,
    /// The image pull of one service: the id is the bare service name (`web Pulling`).
    Pull,
    /// One layer of a pull, shown under its service (`parent`): the id is the layer id.
    Layer,
    /// A `cp` to or from a container: the id is the bare container name, the text says
    /// what is copied (` p-web-1 copy p-web-1:/x to ./x Copied`).
    Copy,
}

impl ResourceKind {
    /// The word that precedes the name in the id column; `None` when the id is the bare name.
    pub fn label(self) -> Option<&'static str> {
        match self {
            ResourceKind::Container => Some("Container"),
            ResourceKind::Network => Some("Network"),
            ResourceKind::Volume => Some("Volume"),
            ResourceKind::Image => Some("Image"),
            ResourceKind::Service => Some("Service"),
            ResourceKind::Pull | ResourceKind::Layer | ResourceKind::Copy => None,
        }
    }
}

/// Where a resource stands (Compose's `EventStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Still in progress: a spinner in the terminal.
    Working,
    /// Finished well: `✔`, green.
    Done,
    /// Finished with something to note: `!`, yellow.
    Warning,
    /// Failed: `✘`, red.
    Error,
}

/// Bytes moved so far by a layer download or extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transfer {
    /// Bytes done.
    pub current: u64,
    /// Bytes in all (0 when unknown).
    pub total: u64,
    /// 0 to 100.
    pub percent: u8,
}

impl Transfer {
    /// `current` of `total` bytes; the percentage is computed as Compose does (rounded down).
    pub fn new(current: u64, total: u64) -> Self {
        let percent = current
            .saturating_mul(100)
            .checked_div(total)
            .map_or(0, |p| p.min(100) as u8);
        Transfer {
            current,
            total,
            percent,
        }
    }

    /// A finished transfer (Compose marks completed layers 100%).
    pub fn complete() -> Self {
        Transfer {
            current: 0,
            total: 0,
            percent: 100,
        }
    }
}

/// One thing that happened to one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// What the resource is.
    pub kind: ResourceKind,
    /// Its name: `p-web-1`, `p_default`, a service name, a layer id.
    pub name: String,
    /// Where it stands.
    pub status: Status,
    /// The verb: `Creating`, `Started`, `Healthy`, `Pulling`, `Error`...
    pub text: String,
    /// More about it, e.g. an error message; shown instead of `text` for resource kinds.
    pub details: Option<String>,
    /// The service a `Layer` belongs to.
    pub parent: Option<String>,
    /// Download progress of a `Layer`.
    pub transfer: Option<Transfer>,
    /// When it happened (the terminal shows elapsed times from the first event of a resource).
    pub at: Instant,
}

impl Event {
    /// An event with no details, timed now.
    pub fn new(
        kind: ResourceKind,
        name: impl Into<String>,
        status: Status,
        text: impl Into<String>,
    ) -> Self {
        Event {
            kind,
            name: name.into(),
            status,
            text: text.into(),
            details: None,
            parent: None,
            transfer: None,
            at: Instant::now(),
        }
    }

    /// Something in progress: `Event::working(ResourceKind::Container, "p-web-1", text::CREATING)`.
    pub fn working(kind: ResourceKind, name: impl Into<String>, text: impl Into<String>) -> Self {
        Event::new(kind, name, Status::Working, text)
    }

    /// Something finished: `Event::done(ResourceKind::Container, "p-web-1", text::STARTED)`.
    pub fn done(kind: ResourceKind, name: impl Into<String>, text: impl Into<String>) -> Self {
        Event::new(kind, name, Status::Done, text)
    }

    /// Something finished with a remark, e.g. `Resource is still in use`.
    pub fn warning(kind: ResourceKind, name: impl Into<String>, text: impl Into<String>) -> Self {
        Event::new(kind, name, Status::Warning, text)
    }

    /// A failure: text `Error`, the message in `details` (Compose shows the message alone
    /// for a resource: ` Container p-web-1  <message>`; ` web Error <message>` for a pull).
    pub fn error(kind: ResourceKind, name: impl Into<String>, details: impl Into<String>) -> Self {
        Event::new(kind, name, Status::Error, text::ERROR).with_details(details)
    }

    /// A step left out because of `reason`: a warning reading `Skipped: <reason>`, as Compose
    /// reports containers whose optional dependency failed.
    pub fn skipped(kind: ResourceKind, name: impl Into<String>, reason: &str) -> Self {
        Event::warning(kind, name, format!("Skipped: {reason}"))
    }

    /// A layer of the image pulled for service `parent`: `Event::layer("web", "a1b2c3",
    /// Status::Working, "Downloading")`, usually with `with_transfer` and `with_details`
    /// (the progress bar text the daemon sends).
    pub fn layer(
        parent: impl Into<String>,
        id: impl Into<String>,
        status: Status,
        text: impl Into<String>,
    ) -> Self {
        let mut e = Event::new(ResourceKind::Layer, id, status, text);
        e.parent = Some(parent.into());
        e
    }

    /// The same event with `details`.
    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    /// The same event with download progress.
    pub fn with_transfer(mut self, transfer: Transfer) -> Self {
        self.transfer = Some(transfer);
        self
    }

    /// The same event, timed at `at` instead of when it was built.
    pub fn with_time(mut self, at: Instant) -> Self {
        self.at = at;
        self
    }

    /// Compose's id column: `Container p-web-1`, or the bare name for pulls and layers.
    pub fn id(&self) -> String {
        match self.kind.label() {
            Some(label) => format!("{label} {}", self.name),
            None => self.name.clone(),
        }
    }

    /// Compose's text column: empty for resource kinds, the verb for pulls and layers.
    pub fn compose_text(&self) -> &str {
        match self.kind.label() {
            Some(_) => "",
            None => &self.text,
        }
    }

    /// Compose's status column: for resource kinds the details when there are some, else
    /// the verb; for pulls and layers the details (or nothing).
    pub fn compose_status(&self) -> &str {
        match self.kind.label() {
            Some(_) => self.details.as_deref().unwrap_or(&self.text),
            None => self.details.as_deref().unwrap_or(""),
        }
    }
}

/// The words Compose uses, so that every command spells them the same way.
pub mod text {
    /// Working: a resource is being created.
    pub const CREATING: &str = "Creating";
    /// Done: a resource was created.
    pub const CREATED: &str = "Created";
    /// Working: a container is starting.
    pub const STARTING: &str = "Starting";
    /// Done: a container started.
    pub const STARTED: &str = "Started";
    /// Working: waiting for a dependency to be healthy or to complete.
    pub const WAITING: &str = "Waiting";
    /// Done: a dependency is healthy.
    pub const HEALTHY: &str = "Healthy";
    /// Done: healthy, established by hoist running the healthcheck (`--readiness probe`).
    pub const HEALTHY_PROBED: &str = "Healthy (probed)";
    /// Done: a dependency exited (`service_completed_successfully`).
    pub const EXITED: &str = "Exited";
    /// Done: a container was already running (`up` with nothing to change).
    pub const RUNNING: &str = "Running";
    /// Working: a container is being replaced.
    pub const RECREATE: &str = "Recreate";
    /// Done: a container was replaced.
    pub const RECREATED: &str = "Recreated";
    /// Working: `restart` in progress.
    pub const RESTARTING: &str = "Restarting";
    /// Working: `up` restarts a container whose dependency was recreated.
    pub const RESTART: &str = "Restart";
    /// Done: a container restarted.
    pub const RESTARTED: &str = "Restarted";
    /// Working: a container is stopping.
    pub const STOPPING: &str = "Stopping";
    /// Done: a container stopped.
    pub const STOPPED: &str = "Stopped";
    /// Working: a container is being killed.
    pub const KILLING: &str = "Killing";
    /// Done: a container was killed.
    pub const KILLED: &str = "Killed";
    /// Working: a resource is being removed.
    pub const REMOVING: &str = "Removing";
    /// Done: a resource was removed.
    pub const REMOVED: &str = "Removed";
    /// Done: a container was paused.
    pub const PAUSED: &str = "Paused";
    /// Done: a container was unpaused.
    pub const UNPAUSED: &str = "Unpaused";
    /// Working: a service image is being built.
    pub const BUILDING: &str = "Building";
    /// Done: a service image was built.
    pub const BUILT: &str = "Built";
    /// Working: a service image is being pulled.
    pub const PULLING: &str = "Pulling";
    /// Done: a service image was pulled.
    pub const PULLED: &str = "Pulled";
    /// Warning on a pull interrupted by another failure.
    pub const INTERRUPTED: &str = "Interrupted";
    /// Error: the text of `Event::error`.
    pub const ERROR: &str = "Error";
    /// Warning: `down` found a network or volume in use.
    pub const IN_USE: &str = "Resource is still in use";
    /// Warning: `down` found nothing to remove.
    pub const NOT_FOUND: &str = "No resource found to remove";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_id_is_label_and_name() {
        let e = Event::working(ResourceKind::Container, "p-web-1", text::CREATING);
        assert_eq!(e.id(), "Container p-web-1");
        assert_eq!(
            Event::done(ResourceKind::Network, "p_default", text::CREATED).id(),
            "Network p_default"
        );
    }

    #[test]
    fn resource_verb_goes_to_the_status_column() {
        let e = Event::done(ResourceKind::Volume, "p_data", text::CREATED);
        assert_eq!(e.compose_text(), "");
        assert_eq!(e.compose_status(), "Created");
    }

    #[test]
    fn resource_error_shows_its_message_alone() {
        let e = Event::error(ResourceKind::Container, "p-web-1", "No command specified");
        assert_eq!(e.status, Status::Error);
        assert_eq!(e.text, "Error");
        assert_eq!(e.compose_text(), "");
        assert_eq!(e.compose_status(), "No command specified");
    }

    #[test]
    fn pull_id_is_the_bare_service_name_and_verb_is_text() {
        let e = Event::working(ResourceKind::Pull, "web", text::PULLING);
        assert_eq!(e.id(), "web");
        assert_eq!(e.compose_text(), "Pulling");
        assert_eq!(e.compose_status(), "");
    }

    #[test]
    fn pull_error_keeps_error_text_and_message() {
        let e = Event::error(ResourceKind::Pull, "web", "no such host");
        assert_eq!(e.compose_text(), "Error");
        assert_eq!(e.compose_status(), "no such host");
    }

    #[test]
    fn layer_has_parent_and_transfer() {
        let e = Event::layer("web", "a1b2c3", Status::Working, "Downloading")
            .with_transfer(Transfer::new(512, 2048))
            .with_details("[==>   ] 512B/2kB");
        assert_eq!(e.id(), "a1b2c3");
        assert_eq!(e.parent.as_deref(), Some("web"));
        assert_eq!(e.transfer.map(|t| t.percent), Some(25));
        assert_eq!(e.compose_status(), "[==>   ] 512B/2kB");
    }

    #[test]
    fn transfer_without_total_has_no_percentage() {
        assert_eq!(Transfer::new(10, 0).percent, 0);
        assert_eq!(Transfer::new(30, 20).percent, 100);
    }

    #[test]
    fn skipped_is_a_warning_with_reason() {
        let e = Event::skipped(
            ResourceKind::Container,
            "p-web-1",
            "optional dependency failed",
        );
        assert_eq!(e.status, Status::Warning);
        assert_eq!(e.compose_status(), "Skipped: optional dependency failed");
    }

    #[test]
    fn with_time_overrides_the_instant() {
        let t = Instant::now();
        let e = Event::done(ResourceKind::Container, "c", text::STARTED).with_time(t);
        assert_eq!(e.at, t);
    }
}
