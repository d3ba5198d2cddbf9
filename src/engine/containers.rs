//! The project's containers as the engine lists them, found by their Compose labels.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::ContainerSummary;
use bollard::query_parameters::ListContainersOptions;

use super::error::EngineError;
use super::labels;

/// A container that belongs to a project.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    found.sort_by_key(pick_order);
}

fn pick_order(c: &ProjectContainer) -> (bool, u32) {
    (c.oneoff, c.number)
}

/// The container of `service` that commands acting on one container use (`exec`,
/// `attach`, `port`, `cp` out of a service), as Compose picks it from `running`: replica
/// `index` when it is not 0, else the lowest-numbered replica, one-off containers last.
pub fn pick(
    running: &[ProjectContainer],
    service: &str,
    index: u32,
) -> Result<ProjectContainer, EngineError> {
    let mut candidates: Vec<&ProjectContainer> = running
        .iter()
        .filter(|c| c.service == service && (index == 0 || (c.number == index && !c.oneoff)))
        .collect();
    candidates.sort_by_key(|c| pick_order(c));
    candidates
        .first()
        .map(|c| (*c).clone())
        .ok_or_else(|| EngineError::NotRunning {
            service: service.to_string(),
            index,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str, number: u32, oneoff: bool) -> ProjectContainer {
        ProjectContainer {
            id: name.into(),
            name: name.into(),
            service: "web".into(),
            number,
            oneoff,
            state: "running".into(),
            ..ProjectContainer::default()
        }
    }

    #[test]
    fn pick_prefers_the_lowest_replica_and_one_offs_last() {
        let list = vec![
            container("p-web-run-abc", 0, true),
            container("p-web-2", 2, false),
            container("p-web-1", 1, false),
        ];
        assert_eq!(pick(&list, "web", 0).unwrap().name, "p-web-1");
        assert_eq!(pick(&list, "web", 2).unwrap().name, "p-web-2");
        assert_eq!(pick(&list[..1], "web", 0).unwrap().name, "p-web-run-abc");
    }

    #[test]
    fn pick_says_which_replica_is_not_running() {
        let list = vec![container("p-web-1", 1, false)];
        let e = pick(&list, "web", 3).unwrap_err().to_string();
        assert_eq!(e, "service \"web\" is not running container #3");
        let e = pick(&list, "db", 0).unwrap_err().to_string();
        assert_eq!(e, "service \"db\" is not running");
    }
}
