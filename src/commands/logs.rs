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
        since: parse_time("logs", args.since.as_deref())?,
        until: parse_time("logs", args.until.as_deref())?,
        timestamps: args.timestamps,
        services: (!args.services.is_empty())
            .then(|| args.services.iter().cloned().collect::<HashSet<_>>()),
    };
    let sink = LogSink::new(Box::new(std::io::stdout()), style);
    logs::follow_project(docker, project, found, sink, query, None).await
}

/// `--since`/`--until` of `command` (logs, events): Unix seconds, an RFC 3339 time, or a Go
/// duration ago (`10m`), as Unix seconds; 0 when absent.
pub(crate) fn parse_time(command: &str, value: Option<&str>) -> Result<i32, EngineError> {
    let Some(v) = value else { return Ok(0) };
    if let Ok(secs) = v.parse::<i32>() {
        return Ok(secs);
    }
    if let Some(at) = crate::plan::images::parse_engine_time(v) {
        let secs = at
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        return Ok(secs.min(i32::MAX as u64) as i32);
    }
    let ago = Duration::parse(v).map_err(|e| EngineError::Api {
        action: command.into(),
        message: format!(
            "invalid time {v:?}: {e} (use a duration such as 10m, an RFC 3339 time, or Unix seconds)"
        ),
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
        assert_eq!(parse_time("logs", None).unwrap(), 0);
        assert_eq!(
            parse_time("logs", Some("1700000000")).unwrap(),
            1_700_000_000
        );
        assert!(parse_time("logs", Some("10m")).unwrap() > 1_700_000_000);
    }

    #[test]
    fn rfc_3339_times_are_accepted() {
        assert_eq!(
            parse_time("events", Some("2023-11-14T22:13:20Z")).unwrap(),
            1_700_000_000
        );
        assert_eq!(
            parse_time("events", Some("2023-11-15T00:13:20.5+02:00")).unwrap(),
            1_700_000_000
        );
    }

    #[test]
    fn an_unreadable_time_names_the_command_that_got_it() {
        let e = parse_time("events", Some("yesterday")).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("events"), "{text}");
        assert!(text.contains("invalid time \"yesterday\""), "{text}");
    }
}
