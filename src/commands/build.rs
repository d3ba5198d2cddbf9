//! `hoist build`, and the builds `up` runs for missing images: the engine's classic
//! builder, one `/build` request per service (in parallel), the context streamed as a tar
//! archive that honours `.dockerignore`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::cli::BuildArgs;
use crate::compose::model::{BuildConfig, ServiceConfig};
use crate::engine::build_context::{self, ContextSpec};
use crate::engine::error::EngineError;
use crate::engine::images::{self, BuildRequest};
use crate::engine::labels;
use crate::engine::project::Session;
use crate::plan::graph::Graph;

use super::pull::PullContext;

/// What the command line adds to every build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `--build-arg`: `KEY=VALUE`, or `KEY` taken from the environment.
    pub build_args: Vec<String>,
    pub no_cache: bool,
    pub pull: bool,
    pub quiet: bool,
}

/// Refuses, before anything runs, the build attributes only BuildKit implements: the
/// classic builder would silently build something else.
pub fn check_classic(service: &ServiceConfig) -> Result<(), EngineError> {
    let Some(b) = &service.build else {
        return Ok(());
    };
    let mut unsupported = Vec::new();
    if !b.ssh.is_empty() {
        unsupported.push("build.ssh");
    }
    if !b.secrets.is_empty() {
        unsupported.push("build.secrets");
    }
    if !b.additional_contexts.is_empty() {
        unsupported.push("build.additional_contexts");
    }
    if b.platforms.len() > 1 {
        unsupported.push("several build.platforms");
    }
    if !b.cache_to.is_empty() {
        unsupported.push("build.cache_to");
    }
    if !b.entitlements.is_empty() || b.privileged {
        unsupported.push("build.entitlements/privileged");
    }
    if unsupported.is_empty() {
        return Ok(());
    }
    Err(EngineError::BuildUnsupported {
        service: service.name.clone(),
        message: format!(
            "{} need(s) BuildKit, and hoist builds with the Engine's classic builder; build this service with `docker buildx bake` or `docker compose build {}`, or remove the attribute",
            unsupported.join(", "),
            service.name
        ),
    })
}

/// The build request and context of one service.
pub fn prepare(
    session: &Session,
    service: &ServiceConfig,
    opts: &BuildOptions,
) -> Result<(BuildRequest, ContextSpec, Vec<String>), EngineError> {
    check_classic(service)?;
    let b: &BuildConfig = service
        .build
        .as_ref()
        .ok_or_else(|| EngineError::BuildFailed {
            service: service.name.clone(),
            image: session.image_of(service),
            message: "the service has no build section".into(),
        })?;
    let image = session.image_of(service);
    let fail = |message: String| EngineError::BuildFailed {
        service: service.name.clone(),
        image: image.clone(),
        message,
    };
    if b.context.contains("://") || b.context.starts_with("git@") {
        return Err(fail(format!(
            "remote build contexts ({}) are not supported yet; clone it and point build.context at the directory",
            b.context
        )));
    }
    let dir = Path::new(&session.working_dir).join(if b.context.is_empty() {
        "."
    } else {
        &b.context
    });
    if !dir.is_dir() {
        return Err(fail(format!(
            "build context {} is not a directory",
            dir.display()
        )));
    }
    let (dockerfile, content) = dockerfile_of(&dir, b).map_err(&fail)?;
    let rules = build_context::rules_of(&dir).map_err(|e| fail(e.to_string()))?;
    let spec = ContextSpec {
        dir: dir.clone(),
        dockerfile: dockerfile.clone(),
        dockerfile_content: content,
    };
    let paths = build_context::entries(&spec, &rules).map_err(|e| fail(e.to_string()))?;
    let mut args: HashMap<String, String> = b
        .args
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
        .collect();
    for arg in &opts.build_args {
        match arg.split_once('=') {
            Some((k, v)) => {
                args.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Ok(v) = std::env::var(arg) {
                    args.insert(arg.clone(), v);
                }
            }
        }
    }
    let mut labels: HashMap<String, String> = b.labels.clone().into_iter().collect();
    labels.insert(labels::PROJECT.into(), session.name().to_string());
    labels.insert(labels::SERVICE.into(), service.name.clone());
    labels.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
    labels.insert(labels::IMAGE_BUILDER.into(), "classic".into());
    let platform = match b.platforms.as_slice() {
        [one] => one.clone(),
        _ => super::pull::platform_of(service),
    };
    let shm_size = match b.shm_size {
        0 => None,
        n => Some(i32::try_from(n).map_err(|_| {
            fail(format!(
                "build.shm_size {n} is larger than the classic builder accepts (2 GiB)"
            ))
        })?),
    };
    let extra_hosts: Vec<String> = b
        .extra_hosts
        .iter()
        .flat_map(|(host, ips)| ips.iter().map(move |ip| format!("{host}:{ip}")))
        .collect();
    if extra_hosts.len() > 1 {
        // The API takes `extrahosts` repeated, which bollard's query cannot express yet.
        return Err(fail(format!(
            "build.extra_hosts has {} entries; hoist passes only one to the classic builder",
            extra_hosts.len()
        )));
    }
    let request = BuildRequest {
        service: service.name.clone(),
        image: image.clone(),
        extra_tags: b.tags.clone(),
        dockerfile,
        args,
        labels,
        target: b.target.clone(),
        network: b.network.clone(),
        extra_hosts,
        shm_size,
        cache_from: b.cache_from.clone(),
        no_cache: b.no_cache || opts.no_cache,
        pull: b.pull || opts.pull,
        platform,
        quiet: opts.quiet,
    };
    Ok((request, spec, paths))
}

/// The Dockerfile's name inside the archive and, when it is not read from the context,
/// its content (`dockerfile_inline`, or a Dockerfile outside the context directory).
fn dockerfile_of(dir: &Path, b: &BuildConfig) -> Result<(String, Option<Vec<u8>>), String> {
    if !b.dockerfile_inline.is_empty() {
        return Ok((
            ".hoist-inline.Dockerfile".into(),
            Some(b.dockerfile_inline.clone().into_bytes()),
        ));
    }
    let name = if b.dockerfile.is_empty() {
        "Dockerfile"
    } else {
        &b.dockerfile
    };
    let path = if Path::new(name).is_absolute() {
        PathBuf::from(name)
    } else {
        dir.join(name)
    };
    match path.strip_prefix(dir) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            if !path.is_file() {
                return Err(format!("Dockerfile {} not found", path.display()));
            }
            Ok((rel.to_string_lossy().replace('\\', "/"), None))
        }
        _ => {
            let content = std::fs::read(&path)
                .map_err(|e| format!("reading Dockerfile {}: {e}", path.display()))?;
            Ok((".hoist-outside.Dockerfile".into(), Some(content)))
        }
    }
}

/// Builds `services` in parallel (bounded by the context's limit); every service is
/// checked before the first build starts.
pub async fn build_services(
    session: &Arc<Session>,
    ctx: &PullContext,
    services: &[String],
    opts: &BuildOptions,
) -> Result<(), EngineError> {
    let mut prepared = Vec::new();
    for name in services {
        let Some(service) = session.service(name) else {
            continue;
        };
        prepared.push(prepare(session, service, opts)?);
    }
    let mut tasks: JoinSet<Result<String, EngineError>> = JoinSet::new();
    for (request, spec, paths) in prepared {
        let (session, ctx) = (session.clone(), ctx.clone());
        tasks.spawn(async move {
            let _permit = ctx.limit.acquire_owned().await;
            images::build(
                &session.docker,
                &session.ui,
                &ctx.config,
                &request,
                spec,
                paths,
            )
            .await
        });
    }
    let mut first = None;
    while let Some(joined) = tasks.join_next().await {
        let result = joined.map_err(|e| EngineError::Api {
            action: "building images".into(),
            message: e.to_string(),
        })?;
        if let Err(e) = result {
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

/// `hoist build`: the named services (all that have `build:` when none are named).
pub async fn run(
    session: &Arc<Session>,
    args: &BuildArgs,
    parallel: Option<i64>,
) -> Result<(), EngineError> {
    let ctx = PullContext::load(parallel)?;
    let project = &session.project;
    let selected = Graph::of(project).select(&args.services, args.with_dependencies);
    let services: Vec<String> = selected
        .into_iter()
        .filter(|n| project.services.get(n).is_some_and(|s| s.build.is_some()))
        .collect();
    let opts = BuildOptions {
        build_args: args.build_arg.clone(),
        no_cache: args.no_cache,
        pull: args.pull,
        quiet: args.quiet,
    };
    build_services(session, &ctx, &services, &opts).await?;
    if args.push {
        for name in &services {
            if let Some(s) = project.services.get(name).filter(|s| !s.image.is_empty()) {
                images::push(&session.docker, &session.ui, &ctx.config, name, &s.image).await?;
            }
        }
    }
    Ok(())
}
