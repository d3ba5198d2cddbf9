//! `hoist images`: the images the project's containers run, with Compose's columns
//! (`CONTAINER REPOSITORY TAG PLATFORM IMAGE ID SIZE CREATED`), `-q` and `--format json`.

use bollard::Docker;
use serde_json::json;

use crate::cli::{ImagesArgs, TableFormat};
use crate::compose::model::Project;
use crate::engine::containers;
use crate::engine::error::EngineError;
use crate::engine::images::split_tag;
use crate::plan::images::parse_engine_time;
use crate::ui::table;

/// Lists the images of the project's containers (stopped ones too) and returns the output.
pub async fn run(
    docker: &Docker,
    project: &Project,
    args: &ImagesArgs,
) -> Result<String, EngineError> {
    let found = containers::list(docker, &project.name, true).await?;
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    let mut ids = Vec::new();
    for c in found
        .iter()
        .filter(|c| args.services.is_empty() || args.services.contains(&c.service))
    {
        let reference = if c.image_id.is_empty() {
            &c.image
        } else {
            &c.image_id
        };
        let info = match docker.inspect_image(reference).await {
            Ok(i) => i,
            Err(e) if EngineError::is_not_found(&e) => continue,
            Err(e) => return Err(EngineError::api(format!("inspecting image {reference}"), e)),
        };
        let id = info.id.clone().unwrap_or_default();
        let (repo, tag) = if c.image.starts_with("sha256:") {
            ("<none>".to_string(), "<none>".to_string())
        } else {
            let (r, t) = split_tag(&c.image);
            (r.to_string(), t.to_string())
        };
        let platform = [
            info.os.clone(),
            info.architecture.clone(),
            info.variant.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/");
        let size = info.size.unwrap_or(0).max(0) as u64;
        let last_tag = info.metadata.as_ref().and_then(|m| m.last_tag_time.clone());
        let when = last_tag
            .as_deref()
            .and_then(parse_engine_time)
            .or_else(|| info.created.as_deref().and_then(parse_engine_time));
        let created = when
            .map(|t| {
                let age = std::time::SystemTime::now()
                    .duration_since(t)
                    .unwrap_or_default();
                format!("{} ago", human_duration(age.as_secs()))
            })
            .unwrap_or_default();
        let short = id
            .trim_start_matches("sha256:")
            .chars()
            .take(12)
            .collect::<String>();
        rows.push(vec![
            c.name.clone(),
            repo.clone(),
            tag.clone(),
            platform.clone(),
            short,
            crate::ui::progress::human_size_with_precision(size, 3),
            created,
        ]);
        json_rows.push(json!({
            "ID": id,
            "ContainerName": c.name,
            "Repository": repo,
            "Tag": tag,
            "Platform": platform,
            "Size": size,
            "LastTagTime": last_tag.unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
        }));
        ids.push(id);
    }
    if args.quiet {
        // Each image once, in first-seen order: replicas and services share images.
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(id.clone()));
        return Ok(ids.into_iter().map(|i| i + "\n").collect());
    }
    Ok(match args.format {
        TableFormat::Json => format!("{}\n", serde_json::Value::Array(json_rows)),
        TableFormat::Table => table::render(
            &[
                "CONTAINER",
                "REPOSITORY",
                "TAG",
                "PLATFORM",
                "IMAGE ID",
                "SIZE",
                "CREATED",
            ],
            &rows,
        ),
    })
}

/// go-units' `HumanDuration` (`About a minute`, `3 hours`, `2 weeks`).
fn human_duration(secs: u64) -> String {
    let minutes = secs / 60;
    let hours = (secs as f64 / 3600.0 + 0.5) as u64;
    match secs {
        0 => "Less than a second".into(),
        1 => "1 second".into(),
        2..=59 => format!("{secs} seconds"),
        _ if minutes == 1 => "About a minute".into(),
        _ if minutes < 60 => format!("{minutes} minutes"),
        _ if hours == 1 => "About an hour".into(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        _ => format!("{} years", secs / 3600 / 24 / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_have_three_significant_digits() {
        assert_eq!(
            crate::ui::progress::human_size_with_precision(1_984_227, 3),
            "1.98MB"
        );
        assert_eq!(
            crate::ui::progress::human_size_with_precision(3_001_193, 3),
            "3MB"
        );
        assert_eq!(
            crate::ui::progress::human_size_with_precision(512, 3),
            "512B"
        );
        assert_eq!(
            crate::ui::progress::human_size_with_precision(45_600_000, 3),
            "45.6MB"
        );
    }

    #[test]
    fn durations_read_like_docker() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(75), "About a minute");
        assert_eq!(human_duration(600), "10 minutes");
        assert_eq!(human_duration(3 * 86_400), "3 days");
    }
}
