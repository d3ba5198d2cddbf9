//! `start`, `stop`, `restart`, `rm`, `kill` on existing containers: stops go in reverse
//! dependency order, starts in dependency order, independent services in parallel.

use std::collections::BTreeSet;

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

/// Services ordered for starting (dependencies first); reverse it to stop.
fn ordered(session: &Session, services: &BTreeSet<String>) -> Vec<String> {
    Graph::of(&session.project)
        .start_order()
        .into_iter()
        .filter(|s| services.contains(s))
        .collect()
}

/// `start`: starts the stopped containers, dependencies first.
pub async fn start(session: &Session, args: &ServicesTimeoutArgs) -> Result<(), EngineError> {
    let services = selected(session, &args.services, args.no_deps)?;
    let found = containers_of(session, &services, true).await?;
    if found.is_empty() {
        return Err(EngineError::Api {
            action: "start".into(),
            message: "service(s) have no container to start: run `hoist up` first".into(),
        });
    }
    for service in ordered(session, &services) {
        for c in found
            .iter()
            .filter(|c| c.service == service && !c.is_running())
        {
            ops::start(&session.docker, &session.ui, &c.id, &c.name, &service).await?;
        }
    }
    Ok(())
}

/// `stop`: stops running containers, dependents first; independent services in parallel.
pub async fn stop(session: &Session, args: &ServicesTimeoutArgs) -> Result<(), EngineError> {
    let services = selected(session, &args.services, true)?;
    let found = containers_of(session, &services, false).await?;
    for service in ordered(session, &services).into_iter().rev() {
        let timeout = args
            .timeout
            .or_else(|| session.service(&service).and_then(super::up::stop_timeout));
        let stops = found
            .iter()
            .filter(|c| c.service == service)
            .map(|c| ops::stop(&session.docker, &session.ui, &c.id, &c.name, timeout));
        for r in futures_util::future::join_all(stops).await {
            r?;
        }
    }
    Ok(())
}

/// `restart`: stop then start, in dependency order.
pub async fn restart(session: &Session, args: &ServicesTimeoutArgs) -> Result<(), EngineError> {
    let services = selected(
        session,
        &args.services,
        args.no_deps || !args.services.is_empty(),
    )?;
    let found = containers_of(session, &services, true).await?;
    for service in ordered(session, &services) {
        let timeout = args
            .timeout
            .or_else(|| session.service(&service).and_then(super::up::stop_timeout));
        for c in found.iter().filter(|c| c.service == service) {
            if c.is_running() {
                ops::stop(&session.docker, &session.ui, &c.id, &c.name, timeout).await?;
            }
            ops::start(&session.docker, &session.ui, &c.id, &c.name, &service).await?;
        }
    }
    Ok(())
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
