//! Runs the commands that talk to the Docker Engine: loads the project, connects, builds
//! the session, and maps Ctrl-C to a clean stop with exit status 130.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::cli::{Cli, Command, Progress};
use crate::commands::{down, lifecycle, logs, ps, up};
use crate::compose::environment::Environment;
use crate::compose::load::{self, Loaded};
use crate::compose::model::Project;
use crate::engine::client;
use crate::engine::error::EngineError;
use crate::engine::project::Session;
use crate::exit::Error;
use crate::ui::progress;

/// Runs an engine command; returns what to print on stdout and the exit status.
pub fn run(cli: &Cli, warnings: &mut Vec<String>) -> Result<(String, i32), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        // Attached `up` handles Ctrl-C itself: it stops the stack before returning.
        if let Command::Up(args) = &cli.command {
            if !args.detach && !args.wait {
                return dispatch(cli, warnings).await;
            }
        }
        tokio::select! {
            result = dispatch(cli, warnings) => result,
            _ = tokio::signal::ctrl_c() => Err(Error::Engine(EngineError::Interrupted)),
        }
    })
}

/// The project as the engine commands see it.
struct LoadedProject {
    project: Project,
    loaded: Loaded,
}

fn load_project(
    cli: &Cli,
    services: &[String],
    warnings: &mut Vec<String>,
) -> Result<LoadedProject, Error> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::Usage(format!("cannot read the current directory: {e}")))?;
    let mut opts =
        crate::options::resolve(&cli.global, Environment::from_process(), &cwd, warnings)?;
    opts.services = services.to_vec();
    let loaded = load::load(&opts, warnings)?;
    let mut json = loaded.document.to_json();
    if let Some(obj) = json.as_object_mut() {
        obj.insert(
            "name".into(),
            serde_json::Value::String(loaded.name.clone()),
        );
    }
    let project = Project::from_json(json)?;
    Ok(LoadedProject { project, loaded })
}

async fn session_for(cli: &Cli, lp: &LoadedProject, title: &str) -> Result<Arc<Session>, Error> {
    let docker = client::connect().await?;
    let api_version = client::api_version(&docker);
    let progress_mode = cli.global.progress.unwrap_or(Progress::Auto);
    let ansi = cli.global.ansi.unwrap_or(crate::cli::Ansi::Auto);
    Ok(Arc::new(Session {
        api_version,
        proxy_env: Default::default(),
        docker,
        ui: progress::renderer(progress_mode, ansi, title),
        project: Arc::new(lp.project.clone()),
        working_dir: lp.loaded.working_dir.display().to_string(),
        config_files: lp.loaded.config_files.clone(),
        env_files: Vec::new(),
    }))
}

async fn dispatch(cli: &Cli, warnings: &mut Vec<String>) -> Result<(String, i32), Error> {
    progress::check_modes(
        cli.global.progress.unwrap_or(Progress::Auto),
        cli.global.ansi.unwrap_or(crate::cli::Ansi::Auto),
    )
    .map_err(Error::Usage)?;
    match &cli.command {
        Command::Up(args) => {
            let lp = load_project(cli, &args.services, warnings)?;
            let session = session_for(cli, &lp, "Running").await?;
            let disabled: BTreeSet<String> = lp.loaded.disabled.keys().cloned().collect();
            let result = up::converge_and_start(session.clone(), args, &disabled, warnings).await;
            let started = match result {
                Ok(s) => s,
                Err(e) => {
                    session.ui.finish();
                    return Err(e.into());
                }
            };
            if args.wait {
                let waited = up::wait_ready(&session, &started, args.wait_timeout).await;
                session.ui.finish();
                waited?;
                return Ok((String::new(), 0));
            }
            session.ui.finish();
            if args.detach || args.no_start {
                return Ok((String::new(), 0));
            }
            let ansi = cli.global.ansi.unwrap_or(crate::cli::Ansi::Auto);
            let code = up::attach(&session, &started, args, ansi).await?;
            Ok((String::new(), code))
        }
        Command::Down(args) => {
            let docker = client::connect().await?;
            let progress_mode = cli.global.progress.unwrap_or(Progress::Auto);
            let ansi = cli.global.ansi.unwrap_or(crate::cli::Ansi::Auto);
            let ui = progress::renderer(progress_mode, ansi, "Running");
            let target = match load_project(cli, &[], warnings) {
                Ok(lp) => down::target_of(&lp.project),
                // Without (valid) files, `-p NAME down` still works from labels.
                Err(e) => match &cli.global.project_name {
                    Some(name) => down::target_from_labels(name),
                    None => return Err(e),
                },
            };
            let result = down::run(&docker, &ui, &target, args, warnings).await;
            ui.finish();
            result?;
            Ok((String::new(), 0))
        }
        Command::Logs(args) => {
            let name = project_name(cli, warnings)?;
            let docker = client::connect().await?;
            let ansi = cli.global.ansi.unwrap_or(crate::cli::Ansi::Auto);
            logs::run(&docker, &name, args, ansi).await?;
            Ok((String::new(), 0))
        }
        Command::Ps(args) => {
            let name = project_name(cli, warnings)?;
            let docker = client::connect().await?;
            Ok((ps::run(&docker, &name, args).await?, 0))
        }
        Command::Start(args) => {
            with_session(cli, &args.services, warnings, "Running", |s, _| {
                Box::pin(async move { lifecycle::start(&s, args).await })
            })
            .await
        }
        Command::Stop(args) => {
            with_session(cli, &args.services, warnings, "Stopping", |s, _| {
                Box::pin(async move { lifecycle::stop(&s, args).await })
            })
            .await
        }
        Command::Restart(args) => {
            with_session(cli, &args.services, warnings, "Restarting", |s, _| {
                Box::pin(async move { lifecycle::restart(&s, args).await })
            })
            .await
        }
        Command::Kill(args) => {
            with_session(cli, &args.services, warnings, "Killing", |s, _| {
                Box::pin(async move { lifecycle::kill(&s, args).await })
            })
            .await
        }
        Command::Rm(args) => {
            let lp = load_project(cli, &args.services, warnings)?;
            let session = session_for(cli, &lp, "Removing").await?;
            let result = lifecycle::rm(&session, args, warnings).await;
            session.ui.finish();
            result?;
            Ok((String::new(), 0))
        }
        Command::Config(_) | Command::Version(_) | Command::Init(_) => {
            Err(Error::Usage("not an engine command".into()))
        }
    }
}

type Job<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), EngineError>> + 'a>>;

async fn with_session<'a>(
    cli: &Cli,
    services: &[String],
    warnings: &mut Vec<String>,
    title: &str,
    job: impl FnOnce(Arc<Session>, ()) -> Job<'a>,
) -> Result<(String, i32), Error> {
    let lp = load_project(cli, services, warnings)?;
    let session = session_for(cli, &lp, title).await?;
    let result = job(session.clone(), ()).await;
    session.ui.finish();
    result?;
    Ok((String::new(), 0))
}

/// The project name for commands that need only the name (`ps`): from the files when they
/// load, else `-p`.
fn project_name(cli: &Cli, warnings: &mut Vec<String>) -> Result<String, Error> {
    match load_project(cli, &[], warnings) {
        Ok(lp) => Ok(lp.project.name),
        Err(e) => cli.global.project_name.clone().ok_or(e),
    }
}
