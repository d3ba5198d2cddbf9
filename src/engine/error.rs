//! Engine errors: what the daemon refused or could not do, and for which resource.

use bollard::errors::Error as ApiError;

/// A failure while talking to the Docker Engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No daemon answers at the configured address.
    #[error(
        "Cannot connect to the Docker daemon at {host}. Is the docker daemon running? ({reason})"
    )]
    Unreachable { host: String, reason: String },
    /// An API call failed.
    #[error("{action}: {message}")]
    Api { action: String, message: String },
    /// A service's image is not on the engine and its policy forbids getting it.
    #[error("service {service:?}: image {image} not found on the engine{hint}")]
    ImageMissing {
        service: String,
        image: String,
        /// Why hoist did not pull or build it, as ` (pull_policy: never)`; may be empty.
        hint: String,
    },
    /// The registry refused or failed a pull.
    #[error("service {service:?}: pulling image {image}: {message}")]
    PullFailed {
        service: String,
        image: String,
        message: String,
    },
    /// The registry refused or failed a push.
    #[error("service {service:?}: pushing image {image}: {message}")]
    PushFailed {
        service: String,
        image: String,
        message: String,
    },
    /// A build failed (the builder's message, e.g. the failing Dockerfile step).
    #[error("service {service:?}: building image {image}: {message}")]
    BuildFailed {
        service: String,
        image: String,
        message: String,
    },
    /// The build asks for something the classic builder cannot do.
    #[error("service {service:?}: {message}")]
    BuildUnsupported { service: String, message: String },
    /// Credentials could not be read from the docker CLI configuration or its helper.
    #[error("credentials{}: {message}", if registry.is_empty() { String::new() } else { format!(" for {registry}") })]
    Credentials { registry: String, message: String },
    /// Several services failed (pull with several errors): one line each.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Several(Vec<EngineError>),
    /// Another process holds a published port.
    #[error("service {service:?}: cannot publish port: {message}")]
    PortAllocated { service: String, message: String },
    /// A dependency did not reach its condition.
    #[error("dependency failed to start: {reason}")]
    DependencyFailed {
        service: String,
        dependency: String,
        reason: String,
    },
    /// A container the user waits on failed.
    #[error("container {container} {reason}")]
    ContainerFailed { container: String, reason: String },
    /// `exec`/`attach` found no running container of the service (replica `index` when
    /// it is not 0). Worded as Compose words it.
    #[error("service {service:?} is not running{}", if *index > 0 { format!(" container #{index}") } else { String::new() })]
    NotRunning { service: String, index: u32 },
    /// The user interrupted the command.
    #[error("interrupted")]
    Interrupted,
    /// `--wait-timeout` or a stop timeout ran out.
    #[error("{0}")]
    Timeout(String),
    /// What was asked cannot be done in the project's current state (no such container,
    /// port or file), in Docker Compose's words.
    #[error("{0}")]
    Refused(String),
}

impl EngineError {
    /// Wraps an API error with what hoist was doing.
    pub fn api(action: impl Into<String>, e: ApiError) -> Self {
        EngineError::Api {
            action: action.into(),
            message: api_message(&e),
        }
    }

    /// True when the API error is a 404 (the resource does not exist).
    pub fn is_not_found(e: &ApiError) -> bool {
        matches!(
            e,
            ApiError::DockerResponseServerError {
                status_code: 404,
                ..
            }
        )
    }
}

/// The daemon's own message when it sent one, else bollard's description.
pub fn api_message(e: &ApiError) -> String {
    match e {
        ApiError::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
