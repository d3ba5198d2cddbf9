//! Images on the engine: what it has, pulls with per-layer progress, pushes and classic
//! builds, each reported as Compose's progress events.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bollard::Docker;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{
    BuildImageOptions, CreateImageOptions, PushImageOptions, TagImageOptions,
};
use futures_util::StreamExt;
use tokio::sync::Semaphore;

use super::credentials::DockerConfig;
use super::error::{EngineError, api_message};
use super::ops::Ui;
use super::reference::Reference;
use crate::plan::images::{LocalImage, parse_engine_time};
use crate::ui::event::{Event, ResourceKind, Status, Transfer, text};
use crate::ui::progress::human_size;

/// How many pulls, pushes or builds run at once: `--parallel` / `COMPOSE_PARALLEL_LIMIT`
/// (unlimited when unset or negative).
pub fn limiter(parallel: Option<i64>) -> Arc<Semaphore> {
    let n = match parallel {
        Some(n) if n > 0 => n as usize,
        _ => Semaphore::MAX_PERMITS,
    };
    Arc::new(Semaphore::new(n))
}

/// What the engine has of each of `images` (absent ones left out), inspected in parallel.
pub async fn local_images(
    docker: &Docker,
    images: impl IntoIterator<Item = String>,
) -> Result<BTreeMap<String, LocalImage>, EngineError> {
    // Each image once, however many services name it.
    let unique: std::collections::BTreeSet<String> = images.into_iter().collect();
    let lookups = unique.into_iter().map(|image| async move {
        let found = docker.inspect_image(&image).await;
        (image, found)
    });
    let mut out = BTreeMap::new();
    for (image, found) in futures_util::future::join_all(lookups).await {
        match found {
            Ok(info) => {
                let last_tagged = info
                    .metadata
                    .and_then(|m| m.last_tag_time)
                    .and_then(|t| parse_engine_time(&t));
                out.insert(
                    image,
                    LocalImage {
                        id: info.id.unwrap_or_default(),
                        last_tagged,
                    },
                );
            }
            Err(e) if EngineError::is_not_found(&e) => {}
            Err(e) => return Err(EngineError::api(format!("inspecting image {image}"), e)),
        }
    }
    Ok(out)
}

/// One pull: the service it is for (the progress id) and the image.
#[derive(Debug, Clone)]
pub struct PullRequest {
    pub service: String,
    pub image: String,
    /// `platform:` of the service, else `DOCKER_DEFAULT_PLATFORM`; empty for the engine's.
    pub platform: String,
    /// Show only `Pulling` / `Pulled`, not the layers (`--quiet-pull`).
    pub quiet_layers: bool,
    /// A failure is reported as a warning (the image can be built instead).
    pub buildable: bool,
}

/// Pulls one image with Compose's events (` web Pulling `, one line per layer step,
/// ` web Pulled `), then stamps it with the pull time (see `plan::images`). Returns the
/// image ID.
pub async fn pull(
    docker: &Docker,
    ui: &Ui,
    config: &DockerConfig,
    req: &PullRequest,
) -> Result<String, EngineError> {
    ui.event(Event::working(
        ResourceKind::Pull,
        &req.service,
        text::PULLING,
    ));
    let failed = |message: String| {
        if req.buildable {
            ui.event(
                Event::warning(ResourceKind::Pull, &req.service, "Warning").with_details(&message),
            );
        } else {
            ui.event(Event::error(ResourceKind::Pull, &req.service, &message));
        }
        EngineError::PullFailed {
            service: req.service.clone(),
            image: req.image.clone(),
            message,
        }
    };
    let credentials = match config.for_image(&req.image).await {
        Ok(c) => c,
        Err(e) => return Err(failed(e.to_string())),
    };
    let reference = Reference::parse(&req.image);
    let explicit_tag = req.image.contains('@')
        || req.image[req.image.rfind('/').map_or(0, |i| i + 1)..].contains(':');
    let options = CreateImageOptions {
        from_image: Some(req.image.clone()),
        // Without a tag the engine would pull every tag of the repository.
        tag: (!explicit_tag).then(|| "latest".to_string()),
        platform: req.platform.clone(),
        ..Default::default()
    };
    let mut stream = docker.create_image(Some(options), None, credentials);
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(e) => return Err(failed(api_message(&e))),
        };
        if req.quiet_layers {
            continue;
        }
        if let Some(event) = layer_event(
            &req.service,
            info.id.as_deref(),
            info.status.as_deref(),
            info.progress_detail.as_ref().map(|p| (p.current, p.total)),
        ) {
            ui.event(event);
        }
    }
    ui.event(Event::done(ResourceKind::Pull, &req.service, text::PULLED));
    if reference.digest.is_none() {
        stamp(docker, &req.image).await;
    }
    let info = docker
        .inspect_image(&req.image)
        .await
        .map_err(|e| EngineError::api(format!("inspecting image {}", req.image), e))?;
    Ok(info.id.unwrap_or_default())
}

/// Tags `image` onto itself: the engine records the time as its `LastTagTime`, which the
/// `daily` / `weekly` / `every_` policies compare against. A failure only costs an early
/// re-pull, so it is ignored.
async fn stamp(docker: &Docker, image: &str) {
    let (repo, tag) = split_tag(image);
    let _ = docker
        .tag_image(
            image,
            Some(TagImageOptions {
                repo: Some(repo.to_string()),
                tag: Some(tag.to_string()),
            }),
        )
        .await;
}

/// `host:5000/app:1` -> (`host:5000/app`, `1`); no tag -> `latest`.
pub fn split_tag(image: &str) -> (&str, &str) {
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], &image[slash + i + 1..]),
        None => (image, "latest"),
    }
}

/// The event Compose shows for one message of the pull stream, or `None` for messages it
/// does not show (no layer id, or no progress detail: `Pulling from x`, `Digest: ...`).
pub fn layer_event(
    service: &str,
    id: Option<&str>,
    status: Option<&str>,
    detail: Option<(Option<i64>, Option<i64>)>,
) -> Option<Event> {
    let id = id.filter(|i| !i.is_empty())?;
    let (current, total) = detail?;
    let (current, total) = (
        current.unwrap_or(0).max(0) as u64,
        total.unwrap_or(0).max(0) as u64,
    );
    let status_text = status.unwrap_or("");
    let bar = progress_bar(current, total);
    let (state, transfer) = match status_text {
        "Downloading" | "Extracting" | "Verifying Checksum" => {
            (Status::Working, Some(Transfer::new(current, total)))
        }
        "Download complete" | "Already exists" | "Pull complete" => {
            (Status::Done, Some(Transfer::complete()))
        }
        s if s.contains("Image is up to date") || s.contains("Downloaded newer image") => {
            (Status::Done, Some(Transfer::complete()))
        }
        _ => (Status::Working, None),
    };
    let mut e = Event::layer(service, id, state, status_text);
    if let Some(t) = transfer {
        e = e.with_transfer(t);
    }
    if !bar.is_empty() {
        e = e.with_details(bar);
    }
    Some(e)
}

/// The daemon's progress text (`JSONProgress.String` at its default 200-column width):
/// `[=====>     ]  12.3MB/45.6MB`; empty when nothing is known.
pub fn progress_bar(current: u64, total: u64) -> String {
    if current == 0 && total == 0 {
        return String::new();
    }
    if total == 0 {
        return format!("{:>8}", human_size(current));
    }
    let half = ((current as f64 / total as f64 * 100.0) as u64 / 2).min(50) as usize;
    let bar = format!("[{}>{}] ", "=".repeat(half), " ".repeat(50 - half));
    let numbers = if current > total {
        format!("{:>8}", human_size(current))
    } else {
        format!("{:>8}/{}", human_size(current), human_size(total))
    };
    format!("{bar}{numbers}")
}

/// Pushes one image with its credentials: ` web Pushing ` then ` web Pushed `.
pub async fn push(
    docker: &Docker,
    ui: &Ui,
    config: &DockerConfig,
    service: &str,
    image: &str,
) -> Result<(), EngineError> {
    ui.event(Event::working(ResourceKind::Pull, service, "Pushing"));
    let failed = |message: String| {
        ui.event(Event::error(ResourceKind::Pull, service, &message));
        EngineError::PushFailed {
            service: service.to_string(),
            image: image.to_string(),
            message,
        }
    };
    let credentials = config
        .for_image(image)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let (repo, tag) = split_tag(image);
    let mut stream = docker.push_image(
        repo,
        Some(PushImageOptions {
            tag: Some(tag.to_string()),
            ..Default::default()
        }),
        credentials,
    );
    while let Some(item) = stream.next().await {
        if let Err(e) = item {
            return Err(failed(api_message(&e)));
        }
    }
    ui.event(Event::done(ResourceKind::Pull, service, "Pushed"));
    Ok(())
}

/// Everything the classic builder is told about one service's build.
#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    pub service: String,
    /// The tag of the result (`image:` or `<project>-<service>`).
    pub image: String,
    /// More tags (`build.tags`), applied after the build.
    pub extra_tags: Vec<String>,
    /// The Dockerfile's path inside the context archive.
    pub dockerfile: String,
    pub args: HashMap<String, String>,
    pub labels: HashMap<String, String>,
    pub target: String,
    pub network: String,
    pub extra_hosts: Vec<String>,
    pub shm_size: Option<i32>,
    pub cache_from: Vec<String>,
    pub no_cache: bool,
    pub pull: bool,
    pub platform: String,
    /// No build output (`-q`, `--quiet-build`).
    pub quiet: bool,
}

/// Runs one build through the engine's `/build`, streaming `paths` of `context` as the
/// archive, and
/// streams its output, each line prefixed by the service: `[web] Step 1/3 : FROM ...`.
/// Returns the image ID.
pub async fn build(
    docker: &Docker,
    ui: &Ui,
    config: &DockerConfig,
    req: &BuildRequest,
    context: super::build_context::ContextSpec,
    paths: Vec<String>,
) -> Result<String, EngineError> {
    ui.event(Event::working(
        ResourceKind::Service,
        &req.service,
        text::BUILDING,
    ));
    let failed = |message: String| {
        ui.event(Event::error(ResourceKind::Service, &req.service, &message));
        EngineError::BuildFailed {
            service: req.service.clone(),
            image: req.image.clone(),
            message,
        }
    };
    let options = BuildImageOptions {
        dockerfile: req.dockerfile.clone(),
        t: Some(req.image.clone()),
        extrahosts: (!req.extra_hosts.is_empty()).then(|| req.extra_hosts.join(",")),
        q: false,
        nocache: req.no_cache,
        cachefrom: (!req.cache_from.is_empty()).then(|| req.cache_from.clone()),
        pull: req.pull.then(|| "1".to_string()),
        rm: true,
        forcerm: true,
        buildargs: Some(req.args.clone()),
        shmsize: req.shm_size,
        labels: Some(req.labels.clone()),
        networkmode: (!req.network.is_empty()).then(|| req.network.clone()),
        platform: req.platform.clone(),
        target: req.target.clone(),
        ..Default::default()
    };
    let credentials = registry_config(config).await;
    let body = bollard::body_try_stream(super::build_context::stream(context, paths));
    let mut stream = docker.build_image(options, Some(credentials), Some(body));
    let mut partial = String::new();
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(e) => return Err(failed(api_message(&e).trim().to_string())),
        };
        if let Some(out) = info.stream {
            partial.push_str(&out);
            while let Some(i) = partial.find('\n') {
                let line: String = partial.drain(..=i).collect();
                let line = line.trim_end();
                if !req.quiet && !line.is_empty() {
                    ui.log(&format!("[{}] {line}", req.service));
                }
            }
        }
    }
    if !req.quiet && !partial.trim().is_empty() {
        ui.log(&format!("[{}] {}", req.service, partial.trim_end()));
    }
    for tag in &req.extra_tags {
        let (repo, t) = split_tag(tag);
        docker
            .tag_image(
                &req.image,
                Some(TagImageOptions {
                    repo: Some(repo.to_string()),
                    tag: Some(t.to_string()),
                }),
            )
            .await
            .map_err(|e| failed(format!("tagging {tag}: {}", api_message(&e))))?;
    }
    let info = docker
        .inspect_image(&req.image)
        .await
        .map_err(|e| failed(api_message(&e)))?;
    ui.event(Event::done(
        ResourceKind::Service,
        &req.service,
        text::BUILT,
    ));
    Ok(info.id.unwrap_or_default())
}

/// The credentials of every registry in `auths` (the `X-Registry-Config` the docker CLI
/// sends with a build, for `FROM` images in private registries).
async fn registry_config(config: &DockerConfig) -> HashMap<String, DockerCredentials> {
    let mut out = HashMap::new();
    for key in config.registries() {
        if let Ok(Some(c)) = config.for_registry(&key).await {
            out.insert(key, c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_limit_bounds_permits() {
        assert_eq!(limiter(Some(2)).available_permits(), 2);
        assert_eq!(
            limiter(Some(-1)).available_permits(),
            Semaphore::MAX_PERMITS
        );
        assert_eq!(limiter(None).available_permits(), Semaphore::MAX_PERMITS);
    }

    #[test]
    fn progress_bar_matches_the_daemon_text() {
        assert_eq!(
            progress_bar(32_768, 3_001_193),
            format!("[>{}]  32.77kB/3.001MB", " ".repeat(50))
        );
        assert_eq!(
            progress_bar(3_001_193, 3_001_193),
            format!("[{}>]  3.001MB/3.001MB", "=".repeat(50))
        );
        assert_eq!(progress_bar(0, 0), "");
    }

    #[test]
    fn layer_events_follow_compose() {
        let e = layer_event(
            "a",
            Some("e6c725b7196b"),
            Some("Downloading"),
            Some((Some(36_445), Some(3_001_193))),
        )
        .unwrap();
        assert_eq!(e.parent.as_deref(), Some("a"));
        assert_eq!(e.status, Status::Working);
        assert_eq!(e.transfer.map(|t| t.percent), Some(1));
        let done = layer_event("a", Some("x"), Some("Pull complete"), Some((None, None))).unwrap();
        assert_eq!(done.status, Status::Done);
        assert_eq!(done.details, None);
        // `Pulling from team/app` carries the tag as id but no progress: not shown.
        assert!(layer_event("a", Some("1"), Some("Pulling from team/app"), None).is_none());
        assert!(layer_event("a", None, Some("Digest: sha256:..."), None).is_none());
    }

    #[test]
    fn split_tag_keeps_the_registry_port() {
        assert_eq!(
            split_tag("127.0.0.1:5000/app:1"),
            ("127.0.0.1:5000/app", "1")
        );
        assert_eq!(
            split_tag("127.0.0.1:5000/app"),
            ("127.0.0.1:5000/app", "latest")
        );
        assert_eq!(split_tag("busybox"), ("busybox", "latest"));
    }
}
