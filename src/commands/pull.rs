//! `hoist pull`, and the parallel pulls `up` runs before creating containers.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cli::{PullArgs, UpArgs};
use crate::engine::credentials::DockerConfig;
use crate::engine::error::EngineError;
use crate::engine::images::{self, PullRequest};
use crate::engine::project::Session;
use crate::engine::reference::Reference;
use crate::plan::graph::Graph;
use crate::plan::images::{LocalImage, PullPolicy, UpImageOptions, plan_up};
use crate::ui::event::{Event, ResourceKind, text};

/// What the pulls of one command share.
#[derive(Clone)]
pub struct PullContext {
    pub config: Arc<DockerConfig>,
    pub limit: Arc<Semaphore>,
}

impl PullContext {
    /// Reads the docker CLI configuration; `parallel` bounds concurrent pulls.
    pub fn load(parallel: Option<i64>) -> Result<PullContext, EngineError> {
        Ok(PullContext {
            config: Arc::new(DockerConfig::load()?),
            limit: images::limiter(parallel),
        })
    }
}

/// The platform a service's image is pulled for: `platform:`, else
/// `DOCKER_DEFAULT_PLATFORM`.
pub fn platform_of(service: &crate::compose::model::ServiceConfig) -> String {
    if service.platform.is_empty() {
        std::env::var("DOCKER_DEFAULT_PLATFORM").unwrap_or_default()
    } else {
        service.platform.clone()
    }
}

/// The outcome of each pull, in job order.
pub type PullResults = Vec<(PullRequest, Result<String, EngineError>)>;

/// Runs `jobs` in parallel (bounded by the context's limit). A failure that is neither
/// `buildable` nor tolerated (`ignore_failures`) stops the pulls still running, which are
/// reported `Interrupted`, and is returned; other outcomes are returned per job.
pub async fn run_pulls(
    session: &Arc<Session>,
    ctx: &PullContext,
    jobs: Vec<PullRequest>,
    ignore_failures: bool,
) -> Result<PullResults, EngineError> {
    let running: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let mut tasks: JoinSet<(usize, Result<String, EngineError>)> = JoinSet::new();
    for (i, job) in jobs.iter().cloned().enumerate() {
        let (session, ctx, running) = (session.clone(), ctx.clone(), running.clone());
        tasks.spawn(async move {
            let _permit = ctx.limit.acquire_owned().await;
            running_set(&running).insert(job.service.clone());
            let result = images::pull(&session.docker, &session.ui, &ctx.config, &job).await;
            running_set(&running).remove(&job.service);
            (i, result)
        });
    }
    let mut results: BTreeMap<usize, Result<String, EngineError>> = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, result) = joined.map_err(|e| EngineError::Api {
            action: "pulling images".into(),
            message: e.to_string(),
        })?;
        match result {
            Err(e) if !jobs[i].buildable && !ignore_failures => {
                tasks.abort_all();
                for service in running_set(&running).iter() {
                    session.ui.event(
                        Event::warning(ResourceKind::Pull, service, "")
                            .with_details(text::INTERRUPTED),
                    );
                }
                return Err(e);
            }
            result => {
                results.insert(i, result);
            }
        }
    }
    Ok(jobs.into_iter().zip(results.into_values()).collect())
}

fn running_set(m: &Mutex<BTreeSet<String>>) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `hoist pull`: every image of the selected services, as Compose decides (services
/// without `image:`, with `pull_policy: never|build`, or whose tagged non-`latest` image is
/// present under `missing` are skipped with a note).
pub async fn run(
    session: &Arc<Session>,
    args: &PullArgs,
    parallel: Option<i64>,
) -> Result<(), EngineError> {
    let ctx = PullContext::load(parallel)?;
    let project = session.project.clone();
    let graph = Graph::of(&project);
    let targets = graph.select(&args.services, args.include_deps);
    let images: Vec<String> = targets
        .iter()
        .filter_map(|n| project.services.get(n))
        .filter(|s| !s.image.is_empty())
        .map(|s| s.image.clone())
        .collect();
    let local = images::local_images(&session.docker, images).await?;
    let ui = &session.ui;
    let mut jobs = Vec::new();
    let mut being_pulled: BTreeMap<String, String> = BTreeMap::new();
    for name in &targets {
        let Some(s) = project.services.get(name) else {
            continue;
        };
        let skip = |why: &str| ui.event(Event::done(ResourceKind::Pull, name, why));
        if s.image.is_empty() {
            skip("Skipped - No image to be pulled");
            continue;
        }
        let policy =
            crate::plan::images::effective_policy(s, args.policy.as_deref()).map_err(|e| {
                EngineError::Api {
                    action: "pull".into(),
                    message: e.to_string(),
                }
            })?;
        match policy {
            PullPolicy::Never | PullPolicy::Build => {
                skip("Skipped");
                continue;
            }
            // A `latest` tag is expected to move: it is pulled even when present.
            PullPolicy::Missing
                if local.contains_key(&s.image) && !Reference::parse(&s.image).is_latest() =>
            {
                skip("Skipped - Image is already present locally");
                continue;
            }
            _ => {}
        }
        if s.build.is_some() && args.ignore_buildable {
            skip("Skipped - Image can be built");
            continue;
        }
        if let Some(first) = being_pulled.get(&s.image) {
            skip(&format!(
                "Skipped - Image is already being pulled by {first}"
            ));
            continue;
        }
        being_pulled.insert(s.image.clone(), name.clone());
        jobs.push(PullRequest {
            service: name.clone(),
            image: s.image.clone(),
            platform: platform_of(s),
            quiet_layers: false,
            buildable: s.build.is_some(),
        });
    }
    let results = run_pulls(session, &ctx, jobs, args.ignore_pull_failures).await?;
    let must_build: Vec<&str> = results
        .iter()
        .filter(|(job, r)| r.is_err() && job.buildable)
        .map(|(job, _)| job.service.as_str())
        .collect();
    if !must_build.is_empty() {
        ui.log(&format!(
            "WARNING: Some service image(s) must be built from source by running:\n    hoist build {}",
            must_build.join(" ")
        ));
    }
    if args.ignore_pull_failures {
        return Ok(());
    }
    let errors: Vec<EngineError> = results.into_iter().filter_map(|(_, r)| r.err()).collect();
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.into_iter().next().expect("one error")),
        _ => Err(EngineError::Several(errors)),
    }
}

/// What `up` does before creating containers (Compose's `ensureImagesExists`): pull what
/// the policies ask for, in parallel, then build what has `build:` and is still missing
/// (or everything buildable under `--build` / `pull_policy: build`). A service whose image
/// is still missing fails here, naming the image and why hoist did not get it. Returns
/// what the engine has of the target images, so `up` need not inspect them again.
pub async fn ensure_images(
    session: &Arc<Session>,
    args: &UpArgs,
    parallel: Option<i64>,
) -> Result<BTreeMap<String, LocalImage>, EngineError> {
    let project = session.project.clone();
    let graph = Graph::of(&project);
    let targets = graph.select(&args.services, !args.no_deps);
    let images: BTreeSet<String> = targets
        .iter()
        .filter_map(|n| project.services.get(n))
        .map(|s| session.image_of(s))
        .collect();
    let local = images::local_images(&session.docker, images).await?;
    let opts = UpImageOptions {
        pull: args.pull.clone(),
        build: args.build,
        no_build: args.no_build,
    };
    let plan = plan_up(&project, &targets, &local, &opts, SystemTime::now()).map_err(|e| {
        EngineError::Api {
            action: "up".into(),
            message: e.to_string(),
        }
    })?;
    // Refuse BuildKit-only builds before pulling anything; a service whose image is
    // already there (built elsewhere, e.g. with BuildKit) is not in the way.
    for name in plan.build_always.iter().chain(&plan.build_if_missing) {
        if let Some(s) = project.services.get(name) {
            let needed =
                plan.build_always.contains(name) || !local.contains_key(&session.image_of(s));
            if needed {
                super::build::check_classic(s)?;
            }
        }
    }
    let jobs: Vec<PullRequest> = plan
        .pull
        .iter()
        .filter_map(|job| {
            let s = project.services.get(&job.service)?;
            Some(PullRequest {
                service: job.service.clone(),
                image: job.image.clone(),
                platform: platform_of(s),
                quiet_layers: args.quiet_pull,
                buildable: job.buildable,
            })
        })
        .collect();
    let all_images = || {
        targets
            .iter()
            .filter_map(|n| project.services.get(n).map(|s| session.image_of(s)))
            .collect::<Vec<_>>()
    };
    // The common case (every image present, nothing to build) reads no configuration and
    // inspects nothing more.
    let mut ctx: Option<PullContext> = None;
    let mut have = local;
    if !jobs.is_empty() {
        let c = ctx.insert(PullContext::load(parallel)?);
        run_pulls(session, c, jobs, false).await?;
        have = images::local_images(&session.docker, all_images()).await?;
    }
    let mut to_build = plan.build_always.clone();
    to_build.extend(
        plan.build_if_missing
            .iter()
            .filter(|n| {
                project
                    .services
                    .get(*n)
                    .is_some_and(|s| !have.contains_key(&session.image_of(s)))
            })
            .cloned(),
    );
    if !to_build.is_empty() {
        let c = match ctx {
            Some(c) => c,
            None => PullContext::load(parallel)?,
        };
        let opts = super::build::BuildOptions::default();
        super::build::build_services(session, &c, &to_build, &opts).await?;
        have = images::local_images(&session.docker, all_images()).await?;
    }
    // What is still missing cannot be had: say which policy or flag kept hoist from it.
    for name in &targets {
        let Some(s) = project.services.get(name) else {
            continue;
        };
        let image = session.image_of(s);
        if have.contains_key(&image) {
            continue;
        }
        let hint = if args.no_build && s.build.is_some() {
            " (--no-build)".to_string()
        } else if let Some(p) = &args.pull {
            format!(" (--pull {p})")
        } else if !s.pull_policy.is_empty() {
            format!(" (pull_policy: {})", s.pull_policy)
        } else {
            String::new()
        };
        return Err(EngineError::ImageMissing {
            service: name.clone(),
            image,
            hint,
        });
    }
    Ok(have)
}
