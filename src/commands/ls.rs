//! `hoist ls`: every Compose project on the engine, found by its containers' labels alone
//! (no compose file needed), with Compose's combined status (`exited(1), running(2)`) and
//! the config files the containers were created from.

use std::collections::BTreeMap;

use bollard::Docker;
use bollard::query_parameters::ListContainersOptions;

use crate::cli::{LsArgs, TableFormat};
use crate::engine::error::EngineError;
use crate::engine::labels;
use crate::ui::table;

/// One project as `ls` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stack {
    pub name: String,
    pub status: String,
    pub config_files: String,
}

/// Lists the projects and returns what to print.
pub async fn run(docker: &Docker, args: &LsArgs) -> Result<String, EngineError> {
    let names = name_filters(&args.filter)?;
    let filters = std::collections::HashMap::from([(
        "label".to_string(),
        vec![labels::PROJECT.to_string(), labels::CONFIG_HASH.to_string()],
    )]);
    let found = docker
        .list_containers(Some(ListContainersOptions {
            all: args.all,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .map_err(|e| EngineError::api("listing containers", e))?;
    let containers = found.into_iter().map(|c| {
        let labels = c.labels.unwrap_or_default();
        let state = c.state.map(|s| s.to_string()).unwrap_or_default();
        (labels, state)
    });
    let stacks: Vec<Stack> = stacks(containers)
        .into_iter()
        .filter(|s| names.is_empty() || names.iter().any(|n| name_matches(n, &s.name)))
        .collect();
    if args.quiet {
        return Ok(stacks.iter().map(|s| format!("{}\n", s.name)).collect());
    }
    Ok(match args.format {
        TableFormat::Json => {
            let json = serde_json::to_string(&stacks).map_err(|e| EngineError::Api {
                action: "ls".into(),
                message: e.to_string(),
            })?;
            format!("{json}\n")
        }
        TableFormat::Table => {
            let rows: Vec<Vec<String>> = stacks
                .iter()
                .map(|s| vec![s.name.clone(), s.status.clone(), s.config_files.clone()])
                .collect();
            table::render(&["NAME", "STATUS", "CONFIG FILES"], &rows)
        }
    })
}

/// Groups containers (labels, state) by project, sorted by name, as Compose does.
pub fn stacks(
    containers: impl IntoIterator<Item = (std::collections::HashMap<String, String>, String)>,
) -> Vec<Stack> {
    let mut by_project: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (labels, state) in containers {
        let Some(project) = labels.get(labels::PROJECT) else {
            continue;
        };
        let (states, files) = by_project.entry(project.clone()).or_default();
        states.push(state);
        let config_files = labels
            .get(labels::CONFIG_FILES)
            .map_or("N/A", |f| f.as_str());
        for f in config_files.split(',') {
            if !files.iter().any(|x| x == f) {
                files.push(f.to_string());
            }
        }
    }
    by_project
        .into_iter()
        .map(|(name, (states, files))| Stack {
            name,
            status: combined_status(&states),
            config_files: files.join(","),
        })
        .collect()
}

/// `exited(1), running(2)`: each state with its count, states sorted.
fn combined_status(states: &[String]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in states {
        *counts.entry(s.as_str()).or_default() += 1;
    }
    counts
        .iter()
        .map(|(s, n)| format!("{s}({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `name=...` values of `--filter`; any other key is refused, as by Compose.
fn name_filters(filters: &[String]) -> Result<Vec<String>, EngineError> {
    filters
        .iter()
        .map(|f| match f.split_once('=') {
            Some(("name", v)) => Ok(v.to_string()),
            Some((k, _)) => Err(EngineError::Refused(format!("invalid filter '{k}'"))),
            None => Err(EngineError::Refused(format!(
                "bad format of filter (expected name=value): {f}"
            ))),
        })
        .collect()
}

/// Docker matches a name filter as a regular expression anywhere in the name. hoist
/// supports the forms people type: a literal part of the name, optionally anchored with
/// `^` and `$` (other regular expression syntax is matched literally).
fn name_matches(filter: &str, name: &str) -> bool {
    if filter == name {
        return true;
    }
    let (start, rest) = match filter.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, filter),
    };
    let (end, lit) = match rest.strip_suffix('$') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    match (start, end) {
        (true, true) => name == lit,
        (true, false) => name.starts_with(lit),
        (false, true) => name.ends_with(lit),
        (false, false) => name.contains(lit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn c(project: &str, files: &str, state: &str) -> (HashMap<String, String>, String) {
        let mut l = HashMap::new();
        l.insert(labels::PROJECT.to_string(), project.to_string());
        l.insert(labels::CONFIG_FILES.to_string(), files.to_string());
        (l, state.to_string())
    }

    #[test]
    fn projects_are_sorted_with_counted_states_and_distinct_files() {
        let out = stacks([
            c("b", "/b/compose.yaml", "running"),
            c("a", "/a/compose.yaml,/a/override.yaml", "running"),
            c("a", "/a/compose.yaml", "exited"),
            c("a", "/a/compose.yaml", "running"),
        ]);
        assert_eq!(out[0].name, "a");
        assert_eq!(out[0].status, "exited(1), running(2)");
        assert_eq!(out[0].config_files, "/a/compose.yaml,/a/override.yaml");
        assert_eq!(out[1].name, "b");
    }

    #[test]
    fn name_filters_match_parts_and_anchors() {
        assert!(name_matches("air", "airflow"));
        assert!(name_matches("^air", "airflow"));
        assert!(!name_matches("^flow", "airflow"));
        assert!(name_matches("flow$", "airflow"));
        assert!(name_matches("^airflow$", "airflow"));
        assert!(!name_matches("^air$", "airflow"));
    }

    #[test]
    fn only_the_name_filter_is_accepted() {
        assert!(name_filters(&["name=x".into()]).is_ok());
        assert!(name_filters(&["status=running".into()]).is_err());
        assert!(name_filters(&["name".into()]).is_err());
    }
}
