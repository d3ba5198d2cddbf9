//! `hoist down`: stop and remove the project's containers in reverse dependency order
//! (independent ones in parallel), then its networks, and with `-v` its volumes. Works from
//! labels alone when the compose files are gone (`hoist -p NAME down`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use bollard::query_parameters::{ListNetworksOptions, ListVolumesOptions, RemoveVolumeOptions};
use tokio::task::JoinSet;

use crate::cli::DownArgs;
use crate::engine::containers::{self, ProjectContainer};
use crate::engine::error::{EngineError, api_message};
use crate::engine::labels;
use crate::engine::ops::{self, Ui, report};
use crate::ui::event::{ResourceKind, Status};

/// What `down` knows about the project: from the files when they load, else labels only.
pub struct DownTarget {
    pub name: String,
    /// service -> its dependencies (empty without files: everything stops in parallel).
    pub dependencies: BTreeMap<String, Vec<String>>,
    /// service -> stop timeout.
    pub timeouts: BTreeMap<String, Option<i32>>,
    /// The project's services (None without files: no container counts as an orphan).
    pub services: Option<BTreeSet<String>>,
    /// Named volumes declared by the files (engine names), removed with `-v`.
    pub volumes: Option<Vec<String>>,
    /// Networks declared by the files (engine names; external ones excluded).
    pub networks: Option<Vec<String>>,
    /// The services' images: (image, true when hoist names it because the service builds
    /// without `image:`), for `--rmi`.
    pub images: Vec<(String, bool)>,
}

/// Runs `down`.
pub async fn run(
    docker: &bollard::Docker,
    ui: &Ui,
    target: &DownTarget,
    args: &DownArgs,
    warnings: &mut Vec<String>,
) -> Result<(), EngineError> {
    let all = containers::list(docker, &target.name, true).await?;
    let (mine, orphans): (Vec<ProjectContainer>, Vec<ProjectContainer>) =
        all.into_iter().partition(|c| {
            target
                .services
                .as_ref()
                .is_none_or(|s| s.contains(&c.service))
                || c.oneoff
        });
    if !orphans.is_empty() && !args.remove_orphans {
        let names: Vec<&str> = orphans.iter().map(|c| c.name.as_str()).collect();
        warnings.push(format!(
            "Found orphan containers ([{}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.",
            names.join(" ")
        ));
    }
    let mut images: Vec<(String, bool)> = target.images.clone();
    if target.services.is_none() {
        // Without files, the containers' own images are the project's images.
        images.extend(mine.iter().map(|c| (c.image.clone(), false)));
    }
    let mut to_remove = mine;
    if args.remove_orphans {
        to_remove.extend(orphans);
    }
    remove_in_reverse_order(docker, ui, target, to_remove, args.timeout, args.volumes).await?;
    remove_networks(docker, ui, target).await?;
    if args.volumes {
        remove_volumes(docker, ui, target).await?;
    }
    if let Some(which) = &args.rmi {
        remove_images(docker, ui, &images, which == "all").await?;
    }
    Ok(())
}

/// Each service's containers go once every service that depends on it is gone.
async fn remove_in_reverse_order(
    docker: &bollard::Docker,
    ui: &Ui,
    target: &DownTarget,
    containers: Vec<ProjectContainer>,
    timeout: Option<i32>,
    volumes: bool,
) -> Result<(), EngineError> {
    let mut by_service: BTreeMap<String, Vec<ProjectContainer>> = BTreeMap::new();
    for c in containers {
        by_service.entry(c.service.clone()).or_default().push(c);
    }
    // dependents[s] = services that depend on s (and still have containers).
    let mut pending_dependents: BTreeMap<String, usize> =
        by_service.keys().map(|s| (s.clone(), 0)).collect();
    for (service, deps) in &target.dependencies {
        if !by_service.contains_key(service) {
            continue;
        }
        for d in deps {
            if let Some(n) = pending_dependents.get_mut(d) {
                *n += 1;
            }
        }
    }
    let mut tasks: JoinSet<(String, Result<(), EngineError>)> = JoinSet::new();
    let spawn = |tasks: &mut JoinSet<_>, service: String, list: Vec<ProjectContainer>| {
        let docker = docker.clone();
        let ui = ui.clone();
        let t = timeout.or_else(|| target.timeouts.get(&service).copied().flatten());
        tasks.spawn(async move {
            // A service's replicas go down together: ten replicas with a 10 s grace period
            // take 10 s, not 100.
            let result = ops::all_at_once(list.iter(), |c| async {
                if c.is_running() {
                    ops::stop(&docker, &ui, &c.id, &c.name, t).await?;
                }
                ops::remove(&docker, &ui, &c.id, &c.name, volumes).await
            })
            .await;
            (service, result)
        });
    };
    let ready: Vec<String> = pending_dependents
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(s, _)| s.clone())
        .collect();
    for s in ready {
        let list = by_service.remove(&s).unwrap_or_default();
        spawn(&mut tasks, s, list);
    }
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        let Ok((service, result)) = joined else {
            continue;
        };
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
        for d in target.dependencies.get(&service).into_iter().flatten() {
            if let Some(n) = pending_dependents.get_mut(d) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    if let Some(list) = by_service.remove(d) {
                        spawn(&mut tasks, d.clone(), list);
                    }
                }
            }
        }
    }
    // Anything left (a dependency cycle through labels only) goes now.
    for (s, list) in std::mem::take(&mut by_service) {
        spawn(&mut tasks, s, list);
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok((_, Err(e))) = joined {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Removes the project's networks (those the files declare, or all with the project label).
/// Engine 20.10 sometimes still reports active endpoints right after the containers are
/// gone: retry for a few seconds instead of failing.
async fn remove_networks(
    docker: &bollard::Docker,
    ui: &Ui,
    target: &DownTarget,
) -> Result<(), EngineError> {
    let listed = docker
        .list_networks(Some(ListNetworksOptions {
            filters: Some(
                [(
                    "label".to_string(),
                    vec![format!("{}={}", labels::PROJECT, target.name)],
                )]
                .into(),
            ),
        }))
        .await
        .map_err(|e| EngineError::api("listing networks", e))?;
    let names: Vec<String> = listed
        .into_iter()
        .filter_map(|n| n.name)
        .filter(|n| {
            target
                .networks
                .as_ref()
                .is_none_or(|declared| declared.contains(n))
        })
        .collect();
    for name in names {
        report(
            ui,
            ResourceKind::Network,
            &name,
            Status::Working,
            "Removing",
        );
        let mut attempt = 0;
        loop {
            match docker.remove_network(&name).await {
                Ok(()) => break,
                Err(e) if EngineError::is_not_found(&e) => break,
                Err(e) if api_message(&e).contains("active endpoints") && attempt < 20 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => {
                    ops::report_error(ui, ResourceKind::Network, &name, &api_message(&e));
                    return Err(EngineError::api(format!("removing network {name}"), e));
                }
            }
        }
        report(ui, ResourceKind::Network, &name, Status::Done, "Removed");
    }
    Ok(())
}

async fn remove_volumes(
    docker: &bollard::Docker,
    ui: &Ui,
    target: &DownTarget,
) -> Result<(), EngineError> {
    let listed = docker
        .list_volumes(Some(ListVolumesOptions {
            filters: Some(
                [(
                    "label".to_string(),
                    vec![format!("{}={}", labels::PROJECT, target.name)],
                )]
                .into(),
            ),
        }))
        .await
        .map_err(|e| EngineError::api("listing volumes", e))?;
    let names: Vec<String> = listed
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.name)
        .filter(|n| {
            target
                .volumes
                .as_ref()
                .is_none_or(|declared| declared.contains(n))
        })
        .collect();
    for name in names {
        report(ui, ResourceKind::Volume, &name, Status::Working, "Removing");
        match docker
            .remove_volume(&name, None::<RemoveVolumeOptions>)
            .await
        {
            Ok(()) => {}
            Err(e) if EngineError::is_not_found(&e) => {}
            Err(e) => {
                ops::report_error(ui, ResourceKind::Volume, &name, &api_message(&e));
                return Err(EngineError::api(format!("removing volume {name}"), e));
            }
        }
        report(ui, ResourceKind::Volume, &name, Status::Done, "Removed");
    }
    Ok(())
}

/// `--rmi local` removes the images hoist names itself (services that build without
/// `image:`); `--rmi all` every image of the services. An image still used elsewhere or
/// already gone is skipped, as Compose does.
async fn remove_images(
    docker: &bollard::Docker,
    ui: &Ui,
    images: &[(String, bool)],
    all: bool,
) -> Result<(), EngineError> {
    let mut seen = BTreeSet::new();
    for (image, local) in images {
        if !(all || *local) || image.is_empty() || !seen.insert(image.clone()) {
            continue;
        }
        report(ui, ResourceKind::Image, image, Status::Working, "Removing");
        match docker
            .remove_image(
                image,
                None::<bollard::query_parameters::RemoveImageOptions>,
                None,
            )
            .await
        {
            Ok(_) => report(ui, ResourceKind::Image, image, Status::Done, "Removed"),
            Err(e) if EngineError::is_not_found(&e) => {
                report(ui, ResourceKind::Image, image, Status::Warning, "Not found")
            }
            Err(e)
                if api_message(&e).contains("is being used")
                    || api_message(&e).contains("conflict") =>
            {
                report(ui, ResourceKind::Image, image, Status::Warning, "In use")
            }
            Err(e) => {
                ops::report_error(ui, ResourceKind::Image, image, &api_message(&e));
                return Err(EngineError::api(format!("removing image {image}"), e));
            }
        }
    }
    Ok(())
}

/// `down`'s view of a loaded project.
pub fn target_of(project: &crate::compose::model::Project) -> DownTarget {
    DownTarget {
        name: project.name.clone(),
        dependencies: project
            .services
            .iter()
            .map(|(n, s)| (n.clone(), s.depends_on.keys().cloned().collect()))
            .collect(),
        timeouts: project
            .services
            .iter()
            .map(|(n, s)| (n.clone(), super::up::stop_timeout(s)))
            .collect(),
        services: Some(project.services.keys().cloned().collect()),
        volumes: Some(
            project
                .volumes
                .values()
                .filter(|v| !v.external)
                .map(|v| v.name.clone())
                .collect(),
        ),
        networks: Some(
            project
                .networks
                .values()
                .filter(|n| !n.external)
                .map(|n| n.name.clone())
                .collect(),
        ),
        images: project
            .services
            .values()
            .map(|s| {
                (
                    crate::engine::spec::image_name(&project.name, s),
                    s.image.is_empty(),
                )
            })
            .collect(),
    }
}

/// `down` without files: everything labelled with the project name.
pub fn target_from_labels(name: &str) -> DownTarget {
    DownTarget {
        name: name.to_string(),
        dependencies: BTreeMap::new(),
        timeouts: BTreeMap::new(),
        services: None,
        volumes: None,
        networks: None,
        images: Vec::new(),
    }
}
