//! The project's containers as the engine lists them, found by their Compose labels.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::ContainerSummary;
use bollard::query_parameters::ListContainersOptions;

use super::error::EngineError;
use super::labels;

/// A container that belongs to a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectContainer {
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    pub service: String,
    pub number: u32,
    pub oneoff: bool,
    pub config_hash: String,
    /// The image ID recorded at creation (`com.docker.compose.image`).
    pub image_id: String,
    /// The image as the container was created from (reference).
    pub image: String,
    /// `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`.
    pub state: String,
    /// The engine's human status (`Up 3 seconds (healthy)`).
    pub status: String,
    pub command: String,
    pub created: i64,
    pub labels: HashMap<String, String>,
    /// Engine network names the container is attached to.
    pub networks: Vec<String>,
    /// Published ports: (host ip, host port, container port, protocol).
    pub ports: Vec<(String, Option<u16>, u16, String)>,
}

impl ProjectContainer {
    fn from_summary(s: ContainerSummary) -> ProjectContainer {
        let labels = s.labels.unwrap_or_default();
        let label = |k: &str| labels.get(k).cloned().unwrap_or_default();
        let name = s
            .names
            .unwrap_or_default()
            .first()
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_default();
        let mut networks: Vec<String> = s
            .network_settings
            .and_then(|n| n.networks)
            .map(|n| n.into_keys().collect())
            .unwrap_or_default();
        networks.sort();
        let ports = s
            .ports
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                (
                    p.ip.unwrap_or_default(),
                    p.public_port,
                    p.private_port,
                    p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into()),
                )
            })
            .collect();
        ProjectContainer {
            id: s.id.unwrap_or_default(),
            name,
            service: label(labels::SERVICE),
            number: label(labels::CONTAINER_NUMBER).parse().unwrap_or(0),
            oneoff: label(labels::ONEOFF) == "True",
            config_hash: label(labels::CONFIG_HASH),
            image_id: label(labels::IMAGE),
            image: s.image.unwrap_or_default(),
            state: s.state.map(|st| st.to_string()).unwrap_or_default(),
            status: s.status.unwrap_or_default(),
            command: s.command.unwrap_or_default(),
            created: s.created.unwrap_or(0),
            labels,
            networks,
            ports,
        }
    }

    /// True while the container's process runs (paused and restarting count).
    pub fn is_running(&self) -> bool {
        matches!(self.state.as_str(), "running" | "paused" | "restarting")
    }
}

/// Every container of `project` (running or not when `all`), as Compose sees them: only
/// containers with both the project and the config-hash label.
pub async fn list(
    docker: &Docker,
    project: &str,
    all: bool,
) -> Result<Vec<ProjectContainer>, EngineError> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![
            format!("{}={project}", labels::PROJECT),
            labels::CONFIG_HASH.to_string(),
        ],
    )]);
    let found = docker
        .list_containers(Some(ListContainersOptions {
            all,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .map_err(|e| EngineError::api("listing containers", e))?;
    let mut out: Vec<ProjectContainer> = found
        .into_iter()
        .map(ProjectContainer::from_summary)
        .collect();
    out.sort_by(|a, b| {
        (a.service.as_str(), a.number, a.name.as_str()).cmp(&(
            b.service.as_str(),
            b.number,
            b.name.as_str(),
        ))
    });
    Ok(out)
}

/// Orders one service's containers as Compose picks among them: by replica number, one-off
/// (`run`) containers last.
pub fn sort_for_pick(found: &mut [ProjectContainer]) {
    found.sort_by_key(|c| (c.oneoff, c.number));
}

/// The container of `service` that commands acting on one container use (`port`, `cp`
/// out of a service): replica `index` when it is not 0, else the lowest-numbered one.
/// The errors are Compose's own words.
pub fn pick(
    found: Vec<ProjectContainer>,
    service: &str,
    index: u32,
) -> Result<ProjectContainer, EngineError> {
    let mut mine: Vec<ProjectContainer> = found
        .into_iter()
        .filter(|c| c.service == service && (index == 0 || (c.number == index && !c.oneoff)))
        .collect();
    sort_for_pick(&mut mine);
    mine.into_iter().next().ok_or_else(|| {
        EngineError::Refused(if index > 0 {
            format!("service {service:?} is not running container #{index}")
        } else {
            format!("service {service:?} is not running")
        })
    })
}
