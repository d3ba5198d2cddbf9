//! `hoist exec SERVICE COMMAND...`: runs a command in a running container of the service,
//! with a TTY when the user sits at a terminal and plain streams otherwise; the exit
//! status is the command's own.

use bollard::Docker;

use crate::cli::ExecArgs;
use crate::compose::model::Mapping;
use crate::engine::containers;
use crate::engine::exec::{self, ExecRequest};
use crate::exit::Error;
use crate::ui::terminal;

/// Runs `args` in project `project`; `environment` resolves `-e KEY` without a value.
/// Returns the command's exit status.
pub async fn run(
    docker: &Docker,
    project: &str,
    args: &ExecArgs,
    environment: &Mapping,
) -> Result<i32, Error> {
    let tty = terminal::wants_tty(args.no_tty, args.tty);
    terminal::check_tty(args.interactive, tty).map_err(Error::Usage)?;
    let running = containers::list(docker, project, false).await?;
    let target = containers::pick(&running, &args.service, args.index)?;
    let request = ExecRequest {
        command: args.command.clone(),
        env: moby_env(&args.env, environment),
        user: args.user.clone(),
        workdir: args.workdir.clone(),
        privileged: args.privileged,
        tty,
        stdin: args.interactive,
        detach: args.detach,
    };
    let code = exec::exec(docker, &target, &request).await?;
    Ok(exit_status(code))
}

/// `-e` entries as the engine takes them: `KEY=VALUE`; a bare `KEY` takes its value from
/// `environment` (the shell and `.env`), and stays bare when it has none.
pub fn moby_env(entries: &[String], environment: &Mapping) -> Vec<String> {
    entries
        .iter()
        .map(|e| match (e.contains('='), environment.get(e)) {
            (false, Some(v)) => format!("{e}={v}"),
            _ => e.clone(),
        })
        .collect()
}

/// A process status as a shell sees it (0-255).
pub fn exit_status(code: i64) -> i32 {
    (code & 0xff) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_variables_take_the_environment_value() {
        let mut env = Mapping::new();
        env.insert("HOME_DIR".into(), "/home/me".into());
        let out = moby_env(&["A=1".into(), "HOME_DIR".into(), "NOPE".into()], &env);
        assert_eq!(out, vec!["A=1", "HOME_DIR=/home/me", "NOPE"]);
    }

    #[test]
    fn statuses_wrap_like_a_shell() {
        assert_eq!(exit_status(3), 3);
        assert_eq!(exit_status(256 + 7), 7);
        assert_eq!(exit_status(-1), 255);
    }
}
