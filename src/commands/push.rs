//! `hoist push`: the services' images to their registries, with the credentials of the
//! docker CLI configuration.

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::cli::PushArgs;
use crate::engine::error::EngineError;
use crate::engine::images;
use crate::engine::project::Session;
use crate::plan::graph::Graph;

use super::pull::PullContext;

/// Pushes every selected service's `image:` (services without one are skipped), each
/// distinct image once, in parallel.
pub async fn run(
    session: &Arc<Session>,
    args: &PushArgs,
    parallel: Option<i64>,
) -> Result<(), EngineError> {
    let ctx = PullContext::load(parallel)?;
    let project = &session.project;
    let selected = Graph::of(project).select(&args.services, args.include_deps);
    let mut seen = BTreeSet::new();
    let mut tasks: JoinSet<Result<(), EngineError>> = JoinSet::new();
    for name in selected {
        let Some(s) = project.services.get(&name) else {
            continue;
        };
        if s.image.is_empty() || !seen.insert(s.image.clone()) {
            continue;
        }
        let (session, ctx, image) = (session.clone(), ctx.clone(), s.image.clone());
        tasks.spawn(async move {
            let _permit = ctx.limit.acquire_owned().await;
            images::push(&session.docker, &session.ui, &ctx.config, &name, &image).await
        });
    }
    let mut errors = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => errors.push(e),
            Err(e) => errors.push(EngineError::Api {
                action: "pushing images".into(),
                message: e.to_string(),
            }),
        }
    }
    if args.ignore_push_failures || errors.is_empty() {
        return Ok(());
    }
    if errors.len() == 1 {
        return Err(errors.remove(0));
    }
    Err(EngineError::Several(errors))
}
