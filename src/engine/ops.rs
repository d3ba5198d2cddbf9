//! Container operations with Compose's semantics: create (joining every network), start,
//! stop with the service's grace period, kill, remove; each reported as progress events.

use std::sync::Arc;

use bollard::Docker;
use bollard::models::{ContainerCreateBody, EndpointSettings, NetworkConnectRequest};
use bollard::query_parameters::{
    CreateContainerOptions, KillContainerOptions, RemoveContainerOptions, RenameContainerOptions,
    StartContainerOptions, StopContainerOptions, UploadToContainerOptions,
};

use super::containers::ProjectContainer;
use super::error::{EngineError, api_message};
use crate::ui::event::{Event, ResourceKind, Status};
use crate::ui::progress::Renderer;

/// Where operations report what they do.
pub type Ui = Arc<dyn Renderer>;

/// Sends one progress event.
pub fn report(ui: &Ui, kind: ResourceKind, name: &str, status: Status, text: &str) {
    ui.event(Event::new(kind, name, status, text));
}

/// Reports a failure with the engine's message.
pub fn report_error(ui: &Ui, kind: ResourceKind, name: &str, details: &str) {
    ui.event(Event::error(kind, name, details));
}

/// Creates a container named `name` from `body` (which already names its main network),
/// connects it to the `to_connect` networks and uploads its inline secrets and configs.
/// Returns its ID.
pub async fn create(
    docker: &Docker,
    ui: &Ui,
    name: &str,
    body: ContainerCreateBody,
    created: CreateExtras,
    service: &str,
) -> Result<String, EngineError> {
    report(
        ui,
        ResourceKind::Container,
        name,
        Status::Working,
        "Creating",
    );
    let response = docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(name.to_string()),
                platform: created.platform.unwrap_or_default(),
            }),
            body,
        )
        .await
        .map_err(|e| {
            report_error(ui, ResourceKind::Container, name, &api_message(&e));
            classify(service, format!("creating container {name}"), e)
        })?;
    // Engines before API 1.44 take one network at creation; the others are connected now.
    for (network, endpoint) in created.to_connect {
        docker
            .connect_network(
                &network,
                NetworkConnectRequest {
                    container: response.id.clone(),
                    endpoint_config: Some(endpoint),
                },
            )
            .await
            .map_err(|e| EngineError::api(format!("connecting {name} to network {network}"), e))?;
    }
    for tar in created.files {
        docker
            .upload_to_container(
                &response.id,
                Some(UploadToContainerOptions {
                    path: "/".into(),
                    copy_uidgid: Some("true".into()),
                    ..Default::default()
                }),
                bollard::body_full(tar.into()),
            )
            .await
            .map_err(|e| EngineError::api(format!("copying secrets and configs into {name}"), e))?;
    }
    report(ui, ResourceKind::Container, name, Status::Done, "Created");
    Ok(response.id)
}

/// What a creation needs besides the body.
#[derive(Default)]
pub struct CreateExtras {
    pub platform: Option<String>,
    /// Networks to connect after creation.
    pub to_connect: Vec<(String, EndpointSettings)>,
    /// Tar archives (inline secrets and configs) to unpack at `/`.
    pub files: Vec<Vec<u8>>,
}

/// Renames a container (the last step of a recreate).
pub async fn rename(docker: &Docker, id: &str, new_name: &str) -> Result<(), EngineError> {
    docker
        .rename_container(
            id,
            RenameContainerOptions {
                name: new_name.to_string(),
            },
        )
        .await
        .map_err(|e| EngineError::api(format!("renaming container to {new_name}"), e))
}

/// Starts a container.
pub async fn start(
    docker: &Docker,
    ui: &Ui,
    id: &str,
    name: &str,
    service: &str,
) -> Result<(), EngineError> {
    report(
        ui,
        ResourceKind::Container,
        name,
        Status::Working,
        "Starting",
    );
    docker
        .start_container(id, None::<StartContainerOptions>)
        .await
        .map_err(|e| {
            report_error(ui, ResourceKind::Container, name, &api_message(&e));
            classify(service, format!("starting container {name}"), e)
        })?;
    report(ui, ResourceKind::Container, name, Status::Done, "Started");
    Ok(())
}

/// Stops a container, waiting `timeout` seconds (None: the container's own stop timeout)
/// before the engine kills it.
pub async fn stop(
    docker: &Docker,
    ui: &Ui,
    id: &str,
    name: &str,
    timeout: Option<i32>,
) -> Result<(), EngineError> {
    report(
        ui,
        ResourceKind::Container,
        name,
        Status::Working,
        "Stopping",
    );
    match docker
        .stop_container(
            id,
            Some(StopContainerOptions {
                t: timeout,
                signal: None,
            }),
        )
        .await
    {
        Ok(()) => {}
        // 304: already stopped; 404: already gone.
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 304 | 404,
            ..
        }) => {}
        Err(e) => {
            report_error(ui, ResourceKind::Container, name, &api_message(&e));
            return Err(EngineError::api(format!("stopping container {name}"), e));
        }
    }
    report(ui, ResourceKind::Container, name, Status::Done, "Stopped");
    Ok(())
}

/// Sends a signal to a running container.
pub async fn kill(
    docker: &Docker,
    ui: &Ui,
    id: &str,
    name: &str,
    signal: &str,
) -> Result<(), EngineError> {
    report(
        ui,
        ResourceKind::Container,
        name,
        Status::Working,
        "Killing",
    );
    docker
        .kill_container(
            id,
            Some(KillContainerOptions {
                signal: signal.to_string(),
            }),
        )
        .await
        .map_err(|e| EngineError::api(format!("killing container {name}"), e))?;
    report(ui, ResourceKind::Container, name, Status::Done, "Killed");
    Ok(())
}

/// Removes a container (forcefully, which also stops it); `volumes` removes its anonymous
/// volumes too.
pub async fn remove(
    docker: &Docker,
    ui: &Ui,
    id: &str,
    name: &str,
    volumes: bool,
) -> Result<(), EngineError> {
    report(
        ui,
        ResourceKind::Container,
        name,
        Status::Working,
        "Removing",
    );
    match docker
        .remove_container(
            id,
            Some(RemoveContainerOptions {
                v: volumes,
                force: true,
                link: false,
            }),
        )
        .await
    {
        Ok(()) => {}
        Err(e) if EngineError::is_not_found(&e) => {}
        Err(e) if api_message(&e).contains("already in progress") => {}
        Err(e) => {
            report_error(ui, ResourceKind::Container, name, &api_message(&e));
            return Err(EngineError::api(format!("removing container {name}"), e));
        }
    }
    report(ui, ResourceKind::Container, name, Status::Done, "Removed");
    Ok(())
}

/// Turns the engine's refusals users hit most into errors that say what to do.
fn classify(service: &str, action: String, e: bollard::errors::Error) -> EngineError {
    let message = api_message(&e);
    if message.contains("port is already allocated") || message.contains("address already in use") {
        return EngineError::PortAllocated {
            service: service.to_string(),
            message,
        };
    }
    if message.contains("No such image") {
        return EngineError::ImageMissing {
            service: service.to_string(),
            image: message.trim_start_matches("No such image: ").to_string(),
            hint: String::new(),
        };
    }
    EngineError::Api { action, message }
}

/// Runs `each` on every container of `list` at once; the first error wins.
pub async fn all_at_once<'a, Fut>(
    list: impl Iterator<Item = &'a ProjectContainer>,
    each: impl Fn(&'a ProjectContainer) -> Fut,
) -> Result<(), EngineError>
where
    Fut: std::future::Future<Output = Result<(), EngineError>>,
{
    futures_util::future::join_all(list.map(each))
        .await
        .into_iter()
        .find(Result::is_err)
        .unwrap_or(Ok(()))
}
