//! The project's networks and named volumes on the engine: created with Docker Compose's
//! names, labels and config hash (so each tool adopts the other's), checked when external,
//! removed on `down`.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{InspectNetworkOptions, ListNetworksOptions};

use super::error::{EngineError, api_message};
use super::labels;
use crate::compose::model::{NetworkConfig, VolumeConfig};

/// What happened to a resource, for progress output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Existed,
}

fn engine_map(m: crate::compose::model::Mapping) -> HashMap<String, String> {
    m.into_iter().collect()
}

/// Makes sure network `key` exists: external ones must already exist; others are created
/// unless a network with that name is there already.
pub async fn ensure_network(
    docker: &Docker,
    project: &str,
    key: &str,
    n: &NetworkConfig,
    warnings: &mut Vec<String>,
    announce: impl FnOnce(),
) -> Result<Outcome, EngineError> {
    match docker
        .inspect_network(&n.name, None::<InspectNetworkOptions>)
        .await
    {
        Ok(found)
            if found.name.as_deref() == Some(&n.name) || found.id.as_deref() == Some(&n.name) =>
        {
            if !n.external {
                let found_labels = found.labels.unwrap_or_default();
                match found_labels.get(labels::PROJECT) {
                    None => warnings.push(format!(
                        "a network with name {} exists but was not created by compose.\nSet `external: true` to use an existing network",
                        n.name
                    )),
                    Some(p) if p != project => warnings.push(format!(
                        "a network with name {} exists but was not created for project \"{project}\".\nSet `external: true` to use an existing network",
                        n.name
                    )),
                    Some(_) => {}
                }
            }
            return Ok(Outcome::Existed);
        }
        Ok(_) => {}
        Err(e) if EngineError::is_not_found(&e) => {}
        Err(e) => {
            return Err(EngineError::api(
                format!("inspecting network {}", n.name),
                e,
            ));
        }
    }
    if n.external {
        return Err(EngineError::Api {
            action: format!("network {}", n.name),
            message: format!(
                "network {} declared as external, but could not be found",
                n.name
            ),
        });
    }
    // Networks are matched by exact name: list to make sure a prefix match did not hide one.
    let listed = docker
        .list_networks(Some(ListNetworksOptions {
            filters: Some(HashMap::from([("name".to_string(), vec![n.name.clone()])])),
        }))
        .await
        .map_err(|e| EngineError::api(format!("listing networks named {}", n.name), e))?;
    if listed.iter().any(|l| l.name.as_deref() == Some(&n.name)) {
        return Ok(Outcome::Existed);
    }

    let ipam = (!n.ipam.driver.is_empty() || !n.ipam.config.is_empty()).then(|| Ipam {
        driver: (!n.ipam.driver.is_empty()).then(|| n.ipam.driver.clone()),
        config: Some(
            n.ipam
                .config
                .iter()
                .map(|p| IpamConfig {
                    subnet: (!p.subnet.is_empty()).then(|| p.subnet.clone()),
                    ip_range: (!p.ip_range.is_empty()).then(|| p.ip_range.clone()),
                    gateway: (!p.gateway.is_empty()).then(|| p.gateway.clone()),
                    auxiliary_addresses: (!p.aux_addresses.is_empty()).then(|| {
                        p.aux_addresses
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    }),
                })
                .collect(),
        ),
        options: None,
    });
    announce();
    let request = NetworkCreateRequest {
        name: n.name.clone(),
        driver: (!n.driver.is_empty()).then(|| n.driver.clone()),
        internal: Some(n.internal),
        attachable: Some(n.attachable),
        ipam,
        enable_ipv6: n.enable_ipv6,
        enable_ipv4: n.enable_ipv4,
        options: Some(engine_map(n.driver_opts.clone())),
        labels: Some(engine_map(labels::network_labels(project, key, n))),
        ..Default::default()
    };
    match docker.create_network(request).await {
        Ok(_) => Ok(Outcome::Created),
        // Another `up` of the same project may have created it meanwhile.
        Err(e) if api_message(&e).contains("already exists") => Ok(Outcome::Existed),
        Err(e) => Err(EngineError::api(
            format!("failed to create network {}", n.name),
            e,
        )),
    }
}

/// Makes sure volume `key` exists (external ones must already exist).
pub async fn ensure_volume(
    docker: &Docker,
    project: &str,
    key: &str,
    v: &VolumeConfig,
    warnings: &mut Vec<String>,
) -> Result<Outcome, EngineError> {
    match docker.inspect_volume(&v.name).await {
        Ok(found) => {
            if !v.external
                && found
                    .labels
                    .get(labels::PROJECT)
                    .is_some_and(|p| p != project)
            {
                warnings.push(format!(
                    "volume \"{}\" already exists but was created for project \"{}\" (expected \"{project}\"). Use `external: true` to use an existing volume",
                    v.name,
                    found.labels.get(labels::PROJECT).cloned().unwrap_or_default()
                ));
            }
            return Ok(Outcome::Existed);
        }
        Err(e) if EngineError::is_not_found(&e) => {}
        Err(e) => return Err(EngineError::api(format!("inspecting volume {}", v.name), e)),
    }
    if v.external {
        return Err(EngineError::Api {
            action: format!("volume {}", v.name),
            message: format!("external volume \"{}\" not found", v.name),
        });
    }
    let request = VolumeCreateRequest {
        name: Some(v.name.clone()),
        driver: (!v.driver.is_empty()).then(|| v.driver.clone()),
        // Compose sends null for no options: `{}` would show in inspect.
        driver_opts: (!v.driver_opts.is_empty()).then(|| engine_map(v.driver_opts.clone())),
        labels: Some(engine_map(labels::volume_labels(project, key, v))),
        ..Default::default()
    };
    docker
        .create_volume(request)
        .await
        .map_err(|e| EngineError::api(format!("failed to create volume {}", v.name), e))?;
    Ok(Outcome::Created)
}
