//! `hoist port`: the host address a container port is published on.

use bollard::Docker;

use crate::cli::PortArgs;
use crate::engine::containers;
use crate::engine::error::EngineError;

/// Returns `IP:PORT` (with a newline) for the service's container port.
pub async fn run(docker: &Docker, project: &str, args: &PortArgs) -> Result<String, EngineError> {
    let found = containers::list(docker, project, false).await?;
    let c = containers::pick(&found, &args.service, args.index)?;
    let protocol = args.protocol.to_lowercase();
    if let Some((ip, public, _, _)) = c
        .ports
        .iter()
        .find(|(_, _, private, proto)| *private == args.private_port && *proto == protocol)
    {
        return Ok(format!("{ip}:{}\n", public.unwrap_or(0)));
    }
    // Compose lists the published side of each binding here, as it does.
    let published: Vec<String> = c
        .ports
        .iter()
        .map(|(_, public, _, proto)| format!("{}/{proto}", public.unwrap_or(0)))
        .collect();
    Err(EngineError::Refused(format!(
        "no port {}/{protocol} for container {}: {}",
        args.private_port,
        c.name,
        published.join(", ")
    )))
}
