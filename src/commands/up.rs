//! `hoist up`: converge the project's containers, then start each service the moment its
//! own dependencies are satisfied — no level barriers, no global lock, readiness from the
//! engine's events (and, with `--readiness probe`, from hoist running the healthchecks).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::cli::{Readiness, UpArgs};
use crate::compose::model::ServiceConfig;
use crate::engine::containers::{self, ProjectContainer};
use crate::engine::error::EngineError;
use crate::engine::labels;
use crate::engine::ops::{self, report};
use crate::engine::probe::Prober;
use crate::engine::project::Session;
use crate::engine::resources::{self, Outcome};
use crate::engine::spec::{self, CreateOptions, Inherit, InheritedMount, PeerContainer, Peers};
use crate::engine::watch::{ContainerState, Health, Watcher};
use crate::plan::converge::{self, Action, Desired, RecreatePolicy};
use crate::plan::graph::{Dependency, Graph};
use crate::plan::images::LocalImage;
use crate::ui::event::{ResourceKind, Status};

/// How far a service has come, as its dependents see it.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Pending,
    /// Containers exist (id, name), not started yet.
    Created(Vec<(String, String)>),
    /// Containers exist and wait for a dependency to be healthy or to complete: what ranks
    /// lower need not wait for this service's start.
    Waiting(Vec<(String, String)>),
    /// Containers were started (or were running already); `true` when this `up` created
    /// or recreated any of them (dependents with `restart: true` restart then).
    Started(Vec<(String, String)>, bool),
    /// The service could not be brought up; dependents fail or skip it.
    Failed(String),
}

/// A service job's result: its containers as (id, name).
type ServiceResult = Result<Vec<(String, String)>, EngineError>;

/// The outcome of `up`: the services' containers, for `--wait` and attached mode.
pub struct Started {
    pub containers: BTreeMap<String, Vec<(String, String)>>,
    pub watcher: Watcher,
    /// The healthcheck probes still running (`--readiness probe`); dropping stops them.
    pub prober: Option<Arc<Prober>>,
}

/// Runs `up` (detached part): resources, convergence, dependency-ordered start.
pub async fn converge_and_start(
    session: Arc<Session>,
    args: &UpArgs,
    disabled: &BTreeSet<String>,
    known: &BTreeMap<String, LocalImage>,
    warnings: &mut Vec<String>,
) -> Result<Started, EngineError> {
    let graph = Graph::of(&session.project);
    let targets = graph.select(&args.services, !args.no_deps);
    let scales = parse_scales(&args.scale)?;

    let watcher = Watcher::start(&session.docker, session.name()).await?;
    let prober = (args.readiness == Readiness::Probe)
        .then(|| Arc::new(Prober::new(session.docker.clone(), watcher.clone())));
    let gated = health_gated(&session, &graph, &targets, args.wait);
    let existing = containers::list(&session.docker, session.name(), true).await?;
    handle_orphans(&session, &existing, disabled, args.remove_orphans, warnings).await?;
    ensure_resources(&session, &targets, warnings).await?;

    let policy = if args.force_recreate {
        RecreatePolicy::Always
    } else if args.no_recreate {
        RecreatePolicy::Never
    } else {
        RecreatePolicy::Diverged
    };
    let mut channels: HashMap<String, (watch::Sender<Phase>, watch::Receiver<Phase>)> = targets
        .iter()
        .map(|s| (s.clone(), watch::channel(Phase::Pending)))
        .collect();
    let receivers: Arc<HashMap<String, watch::Receiver<Phase>>> = Arc::new(
        channels
            .iter()
            .map(|(k, (_, rx))| (k.clone(), rx.clone()))
            .collect(),
    );
    let base_peers = Arc::new(peers_of(&existing));
    let ranks = graph.ranks(&targets);
    let images = Arc::new(image_ids(&session, &targets, known).await);
    let mut tasks: JoinSet<(String, ServiceResult)> = JoinSet::new();
    for name in &targets {
        let Some((tx, _)) = channels.remove(name) else {
            continue;
        };
        let deps: Vec<Dependency> = graph
            .dependencies(name)
            .iter()
            .filter(|d| targets.contains(&d.service))
            .cloned()
            .collect();
        let own: Vec<ProjectContainer> = existing
            .iter()
            .filter(|c| c.service == *name && !c.oneoff)
            .cloned()
            .collect();
        let rank = ranks.get(name).copied().unwrap_or(0);
        let ahead: Vec<String> = ranks
            .iter()
            .filter(|(other, r)| **r > rank && *other != name)
            .map(|(other, _)| other.clone())
            .collect();
        let job = ServiceJob {
            ahead,
            session: session.clone(),
            watcher: watcher.clone(),
            name: name.clone(),
            deps,
            existing: own,
            policy,
            scale: scales.get(name).copied(),
            no_start: args.no_start,
            renew_anon_volumes: args.renew_anon_volumes,
            receivers: receivers.clone(),
            base_peers: base_peers.clone(),
            images: images.clone(),
            prober: prober.clone().filter(|_| gated.contains(name)),
        };
        tasks.spawn(async move {
            let result = job.run(&tx).await;
            if let Err(e) = &result {
                let _ = tx.send(Phase::Failed(e.to_string()));
            }
            (job.name, result)
        });
    }
    let mut containers = BTreeMap::new();
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((name, Ok(list))) => {
                containers.insert(name, list);
            }
            Ok((_, Err(e))) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(EngineError::Api {
                    action: "up".into(),
                    message: e.to_string(),
                });
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(Started {
            containers,
            watcher,
            prober,
        }),
    }
}

/// True when the service has a healthcheck that is not disabled (`disable: true` or `NONE`).
fn has_healthcheck(service: &ServiceConfig) -> bool {
    service
        .healthcheck
        .as_ref()
        .is_some_and(|h| !h.disable && h.test.first().map(String::as_str) != Some("NONE"))
}

/// The target services whose health gates something in this `up`: a target waits on them
/// with `service_healthy`, or `--wait` waits on every one. Only these are probed.
fn health_gated(
    session: &Session,
    graph: &Graph,
    targets: &BTreeSet<String>,
    wait: bool,
) -> BTreeSet<String> {
    let awaited = graph.awaited_with("service_healthy", targets.iter().map(String::as_str));
    targets
        .iter()
        .filter(|t| wait || awaited.contains(*t))
        .filter(|t| session.service(t).is_some_and(has_healthcheck))
        .cloned()
        .collect()
}

/// The image ID of every target service: from `known` (what `ensure_images` already
/// inspected), else each distinct image inspected once, all in parallel. A failure is kept
/// as text; the service's own job reports it in context.
async fn image_ids(
    session: &Session,
    targets: &BTreeSet<String>,
    known: &BTreeMap<String, LocalImage>,
) -> HashMap<String, Result<String, String>> {
    let mut by_image: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in targets {
        if let Some(s) = session.service(name) {
            by_image
                .entry(session.image_of(s))
                .or_default()
                .push(name.clone());
        }
    }
    let lookups = by_image.into_iter().map(|(image, services)| async move {
        let id = match known.get(&image) {
            Some(local) => Ok(local.id.clone()),
            None => match session.docker.inspect_image(&image).await {
                Ok(found) => Ok(found.id.unwrap_or_default()),
                Err(e) => Err(crate::engine::error::api_message(&e)),
            },
        };
        (services, id)
    });
    let mut out = HashMap::new();
    for (services, id) in futures_util::future::join_all(lookups).await {
        for s in services {
            out.insert(s, id.clone());
        }
    }
    out
}

/// Existing non-one-off containers by service, in the engine's list order.
pub fn peers_of(existing: &[ProjectContainer]) -> Peers {
    let mut peers = Peers::default();
    for c in existing.iter().filter(|c| !c.oneoff) {
        peers
            .services
            .entry(c.service.clone())
            .or_default()
            .push(PeerContainer {
                id: c.id.clone(),
                name: c.name.clone(),
            });
    }
    peers
}

/// The `com.docker.compose.replace` value: what the new container takes the place of.
fn replace_label(service: &ServiceConfig, number: u32) -> String {
    if service.container_name.is_empty() {
        format!("{}-{number}", service.name)
    } else {
        service.container_name.clone()
    }
}

/// Creates one container of `service` named `name` from the spec `opts` describe (joining
/// its networks, copying its inline secrets and configs), reporting to `ui`. `up` and
/// `run` both create their containers here.
pub async fn create_container(
    session: &Session,
    ui: &crate::engine::ops::Ui,
    service: &ServiceConfig,
    name: &str,
    image_id: &str,
    opts: &CreateOptions<'_>,
) -> Result<String, EngineError> {
    let ctx = session.spec_context();
    let body = spec::create_body_with(&ctx, service, image_id, opts)
        .map_err(|e| spec_error(service, e))?;
    let extras = ops::CreateExtras {
        platform: spec::platform(&ctx, service).map_err(|e| spec_error(service, e))?,
        to_connect: spec::endpoints_to_connect(&ctx, service, opts)
            .map_err(|e| spec_error(service, e))?,
        files: spec::file_injections(&ctx, service)
            .map_err(|e| spec_error(service, e))?
            .iter()
            .map(|f| f.tar(0))
            .collect::<Result<_, _>>()
            .map_err(|e| spec_error(service, e))?,
    };
    ops::create(&session.docker, ui, name, body, extras, &service.name).await
}

fn spec_error(service: &ServiceConfig, e: spec::SpecError) -> EngineError {
    EngineError::Api {
        action: format!("service {:?}", service.name),
        message: e.to_string(),
    }
}

/// The mounts of the container being replaced and the volumes its image declares: the
/// spec keeps its anonymous volumes.
async fn inherited_mounts(
    session: &Session,
    old_id: &str,
    image_id: &str,
) -> Result<Inherit, EngineError> {
    let info = session
        .docker
        .inspect_container(
            old_id,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .map_err(|e| EngineError::api(format!("inspecting container {old_id}"), e))?;
    let mounts = info
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(|m| InheritedMount {
            typ: m.typ.map(|t| t.to_string()).unwrap_or_default(),
            name: m.name.unwrap_or_default(),
            source: m.source.unwrap_or_default(),
            destination: m.destination.unwrap_or_default(),
            rw: m.rw.unwrap_or(true),
        })
        .collect();
    let image_volumes = match session.docker.inspect_image(image_id).await {
        Ok(img) => img
            .config
            .and_then(|c| c.volumes)
            .map(|v| v.into_iter().collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    Ok(Inherit {
        mounts,
        image_volumes,
    })
}

fn parse_scales(specs: &[String]) -> Result<HashMap<String, u32>, EngineError> {
    specs
        .iter()
        .map(|s| {
            let (name, n) = s.split_once('=').ok_or_else(|| EngineError::Api {
                action: "--scale".into(),
                message: format!("invalid --scale {s:?}: expected SERVICE=NUM"),
            })?;
            let n: u32 = n.parse().map_err(|_| EngineError::Api {
                action: "--scale".into(),
                message: format!("invalid --scale {s:?}: {n:?} is not a number"),
            })?;
            Ok((name.to_string(), n))
        })
        .collect()
}

/// Containers whose service is gone from the files: warned about, or removed.
async fn handle_orphans(
    session: &Session,
    existing: &[ProjectContainer],
    disabled: &BTreeSet<String>,
    remove: bool,
    warnings: &mut Vec<String>,
) -> Result<(), EngineError> {
    let orphans: Vec<&ProjectContainer> = existing
        .iter()
        .filter(|c| {
            !c.oneoff && session.service(&c.service).is_none() && !disabled.contains(&c.service)
        })
        .collect();
    if orphans.is_empty() {
        return Ok(());
    }
    if remove {
        for c in orphans {
            ops::stop(&session.docker, &session.ui, &c.id, &c.name, None).await?;
            ops::remove(&session.docker, &session.ui, &c.id, &c.name, false).await?;
        }
    } else {
        let names: Vec<&str> = orphans.iter().map(|c| c.name.as_str()).collect();
        warnings.push(format!(
            "Found orphan containers ([{}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.",
            names.join(" ")
        ));
    }
    Ok(())
}

/// Creates the networks and volumes the target services use (in parallel).
pub async fn ensure_resources(
    session: &Arc<Session>,
    targets: &BTreeSet<String>,
    warnings: &mut Vec<String>,
) -> Result<(), EngineError> {
    let mut networks: BTreeSet<&str> = BTreeSet::new();
    let mut volumes: BTreeSet<&str> = BTreeSet::new();
    for name in targets {
        let Some(s) = session.service(name) else {
            continue;
        };
        networks.extend(s.networks.keys().map(String::as_str));
        volumes.extend(
            s.volumes
                .iter()
                .filter(|v| v.r#type == "volume" && !v.source.is_empty())
                .map(|v| v.source.as_str()),
        );
    }
    let mut tasks: JoinSet<Result<Vec<String>, EngineError>> = JoinSet::new();
    for key in networks {
        let Some(n) = session.project.networks.get(key).cloned() else {
            continue;
        };
        let (session, key) = (session.clone(), key.to_string());
        tasks.spawn(async move {
            let mut w = Vec::new();
            // "Creating" only for a network that is really about to be created, as Compose.
            let announce = || {
                report(
                    &session.ui,
                    ResourceKind::Network,
                    &n.name,
                    Status::Working,
                    "Creating",
                )
            };
            let outcome = resources::ensure_network(
                &session.docker,
                session.name(),
                &key,
                &n,
                &mut w,
                announce,
            )
            .await?;
            if outcome == Outcome::Created {
                report(
                    &session.ui,
                    ResourceKind::Network,
                    &n.name,
                    Status::Done,
                    "Created",
                );
            }
            Ok(w)
        });
    }
    for key in volumes {
        let Some(v) = session.project.volumes.get(key).cloned() else {
            continue;
        };
        let (session, key) = (session.clone(), key.to_string());
        tasks.spawn(async move {
            let mut w = Vec::new();
            let outcome =
                resources::ensure_volume(&session.docker, session.name(), &key, &v, &mut w).await?;
            if outcome == Outcome::Created {
                report(
                    &session.ui,
                    ResourceKind::Volume,
                    &v.name,
                    Status::Done,
                    "Created",
                );
            }
            Ok(w)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(w)) => warnings.extend(w),
            Ok(Err(e)) => return Err(e),
            Err(e) => {
                return Err(EngineError::Api {
                    action: "creating networks and volumes".into(),
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Brings one service up: converge its containers, wait for its dependencies, start.
struct ServiceJob {
    /// Services on longer critical paths (higher rank): their containers are created and
    /// started before this one's, so that with many services at once the engine serves
    /// first what others wait on (a wide project's one dependency and its dependent are not
    /// queued behind 40 independent creates and starts).
    ahead: Vec<String>,
    session: Arc<Session>,
    watcher: Watcher,
    name: String,
    deps: Vec<Dependency>,
    existing: Vec<ProjectContainer>,
    policy: RecreatePolicy,
    scale: Option<u32>,
    no_start: bool,
    renew_anon_volumes: bool,
    receivers: Arc<HashMap<String, watch::Receiver<Phase>>>,
    /// The project's existing containers by service, before this `up` changed anything.
    base_peers: Arc<Peers>,
    /// Each target service's image ID (or why it has none), looked up once per image.
    images: Arc<HashMap<String, Result<String, String>>>,
    /// Probes the healthcheck of the containers this job starts (`--readiness probe`, and
    /// only when the service's health gates something).
    prober: Option<Arc<Prober>>,
}

impl ServiceJob {
    async fn run(&self, tx: &watch::Sender<Phase>) -> ServiceResult {
        let session = &self.session;
        let service = session
            .service(&self.name)
            .ok_or_else(|| EngineError::Api {
                action: "up".into(),
                message: format!("no such service: {}", self.name),
            })?;
        let image_id = match self.images.get(&self.name) {
            Some(Ok(id)) => id.clone(),
            _ => session.image_id(service).await?,
        };
        for other in &self.ahead {
            if let Some(rx) = self.receivers.get(other) {
                // A failed service ahead is reported by its own job; this one goes on.
                let _ = rx.clone().wait_for(|p| !matches!(p, Phase::Pending)).await;
            }
        }
        // Containers that share another service's namespaces or volumes (or link to it)
        // need that one's containers first: collect them as the peers the spec resolves
        // `service:x` against. Other dependencies only gate the start.
        let needs = spec::peer_services(service);
        let mut peers: Peers = (*self.base_peers).clone();
        for dep in self.deps.iter().filter(|d| needs.contains(&d.service)) {
            if let Some(list) = self
                .wait_phase(dep, |p| !matches!(p, Phase::Pending))
                .await?
            {
                peers.services.insert(
                    dep.service.clone(),
                    list.into_iter()
                        .map(|(id, name)| PeerContainer { id, name })
                        .collect(),
                );
            }
        }
        let resolved =
            spec::resolve_service(service, &peers).map_err(|e| spec_error(service, e))?;
        let desired = Desired {
            service: self.name.clone(),
            replicas: self.scale.unwrap_or(service.scale().max(0) as u32),
            config_hash: crate::compose::gojson::service_hash(&resolved),
            image_id: image_id.clone(),
            networks: if service.network_mode.is_empty() {
                service
                    .networks
                    .keys()
                    .filter_map(|k| session.project.networks.get(k).map(|n| n.name.clone()))
                    .collect()
            } else {
                Vec::new()
            },
        };
        let mut ready: Vec<(String, String)> = Vec::new();
        let mut to_start: Vec<(String, String)> = Vec::new();
        for action in converge::converge(&desired, &self.existing, self.policy) {
            match action {
                Action::Keep { container } => {
                    if container.is_running() {
                        self.watcher.seed_from_list(&container);
                        report(
                            &session.ui,
                            ResourceKind::Container,
                            &container.name,
                            Status::Done,
                            "Running",
                        );
                        ready.push((container.id, container.name));
                    } else {
                        to_start.push((container.id, container.name));
                    }
                }
                Action::Remove { container } => {
                    ops::stop(
                        &session.docker,
                        &session.ui,
                        &container.id,
                        &container.name,
                        stop_timeout(service),
                    )
                    .await?;
                    ops::remove(
                        &session.docker,
                        &session.ui,
                        &container.id,
                        &container.name,
                        false,
                    )
                    .await?;
                }
                Action::Recreate { old } => {
                    to_start.push(self.recreate(service, &old, &image_id, &peers).await?)
                }
                Action::Create { number } => {
                    let name = spec::container_name(session.name(), service, number);
                    let opts = CreateOptions {
                        peers: Some(&peers),
                        ..CreateOptions::up(number)
                    };
                    let id = self.create(service, &name, &image_id, &opts).await?;
                    to_start.push((id, name));
                }
            }
        }
        let mut all: Vec<(String, String)> = ready.iter().chain(&to_start).cloned().collect();
        all.sort_by(|a, b| a.1.cmp(&b.1));
        let _ = tx.send(Phase::Created(all.clone()));
        if self.no_start {
            return Ok(all);
        }
        if self.deps.iter().any(|d| d.condition != "service_started") {
            let _ = tx.send(Phase::Waiting(all.clone()));
        }
        for dep in &self.deps {
            self.wait_condition(dep).await?;
        }
        // What others wait on starts first too: on a busy engine, a start queued behind
        // dozens of independent ones would hold up a whole chain. Services ahead that wait
        // for health or completion hold nobody up.
        if !to_start.is_empty() {
            for other in &self.ahead {
                if let Some(rx) = self.receivers.get(other) {
                    let _ = rx
                        .clone()
                        .wait_for(|p| {
                            matches!(p, Phase::Started(..) | Phase::Waiting(_) | Phase::Failed(_))
                        })
                        .await;
                }
            }
        }
        for (id, name) in &to_start {
            self.watcher.forget(id);
            ops::start(&session.docker, &session.ui, id, name, &self.name).await?;
            self.watcher.note(id, ContainerState::note_started);
            if let Some(prober) = &self.prober {
                prober.probe(id);
            }
        }
        // A dependency with `restart: true` that was (re)created restarts what we kept.
        if self.restart_needed() {
            for (id, name) in &ready {
                let timeout = stop_timeout(service);
                ops::stop(&session.docker, &session.ui, id, name, timeout).await?;
                self.watcher.forget(id);
                ops::start(&session.docker, &session.ui, id, name, &self.name).await?;
                if let Some(prober) = &self.prober {
                    prober.probe(id);
                }
            }
        }
        let changed = !to_start.is_empty();
        let _ = tx.send(Phase::Started(all.clone(), changed));
        Ok(all)
    }

    /// Creates one container of `service` under `name`.
    async fn create(
        &self,
        service: &ServiceConfig,
        name: &str,
        image_id: &str,
        opts: &CreateOptions<'_>,
    ) -> Result<String, EngineError> {
        create_container(
            &self.session,
            &self.session.ui,
            service,
            name,
            image_id,
            opts,
        )
        .await
    }

    /// Compose's replace: the new container is created under a temporary name (keeping
    /// the old one's anonymous volumes unless `-V`), the old one stopped and removed, and
    /// the new one renamed.
    async fn recreate(
        &self,
        service: &ServiceConfig,
        old: &ProjectContainer,
        image_id: &str,
        peers: &Peers,
    ) -> Result<(String, String), EngineError> {
        let session = &self.session;
        report(
            &session.ui,
            ResourceKind::Container,
            &old.name,
            Status::Working,
            "Recreate",
        );
        let inherit = if self.renew_anon_volumes {
            None
        } else {
            Some(inherited_mounts(session, &old.id, image_id).await?)
        };
        let temp = format!(
            "{}_{}",
            old.id.chars().take(12).collect::<String>(),
            old.name
        );
        let mut extra = crate::compose::model::Mapping::new();
        extra.insert(labels::REPLACE.into(), replace_label(service, old.number));
        let opts = CreateOptions {
            peers: Some(peers),
            inherit: inherit.as_ref(),
            extra_labels: extra,
            ..CreateOptions::up(old.number)
        };
        let id = self.create(service, &temp, image_id, &opts).await?;
        ops::stop(
            &session.docker,
            &session.ui,
            &old.id,
            &old.name,
            stop_timeout(service),
        )
        .await?;
        ops::remove(&session.docker, &session.ui, &old.id, &old.name, false).await?;
        let name = spec::container_name(session.name(), service, old.number);
        ops::rename(&session.docker, &id, &name).await?;
        report(
            &session.ui,
            ResourceKind::Container,
            &name,
            Status::Done,
            "Recreated",
        );
        Ok((id, name))
    }

    /// True when a dependency declared with `restart: true` was created or recreated.
    fn restart_needed(&self) -> bool {
        self.deps.iter().filter(|d| d.restart).any(|d| {
            self.receivers
                .get(&d.service)
                .is_some_and(|rx| matches!(&*rx.borrow(), Phase::Started(_, true)))
        })
    }

    /// Waits until dependency `dep`'s phase satisfies `accept`; a failed dependency fails
    /// this service unless the dependency is optional.
    async fn wait_phase(
        &self,
        dep: &Dependency,
        accept: impl Fn(&Phase) -> bool,
    ) -> Result<Option<Vec<(String, String)>>, EngineError> {
        let Some(rx) = self.receivers.get(&dep.service) else {
            return Ok(None);
        };
        let mut rx = rx.clone();
        let phase = rx
            .wait_for(|p| accept(p) || matches!(p, Phase::Failed(_)))
            .await
            .map(|p| p.clone())
            .unwrap_or(Phase::Failed("stopped".into()));
        match phase {
            Phase::Failed(reason) if dep.required => Err(EngineError::DependencyFailed {
                service: self.name.clone(),
                dependency: dep.service.clone(),
                reason: format!("service {:?} failed: {reason}", dep.service),
            }),
            Phase::Failed(_) => Ok(None),
            Phase::Created(ids) | Phase::Waiting(ids) | Phase::Started(ids, _) => Ok(Some(ids)),
            Phase::Pending => Ok(None),
        }
    }

    /// Waits for `dep`'s `depends_on` condition, from the engine's events.
    async fn wait_condition(&self, dep: &Dependency) -> Result<(), EngineError> {
        let Some(containers) = self
            .wait_phase(dep, |p| matches!(p, Phase::Started(..)))
            .await?
        else {
            return Ok(());
        };
        for (id, name) in containers {
            let condition = dep.condition.clone();
            let verdict = self
                .watcher
                .wait_for(&id, |s| condition_verdict(&condition, s))
                .await;
            // Compose reports a dependency's health once its dependent sees it.
            if verdict.is_ok() && condition == "service_healthy" {
                let health = self.watcher.state(&id).and_then(|s| s.health_verdict());
                report(
                    &self.session.ui,
                    ResourceKind::Container,
                    &name,
                    Status::Done,
                    health.map_or(Health::Healthy.text(), Health::text),
                );
            }
            if let Err(reason) = verdict {
                if dep.required {
                    return Err(EngineError::DependencyFailed {
                        service: self.name.clone(),
                        dependency: dep.service.clone(),
                        reason: format!("container {name} {reason}"),
                    });
                }
                report(
                    &self.session.ui,
                    ResourceKind::Container,
                    &name,
                    Status::Warning,
                    &format!("{reason} (optional dependency of {})", self.name),
                );
            }
        }
        Ok(())
    }
}

/// The service's stop grace period in seconds (None: the engine's default).
pub fn stop_timeout(service: &crate::compose::model::ServiceConfig) -> Option<i32> {
    service
        .stop_grace_period
        .as_ref()
        .map(|d| (d.0 / 1_000_000_000).clamp(0, i32::MAX as i64) as i32)
}

/// Whether a dependency's state satisfies `condition`: `Some(Ok)` yes, `Some(Err)` never
/// will, `None` not yet.
pub fn condition_verdict(condition: &str, s: &ContainerState) -> Option<Result<(), String>> {
    match condition {
        "service_healthy" => match s.health_verdict() {
            Some(Health::Healthy | Health::HealthyProbed) => Some(Ok(())),
            Some(Health::Unhealthy) => Some(Err("is unhealthy".into())),
            None => match (s.running, s.exit_code) {
                (false, Some(code)) => Some(Err(format!("exited ({code})"))),
                _ => None,
            },
        },
        "service_completed_successfully" => match (s.running, s.exit_code) {
            (false, Some(0)) => Some(Ok(())),
            (false, Some(code)) => Some(Err(format!("didn't complete successfully: exit {code}"))),
            _ => None,
        },
        _ => s.started_once.then_some(Ok(())),
    }
}

/// `up --wait`: every target service running (and healthy when it has a healthcheck).
/// A one-shot job may exit 0 instead (docker/compose#10596 is not copied): a service that
/// others wait on with `service_completed_successfully`, or one without a healthcheck that
/// the engine would not restart after exit 0 (a bucket-creating job nothing waits on).
/// Without the second rule the outcome for such a job depended on whether it was still
/// running when `--wait` looked.
pub async fn wait_ready(
    session: &Session,
    started: &Started,
    timeout: Option<u64>,
) -> Result<(), EngineError> {
    let graph = Graph::of(&session.project);
    let one_shot = graph.awaited_with("service_completed_successfully", graph.services());
    let mut waits = Vec::new();
    for (service, list) in &started.containers {
        let has_healthcheck = session.service(service).is_some_and(has_healthcheck);
        let finishes = session
            .service(service)
            .is_some_and(|s| !has_healthcheck && spec::exit_zero_is_final(s));
        for (id, name) in list {
            let may_exit = one_shot.contains(service) || finishes;
            let watcher = started.watcher.clone();
            let (id, name) = (id.clone(), name.clone());
            let ui = session.ui.clone();
            waits.push(async move {
                report(
                    &ui,
                    ResourceKind::Container,
                    &name,
                    Status::Working,
                    "Waiting",
                );
                let verdict = watcher
                    .wait_for(&id, |s| ready_verdict(s, has_healthcheck, may_exit))
                    .await;
                match &verdict {
                    Ok(text) => report(&ui, ResourceKind::Container, &name, Status::Done, text),
                    Err(reason) => {
                        report(&ui, ResourceKind::Container, &name, Status::Error, reason)
                    }
                }
                verdict.map_err(|reason| EngineError::ContainerFailed {
                    container: name,
                    reason,
                })
            });
        }
    }
    let all = futures_util::future::join_all(waits);
    let results = match timeout {
        Some(secs) => tokio::time::timeout(Duration::from_secs(secs), all)
            .await
            .map_err(|_| {
                EngineError::Timeout(format!(
                    "timeout waiting for the project to be running/healthy after {secs}s"
                ))
            })?,
        None => all.await,
    };
    results
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map(|_| ())
}

fn ready_verdict(
    s: &ContainerState,
    has_healthcheck: bool,
    may_exit: bool,
) -> Option<Result<&'static str, String>> {
    match (s.running, s.exit_code) {
        (false, Some(0)) if may_exit => return Some(Ok("Exited")),
        (false, Some(code)) => return Some(Err(format!("exited ({code})"))),
        _ => {}
    }
    if has_healthcheck {
        match s.health_verdict()? {
            Health::Unhealthy => Some(Err("is unhealthy".into())),
            healthy => Some(Ok(healthy.text())),
        }
    } else {
        s.running.then_some(Ok("Running"))
    }
}

/// Attached mode: streams the attached services' output until every container has
/// exited, a container exits with `--abort-on-container-exit`/`--abort-on-container-failure`,
/// or Ctrl-C; then stops the stack like Compose. Returns the exit status.
pub async fn attach(
    session: &Arc<Session>,
    started: &Started,
    args: &UpArgs,
    ansi: crate::cli::Ansi,
    interrupts: &crate::commands::interrupt::Interrupts,
) -> Result<i32, EngineError> {
    use std::io::IsTerminal;
    let attached: BTreeSet<String> = started
        .containers
        .keys()
        .filter(|s| args.attach.is_empty() || args.attach.contains(*s))
        .filter(|s| !args.no_attach.contains(*s))
        .filter(|s| {
            session
                .service(s)
                .is_none_or(|svc| svc.attach != Some(false))
        })
        .cloned()
        .collect();
    let listed = containers::list(&session.docker, session.name(), true).await?;
    let shown: Vec<ProjectContainer> = listed
        .iter()
        .filter(|c| !c.oneoff && attached.contains(&c.service))
        .cloned()
        .collect();
    let width = shown.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let style = crate::engine::logs::LogStyle {
        prefix: true,
        color: crate::ui::color::color_enabled(ansi, std::io::stdout().is_terminal()),
        timestamps: args.timestamps,
        width,
    };
    let sink = crate::engine::logs::LogSink::new(Box::new(std::io::stdout()), style);
    let query = crate::engine::logs::LogQuery {
        follow: true,
        tail: "all".into(),
        since: 0,
        until: 0,
        timestamps: args.timestamps,
        services: Some(attached.iter().cloned().collect()),
    };
    let docker = session.docker.clone();
    let project = session.name().to_string();
    let (stop_logs, stop_rx) = tokio::sync::watch::channel(false);
    let log_task = tokio::spawn(async move {
        let _ = crate::engine::logs::follow_project(
            &docker,
            &project,
            shown,
            sink,
            query,
            Some(stop_rx),
        )
        .await;
    });

    let abort_on_exit = args.abort_on_container_exit || args.exit_code_from.is_some();
    let all: Vec<(String, String, String)> = started
        .containers
        .iter()
        .flat_map(|(svc, list)| {
            list.iter()
                .map(move |(id, name)| (svc.clone(), id.clone(), name.clone()))
        })
        .collect();
    let exits = all.iter().map(|(svc, id, name)| {
        let watcher = started.watcher.clone();
        let (svc, id, name) = (svc.clone(), id.clone(), name.clone());
        async move {
            let code = watcher
                .wait_for(&id, |s| {
                    (!s.running && s.started_once).then(|| s.exit_code.unwrap_or(0))
                })
                .await;
            (svc, name, code)
        }
    });
    let mut pending: futures_util::stream::FuturesUnordered<_> = exits.collect();
    let mut codes: HashMap<String, i64> = HashMap::new();
    let mut interrupted = false;
    let mut aborted = false;
    loop {
        tokio::select! {
            next = futures_util::StreamExt::next(&mut pending) => {
                let Some((svc, name, code)) = next else { break };
                session.ui.log(&format!("{name} exited with code {code}"));
                codes.insert(svc, code);
                if abort_on_exit || (args.abort_on_container_failure && code != 0) {
                    aborted = true;
                    break;
                }
            }
            _ = interrupts.beyond(0) => {
                interrupted = true;
                break;
            }
        }
    }
    if interrupted || aborted {
        session.ui.log(if interrupted {
            "Gracefully stopping... (press Ctrl+C again to force)"
        } else {
            "Aborting on container exit..."
        });
        let stops = all.iter().map(|(svc, id, name)| {
            let timeout = args
                .timeout
                .or_else(|| session.service(svc).and_then(stop_timeout));
            ops::stop(&session.docker, &session.ui, id, name, timeout)
        });
        tokio::select! {
            results = futures_util::future::join_all(stops) => {
                for r in results { r?; }
            }
            // A second Ctrl-C gives up on the graceful stop.
            _ = interrupts.beyond(1) => {}
        }
        session.ui.finish();
    }
    // Let the last lines of the exited containers through before returning.
    let _ = stop_logs.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(3), log_task).await;
    if interrupted {
        return Err(EngineError::Interrupted);
    }
    if let Some(svc) = &args.exit_code_from {
        let code = match codes.get(svc) {
            Some(c) => *c,
            None => {
                let id = started
                    .containers
                    .get(svc)
                    .and_then(|l| l.first())
                    .map(|(id, _)| id.clone());
                id.and_then(|id| started.watcher.state(&id))
                    .and_then(|s| s.exit_code)
                    .unwrap_or(0)
            }
        };
        return Ok(code.clamp(0, 255) as i32);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(running: bool, health: &str, exit: Option<i64>) -> ContainerState {
        ContainerState {
            running,
            health: health.into(),
            exit_code: exit,
            started_once: true,
            probed: None,
        }
    }

    #[test]
    fn conditions_follow_compose() {
        assert_eq!(
            condition_verdict("service_started", &state(true, "", None)),
            Some(Ok(()))
        );
        assert_eq!(
            condition_verdict("service_healthy", &state(true, "starting", None)),
            None
        );
        assert_eq!(
            condition_verdict("service_healthy", &state(true, "healthy", None)),
            Some(Ok(()))
        );
        assert!(matches!(
            condition_verdict("service_healthy", &state(true, "unhealthy", None)),
            Some(Err(_))
        ));
        assert!(matches!(
            condition_verdict("service_healthy", &state(false, "", Some(1))),
            Some(Err(_))
        ));
        assert_eq!(
            condition_verdict("service_completed_successfully", &state(false, "", Some(0))),
            Some(Ok(()))
        );
        assert!(matches!(
            condition_verdict("service_completed_successfully", &state(false, "", Some(2))),
            Some(Err(e)) if e.contains("exit 2")
        ));
    }

    #[test]
    fn wait_accepts_a_one_shot_that_exited_zero() {
        assert_eq!(
            ready_verdict(&state(false, "", Some(0)), false, true),
            Some(Ok("Exited"))
        );
        assert!(matches!(
            ready_verdict(&state(false, "", Some(0)), false, false),
            Some(Err(_))
        ));
        assert_eq!(
            ready_verdict(&state(true, "starting", None), true, false),
            None
        );
    }

    #[test]
    fn a_probed_verdict_says_so() {
        let mut s = state(true, "starting", None);
        s.probed = Some(crate::engine::watch::Probed::Healthy);
        assert_eq!(ready_verdict(&s, true, false), Some(Ok("Healthy (probed)")));
        assert_eq!(condition_verdict("service_healthy", &s), Some(Ok(())));
        s.probed = Some(crate::engine::watch::Probed::Unhealthy);
        assert_eq!(
            ready_verdict(&s, true, false),
            Some(Err("is unhealthy".into()))
        );
        assert_eq!(
            condition_verdict("service_healthy", &s),
            Some(Err("is unhealthy".into()))
        );
        assert_eq!(
            ready_verdict(&state(true, "healthy", None), true, false),
            Some(Ok("Healthy"))
        );
    }
}
