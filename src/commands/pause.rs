//! `hoist pause` / `hoist unpause`: freeze and thaw the running containers of services.

use bollard::Docker;

use crate::cli::ServicesArgs;
use crate::engine::containers;
use crate::engine::error::EngineError;
use crate::engine::ops::{self, Ui, report};
use crate::ui::event::{ResourceKind, Status, text};

/// Pauses (`pause` true) or unpauses every running container of the named services (all
/// when none are named), in parallel; one-off containers are left alone, as in Compose.
pub async fn run(
    docker: &Docker,
    ui: &Ui,
    project: &str,
    args: &ServicesArgs,
    pause: bool,
) -> Result<(), EngineError> {
    let found: Vec<_> = containers::list(docker, project, false)
        .await?
        .into_iter()
        .filter(|c| !c.oneoff)
        .filter(|c| args.services.is_empty() || args.services.contains(&c.service))
        .collect();
    ops::all_at_once(found.iter(), |c| async move {
        let (result, verb, done) = if pause {
            (docker.pause_container(&c.id).await, "pausing", text::PAUSED)
        } else {
            (
                docker.unpause_container(&c.id).await,
                "unpausing",
                text::UNPAUSED,
            )
        };
        result.map_err(|e| EngineError::api(format!("{verb} {}", c.name), e))?;
        report(ui, ResourceKind::Container, &c.name, Status::Done, done);
        Ok(())
    })
    .await
}
