//! `hoist attach SERVICE`: the user's terminal joined to the main process of a running
//! container of the service, until the process exits or the user detaches (ctrl-p ctrl-q,
//! or `--detach-keys`). The exit status is the process's when it exited.

use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{InspectContainerOptions, KillContainerOptions};

use tokio::signal::unix::SignalKind;

use super::interrupt::Interrupts;
use crate::cli::AttachArgs;
use crate::engine::containers::{self, ProjectContainer};
use crate::engine::error::EngineError;
use crate::engine::exec::{self, AttachRequest};
use crate::engine::stream;
use crate::engine::watch::Watcher;

/// Attaches to the container of `args.service`; returns its exit status (0 after a detach).
pub async fn run(docker: &Docker, project: &str, args: &AttachArgs) -> Result<i32, EngineError> {
    // Registered now, so a Ctrl-C at any moment from here on is ours to handle.
    let interrupts =
        Interrupts::listen_to(&[SignalKind::interrupt()]).map_err(|e| EngineError::Api {
            action: "attach".into(),
            message: format!("cannot handle Ctrl-C: {e}"),
        })?;
    let running = containers::list(docker, project, false).await?;
    let target = containers::pick(&running, &args.service, args.index)?;
    if target.state == "paused" {
        return Err(EngineError::Api {
            action: format!("attaching to {}", target.name),
            message: "You cannot attach to a paused container, unpause it first".into(),
        });
    }
    let info = docker
        .inspect_container(&target.id, None::<InspectContainerOptions>)
        .await
        .map_err(|e| EngineError::api(format!("inspecting {}", target.name), e))?;
    let config = info.config.unwrap_or_default();
    let tty = config.tty.unwrap_or(false);
    let request = AttachRequest {
        stdin: !args.no_stdin && config.open_stdin.unwrap_or(false),
        tty,
        detach_keys: args.detach_keys.clone(),
    };
    let watcher = Watcher::start(docker, project).await?;
    let attached = exec::attach(docker, &target.id, &target.name, request).await?;
    let pump = attached.pump(docker);
    tokio::pin!(pump);
    let mut handled = 0;
    loop {
        tokio::select! {
            result = &mut pump => {
                if result? == stream::Ended::ReaderGone {
                    return Ok(stream::SIGPIPE_STATUS as i32);
                }
                break;
            }
            _ = interrupts.beyond(handled) => {
                handled += 1;
                // With a TTY, Ctrl-C reaches the process as a key; without one it is a
                // signal to hoist, passed on (--sig-proxy) or ending the attachment.
                if !args.sig_proxy {
                    return Err(EngineError::Interrupted);
                }
                forward_interrupt(docker, &target).await;
            }
        }
    }
    // The streams ended: the process exited (its status), or the user detached (0).
    let code = exec::exit_after_streams(docker, &watcher, &target.id, Duration::from_secs(2)).await;
    Ok(super::exec::exit_status(code))
}

async fn forward_interrupt(docker: &Docker, target: &ProjectContainer) {
    let _ = docker
        .kill_container(
            &target.id,
            Some(KillContainerOptions {
                signal: "SIGINT".into(),
            }),
        )
        .await;
}
