//! Processes the user talks to: a command executed in a running container (`exec`), and
//! the main process of a container (`attach`, `run`), with their exit status.

use std::time::Duration;

use bollard::Docker;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::query_parameters::{AttachContainerOptions, InspectContainerOptions};

use super::containers::ProjectContainer;
use super::error::EngineError;
use super::stream::{self, Tty, Wiring};
use super::watch::Watcher;
use crate::ui::terminal::RawMode;

/// A command to execute in a running container.
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    pub command: Vec<String>,
    /// `KEY=VALUE` entries.
    pub env: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub privileged: bool,
    pub tty: bool,
    /// Forward standard input to the command.
    pub stdin: bool,
    /// Start it and return at once.
    pub detach: bool,
}

/// Runs `request` in `container`; returns the command's exit status (0 when detached).
pub async fn exec(
    docker: &Docker,
    container: &ProjectContainer,
    request: &ExecRequest,
) -> Result<i64, EngineError> {
    let attach = !request.detach;
    let config = ExecConfig {
        attach_stdin: Some(attach && request.stdin),
        attach_stdout: Some(attach),
        attach_stderr: Some(attach),
        tty: Some(request.tty),
        env: (!request.env.is_empty()).then(|| request.env.clone()),
        cmd: Some(request.command.clone()),
        privileged: Some(request.privileged),
        user: request.user.clone(),
        working_dir: request.workdir.clone(),
        ..ExecConfig::default()
    };
    let what = || format!("executing {:?} in {}", request.command, container.name);
    let created = docker
        .create_exec(&container.id, config)
        .await
        .map_err(|e| EngineError::api(what(), e))?;
    let started = docker
        .start_exec(
            &created.id,
            Some(StartExecOptions {
                detach: request.detach,
                tty: request.tty,
                output_capacity: None,
            }),
        )
        .await
        .map_err(|e| EngineError::api(what(), e))?;
    let StartExecResults::Attached { output, input } = started else {
        return Ok(0);
    };
    {
        let _raw = request.tty.then(RawMode::enable).flatten();
        let wiring = Wiring {
            stdin: request.stdin,
            tty: request.tty.then(|| Tty::Exec(created.id.clone())),
        };
        if stream::pump(docker, output, input, wiring).await? == stream::Ended::ReaderGone {
            return Ok(stream::SIGPIPE_STATUS);
        }
    }
    let code = exit_code(docker, &created.id)
        .await
        .map_err(|e| EngineError::api(what(), e))?;
    Ok(code.unwrap_or(0))
}

/// The exit code of exec `id` once its process has ended (None when the engine gives
/// none). Its output ends when the process does, but the status can trail by a moment.
pub async fn exit_code(docker: &Docker, id: &str) -> Result<Option<i64>, bollard::errors::Error> {
    loop {
        let inspected = docker.inspect_exec(id).await?;
        if inspected.running != Some(true) {
            return Ok(inspected.exit_code);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The exit code of container `id` once its attached streams have ended: the watcher's
/// `die` within `grace`; else the streams ended without an exit (the user detached), which
/// is 0 while the container still runs, or the exit code the engine recorded.
pub async fn exit_after_streams(
    docker: &Docker,
    watcher: &Watcher,
    id: &str,
    grace: Duration,
) -> i64 {
    let died = watcher.wait_for(id, |s| (!s.running).then_some(s.exit_code).flatten());
    if let Ok(code) = tokio::time::timeout(grace, died).await {
        return code;
    }
    match docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
    {
        Ok(info) => {
            let state = info.state.unwrap_or_default();
            if state.running == Some(true) {
                0
            } else {
                state.exit_code.unwrap_or(0)
            }
        }
        Err(_) => 0,
    }
}

/// How to attach to a container's main process.
#[derive(Debug, Clone, Default)]
pub struct AttachRequest {
    /// Forward standard input (the container must have been created with it open).
    pub stdin: bool,
    /// The container has a TTY.
    pub tty: bool,
    /// The key sequence that detaches (the engine's default, ctrl-p,ctrl-q, when None).
    pub detach_keys: Option<String>,
}

/// An open attachment: the streams, ready to be pumped once the process runs.
pub struct Attached {
    output: stream::Output,
    input: stream::Input,
    id: String,
    request: AttachRequest,
}

/// Attaches to `id`'s streams (before it starts, for `run`, so no output is missed).
pub async fn attach(
    docker: &Docker,
    id: &str,
    name: &str,
    request: AttachRequest,
) -> Result<Attached, EngineError> {
    let results = docker
        .attach_container(
            id,
            Some(AttachContainerOptions {
                detach_keys: request.detach_keys.clone(),
                logs: false,
                stream: true,
                stdin: request.stdin,
                stdout: true,
                stderr: true,
            }),
        )
        .await
        .map_err(|e| EngineError::api(format!("attaching to {name}"), e))?;
    Ok(Attached {
        output: results.output,
        input: results.input,
        id: id.to_string(),
        request,
    })
}

impl Attached {
    /// Copies the streams until the process ends or the user detaches.
    pub async fn pump(self, docker: &Docker) -> Result<stream::Ended, EngineError> {
        let _raw = (self.request.tty && self.request.stdin)
            .then(RawMode::enable)
            .flatten();
        let wiring = Wiring {
            stdin: self.request.stdin,
            tty: self.request.tty.then(|| Tty::Container(self.id.clone())),
        };
        stream::pump(docker, self.output, self.input, wiring).await
    }
}
