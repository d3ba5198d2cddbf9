//! `hoist events`: the project's container events as they happen, as Compose prints them
//! (text lines, or `--json` objects with Compose's fields: `action`, `attributes`, `id`,
//! `service`, `time`, `type`).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use bollard::Docker;
use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;

use crate::cli::EventsArgs;
use crate::engine::error::EngineError;
use crate::engine::labels;

/// One event of a service container, with Compose's labels left out of its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceEvent {
    /// Nanoseconds since the Unix epoch.
    pub time_nano: i64,
    pub service: String,
    pub container: String,
    pub action: String,
    pub attributes: BTreeMap<String, String>,
}

/// Streams the events to standard output until `--until` is reached or the user stops it.
pub async fn run(docker: &Docker, project: &str, args: &EventsArgs) -> Result<(), EngineError> {
    let filters = HashMap::from([
        ("type".to_string(), vec!["container".to_string()]),
        (
            "label".to_string(),
            vec![format!("{}={project}", labels::PROJECT)],
        ),
    ]);
    let since = time_arg(args.since.as_deref())?;
    let until = time_arg(args.until.as_deref())?;
    let mut stream = docker.events(Some(EventsOptions {
        since,
        until,
        filters: Some(filters),
    }));
    let mut out = std::io::stdout();
    while let Some(event) = stream.next().await {
        let event = event.map_err(|e| EngineError::api("reading events", e))?;
        let Some(e) = service_event(event) else {
            continue;
        };
        if !args.services.is_empty() && !args.services.contains(&e.service) {
            continue;
        }
        let line = if args.json {
            json_line(&e)
        } else {
            text_line(&e)
        };
        // A closed pipe (`hoist events | head`) ends the command quietly.
        if out
            .write_all(line.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            return Ok(());
        }
    }
    Ok(())
}

/// `--since`/`--until` as the engine takes them: Unix seconds (an RFC 3339 time or a
/// duration ago is converted).
fn time_arg(value: Option<&str>) -> Result<Option<String>, EngineError> {
    match value {
        None => Ok(None),
        Some(v) => Ok(Some(
            super::logs::parse_time("events", Some(v))?.to_string(),
        )),
    }
}

/// The event of a service container; `None` for one-off containers and other objects.
pub fn service_event(event: EventMessage) -> Option<ServiceEvent> {
    let actor = event.actor?;
    let attributes = actor.attributes.unwrap_or_default();
    if attributes.get(labels::ONEOFF).map(String::as_str) == Some("True") {
        return None;
    }
    let service = attributes.get(labels::SERVICE).cloned().unwrap_or_default();
    let time_nano = match event.time_nano {
        Some(n) if n != 0 => n,
        _ => event.time.unwrap_or(0) * 1_000_000_000,
    };
    Some(ServiceEvent {
        time_nano,
        service,
        container: actor.id.unwrap_or_default(),
        action: event.action.unwrap_or_default(),
        attributes: attributes
            .into_iter()
            .filter(|(k, _)| !k.starts_with("com.docker.compose."))
            .collect(),
    })
}

/// Compose's text form, `2024-05-01 10:00:00.123456 container start ID (k=v, k=v)`,
/// followed by the empty line Compose prints after each event.
pub fn text_line(e: &ServiceEvent) -> String {
    let (date, time, nanos) = utc(e.time_nano);
    let attrs: Vec<String> = e
        .attributes
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!(
        "{date} {time}.{:06} container {} {} ({})\n\n",
        nanos / 1000,
        e.action,
        e.container,
        attrs.join(", ")
    )
}

/// Compose's `--json` object: keys sorted (Go marshals a map), the time in RFC 3339 with
/// nanoseconds, one object per line.
pub fn json_line(e: &ServiceEvent) -> String {
    let (date, time, nanos) = utc(e.time_nano);
    let fraction = if nanos == 0 {
        String::new()
    } else {
        format!(".{nanos:09}").trim_end_matches('0').to_string()
    };
    let value = serde_json::json!({
        "action": e.action,
        "attributes": e.attributes,
        "id": e.container,
        "service": e.service,
        "time": format!("{date}T{time}{fraction}Z"),
        "type": "container",
    });
    format!("{}\n", crate::compose::gojson::to_string(&value))
}

/// (`YYYY-MM-DD`, `HH:MM:SS`, nanoseconds) of a Unix time in nanoseconds, in UTC.
fn utc(time_nano: i64) -> (String, String, i64) {
    let secs = time_nano.div_euclid(1_000_000_000);
    let nanos = time_nano.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60),
        nanos,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> ServiceEvent {
        ServiceEvent {
            time_nano: 1_700_000_000_123_456_700,
            service: "web".into(),
            container: "abc".into(),
            action: "start".into(),
            attributes: BTreeMap::from([
                ("image".to_string(), "busybox".to_string()),
                ("name".to_string(), "p-web-1".to_string()),
            ]),
        }
    }

    #[test]
    fn text_lines_are_composes() {
        assert_eq!(
            text_line(&event()),
            "2023-11-14 22:13:20.123456 container start abc (image=busybox, name=p-web-1)\n\n"
        );
    }

    #[test]
    fn json_lines_have_composes_fields_in_go_order() {
        assert_eq!(
            json_line(&event()),
            "{\"action\":\"start\",\"attributes\":{\"image\":\"busybox\",\"name\":\"p-web-1\"},\"id\":\"abc\",\"service\":\"web\",\"time\":\"2023-11-14T22:13:20.1234567Z\",\"type\":\"container\"}\n"
        );
    }

    #[test]
    fn dates_before_march_and_leap_days_are_right() {
        assert_eq!(utc(0).0, "1970-01-01");
        assert_eq!(utc(951_782_400 * 1_000_000_000).0, "2000-02-29");
    }
}
