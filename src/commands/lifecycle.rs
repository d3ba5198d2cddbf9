//! `start`, `stop`, `restart`, `rm`, `kill` on existing containers: stops go in reverse
//! dependency order, starts in dependency order, independent services in parallel.

use std::collections::{BTreeMap, BTreeSet};

use crate::cli::{KillArgs, RmArgs, ServicesTimeoutArgs};
use crate::engine::containers::{self, ProjectContainer};
use crate::engine::error::EngineError;
use crate::engine::ops;
use crate::engine::project::Session;
use crate::plan::graph::Graph;

/// The services a command acts on: the named ones (plus dependencies unless `no_deps`), or all.
fn selected(
    session: &Session,
    names: &[String],
    no_deps: bool,
) -> Result<BTreeSet<String>, EngineError> {
    for n in names {
        if session.service(n).is_none() {
            return Err(EngineError::Api {
                action: "selecting services".into(),
                message: format!("no such service: {n}"),
            });
        }
    }
    let graph = Graph::of(&session.project);
    Ok(graph.select(names, !no_deps))
}

async fn containers_of(
    session: &Session,
    services: &BTreeSet<String>,
    all: bool,
) -> Result<Vec<ProjectContainer>, EngineError> {
    Ok(containers::list(&session.docker, session.name(), all)
        .await?
        .into_iter()
        .filter(|c| !c.oneoff && services.contains(&c.service))
        .collect())
}

/// Which way the dependency graph orders a command's work.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    /// A service after its dependencies (start, restart).
    DependenciesFirst,
    /// A service after its dependents (stop).
    DependentsFirst,
}

/// Runs `job` for every service of `services`, each as soon as the services it must follow
/// (within `services`) are done, all others at the same time: independent services never
/// wait for each other. The first error stops new jobs from starting and is returned once
/// the running ones end.
async fn in_dependency_order<F, Fut>(
    session: &Session,
    services: &BTreeSet<String>,
    order: Order,
    job: F,
) -> Result<(), EngineError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), EngineError>>,
{
    use futures_util::StreamExt;
    let graph = Graph::of(&session.project);
    // For each service, the services it must wait for.
    let mut waits_for: BTreeMap<String, BTreeSet<String>> = services
        .iter()
        .map(|s| {
            let before: BTreeSet<String> = match order {
                Order::DependenciesFirst => graph
                    .dependencies(s)
                    .iter()
                    .map(|d| d.service.clone())
                    .collect(),
                Order::DependentsFirst => graph
                    .dependents(s)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            };
            let before = before
                .into_iter()
                .filter(|b| services.contains(b))
                .collect();
            (s.clone(), before)
        })
        .collect();
    let mut running = futures_util::stream::FuturesUnordered::new();
    let mut first_error = None;
    loop {
        if first_error.is_none() {
            let ready: Vec<String> = waits_for
                .iter()
                .filter(|(_, before)| before.is_empty())
                .map(|(s, _)| s.clone())
                .collect();
            for service in ready {
                waits_for.remove(&service);
                let fut = job(service.clone());
                running.push(async move { (service, fut.await) });
            }
        }
        let Some((done, result)) = running.next().await else {
            break;
        };
        match result {
            Ok(()) => {
                for before in waits_for.values_mut() {
                    before.remove(&done);
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// `start`: starts the stopped containers, dependencies first, independent services at once.
pub async fn start(session: &Session, args: &ServicesTimeoutArgs) -> Result<(), EngineError> {
    let services = selected(session, &args.services, args.no_deps)?;
    let found = containers_of(session, &services, true).await?;
    if found.is_empty() {
        return Err(EngineError::Api {
            action: "start".into(),
            message: "service(s) have no container to start: run `hoist up` first".into(),
        });
    }
    in_dependency_order(session, &services, Order::DependenciesFirst, |service| {
        let found = &found;
        async move {
            let stopped = found
                .iter()
                .filter(|c| c.service == service && !c.is_running());
            ops::all_at_once(stopped, |c| {
                ops::start(&session.docker, &session.ui, &c.id, &c.name, &service)
            })
            .await
        }
    })
    .await
}

/// `-t` when given, else the service's `stop_grace_period` (None: the engine's default).
fn stop_timeout(session: &Session, args: &ServicesTimeoutArgs, service: &str) -> Option<i32> {
    args.timeout
        .or_else(|| session.service(service).and_then(super::up::stop_timeout))
}

/// `stop`: stops running containers, dependents first, independent services at once.
pub async fn stop(session: &Session, args: &ServicesTimeoutArgs) -> Result<(), EngineError> {
    let services = selected(session, &args.services, true)?;
    let found = containers_of(session, &services, false).await?;
    in_dependency_order(session, &services, Order::DependentsFirst, |service| {
        let found = &found;
        async move {
            let timeout = stop_timeout(session, args, &service);
            let mine = found.iter().filter(|c| c.service == service);
            ops::all_at_once(mine, |c| {
                ops::stop(&session.docker, &session.ui, &c.id, &c.name, timeout)
            })
            .await
        }
    })
    .await
}

/// `restart`: each service's containers stopped and started again, a service after its
/// dependencies, independent services at once.
pub async fn restart(session: &Session, args: &ServicesTimeoutArgs) -> Result<(), EngineError> {
    let services = selected(
        session,
        &args.services,
        args.no_deps || !args.services.is_empty(),
    )?;
    let found = containers_of(session, &services, true).await?;
    in_dependency_order(session, &services, Order::DependenciesFirst, |service| {
        let found = &found;
        async move {
            let timeout = stop_timeout(session, args, &service);
            let mine = found.iter().filter(|c| c.service == service);
            ops::all_at_once(mine, |c| {
                let service = &service;
                async move {
                    if c.is_running() {
                        ops::stop(&session.docker, &session.ui, &c.id, &c.name, timeout).await?;
                    }
                    ops::start(&session.docker, &session.ui, &c.id, &c.name, service).await
                }
            })
            .await
        }
    })
    .await
}

/// `rm`: removes stopped containers (with `-s`, stops running ones first).
pub async fn rm(
    session: &Session,
    args: &RmArgs,
    warnings: &mut Vec<String>,
) -> Result<(), EngineError> {
    let services = selected(session, &args.services, true)?;
    let found = containers_of(session, &services, true).await?;
    let mut removed = 0;
    for c in &found {
        if c.is_running() {
            if !args.stop {
                continue;
            }
            let timeout = session
                .service(&c.service)
                .and_then(super::up::stop_timeout);
            ops::stop(&session.docker, &session.ui, &c.id, &c.name, timeout).await?;
        }
        ops::remove(&session.docker, &session.ui, &c.id, &c.name, args.volumes).await?;
        removed += 1;
    }
    if removed == 0 {
        warnings.push("No stopped containers".into());
    }
    Ok(())
}

/// `kill`: sends the signal to every running container of the services.
pub async fn kill(session: &Session, args: &KillArgs) -> Result<(), EngineError> {
    let services = selected(session, &args.services, true)?;
    let found = containers_of(session, &services, false).await?;
    if found.is_empty() {
        return Err(EngineError::Api {
            action: "kill".into(),
            message: "no container to kill".into(),
        });
    }
    let kills = found
        .iter()
        .map(|c| ops::kill(&session.docker, &session.ui, &c.id, &c.name, &args.signal));
    for r in futures_util::future::join_all(kills).await {
        r?;
    }
    if args.remove_orphans {
        let orphans = containers::list(&session.docker, session.name(), true)
            .await?
            .into_iter()
            .filter(|c| !c.oneoff && session.service(&c.service).is_none());
        for c in orphans {
            ops::remove(&session.docker, &session.ui, &c.id, &c.name, false).await?;
        }
    }
    Ok(())
}
