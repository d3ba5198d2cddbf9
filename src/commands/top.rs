//! `hoist top`: the processes of the project's running containers, one table for all, with
//! Compose's `SERVICE` and `#` (replica) columns first and `CMD` last.

use std::collections::HashMap;

use bollard::Docker;

use crate::cli::ServicesArgs;
use crate::engine::containers;
use crate::engine::error::EngineError;
use crate::ui::table;

/// One container's `ps` output as the engine reports it.
struct Procs {
    name: String,
    service: String,
    replica: String,
    titles: Vec<String>,
    processes: Vec<Vec<String>>,
}

/// Lists the processes; returns the table (nothing when no container runs).
pub async fn run(
    docker: &Docker,
    project: &str,
    args: &ServicesArgs,
) -> Result<String, EngineError> {
    let found: Vec<_> = containers::list(docker, project, false)
        .await?
        .into_iter()
        .filter(|c| args.services.is_empty() || args.services.contains(&c.service))
        .collect();
    let tops = found.iter().map(|c| async move {
        let top = docker
            .top_processes(&c.id, None)
            .await
            .map_err(|e| EngineError::api(format!("listing the processes of {}", c.name), e))?;
        Ok::<_, EngineError>(Procs {
            name: c.name.clone(),
            service: c.service.clone(),
            replica: c
                .labels
                .get(crate::engine::labels::CONTAINER_NUMBER)
                .cloned()
                .unwrap_or_default(),
            titles: top.titles.unwrap_or_default(),
            processes: top.processes.unwrap_or_default(),
        })
    });
    let mut all = futures_util::future::try_join_all(tops).await?;
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(render(&all))
}

/// Compose's layout: the union of every container's titles in first-seen order, `CMD`
/// moved to the end, `-` where a container lacks a column.
fn render(all: &[Procs]) -> String {
    let mut header: Vec<String> = vec!["SERVICE".into(), "#".into()];
    let mut rows: Vec<HashMap<&str, &str>> = Vec::new();
    for c in all {
        for proc in &c.processes {
            let mut row: HashMap<&str, &str> = HashMap::new();
            row.insert("SERVICE", &c.service);
            row.insert("#", &c.replica);
            for (i, title) in c.titles.iter().enumerate() {
                if !header.contains(title) {
                    header.push(title.clone());
                }
                row.insert(title, proc.get(i).map_or("", String::as_str));
            }
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    if let Some(pos) = header.iter().position(|h| h == "CMD") {
        let cmd = header.remove(pos);
        header.push(cmd);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            header
                .iter()
                .map(|h| row.get(h.as_str()).map_or("-", |v| v).to_string())
                .collect()
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    table::render_with(&header, &cells, 4, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmd_goes_last_and_missing_columns_are_dashes() {
        let a = Procs {
            name: "p-a-1".into(),
            service: "a".into(),
            replica: "1".into(),
            titles: vec!["PID".into(), "CMD".into(), "C".into()],
            processes: vec![vec!["7".into(), "sleep 9".into(), "0".into()]],
        };
        let b = Procs {
            name: "p-b-1".into(),
            service: "b".into(),
            replica: "1".into(),
            titles: vec!["PID".into(), "CMD".into()],
            processes: vec![vec!["8".into(), "sh".into()]],
        };
        let out = render(&[a, b]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "SERVICE  #   PID  C   CMD");
        assert_eq!(lines[1], "a        1   7    0   sleep 9");
        assert_eq!(lines[2], "b        1   8    -   sh");
    }
}
