//! The connection to the Docker Engine: `DOCKER_HOST` or the default socket, with the API
//! version negotiated down to what the daemon speaks (Engine 20.10 speaks 1.41).

use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, ClientVersion, Docker};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::error::EngineError;

/// The default daemon address, as the docker CLI uses it.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// Requests get a long timeout: `stop` with a long grace period legitimately waits for
/// minutes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3600);

/// Connects and checks that a daemon answers.
///
/// On a Unix socket the version comes from `/_ping`'s `Api-Version` header, as the docker
/// CLI does it: the daemon answers `/_ping` in well under a millisecond, where `/version`
/// (bollard's negotiation) asks containerd and the runtimes for their versions and takes
/// several milliseconds — most of a `ps`. Other transports negotiate through `/version`.
pub async fn connect() -> Result<Docker, EngineError> {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| DEFAULT_HOST.to_string());
    let unreachable = |reason: String| EngineError::Unreachable {
        host: host.clone(),
        reason,
    };
    if let Some(path) = host.strip_prefix("unix://") {
        let server = ping_unix(path)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let version = match server {
            Some(v) if v < *API_DEFAULT_VERSION => v,
            _ => *API_DEFAULT_VERSION,
        };
        return Docker::connect_with_unix(path, REQUEST_TIMEOUT.as_secs(), &version)
            .map_err(|e| unreachable(e.to_string()));
    }
    let docker = Docker::connect_with_host(&host)
        .map_err(|e| unreachable(e.to_string()))?
        .with_timeout(REQUEST_TIMEOUT);
    // Negotiation is a request to the daemon: it doubles as the "is it there" check.
    docker
        .negotiate_version()
        .await
        .map_err(|e| unreachable(super::error::api_message(&e)))
}

/// `GET /_ping` on a Unix socket; the daemon's API version from its `Api-Version` header
/// (None when the header is missing, as with very old daemons).
async fn ping_unix(path: &str) -> std::io::Result<Option<ClientVersion>> {
    let mut stream = tokio::net::UnixStream::connect(path).await?;
    stream
        .write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .await?;
    let mut response = Vec::with_capacity(512);
    // HTTP/1.0: the daemon closes the connection after its (tiny) answer.
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut response))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer to /_ping"))??;
    let text = String::from_utf8_lossy(&response);
    let status_ok = text
        .lines()
        .next()
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("200"));
    if !status_ok {
        let status = text.lines().next().unwrap_or("").to_string();
        return Err(std::io::Error::other(format!(
            "unexpected answer to /_ping: {status}"
        )));
    }
    Ok(api_version_header(&text))
}

/// The `Api-Version` header of an HTTP response head, parsed.
fn api_version_header(response: &str) -> Option<ClientVersion> {
    response
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("api-version")
                .then(|| value.trim().to_string())
        })
        .and_then(|v| {
            let (major, minor) = v.split_once('.')?;
            Some(ClientVersion {
                major_version: major.parse().ok()?,
                minor_version: minor.parse().ok()?,
            })
        })
}

/// The API version negotiated with the daemon, as the container spec needs it.
pub fn api_version(docker: &Docker) -> super::spec::ApiVersion {
    let v = docker.client_version();
    super::spec::ApiVersion::parse(&format!("{}.{}", v.major_version, v.minor_version))
        .unwrap_or(super::spec::ApiVersion::V1_41)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_comes_from_the_ping_header() {
        let head = "HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: false\r\n\r\nOK";
        let v = api_version_header(head).expect("a version");
        assert_eq!((v.major_version, v.minor_version), (1, 41));
    }

    #[test]
    fn a_ping_without_the_header_gives_no_version() {
        assert!(api_version_header("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nOK").is_none());
    }
}
