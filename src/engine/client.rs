//! The connection to the Docker Engine: `DOCKER_HOST` or the default socket, with the API
//! version negotiated down to what the daemon speaks (Engine 20.10 speaks 1.41).

use std::time::Duration;

use bollard::Docker;

use super::error::EngineError;

/// The default daemon address, as the docker CLI uses it.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// Connects and checks that a daemon answers. Requests get a long timeout: `stop` with a
/// long grace period legitimately waits for minutes.
pub async fn connect() -> Result<Docker, EngineError> {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| DEFAULT_HOST.to_string());
    let unreachable = |reason: String| EngineError::Unreachable {
        host: host.clone(),
        reason,
    };
    let docker = Docker::connect_with_host(&host)
        .map_err(|e| unreachable(e.to_string()))?
        .with_timeout(Duration::from_secs(3600));
    // Negotiation is a request to the daemon: it doubles as the "is it there" check.
    docker
        .negotiate_version()
        .await
        .map_err(|e| unreachable(super::error::api_message(&e)))
}

/// The API version negotiated with the daemon, as the container spec needs it.
pub fn api_version(docker: &Docker) -> super::spec::ApiVersion {
    let v = docker.client_version();
    super::spec::ApiVersion::parse(&format!("{}.{}", v.major_version, v.minor_version))
        .unwrap_or(super::spec::ApiVersion::V1_41)
}
