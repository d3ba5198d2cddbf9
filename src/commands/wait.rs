//! `hoist wait`: block until the services' running containers stop; the exit status is the
//! exit code of the container that stopped last, as in Compose.

use std::io::Write;

use bollard::Docker;
use bollard::errors::Error as ApiError;
use futures_util::StreamExt;

use crate::cli::WaitArgs;
use crate::engine::containers;
use crate::engine::error::EngineError;

/// Waits for every running container of the named services; prints
/// `container "ID" exited with status code N` for each as it stops and returns the code of
/// the last one.
pub async fn run(docker: &Docker, project: &str, args: &WaitArgs) -> Result<i64, EngineError> {
    let found: Vec<_> = containers::list(docker, project, false)
        .await?
        .into_iter()
        .filter(|c| args.services.contains(&c.service))
        .collect();
    if found.is_empty() {
        return Err(EngineError::Refused(format!(
            "no containers for project {project:?}"
        )));
    }
    let mut waits: futures_util::stream::FuturesUnordered<_> = found
        .iter()
        .map(|c| async move { (c, exit_code(docker, &c.id).await) })
        .collect();
    let mut last = 0;
    while let Some((c, code)) = waits.next().await {
        let code = code.map_err(|e| EngineError::api(format!("waiting for {}", c.name), e))?;
        let mut out = std::io::stdout();
        let _ = writeln!(out, "container {:?} exited with status code {code}", c.id)
            .and_then(|_| out.flush());
        last = code;
    }
    Ok(last)
}

/// The container's exit code once it stops (bollard reports a non-zero one as an error).
async fn exit_code(docker: &Docker, id: &str) -> Result<i64, ApiError> {
    let mut stream = docker.wait_container(id, None);
    match stream.next().await {
        Some(Ok(r)) => Ok(r.status_code),
        Some(Err(ApiError::DockerContainerWaitError { code, .. })) => Ok(code),
        Some(Err(e)) => Err(e),
        None => Ok(0),
    }
}
