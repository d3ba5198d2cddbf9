//! `hoist run SERVICE [COMMAND...]`: a one-off container of the service. Its
//! dependencies come up first, through `up`'s own machinery and with their `depends_on`
//! conditions (unless `--no-deps`); then the container is created from the service as
//! `plan::oneoff` changes it, attached to, started, and waited for. The exit status is the
//! command's own; Ctrl-C stops the container (and removes it with `--rm`) and exits 130.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::SignalKind;

use crate::cli::{Ansi, Progress, RunArgs, UpArgs};
use crate::commands::interrupt::Interrupts;
use crate::commands::{pull, up};
use crate::compose::canonical;
use crate::compose::model::{Mapping, ServiceConfig, decode_service};
use crate::engine::containers;
use crate::engine::error::EngineError;
use crate::engine::exec::{self, AttachRequest};
use crate::engine::ops;
use crate::engine::project::Session;
use crate::engine::spec::CreateOptions;
use crate::engine::stream;
use crate::engine::watch::Watcher;
use crate::exit::Error;
use crate::plan::graph::Graph;
use crate::plan::images::LocalImage;
use crate::plan::oneoff::{self, OneOffRequest};
use crate::ui::progress;
use crate::ui::terminal;

/// Runs the one-off container; returns its exit status and what to print on standard
/// output (the container ID with `-d`).
pub async fn run(
    session: Arc<Session>,
    args: &RunArgs,
    environment: &Mapping,
    disabled: &BTreeSet<String>,
    warnings: &mut Vec<String>,
) -> Result<(String, i32), Error> {
    // Registered now, so a Ctrl-C (or SIGTERM: a CI job cancelled) at any moment from here
    // on is ours to handle: both stop the one-off container.
    let interrupts = Interrupts::listen_to(&[SignalKind::interrupt(), SignalKind::terminate()])
        .map_err(|e| Error::Usage(format!("cannot handle Ctrl-C: {e}")))?;
    let prepared = tokio::select! {
        prepared = prepare(&session, args, environment, disabled, warnings) => prepared?,
        _ = interrupts.beyond(0) => return Err(Error::Engine(EngineError::Interrupted)),
    };
    let Prepared { id, name, service } = prepared;
    let docker = &session.docker;
    let quiet = progress::renderer(Progress::Quiet, Ansi::Never, "");
    // Subscribed before the start, so an exit at once is seen (even once auto-removed).
    let watcher = Watcher::start(docker, session.name()).await?;
    if args.detach {
        ops::start(docker, &quiet, &id, &name, &args.service).await?;
        let out = if args.quiet {
            String::new()
        } else {
            format!("{id}\n")
        };
        return Ok((out, 0));
    }
    let attach = AttachRequest {
        stdin: service.stdin_open,
        tty: service.tty,
        detach_keys: None,
    };
    let attached = exec::attach(docker, &id, &name, attach).await?;
    let streamed = async {
        ops::start(docker, &quiet, &id, &name, &args.service).await?;
        attached.pump(docker).await
    };
    let ended = tokio::select! {
        streamed = streamed => streamed?,
        _ = interrupts.beyond(0) => {
            ops::stop(docker, &quiet, &id, &name, up::stop_timeout(&service)).await?;
            if args.rm {
                // The engine may be removing it already (auto-remove): wait for that too.
                ops::remove(docker, &quiet, &id, &name, false).await?;
                wait_removed(docker, &id).await;
            }
            return Err(Error::Engine(EngineError::Interrupted));
        }
    };
    if ended == stream::Ended::ReaderGone {
        // Nobody reads the output any more; the container carries on as it would under
        // Compose, whose CLI dies of SIGPIPE here.
        return Ok((String::new(), stream::SIGPIPE_STATUS as i32));
    }
    let code =
        exec::exit_after_streams(&session.docker, &watcher, &id, Duration::from_secs(5)).await;
    if args.rm {
        wait_removed(docker, &id).await;
    }
    Ok((String::new(), super::exec::exit_status(code)))
}

/// The created one-off container: its ID, name and service as planned.
struct Prepared {
    id: String,
    name: String,
    service: ServiceConfig,
}

/// Dependencies up (unless `--no-deps`), the service's networks and volumes, then the
/// one-off container created (not started).
async fn prepare(
    session: &Arc<Session>,
    args: &RunArgs,
    environment: &Mapping,
    disabled: &BTreeSet<String>,
    warnings: &mut Vec<String>,
) -> Result<Prepared, Error> {
    let service = session
        .service(&args.service)
        .cloned()
        .ok_or_else(|| Error::Usage(format!("no such service: {}", args.service)))?;
    let cwd = std::env::current_dir()
        .map_err(|e| Error::Usage(format!("cannot read the current directory: {e}")))?;
    let request = request_of(args, environment, &cwd)?;
    // Images are pulled or built as `up` would for the service and its dependencies (with
    // run's --pull and --build); one still missing fails before anything is created.
    let images = UpArgs {
        services: vec![service.name.clone()],
        no_deps: args.no_deps,
        pull: (args.pull != "policy").then(|| args.pull.clone()),
        quiet_pull: args.quiet_pull,
        build: args.build,
        ..UpArgs::default()
    };
    let have = pull::ensure_images(session, &images, None).await?;
    let image_id = match have.get(&session.image_of(&service)) {
        Some(local) => local.id.clone(),
        None => session.image_id(&service).await?,
    };

    if !args.no_deps {
        start_dependencies(session, args, disabled, &have, warnings).await?;
    }
    let targets = BTreeSet::from([service.name.clone()]);
    up::ensure_resources(session, &targets, warnings).await?;
    // The container's own output follows: the progress display ends here.
    session.ui.finish();
    let existing = containers::list(&session.docker, session.name(), true).await?;
    let peers = up::peers_of(&existing);

    let plan = oneoff::plan(session.name(), &service, &request, &oneoff::new_slug());
    let opts = CreateOptions {
        number: None,
        auto_remove: args.rm,
        attach_stdin: request.interactive,
        use_network_aliases: args.use_aliases,
        extra_labels: plan.extra_labels.clone(),
        peers: Some(&peers),
        inherit: None,
    };
    // Compose shows no progress for the one-off container itself.
    let quiet = progress::renderer(Progress::Quiet, Ansi::Never, "");
    let id =
        up::create_container(session, &quiet, &plan.service, &plan.name, &image_id, &opts).await?;
    Ok(Prepared {
        id,
        name: plan.name,
        service: plan.service,
    })
}

/// Brings the service's dependencies up with `up`, then waits for the service's own
/// `depends_on` conditions on them.
async fn start_dependencies(
    session: &Arc<Session>,
    args: &RunArgs,
    disabled: &BTreeSet<String>,
    known: &BTreeMap<String, LocalImage>,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let graph = Graph::of(&session.project);
    let deps = graph.dependencies(&args.service).to_vec();
    if deps.is_empty() {
        return Ok(());
    }
    let up_args = UpArgs {
        services: deps.iter().map(|d| d.service.clone()).collect(),
        detach: true,
        remove_orphans: args.remove_orphans,
        ..UpArgs::default()
    };
    let started =
        up::converge_and_start(session.clone(), &up_args, disabled, known, warnings).await?;
    for dep in &deps {
        for (id, name) in started.containers.get(&dep.service).into_iter().flatten() {
            let condition = dep.condition.clone();
            let verdict = started
                .watcher
                .wait_for(id, |s| up::condition_verdict(&condition, s))
                .await;
            match verdict {
                Ok(()) => {}
                Err(reason) if dep.required => {
                    return Err(Error::Engine(EngineError::DependencyFailed {
                        service: args.service.clone(),
                        dependency: dep.service.clone(),
                        reason: format!("container {name} {reason}"),
                    }));
                }
                Err(reason) => warnings.push(format!(
                    "optional dependency {} of {}: container {name} {reason}",
                    dep.service, args.service
                )),
            }
        }
    }
    Ok(())
}

/// Returns once the engine has removed the auto-removed container, so that nothing is left
/// when `run --rm` returns. Asked after the exit: a container already gone answers 404.
async fn wait_removed(docker: &bollard::Docker, id: &str) {
    use futures_util::StreamExt;
    let mut wait = docker.wait_container(
        id,
        Some(bollard::query_parameters::WaitContainerOptions {
            condition: "removed".into(),
        }),
    );
    let _ = tokio::time::timeout(Duration::from_secs(30), wait.next()).await;
}

/// The one-off request the command line describes. `environment` resolves `-e KEY`
/// (the shell and `.env`); relative `-v` sources are taken from `cwd`, as Compose does.
pub fn request_of(
    args: &RunArgs,
    environment: &Mapping,
    cwd: &Path,
) -> Result<OneOffRequest, Error> {
    if !args.publish.is_empty() && args.service_ports {
        return Err(Error::Usage(
            "--service-ports and --publish are incompatible".into(),
        ));
    }
    let mut labels = Mapping::new();
    for l in &args.label {
        let (k, v) = l
            .split_once('=')
            .ok_or_else(|| Error::Usage("label must be set as KEY=VALUE".into()))?;
        labels.insert(k.to_string(), v.to_string());
    }
    let entrypoint = args
        .entrypoint
        .as_deref()
        .map(|e| {
            canonical::shell_split(e).map_err(|m| Error::Usage(format!("--entrypoint {e:?}: {m}")))
        })
        .transpose()?;
    let (publish, volumes) = ports_and_volumes(args, cwd)?;
    let tty = terminal::wants_tty(args.no_tty, args.tty);
    terminal::check_tty(args.interactive, tty).map_err(Error::Usage)?;
    Ok(OneOffRequest {
        command: args.command.clone(),
        entrypoint,
        environment: run_environment(args, environment)?,
        labels,
        user: args.user.clone(),
        workdir: args.workdir.clone(),
        tty,
        interactive: args.interactive,
        name: args.name.clone(),
        service_ports: args.service_ports,
        publish,
        volumes,
        cap_add: args.cap_add.clone(),
        cap_drop: args.cap_drop.clone(),
        no_deps: args.no_deps,
    })
}

/// `-e` (a bare `KEY` takes its value from `environment`, and is dropped when it has
/// none), then `--env-from-file` files for the keys `-e` did not set.
fn run_environment(args: &RunArgs, environment: &Mapping) -> Result<Mapping, Error> {
    let mut out = Mapping::new();
    for e in &args.env {
        match e.split_once('=') {
            Some((k, v)) => {
                out.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Some(v) = environment.get(e) {
                    out.insert(e.clone(), v.clone());
                }
            }
        }
    }
    for file in &args.env_from_file {
        let content = std::fs::read_to_string(file)
            .map_err(|e| Error::Usage(format!("--env-from-file {file}: {e}")))?;
        let known = out.clone();
        let lookup = move |k: &str| known.get(k).cloned();
        let vars = crate::compose::dotenv::parse(&content, file, &lookup)?;
        for (k, v) in vars {
            out.entry(k).or_insert(v);
        }
    }
    Ok(out)
}

/// `-p` and `-v` in their long form, read by the same parsers as `ports:` and `volumes:`.
fn ports_and_volumes(
    args: &RunArgs,
    cwd: &Path,
) -> Result<
    (
        Vec<crate::compose::model::ServicePortConfig>,
        Vec<crate::compose::model::ServiceVolumeConfig>,
    ),
    Error,
> {
    let mut ports = Vec::new();
    for p in &args.publish {
        let nodes = canonical::parse_port_spec(p)
            .map_err(|m| Error::Usage(format!("--publish {p:?}: {m}")))?;
        ports.extend(nodes.iter().map(|n| n.to_json()));
    }
    let mut volumes = Vec::new();
    for v in &args.volume {
        let node = canonical::parse_volume_spec(v)
            .map_err(|m| Error::Usage(format!("--volume {v:?}: {m}")))?;
        let mut json = node.to_json();
        if json["type"] == "bind" {
            if let Some(source) = json["source"].as_str() {
                if !Path::new(source).is_absolute() {
                    let absolute = crate::compose::load::clean_path(&cwd.join(source));
                    json["source"] = absolute.display().to_string().into();
                }
            }
        }
        volumes.push(json);
    }
    let service: ServiceConfig = decode_service(
        &serde_json::json!({ "ports": ports, "volumes": volumes }),
        "run",
    )?;
    Ok((service.ports, service.volumes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> RunArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrap {
            #[command(flatten)]
            run: RunArgs,
        }
        let mut argv = vec!["run"];
        argv.extend(extra);
        Wrap::parse_from(argv).run
    }

    #[test]
    fn publish_specs_become_port_configs() {
        let a = args(&["-p", "127.0.0.1:8080:80", "-p", "9000", "web"]);
        let r = request_of(&a, &Mapping::new(), Path::new("/w")).unwrap();
        assert_eq!(r.publish.len(), 2);
        assert_eq!(r.publish[0].target, 80);
        assert_eq!(r.publish[0].published, "8080");
        assert_eq!(r.publish[0].host_ip, "127.0.0.1");
        assert_eq!(r.publish[1].target, 9000);
    }

    #[test]
    fn relative_volume_sources_are_taken_from_the_current_directory() {
        let a = args(&["-v", "./data:/data:ro", "-v", "named:/x", "web"]);
        let r = request_of(&a, &Mapping::new(), Path::new("/w")).unwrap();
        assert_eq!(r.volumes[0].source, "/w/data");
        assert!(r.volumes[0].read_only);
        assert_eq!(r.volumes[1].r#type, "volume");
        assert_eq!(r.volumes[1].source, "named");
    }

    #[test]
    fn bare_env_names_resolve_or_drop() {
        let mut env = Mapping::new();
        env.insert("FROM_SHELL".into(), "s".into());
        let a = args(&["-e", "A=1", "-e", "FROM_SHELL", "-e", "UNSET", "web"]);
        let r = request_of(&a, &env, Path::new("/w")).unwrap();
        assert_eq!(r.environment.get("A").map(String::as_str), Some("1"));
        assert_eq!(
            r.environment.get("FROM_SHELL").map(String::as_str),
            Some("s")
        );
        assert!(!r.environment.contains_key("UNSET"));
    }

    #[test]
    fn env_files_fill_what_env_flags_left_unset() {
        let file = std::env::temp_dir().join(format!("hoist-run-env-{}", std::process::id()));
        std::fs::write(&file, "A=from-file\nB=from-file\n").unwrap();
        let path = file.display().to_string();
        let a = args(&["-e", "A=flag", "--env-from-file", &path, "web"]);
        let r = request_of(&a, &Mapping::new(), Path::new("/w"));
        let _ = std::fs::remove_file(&file);
        let r = r.unwrap();
        assert_eq!(r.environment["A"], "flag");
        assert_eq!(r.environment["B"], "from-file");
    }

    #[test]
    fn service_ports_and_publish_are_incompatible() {
        let a = args(&["-P", "-p", "80", "web"]);
        let e = request_of(&a, &Mapping::new(), Path::new("/w")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--service-ports and --publish are incompatible"
        );
    }

    #[test]
    fn labels_need_a_value() {
        let a = args(&["-l", "nolabel", "web"]);
        let e = request_of(&a, &Mapping::new(), Path::new("/w")).unwrap_err();
        assert_eq!(e.to_string(), "label must be set as KEY=VALUE");
    }

    #[test]
    fn flags_after_the_service_belong_to_the_command() {
        let a = args(&["--rm", "web", "sh", "-c", "echo -e x", "--rm"]);
        assert!(a.rm);
        assert_eq!(a.command, vec!["sh", "-c", "echo -e x", "--rm"]);
    }

    #[test]
    fn entrypoint_is_split_like_a_shell() {
        let a = args(&["--entrypoint", "sh -c 'echo hi'", "web"]);
        let r = request_of(&a, &Mapping::new(), Path::new("/w")).unwrap();
        assert_eq!(
            r.entrypoint,
            Some(vec!["sh".into(), "-c".into(), "echo hi".into()])
        );
    }
}
