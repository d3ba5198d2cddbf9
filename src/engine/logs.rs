//! Container output as Compose shows it: `name  | line`, names aligned and coloured,
//! following containers that restart or appear while we watch.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::{Arc, Mutex};

use bollard::Docker;
use bollard::query_parameters::{EventsOptions, LogsOptions};
use futures_util::StreamExt;
use tokio::task::JoinSet;

use super::containers::ProjectContainer;
use super::error::EngineError;
use super::labels;
use crate::ui::color::{Color, Rainbow};

/// How log lines are printed.
#[derive(Clone, Debug, Default)]
pub struct LogStyle {
    pub prefix: bool,
    pub color: bool,
    pub timestamps: bool,
    /// Width the container names are padded to.
    pub width: usize,
}

/// What to fetch.
#[derive(Clone, Debug, Default)]
pub struct LogQuery {
    pub follow: bool,
    /// `all` or a number of lines.
    pub tail: String,
    /// Unix seconds; 0 for none.
    pub since: i32,
    pub until: i32,
    /// Ask the engine for timestamps.
    pub timestamps: bool,
    /// Only these services (all when None).
    pub services: Option<HashSet<String>>,
}

/// A serialized writer shared by all streams so lines never interleave mid-line.
#[derive(Clone)]
pub struct LogSink {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
    style: LogStyle,
    colors: Arc<Mutex<HashMap<String, Color>>>,
    rainbow: Arc<Rainbow>,
}

impl LogSink {
    pub fn new(out: Box<dyn Write + Send>, style: LogStyle) -> Self {
        LogSink {
            out: Arc::new(Mutex::new(out)),
            style,
            colors: Arc::new(Mutex::new(HashMap::new())),
            rainbow: Arc::new(Rainbow::new()),
        }
    }

    /// Each service keeps the colour it was first given (Compose's rainbow order).
    fn color_of(&self, service: &str) -> Color {
        let mut colors = self.colors.lock().unwrap_or_else(|p| p.into_inner());
        *colors
            .entry(service.to_string())
            .or_insert_with(|| self.rainbow.next_color())
    }

    /// Prints one line of `container`'s output.
    pub fn line(&self, container: &str, service: &str, line: &str) {
        let mut text = String::new();
        if self.style.prefix {
            let prefix = format!("{container:<width$} | ", width = self.style.width);
            if self.style.color {
                text.push_str(&self.color_of(service).paint(&prefix));
            } else {
                text.push_str(&prefix);
            }
        }
        text.push_str(line);
        text.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

/// Streams the logs of one container into the sink, line by line.
pub async fn stream_container(docker: Docker, sink: LogSink, c: ProjectContainer, query: LogQuery) {
    let mut stream = docker.logs(
        &c.id,
        Some(LogsOptions {
            follow: query.follow,
            stdout: true,
            stderr: true,
            since: query.since,
            until: query.until,
            timestamps: query.timestamps,
            tail: if query.tail.is_empty() {
                "all".into()
            } else {
                query.tail.clone()
            },
        }),
    );
    let mut pending = String::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        let Some((_, bytes)) = super::stream::chunk_of(&chunk) else {
            continue;
        };
        pending.push_str(&String::from_utf8_lossy(bytes));
        while let Some(pos) = pending.find('\n') {
            let line: String = pending.drain(..=pos).collect();
            sink.line(&c.name, &c.service, line.trim_end_matches(['\n', '\r']));
        }
    }
    if !pending.is_empty() {
        sink.line(&c.name, &c.service, &pending);
    }
}

/// Streams the logs of `containers`; when following, also picks up containers of the
/// project that start later (new ones, restarts). With a `stop` signal, following ends when
/// it turns true; the streams already open are then drained (they end with their
/// containers) for up to two seconds.
pub async fn follow_project(
    docker: &Docker,
    project: &str,
    containers: Vec<ProjectContainer>,
    sink: LogSink,
    query: LogQuery,
    mut stop: Option<tokio::sync::watch::Receiver<bool>>,
) -> Result<(), EngineError> {
    // Starts after this instant count even if they happen before the events request
    // reaches the daemon (`since` replays them).
    let from = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()))
        .unwrap_or_default();
    let mut tasks = JoinSet::new();
    for c in containers {
        tasks.spawn(stream_container(
            docker.clone(),
            sink.clone(),
            c,
            query.clone(),
        ));
    }
    if !query.follow {
        while tasks.join_next().await.is_some() {}
        return Ok(());
    }
    let filters = HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        ("event".to_string(), vec!["start".to_string()]),
        (
            "label".to_string(),
            vec![format!("{}={project}", labels::PROJECT)],
        ),
    ]);
    let mut events = docker.events(Some(EventsOptions {
        since: Some(from),
        filters: Some(filters),
        ..Default::default()
    }));
    loop {
        let event = match &mut stop {
            Some(stop) => tokio::select! {
                e = events.next() => e,
                _ = stop.wait_for(|s| *s) => None,
            },
            None => events.next().await,
        };
        let Some(Ok(event)) = event else { break };
        let Some(actor) = event.actor else { continue };
        let Some(id) = actor.id else { continue };
        let attrs = actor.attributes.unwrap_or_default();
        let service = attrs.get(labels::SERVICE).cloned().unwrap_or_default();
        if query
            .services
            .as_ref()
            .is_some_and(|s| !s.contains(&service))
        {
            continue;
        }
        // A restart re-opens the stream from now; the old one ended with the process.
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i32 - 1)
            .unwrap_or(0);
        let name = attrs
            .get("name")
            .cloned()
            .unwrap_or_else(|| id.chars().take(12).collect());
        let c = ProjectContainer {
            id: id.clone(),
            name,
            service,
            state: "running".into(),
            labels: attrs,
            ..ProjectContainer::default()
        };
        let q = LogQuery {
            since,
            tail: "all".into(),
            ..query.clone()
        };
        tasks.spawn(stream_container(docker.clone(), sink.clone(), c, q));
    }
    let drain = async { while tasks.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), drain).await;
    Ok(())
}
