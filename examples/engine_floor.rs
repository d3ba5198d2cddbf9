//! The engine floor for `bench/run`: the fastest a tool could bring a project up or down on
//! this engine, measured by doing the same engine work straight through the API with as much
//! parallelism as the dependencies allow and nothing else (no file loading, no inspects before
//! creating, no convergence, no progress output).
//!
//! `up SPEC [--wait]` reads a spec written by `bench/run` from the containers Docker Compose
//! created for the scenario (their create bodies, extra networks and `depends_on`), then: all
//! networks and volumes at once; all containers created at once; each container started the
//! moment its service's `depends_on` conditions hold (learned from the engine's events
//! stream); returns when every container has been started, or, with `--wait`, when every
//! container is running (and healthy when it has a healthcheck; a one-shot job that others
//! wait on with `service_completed_successfully` may instead have exited 0).
//!
//! `pull IMAGE...` pulls every image at once (one `/images/create` stream each, read to the end).
//!
//! `down PROJECT` stops every container of the project at once (the engine's stop, with its
//! SIGTERM and timeout), removes them at once, then the project's networks; volumes stay, as
//! with `down` without `-v`.
//!
//! Run: `cargo run --release --example engine_floor -- up spec.json --wait`.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, EndpointSettings, NetworkConnectRequest, NetworkCreateRequest,
    VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, EventsOptions, ListContainersOptions,
    ListNetworksOptions, RemoveContainerOptions, StartContainerOptions, StopContainerOptions,
};
use futures_util::StreamExt;
use futures_util::future::join_all;
use serde::Deserialize;
use tokio::sync::mpsc;

const PROJECT_LABEL: &str = "com.docker.compose.project";

/// What `bench/run` writes: the project's resources as the engine's create requests.
#[derive(Deserialize)]
struct Spec {
    project: String,
    networks: Vec<NetworkCreateRequest>,
    volumes: Vec<VolumeCreateRequest>,
    containers: Vec<ContainerSpec>,
}

#[derive(Deserialize)]
struct ContainerSpec {
    name: String,
    service: String,
    body: ContainerCreateBody,
    /// Networks joined after creation (API 1.41 takes one at creation).
    #[serde(default)]
    connect: Vec<(String, EndpointSettings)>,
    /// `(service, condition)` pairs, from Compose's `com.docker.compose.depends_on` label.
    #[serde(default)]
    depends_on: Vec<(String, String)>,
}

type Failure = String;

fn api(action: &str, e: bollard::errors::Error) -> Failure {
    format!("{action}: {e}")
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["up", spec] => up(spec, false).await,
        ["up", spec, "--wait"] => up(spec, true).await,
        ["down", project] => down(project).await,
        ["pull", images @ ..] if !images.is_empty() => pull(images).await,
        _ => Err("usage: engine_floor up SPEC.json [--wait] | down PROJECT | pull IMAGE...".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("engine_floor: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn connect() -> Result<Docker, Failure> {
    let docker = Docker::connect_with_defaults().map_err(|e| api("connecting", e))?;
    docker
        .negotiate_version()
        .await
        .map_err(|e| api("negotiating the API version", e))
}

/// Where a container stands, as far as its dependents and `--wait` care.
#[derive(Clone, Copy, Default)]
struct State {
    started: bool,
    healthy: bool,
    exit_code: Option<i64>,
}

async fn up(spec_path: &str, wait: bool) -> Result<(), Failure> {
    let text = std::fs::read_to_string(spec_path).map_err(|e| format!("{spec_path}: {e}"))?;
    let spec: Spec = serde_json::from_str(&text).map_err(|e| format!("{spec_path}: {e}"))?;
    let clock = std::time::Instant::now();
    let trace = |what: &str| {
        if std::env::var_os("FLOOR_TRACE").is_some() {
            eprintln!("{:8.1} ms  {what}", clock.elapsed().as_secs_f64() * 1000.0);
        }
    };
    let docker = connect().await?;
    trace("connected");

    // Subscribe first; `since` replays what happens before the subscription reaches the daemon.
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs().saturating_sub(1))
        .unwrap_or(0);
    let filters = HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        (
            "label".to_string(),
            vec![format!("{PROJECT_LABEL}={}", spec.project)],
        ),
    ]);
    let mut events = docker.events(Some(EventsOptions {
        since: Some(since.to_string()),
        filters: Some(filters),
        ..Default::default()
    }));

    // Networks and volumes all at once, in one batch (what the module doc promises).
    let networks = join_all(spec.networks.iter().map(|n| {
        let docker = docker.clone();
        async move {
            docker
                .create_network(n.clone())
                .await
                .map(drop)
                .map_err(|e| api(&format!("creating network {}", n.name), e))
        }
    }));
    let volumes = join_all(spec.volumes.iter().map(|v| {
        let docker = docker.clone();
        async move {
            docker
                .create_volume(v.clone())
                .await
                .map(drop)
                .map_err(|e| api("creating a volume", e))
        }
    }));
    let (networks, volumes) = futures_util::future::join(networks, volumes).await;
    networks
        .into_iter()
        .chain(volumes)
        .collect::<Result<Vec<()>, _>>()?;
    trace("networks and volumes created");

    let ids = join_all(spec.containers.iter().map(|c| {
        let docker = docker.clone();
        async move {
            let id = docker
                .create_container(
                    Some(CreateContainerOptions {
                        name: Some(c.name.clone()),
                        platform: String::new(),
                    }),
                    c.body.clone(),
                )
                .await
                .map_err(|e| api(&format!("creating container {}", c.name), e))?
                .id;
            for (network, endpoint) in &c.connect {
                docker
                    .connect_network(
                        network,
                        NetworkConnectRequest {
                            container: id.clone(),
                            endpoint_config: Some(endpoint.clone()),
                        },
                    )
                    .await
                    .map_err(|e| api(&format!("connecting {} to {network}", c.name), e))?;
            }
            Ok::<String, Failure>(id)
        }
    }))
    .await
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?;
    trace("containers created");

    let by_id: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut states = vec![State::default(); ids.len()];
    let mut launched = vec![false; ids.len()];
    // Services others wait on to complete: for `--wait`, exiting 0 is their way to be ready.
    let jobs: HashSet<&str> = spec
        .containers
        .iter()
        .flat_map(|c| c.depends_on.iter())
        .filter(|(_, cond)| cond == "service_completed_successfully")
        .map(|(s, _)| s.as_str())
        .collect();
    let has_healthcheck: Vec<bool> = spec
        .containers
        .iter()
        .map(|c| {
            c.body
                .healthcheck
                .as_ref()
                .and_then(|h| h.test.as_ref())
                .is_some_and(|t| !t.is_empty() && t[0] != "NONE")
        })
        .collect();

    let (started_tx, mut started_rx) = mpsc::unbounded_channel::<Result<usize, Failure>>();
    let mut in_flight = 0usize;
    loop {
        // Start whatever has become startable.
        for i in 0..ids.len() {
            if launched[i] || !deps_hold(&spec, &states, &spec.containers[i].depends_on) {
                continue;
            }
            launched[i] = true;
            in_flight += 1;
            let docker = docker.clone();
            let id = ids[i].clone();
            let name = spec.containers[i].name.clone();
            let tx = started_tx.clone();
            tokio::spawn(async move {
                let r = docker
                    .start_container(&id, None::<StartContainerOptions>)
                    .await
                    .map(|()| i)
                    .map_err(|e| api(&format!("starting {name}"), e));
                let _ = tx.send(r);
            });
        }
        let all_launched = launched.iter().all(|l| *l);
        if all_launched && in_flight == 0 {
            let ready = |i: usize| {
                let s = states[i];
                if jobs.contains(spec.containers[i].service.as_str()) && s.exit_code == Some(0) {
                    return true;
                }
                s.started && s.exit_code.is_none() && (!has_healthcheck[i] || s.healthy)
            };
            if !wait || (0..ids.len()).all(ready) {
                trace("done");
                return Ok(());
            }
        }
        tokio::select! {
            Some(result) = started_rx.recv() => {
                let i = result?;
                in_flight -= 1;
                states[i].started = true;
                trace(&format!("started {}", spec.containers[i].name));
            }
            event = events.next() => {
                let Some(event) = event else {
                    return Err("the engine closed the events stream".into());
                };
                let event = event.map_err(|e| api("reading events", e))?;
                let (Some(action), Some(actor)) = (event.action, event.actor) else { continue };
                let Some(&i) = actor.id.as_deref().and_then(|id| by_id.get(id)) else { continue };
                let attrs = actor.attributes.unwrap_or_default();
                let state = &mut states[i];
                match action.as_str() {
                    "start" => state.started = true,
                    "die" => {
                        state.exit_code =
                            Some(attrs.get("exitCode").and_then(|c| c.parse().ok()).unwrap_or(-1));
                        let job = jobs.contains(spec.containers[i].service.as_str());
                        if !(job && state.exit_code == Some(0)) {
                            return Err(format!(
                                "{} exited ({})",
                                spec.containers[i].name,
                                state.exit_code.unwrap_or(-1)
                            ));
                        }
                    }
                    "health_status: healthy" => state.healthy = true,
                    "health_status: unhealthy" => {
                        return Err(format!("{} is unhealthy", spec.containers[i].name));
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Whether every `(service, condition)` holds for all the containers of that service.
fn deps_hold(spec: &Spec, states: &[State], deps: &[(String, String)]) -> bool {
    for (service, condition) in deps {
        for (i, c) in spec.containers.iter().enumerate() {
            if &c.service != service {
                continue;
            }
            let s = states[i];
            let holds = match condition.as_str() {
                "service_healthy" => s.healthy,
                "service_completed_successfully" => s.exit_code == Some(0),
                _ => s.started,
            };
            if !holds {
                return false;
            }
        }
    }
    true
}

async fn down(project: &str) -> Result<(), Failure> {
    let docker = connect().await?;
    let label = HashMap::from([(
        "label".to_string(),
        vec![format!("{PROJECT_LABEL}={project}")],
    )]);
    let containers = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(label.clone()),
            ..Default::default()
        }))
        .await
        .map_err(|e| api("listing containers", e))?;
    let removed = join_all(containers.iter().filter_map(|c| c.id.clone()).map(|id| {
        let docker = docker.clone();
        async move {
            match docker
                .stop_container(&id, None::<StopContainerOptions>)
                .await
            {
                Ok(()) => {}
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 304, ..
                }) => {}
                Err(e) => return Err(api("stopping a container", e)),
            }
            docker
                .remove_container(&id, None::<RemoveContainerOptions>)
                .await
                .map_err(|e| api("removing a container", e))
        }
    }))
    .await;
    removed.into_iter().collect::<Result<Vec<_>, _>>()?;
    let networks = docker
        .list_networks(Some(ListNetworksOptions {
            filters: Some(label),
        }))
        .await
        .map_err(|e| api("listing networks", e))?;
    let removed = join_all(networks.iter().filter_map(|n| n.name.clone()).map(|name| {
        let docker = docker.clone();
        async move {
            // Engine 20.10 may still count endpoints of containers it has just removed:
            // retry for a while, as the tools do.
            let mut tries = 0;
            loop {
                match docker.remove_network(&name).await {
                    Ok(()) => return Ok(()),
                    Err(e) if tries < 100 && e.to_string().contains("active endpoints") => {
                        tries += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                    Err(e) => return Err(api(&format!("removing network {name}"), e)),
                }
            }
        }
    }))
    .await;
    removed.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(())
}

async fn pull(images: &[&str]) -> Result<(), Failure> {
    let docker = connect().await?;
    let pulled = join_all(images.iter().map(|image| {
        let docker = docker.clone();
        async move {
            let (name, tag) = match image.rsplit_once(':') {
                Some((n, t)) if !t.contains('/') => (n, t),
                _ => (*image, "latest"),
            };
            let mut stream = docker.create_image(
                Some(CreateImageOptions {
                    from_image: Some(name.to_string()),
                    tag: Some(tag.to_string()),
                    ..Default::default()
                }),
                None,
                None,
            );
            while let Some(info) = stream.next().await {
                let info = info.map_err(|e| api(&format!("pulling {image}"), e))?;
                if let Some(detail) = info.error_detail {
                    return Err(format!(
                        "pulling {image}: {}",
                        detail.message.unwrap_or_default()
                    ));
                }
            }
            Ok(())
        }
    }))
    .await;
    pulled.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(())
}
