//! Runs the commands that talk to the Docker Engine: loads the project, connects, builds
//! the session, and maps Ctrl-C to a clean stop with exit status 130.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::cli::UpArgs;
use crate::cli::{Cli, Command, Progress};
use crate::commands::{
    attach, build, cp, create, down, events, exec, images, lifecycle, logs, ls, pause, port, ps,
    pull, push, run, scale, top, up, wait,
};
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
        // Attached `up` handles Ctrl-C itself: it stops the stack before returning. So do
        // `run` (stops its container) and `attach` (passes the signal on).
        match &cli.command {
            Command::Up(args) if args.attaches() => {
                return dispatch(cli, warnings).await;
            }
            Command::Run(_) | Command::Attach(_) => return dispatch(cli, warnings).await,
            _ => {}
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
    session_with(cli, lp, title, None).await
}

/// A session whose progress mode is `mode` when given (`-q` means quiet), else the flags'.
async fn session_with(
    cli: &Cli,
    lp: &LoadedProject,
    title: &str,
    mode: Option<Progress>,
) -> Result<Arc<Session>, Error> {
    let docker = client::connect().await?;
    let api_version = client::api_version(&docker);
    let progress_mode = mode.unwrap_or(cli.global.progress.unwrap_or(Progress::Auto));
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
        Command::Up(args) => run_up(cli, args, warnings).await,
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
        Command::Pull(args) => {
            let lp = load_project(cli, &args.services, warnings)?;
            let quiet = args.quiet.then_some(Progress::Quiet);
            let session = session_with(cli, &lp, "Pulling", quiet).await?;
            let result = pull::run(&session, args, cli.global.parallel).await;
            session.ui.finish();
            result?;
            Ok((String::new(), 0))
        }
        Command::Build(args) => {
            let lp = load_project(cli, &args.services, warnings)?;
            let quiet = args.quiet.then_some(Progress::Quiet);
            let session = session_with(cli, &lp, "Building", quiet).await?;
            let result = build::run(&session, args, cli.global.parallel).await;
            session.ui.finish();
            result?;
            Ok((String::new(), 0))
        }
        Command::Push(args) => {
            let lp = load_project(cli, &args.services, warnings)?;
            let quiet = args.quiet.then_some(Progress::Quiet);
            let session = session_with(cli, &lp, "Pushing", quiet).await?;
            let result = push::run(&session, args, cli.global.parallel).await;
            session.ui.finish();
            result?;
            Ok((String::new(), 0))
        }
        Command::Images(args) => {
            let lp = load_project(cli, &args.services, warnings)?;
            let docker = client::connect().await?;
            Ok((images::run(&docker, &lp.project, args).await?, 0))
        }
        Command::Exec(args) => {
            let (name, environment) = name_and_environment(cli, warnings)?;
            let docker = client::connect().await?;
            let code = exec::run(&docker, &name, args, &environment).await?;
            Ok((String::new(), code))
        }
        Command::Attach(args) => {
            let (name, _) = name_and_environment(cli, warnings)?;
            let docker = client::connect().await?;
            let code = attach::run(&docker, &name, args).await?;
            Ok((String::new(), code))
        }
        Command::Run(args) => {
            // Naming the service enables its profiles, as in Compose.
            let lp = load_project(cli, std::slice::from_ref(&args.service), warnings)?;
            let session = session_for(cli, &lp, "Running").await?;
            let disabled: BTreeSet<String> = lp.loaded.disabled.keys().cloned().collect();
            let environment = interpolation_environment(&lp);
            let result = run::run(session.clone(), args, &environment, &disabled, warnings).await;
            session.ui.finish();
            result
        }
        Command::Create(args) => run_up(cli, &create::up_args(args), warnings).await,
        Command::Scale(args) => {
            // `run_up` loads the project again and reports its warnings: these are dropped.
            let lp = load_project(cli, &[], &mut Vec::new())?;
            let up_args = scale::up_args(&lp.project, args)?;
            run_up(cli, &up_args, warnings).await
        }
        Command::Cp(args) => {
            let name = project_name(cli, warnings)?;
            let docker = client::connect().await?;
            let ui = progress::renderer(progress_mode(cli), ansi(cli), "Copying");
            let result = cp::run(&docker, &ui, &name, args).await;
            ui.finish();
            result?;
            Ok((String::new(), 0))
        }
        Command::Top(args) => {
            let name = project_name(cli, warnings)?;
            let docker = client::connect().await?;
            Ok((top::run(&docker, &name, args).await?, 0))
        }
        Command::Port(args) => {
            let name = project_name(cli, warnings)?;
            let docker = client::connect().await?;
            Ok((port::run(&docker, &name, args).await?, 0))
        }
        Command::Events(args) => {
            let name = project_name(cli, warnings)?;
            let docker = client::connect().await?;
            events::run(&docker, &name, args).await?;
            Ok((String::new(), 0))
        }
        Command::Wait(args) => {
            let loaded = load_project(cli, &[], warnings);
            let name = match &loaded {
                Ok(lp) => lp.project.name.clone(),
                Err(_) => project_name(cli, warnings)?,
            };
            let docker = client::connect().await?;
            let code = wait::run(&docker, &name, args).await?;
            if args.down_project {
                let target = match &loaded {
                    Ok(lp) => down::target_of(&lp.project),
                    Err(_) => down::target_from_labels(&name),
                };
                let ui = progress::renderer(progress_mode(cli), ansi(cli), "Running");
                let down_args = crate::cli::DownArgs {
                    remove_orphans: true,
                    ..Default::default()
                };
                let result = down::run(&docker, &ui, &target, &down_args, warnings).await;
                ui.finish();
                result?;
            }
            Ok((String::new(), i32::try_from(code).unwrap_or(1)))
        }
        Command::Ls(args) => {
            let docker = client::connect().await?;
            Ok((ls::run(&docker, args).await?, 0))
        }
        Command::Pause(args) | Command::Unpause(args) => {
            let pausing = matches!(cli.command, Command::Pause(_));
            let name = project_name(cli, warnings)?;
            let docker = client::connect().await?;
            let title = if pausing { "Pausing" } else { "Unpausing" };
            let ui = progress::renderer(progress_mode(cli), ansi(cli), title);
            let result = pause::run(&docker, &ui, &name, args, pausing).await;
            ui.finish();
            result?;
            Ok((String::new(), 0))
        }
        Command::Config(_)
        | Command::Version(_)
        | Command::Init(_)
        | Command::Completion(_)
        | Command::CompleteServices(_) => Err(Error::Usage("not an engine command".into())),
    }
}

/// `up`, and the commands that are `up` with other flags (`create`, `scale`).
async fn run_up(
    cli: &Cli,
    args: &UpArgs,
    warnings: &mut Vec<String>,
) -> Result<(String, i32), Error> {
    // Attached mode stops the stack on Ctrl-C, even one pressed while it is starting.
    let interrupts = args
        .attaches()
        .then(crate::commands::interrupt::Interrupts::listen);
    let lp = load_project(cli, &args.services, warnings)?;
    let session = session_for(cli, &lp, "Running").await?;
    let disabled: BTreeSet<String> = lp.loaded.disabled.keys().cloned().collect();
    let result = match pull::ensure_images(&session, args, cli.global.parallel).await {
        Ok(have) => up::converge_and_start(session.clone(), args, &disabled, &have, warnings).await,
        Err(e) => Err(e),
    };
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
    let interrupts = interrupts.unwrap_or_default();
    let code = up::attach(&session, &started, args, ansi, &interrupts).await?;
    Ok((String::new(), code))
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

/// The shell's variables and `.env`'s, as interpolation saw them: `-e KEY` takes its value
/// from here.
fn interpolation_environment(lp: &LoadedProject) -> crate::compose::model::Mapping {
    lp.loaded
        .environment
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The project name and interpolation environment for commands that work on running
/// containers (`exec`, `attach`): from the files when they load, else `-p` and the shell.
fn name_and_environment(
    cli: &Cli,
    warnings: &mut Vec<String>,
) -> Result<(String, crate::compose::model::Mapping), Error> {
    match load_project(cli, &[], warnings) {
        Ok(lp) => Ok((lp.project.name.clone(), interpolation_environment(&lp))),
        Err(e) => {
            let name = cli.global.project_name.clone().ok_or(e)?;
            let env = std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect();
            Ok((name, env))
        }
    }
}

/// The project name for commands that need only the name (`ps`): from the files when they
/// load, else `-p`.
fn project_name(cli: &Cli, warnings: &mut Vec<String>) -> Result<String, Error> {
    name_and_environment(cli, warnings).map(|(name, _)| name)
}

fn progress_mode(cli: &Cli) -> Progress {
    cli.global.progress.unwrap_or(Progress::Auto)
}

fn ansi(cli: &Cli) -> crate::cli::Ansi {
    cli.global.ansi.unwrap_or(crate::cli::Ansi::Auto)
}
