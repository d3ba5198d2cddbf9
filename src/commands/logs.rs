//! `hoist logs`: the containers' output with Compose's `name | ` prefixes.

use std::collections::HashSet;
use std::io::IsTerminal;

use crate::cli::{Ansi, LogsArgs};
use crate::compose::model::Duration;
use crate::engine::containers;
use crate::engine::error::EngineError;
use crate::engine::logs::{self, LogQuery, LogSink, LogStyle};

/// Prints the logs (to stdout, as they arrive).
pub async fn run(
    docker: &bollard::Docker,
    project: &str,
    args: &LogsArgs,
    ansi: Ansi,
) -> Result<(), EngineError> {
    let found: Vec<_> = containers::list(docker, project, true)
        .await?
        .into_iter()
        .filter(|c| args.services.is_empty() || args.services.contains(&c.service))
        .collect();
    let width = found.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let style = LogStyle {
        prefix: !args.no_log_prefix,
        color: !args.no_color
            && crate::ui::color::color_enabled(ansi, std::io::stdout().is_terminal()),
        timestamps: args.timestamps,
        width,
    };
    let query = LogQuery {
        follow: args.follow,
        tail: args.tail.clone(),
        since: parse_time(args.since.as_deref())?,
        until: parse_time(args.until.as_deref())?,
        timestamps: args.timestamps,
        services: (!args.services.is_empty())
            .then(|| args.services.iter().cloned().collect::<HashSet<_>>()),
    };
    let sink = LogSink::new(Box::new(std::io::stdout()), style);
    logs::follow_project(docker, project, found, sink, query, None).await
}

/// `--since`/`--until`: a Go duration ago (`10m`) or Unix seconds; 0 when absent.
pub(crate) fn parse_time(value: Option<&str>) -> Result<i32, EngineError> {
    let Some(v) = value else { return Ok(0) };
    if let Ok(secs) = v.parse::<i32>() {
        return Ok(secs);
    }
    let ago = Duration::parse(v).map_err(|e| EngineError::Api {
        action: "logs".into(),
        message: format!("invalid time {v:?}: {e} (use a duration such as 10m, or Unix seconds)"),
    })?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok((now - ago.0 / 1_000_000_000).clamp(0, i32::MAX as i64) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_unix_seconds_are_accepted() {
        assert_eq!(parse_time(None).unwrap(), 0);
        assert_eq!(parse_time(Some("1700000000")).unwrap(), 1_700_000_000);
        assert!(parse_time(Some("10m")).unwrap() > 1_700_000_000);
        assert!(parse_time(Some("yesterday")).is_err());
    }
}
