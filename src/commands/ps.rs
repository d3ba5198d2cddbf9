//! `hoist ps`: the project's containers with Compose's columns (and JSON Lines).

use crate::cli::{PsArgs, TableFormat};
use crate::engine::containers::{self, ProjectContainer};
use crate::engine::error::EngineError;
use crate::ui::table;

/// Lists the containers and returns what to print.
pub async fn run(
    docker: &bollard::Docker,
    project: &str,
    args: &PsArgs,
) -> Result<String, EngineError> {
    let mut statuses = args.status.clone();
    if let Some(filter) = &args.filter {
        match filter.split_once('=') {
            Some(("status", v)) => statuses.push(v.to_string()),
            _ => {
                return Err(EngineError::Api {
                    action: "ps".into(),
                    message: format!("invalid filter {filter:?}: only status=... is supported"),
                });
            }
        }
    }
    let all = args.all || !statuses.is_empty();
    let found: Vec<ProjectContainer> = containers::list(docker, project, all)
        .await?
        .into_iter()
        .filter(|c| args.services.is_empty() || args.services.contains(&c.service))
        .filter(|c| statuses.is_empty() || statuses.contains(&c.state))
        .collect();
    if args.services_only {
        let mut names: Vec<String> = found.iter().map(|c| c.service.clone()).collect();
        names.dedup();
        return Ok(names.into_iter().map(|n| n + "\n").collect());
    }
    if args.quiet {
        return Ok(found.iter().map(|c| format!("{}\n", c.id)).collect());
    }
    Ok(match args.format {
        TableFormat::Json => found
            .iter()
            .map(|c| format!("{}\n", json_line(c)))
            .collect(),
        TableFormat::Table => {
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|c| {
                    vec![
                        c.name.clone(),
                        c.image.clone(),
                        format!("\"{}\"", truncate(&c.command, 20)),
                        c.service.clone(),
                        created_ago(c.created),
                        c.status.clone(),
                        ports(c),
                    ]
                })
                .collect();
            table::render(
                &[
                    "NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS",
                ],
                &rows,
            )
        }
    })
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// `0.0.0.0:8080->80/tcp, 443/tcp` as the docker CLI prints ports.
fn ports(c: &ProjectContainer) -> String {
    let mut items: Vec<String> = c
        .ports
        .iter()
        .map(|(ip, public, private, proto)| match public {
            Some(p) => {
                let ip = if ip.contains(':') {
                    format!("[{ip}]")
                } else {
                    ip.clone()
                };
                format!("{ip}:{p}->{private}/{proto}")
            }
            None => format!("{private}/{proto}"),
        })
        .collect();
    items.dedup();
    items.join(", ")
}

/// `3 minutes ago`, as the docker CLI says it.
pub(crate) fn created_ago(created: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(created);
    let secs = (now - created).max(0);
    let (n, unit) = match secs {
        0..=59 => (secs, "second"),
        60..=3599 => (secs / 60, "minute"),
        3600..=86_399 => (secs / 3600, "hour"),
        _ => (secs / 86_400, "day"),
    };
    if n == 1 {
        format!("1 {unit} ago")
    } else {
        format!("{n} {unit}s ago")
    }
}

fn health_of(status: &str) -> &'static str {
    if status.contains("(healthy)") {
        "healthy"
    } else if status.contains("(unhealthy)") {
        "unhealthy"
    } else if status.contains("(health: starting)") {
        "starting"
    } else {
        ""
    }
}

/// One JSON object per container, with Compose v2.40's field names.
fn json_line(c: &ProjectContainer) -> serde_json::Value {
    let publishers: Vec<serde_json::Value> = c
        .ports
        .iter()
        .map(|(ip, public, private, proto)| {
            serde_json::json!({"URL": ip, "TargetPort": private, "PublishedPort": public.unwrap_or(0), "Protocol": proto})
        })
        .collect();
    let exit_code = c
        .status
        .strip_prefix("Exited (")
        .and_then(|s| s.split(')').next())
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    serde_json::json!({
        "Command": format!("\"{}\"", c.command),
        "CreatedAt": c.created,
        "ExitCode": exit_code,
        "Health": health_of(&c.status),
        "ID": c.id,
        "Image": c.image,
        "Labels": c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","),
        "Name": c.name,
        "Names": c.name,
        "Networks": c.networks.join(","),
        "Ports": ports(c),
        "Project": c.labels.get(crate::engine::labels::PROJECT).cloned().unwrap_or_default(),
        "Publishers": publishers,
        "RunningFor": created_ago(c.created),
        "Service": c.service,
        "State": c.state,
        "Status": c.status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_is_read_from_the_status() {
        assert_eq!(health_of("Up 3 seconds (healthy)"), "healthy");
        assert_eq!(health_of("Up 1 second (health: starting)"), "starting");
        assert_eq!(health_of("Exited (0) 2 seconds ago"), "");
    }

    #[test]
    fn long_commands_are_cut_with_an_ellipsis() {
        assert_eq!(truncate("short", 20), "short");
        assert_eq!(
            truncate("a-command-that-is-very-long", 10).chars().count(),
            10
        );
    }
}
