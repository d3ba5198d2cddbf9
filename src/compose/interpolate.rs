//! `${VAR}` interpolation over a whole document: every string value (never a key) goes
//! through the template engine, then values at typed paths (ports' target, booleans, counts)
//! are cast from the interpolated string, as compose-go does.

use super::error::{ErrorKind, LoadError, Result};
use super::node::{Node, Value};
use super::template::{self, TemplateError};

/// What a string at a typed path becomes after interpolation.
#[derive(Clone, Copy, Debug)]
enum Cast {
    Int,
    Float,
    Bool,
}

/// Paths (`*` any key, `[]` any list item) whose string values are cast after interpolation.
const CASTS: &[(&[&str], Cast)] = &[
    (&["services", "*", "cpu_count"], Cast::Int),
    (&["services", "*", "cpu_percent"], Cast::Float),
    (&["services", "*", "cpu_period"], Cast::Int),
    (&["services", "*", "cpu_quota"], Cast::Int),
    (&["services", "*", "cpu_rt_period"], Cast::Int),
    (&["services", "*", "cpu_rt_runtime"], Cast::Int),
    (&["services", "*", "cpus"], Cast::Float),
    (&["services", "*", "cpu_shares"], Cast::Int),
    (&["services", "*", "init"], Cast::Bool),
    (&["services", "*", "deploy", "replicas"], Cast::Int),
    (
        &["services", "*", "deploy", "update_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "update_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "rollback_config", "parallelism"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "rollback_config",
            "max_failure_ratio",
        ],
        Cast::Float,
    ),
    (
        &["services", "*", "deploy", "restart_policy", "max_attempts"],
        Cast::Int,
    ),
    (
        &[
            "services",
            "*",
            "deploy",
            "placement",
            "max_replicas_per_node",
        ],
        Cast::Int,
    ),
    (&["services", "*", "healthcheck", "retries"], Cast::Int),
    (&["services", "*", "healthcheck", "disable"], Cast::Bool),
    (&["services", "*", "oom_kill_disable"], Cast::Bool),
    (&["services", "*", "oom_score_adj"], Cast::Int),
    (&["services", "*", "pids_limit"], Cast::Int),
    (&["services", "*", "ports", "[]", "target"], Cast::Int),
    (&["services", "*", "privileged"], Cast::Bool),
    (&["services", "*", "read_only"], Cast::Bool),
    (&["services", "*", "scale"], Cast::Int),
    (&["services", "*", "stdin_open"], Cast::Bool),
    (&["services", "*", "tty"], Cast::Bool),
    (&["services", "*", "ulimits", "*"], Cast::Int),
    (&["services", "*", "ulimits", "*", "hard"], Cast::Int),
    (&["services", "*", "ulimits", "*", "soft"], Cast::Int),
    (&["services", "*", "volumes", "[]", "read_only"], Cast::Bool),
    (
        &["services", "*", "volumes", "[]", "volume", "nocopy"],
        Cast::Bool,
    ),
    (&["networks", "*", "external"], Cast::Bool),
    (&["networks", "*", "internal"], Cast::Bool),
    (&["networks", "*", "attachable"], Cast::Bool),
    (&["networks", "*", "enable_ipv4"], Cast::Bool),
    (&["networks", "*", "enable_ipv6"], Cast::Bool),
    (&["volumes", "*", "external"], Cast::Bool),
    (&["secrets", "*", "external"], Cast::Bool),
    (&["configs", "*", "external"], Cast::Bool),
];

/// Interpolates every string of `doc` in place. `lookup` gives variable values; each use of
/// an unset variable without a default adds Compose's warning to `warnings`.
pub fn interpolate(
    doc: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let mut path: Vec<String> = Vec::new();
    walk(doc, &mut path, lookup, warnings)
}

fn walk(
    node: &mut Node,
    path: &mut Vec<String>,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    match &mut node.value {
        Value::Str(s) => {
            if s.contains('$') {
                let mut on_unset = |name: &str| {
                    warnings.push(format!(
                        "The \"{name}\" variable is not set. Defaulting to a blank string."
                    ));
                };
                let out = template::substitute(s, lookup, &mut on_unset)
                    .map_err(|e| template_error(e, path).at(&node.mark))?;
                *s = out;
            }
            if let Some(cast) = cast_for(path) {
                let text = s.clone();
                node.value = apply_cast(cast, &text, warnings).map_err(|e| {
                    LoadError::new(
                        ErrorKind::Interpolation,
                        format!(
                            "error while interpolating {}: failed to cast to expected type: {e}",
                            path.join(".")
                        ),
                    )
                    .at(&node.mark)
                })?;
            }
        }
        Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                path.push(k.clone());
                let r = walk(v, path, lookup, warnings);
                path.pop();
                r?;
            }
        }
        Value::Seq(items) => {
            path.push("[]".to_string());
            for v in items.iter_mut() {
                if let Err(e) = walk(v, path, lookup, warnings) {
                    path.pop();
                    return Err(e);
                }
            }
            path.pop();
        }
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
    }
    Ok(())
}

fn template_error(e: TemplateError, path: &[String]) -> LoadError {
    LoadError::new(ErrorKind::Interpolation, e.at_path(&path.join(".")))
}

fn cast_for(path: &[String]) -> Option<Cast> {
    CASTS.iter().find_map(|(pattern, cast)| {
        (pattern.len() == path.len()
            && pattern
                .iter()
                .zip(path)
                .all(|(p, k)| *p == "*" || *p == k.as_str()))
        .then_some(*cast)
    })
}

fn apply_cast(
    cast: Cast,
    text: &str,
    warnings: &mut Vec<String>,
) -> std::result::Result<Value, String> {
    match cast {
        Cast::Int => text
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("strconv.Atoi: parsing \"{text}\": invalid syntax")),
        Cast::Float => text
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| format!("strconv.ParseFloat: parsing \"{text}\": invalid syntax")),
        Cast::Bool => match text.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            // YAML 1.1 words still work, with Compose's warning.
            "y" | "yes" | "on" => {
                warnings.push(format!(
                    "\"{text}\" for boolean is not supported by YAML 1.2, please use `true`"
                ));
                Ok(Value::Bool(true))
            }
            "n" | "no" | "off" => {
                warnings.push(format!(
                    "\"{text}\" for boolean is not supported by YAML 1.2, please use `false`"
                ));
                Ok(Value::Bool(false))
            }
            _ => Err(format!("invalid boolean: {text}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::node::Mapping;

    fn doc(json: serde_json::Value) -> Node {
        Node::from_json(&json)
    }

    fn env(k: &str) -> Option<String> {
        match k {
            "PORT" => Some("8080".into()),
            "TAG" => Some("1.2".into()),
            "YES" => Some("true".into()),
            _ => None,
        }
    }

    #[test]
    fn strings_are_substituted_but_keys_are_not() {
        let mut d = doc(serde_json::json!({"services": {"${TAG}": {"image": "app:${TAG}"}}}));
        let mut w = Vec::new();
        interpolate(&mut d, &env, &mut w).unwrap();
        let svc = d.get("services").unwrap().get("${TAG}").unwrap();
        assert_eq!(svc.get("image").unwrap().as_str(), Some("app:1.2"));
    }

    #[test]
    fn unset_variable_warns_once_per_use() {
        let mut d =
            doc(serde_json::json!({"services": {"a": {"image": "${NOPE}", "command": "${NOPE}"}}}));
        let mut w = Vec::new();
        interpolate(&mut d, &env, &mut w).unwrap();
        assert_eq!(w.len(), 2);
        assert!(w[0].contains("\"NOPE\" variable is not set"));
    }

    #[test]
    fn typed_paths_are_cast_after_interpolation() {
        let mut d = doc(serde_json::json!({"services": {"a": {
            "ports": [{"target": "${PORT}"}], "tty": "${YES}", "scale": "3"}}}));
        let mut w = Vec::new();
        interpolate(&mut d, &env, &mut w).unwrap();
        let a = d.get("services").unwrap().get("a").unwrap();
        assert_eq!(a.get("tty").unwrap().value, Value::Bool(true));
        assert_eq!(a.get("scale").unwrap().value, Value::Int(3));
        let port = &a.get("ports").unwrap().as_seq().unwrap()[0];
        assert_eq!(port.get("target").unwrap().value, Value::Int(8080));
    }

    #[test]
    fn bad_cast_names_the_path() {
        let mut d = doc(serde_json::json!({"services": {"a": {"tty": "maybe"}}}));
        let err = interpolate(&mut d, &env, &mut Vec::new()).unwrap_err();
        assert!(err.message.contains("services.a.tty"), "{}", err.message);
        assert!(err.message.contains("invalid boolean: maybe"));
    }

    #[test]
    fn required_variable_error_names_the_path() {
        let mut d = doc(
            serde_json::json!({"services": {"test": {"image": "${ID:?ID variable must be set}"}}}),
        );
        let err = interpolate(&mut d, &env, &mut Vec::new()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Interpolation);
        assert!(
            err.message
                .starts_with("error while interpolating services.test.image: required variable ID"),
            "{}",
            err.message
        );
    }

    #[test]
    fn non_string_scalars_are_left_alone() {
        let mut m = Mapping::new();
        m.insert("x".into(), Node::synthetic(Value::Int(3)));
        let mut d = Node::map(m);
        interpolate(&mut d, &env, &mut Vec::new()).unwrap();
        assert_eq!(d.get("x").unwrap().value, Value::Int(3));
    }
}
