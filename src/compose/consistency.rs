//! Checks that the canonical model holds together: every reference resolves, exclusive
//! attributes are not combined, dependencies have no cycle, container names are unique.
//! Messages follow compose-go's wording; each error names the service and its location.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{ErrorKind, LoadError, Result};
use super::node::{Mapping, Node, Value};

const INVALID: &str = "invalid compose project";

fn err(service: &str, node: &Node, message: String) -> LoadError {
    LoadError::new(ErrorKind::Consistency, message)
        .at(&node.mark)
        .for_service(service)
}

fn keys(dict: &Node, kind: &str) -> BTreeSet<String> {
    dict.get(kind)
        .and_then(Node::as_map)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn sources(node: Option<&Node>) -> Vec<&Node> {
    node.and_then(Node::as_seq)
        .map(|v| v.iter().collect())
        .unwrap_or_default()
}

/// compose-go's `checkConsistency`, on the active services (`disabled` are the services
/// profiles left out: a non-required dependency on one of them is allowed).
pub fn check(dict: &Node, disabled: &Mapping) -> Result<()> {
    let services = dict.get("services").and_then(Node::as_map);
    let networks = keys(dict, "networks");
    let volumes = keys(dict, "volumes");
    let secrets = keys(dict, "secrets");
    let configs = keys(dict, "configs");
    let models = keys(dict, "models");
    let empty = Mapping::new();
    let services = services.unwrap_or(&empty);

    for (name, s) in services {
        check_service(name, s, services, disabled, &networks, &volumes)?;
        for secret in sources(s.get("secrets"))
            .into_iter()
            .chain(sources(s.get("build").and_then(|b| b.get("secrets"))))
        {
            let source = secret
                .get("source")
                .and_then(Node::scalar_string)
                .unwrap_or_default();
            if !secrets.contains(&source) {
                return Err(err(
                    name,
                    secret,
                    format!("service {name:?} refers to undefined secret {source}: {INVALID}"),
                ));
            }
        }
        for config in sources(s.get("configs")) {
            let source = config
                .get("source")
                .and_then(Node::scalar_string)
                .unwrap_or_default();
            if !configs.contains(&source) {
                return Err(err(
                    name,
                    config,
                    format!("service {name:?} refers to undefined config {source}: {INVALID}"),
                ));
            }
        }
        if let Some(m) = s.get("models").and_then(Node::as_map) {
            for (model, node) in m {
                if !models.contains(model) {
                    return Err(err(
                        name,
                        node,
                        format!("service {name:?} refers to undefined model {model}: {INVALID}"),
                    ));
                }
            }
        }
    }
    if let Some(all) = dict.get("secrets").and_then(Node::as_map) {
        for (name, secret) in all {
            let external = secret
                .get("external")
                .is_some_and(|n| n.value == Value::Bool(true));
            if !external && secret.get("file").is_none() && secret.get("environment").is_none() {
                return Err(LoadError::new(
                    ErrorKind::Consistency,
                    format!(
                        "secret {name:?} must declare either `file` or `environment`: {INVALID}"
                    ),
                )
                .at(&secret.mark));
            }
        }
    }
    check_cycles(services)
}

fn check_service(
    name: &str,
    s: &Node,
    services: &Mapping,
    disabled: &Mapping,
    networks: &BTreeSet<String>,
    volumes: &BTreeSet<String>,
) -> Result<()> {
    let build = s.get("build");
    if build.is_none()
        && s.get("image").is_none_or(|i| i.as_str() == Some(""))
        && s.get("provider").is_none()
    {
        return Err(err(
            name,
            s,
            format!(
                "service {name:?} has neither an image nor a build context specified: {INVALID}"
            ),
        ));
    }
    if let Some(b) = build {
        if b.get("dockerfile").is_some() && b.get("dockerfile_inline").is_some() {
            return Err(err(
                name,
                b,
                format!(
                    "service {name:?} declares mutualy exclusive dockerfile and dockerfile_inline: {INVALID}"
                ),
            ));
        }
    }
    let service_networks = s.get("networks").and_then(Node::as_map);
    if s.get("network_mode").is_some() && service_networks.is_some_and(|n| !n.is_empty()) {
        return Err(err(
            name,
            s,
            format!(
                "service {name} declares mutually exclusive `network_mode` and `networks`: {INVALID}"
            ),
        ));
    }
    for (network, node) in service_networks.into_iter().flatten() {
        // compose-go moves `x-*` keys of a service's networks into its extensions map, so
        // the service then refers to a network named `#extensions`: keep that outcome.
        let network = if network.starts_with("x-") {
            "#extensions"
        } else {
            network.as_str()
        };
        if !networks.contains(network) {
            return Err(err(
                name,
                node,
                format!("service {name:?} refers to undefined network {network}: {INVALID}"),
            ));
        }
    }
    if let Some(test) = s
        .get("healthcheck")
        .and_then(|h| h.get("test"))
        .and_then(Node::as_seq)
    {
        if let Some(first) = test.first() {
            if !matches!(first.as_str(), Some("CMD" | "CMD-SHELL" | "NONE")) {
                return Err(err(
                    name,
                    first,
                    "healthcheck.test must start either by \"CMD\", \"CMD-SHELL\" or \"NONE\""
                        .into(),
                ));
            }
        }
    }
    for (dep, cfg) in s
        .get("depends_on")
        .and_then(Node::as_map)
        .into_iter()
        .flatten()
    {
        if services.contains_key(dep) {
            continue;
        }
        let required = cfg
            .get("required")
            .is_none_or(|r| r.value != Value::Bool(false));
        if disabled.contains_key(dep) && !required {
            continue;
        }
        return Err(err(
            name,
            cfg,
            format!("service {name:?} depends on undefined service {dep:?}: {INVALID}"),
        ));
    }
    if let Some(shared) = s
        .get("network_mode")
        .and_then(Node::as_str)
        .and_then(|m| m.strip_prefix("service:"))
    {
        if !services.contains_key(shared) {
            return Err(err(
                name,
                s,
                format!("service {shared:?} not found for network_mode 'service:{shared}'"),
            ));
        }
    }
    let mut mounts: BTreeMap<String, String> = BTreeMap::new();
    for (i, t) in sources(s.get("tmpfs")).into_iter().enumerate() {
        let path = t.scalar_string().unwrap_or_default();
        let path = path.split(':').next().unwrap_or_default().to_string();
        let loc = format!("services.{name}.tmpfs[{i}]");
        if let Some(p) = mounts.get(&path) {
            return Err(err(
                name,
                t,
                format!("{loc}: target {path} already mounted as {p}"),
            ));
        }
        mounts.insert(path, loc);
    }
    for (i, v) in sources(s.get("volumes")).into_iter().enumerate() {
        if v.get("type").and_then(Node::as_str) == Some("volume") {
            let source = v.get("source").and_then(Node::as_str).unwrap_or_default();
            if !source.is_empty() && !volumes.contains(source) {
                return Err(err(
                    name,
                    v,
                    format!("service {name:?} refers to undefined volume {source}: {INVALID}"),
                ));
            }
        }
        let target = v
            .get("target")
            .and_then(Node::scalar_string)
            .unwrap_or_default();
        let loc = format!("services.{name}.volumes[{i}]");
        if let Some(p) = mounts.get(&target) {
            return Err(err(
                name,
                v,
                format!("{loc}: target {target} already mounted as {p}"),
            ));
        }
        mounts.insert(target, loc);
    }
    check_scale(name, s)
}

fn int(n: Option<&Node>) -> Option<i64> {
    match n.map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i),
        Some(Value::Str(s)) => s.parse().ok(),
        _ => None,
    }
}

fn check_scale(name: &str, s: &Node) -> Result<()> {
    let scale = int(s.get("scale"));
    let replicas = int(s.get("deploy").and_then(|d| d.get("replicas")));
    if let (Some(a), Some(b)) = (scale, replicas) {
        if a != b {
            return Err(err(
                name,
                s,
                format!(
                    "services.{name}: can't set distinct values on 'scale' and 'deploy.replicas': {INVALID}"
                ),
            ));
        }
    }
    if scale.is_some_and(|v| v < 0) {
        return Err(err(
            name,
            s,
            format!("services.{name}.scale: must be greater than or equal to 0"),
        ));
    }
    if replicas.is_some_and(|v| v < 0) {
        return Err(err(
            name,
            s,
            format!("services.{name}.deploy.replicas: must be greater than or equal to 0"),
        ));
    }
    let effective = scale.or(replicas).unwrap_or(1);
    let has_name = s
        .get("container_name")
        .and_then(Node::as_str)
        .is_some_and(|n| !n.is_empty());
    if effective > 1 && has_name {
        let attr = if scale.is_some() {
            "scale"
        } else {
            "deploy.replicas"
        };
        return Err(err(
            name,
            s,
            format!(
                "services.{name}: can't set container_name and {attr} as container name must be unique: {INVALID}"
            ),
        ));
    }
    Ok(())
}

/// A dependency cycle, named member by member (`a -> b -> a`), searched in name order so
/// the same files always give the same message.
fn check_cycles(services: &Mapping) -> Result<()> {
    let graph: BTreeMap<&str, Vec<&str>> = services
        .iter()
        .map(|(name, s)| {
            let mut deps: Vec<&str> = s
                .get("depends_on")
                .and_then(Node::as_map)
                .map(|m| {
                    m.keys()
                        .map(String::as_str)
                        .filter(|d| services.contains_key(*d))
                        .collect()
                })
                .unwrap_or_default();
            deps.sort_unstable();
            (name.as_str(), deps)
        })
        .collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in graph.keys() {
        let mut path = vec![*start];
        search_cycle(&graph, &mut path, &mut done).map_err(|e| match services.get(*start) {
            Some(node) => e.at(&node.mark),
            None => e,
        })?;
    }
    Ok(())
}

fn search_cycle<'a>(
    graph: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) -> Result<()> {
    let Some(current) = path.last().copied() else {
        return Ok(());
    };
    if done.contains(current) {
        return Ok(());
    }
    for next in graph.get(current).into_iter().flatten() {
        if let Some(i) = path.iter().position(|p| p == next) {
            return Err(LoadError::new(
                ErrorKind::Consistency,
                format!(
                    "dependency cycle detected: {} -> {next}",
                    path[i..].join(" -> ")
                ),
            ));
        }
        path.push(next);
        search_cycle(graph, path, done)?;
        path.pop();
    }
    done.insert(current);
    Ok(())
}

/// Two services may not share a `container_name` (checked by `config`, as Compose does).
pub fn check_container_names(dict: &Node) -> Result<()> {
    let empty = Mapping::new();
    let services = dict
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or(&empty);
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (name, s) in services {
        let Some(cn) = s
            .get("container_name")
            .and_then(Node::as_str)
            .filter(|c| !c.is_empty())
        else {
            continue;
        };
        if let Some(other) = seen.get(cn) {
            return Err(err(
                name,
                s,
                format!(
                    "services.{name}: container name {cn:?} is already in use by service {other}"
                ),
            ));
        }
        seen.insert(cn.to_string(), name);
    }
    Ok(())
}

/// compose-go's `validation.Validate` on the merged model: mutually exclusive file sources
/// of configs and secrets, host IPs of ports, blank watch paths, device requests.
pub fn check_model(dict: &Node) -> Result<()> {
    for (kind, keys) in [
        ("configs", &["file", "environment", "content"][..]),
        ("secrets", &["file", "environment"][..]),
    ] {
        for (name, item) in dict.get(kind).and_then(Node::as_map).into_iter().flatten() {
            let Some(m) = item.as_map() else { continue };
            let count = keys.iter().filter(|k| m.contains_key(**k)).count();
            if count > 1 {
                return Err(LoadError::new(
                    ErrorKind::Consistency,
                    format!(
                        "{kind}.{name}: {} attributes are mutually exclusive",
                        keys.join("|")
                    ),
                )
                .at(&item.mark));
            }
            if count == 0 && !m.contains_key("driver") && !m.contains_key("external") {
                return Err(LoadError::new(
                    ErrorKind::Consistency,
                    format!("{kind}.{name}: one of {} must be set", keys.join("|")),
                )
                .at(&item.mark));
            }
        }
    }
    for (name, s) in dict
        .get("services")
        .and_then(Node::as_map)
        .into_iter()
        .flatten()
    {
        for (i, p) in sources(s.get("ports")).into_iter().enumerate() {
            if let Some(ip) = p.get("host_ip").and_then(Node::as_str) {
                if ip.parse::<std::net::IpAddr>().is_err() {
                    return Err(err(
                        name,
                        p,
                        format!("services.{name}.ports.{i}: invalid ip address: {ip}"),
                    ));
                }
            }
        }
        for w in sources(s.get("develop").and_then(|d| d.get("watch"))) {
            if w.get("path").and_then(Node::as_str) == Some("") {
                return Err(err(
                    name,
                    w,
                    format!("services.{name}.develop.watch.path: value can't be blank"),
                ));
            }
        }
        let devices = sources(
            s.get("deploy")
                .and_then(|d| d.get("resources"))
                .and_then(|r| r.get("reservations"))
                .and_then(|r| r.get("devices")),
        )
        .into_iter()
        .chain(sources(s.get("gpus")));
        for d in devices {
            if d.get("count").is_some() && d.get("device_ids").is_some() {
                return Err(err(
                    name,
                    d,
                    format!(
                        "services.{name}: \"count\" and \"device_ids\" attributes are exclusive"
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: serde_json::Value) -> Node {
        Node::from_json(&json)
    }

    #[test]
    fn cycle_is_named_member_by_member() {
        let d = doc(serde_json::json!({"services": {
            "service1": {"image": "x", "depends_on": {"service2": {}}},
            "service2": {"image": "x", "depends_on": {"service3": {}}},
            "service3": {"image": "x", "depends_on": {"service1": {}}}}}));
        let e = check(&d, &Mapping::new()).unwrap_err();
        assert_eq!(
            e.message,
            "dependency cycle detected: service1 -> service2 -> service3 -> service1"
        );
    }

    #[test]
    fn service_without_image_or_build_is_rejected() {
        let d = doc(serde_json::json!({"services": {"a": {"command": ["x"]}}}));
        let e = check(&d, &Mapping::new()).unwrap_err();
        assert!(
            e.message
                .contains("has neither an image nor a build context")
        );
        assert_eq!(e.service.as_deref(), Some("a"));
    }

    #[test]
    fn undefined_network_is_rejected() {
        let d =
            doc(serde_json::json!({"services": {"a": {"image": "x", "networks": {"back": null}}}}));
        let e = check(&d, &Mapping::new()).unwrap_err();
        assert!(e.message.contains("refers to undefined network back"));
    }

    #[test]
    fn network_mode_with_networks_is_rejected() {
        let d = doc(
            serde_json::json!({"networks": {"n": {}}, "services": {"a": {
            "image": "x", "network_mode": "host", "networks": {"n": null}}}}),
        );
        let e = check(&d, &Mapping::new()).unwrap_err();
        assert!(
            e.message
                .contains("mutually exclusive `network_mode` and `networks`")
        );
    }

    #[test]
    fn duplicate_container_names_are_rejected() {
        let d = doc(serde_json::json!({"services": {
            "a": {"image": "x", "container_name": "c"}, "b": {"image": "x", "container_name": "c"}}}));
        check(&d, &Mapping::new()).unwrap();
        let e = check_container_names(&d).unwrap_err();
        assert!(
            e.message
                .contains("container name \"c\" is already in use by service a")
        );
    }

    #[test]
    fn undefined_volume_secret_and_config_are_rejected() {
        for (svc, what) in [
            (
                serde_json::json!({"image": "x", "volumes": [{"type": "volume", "source": "v", "target": "/v"}]}),
                "undefined volume v",
            ),
            (
                serde_json::json!({"image": "x", "secrets": [{"source": "s"}]}),
                "undefined secret s",
            ),
            (
                serde_json::json!({"image": "x", "configs": [{"source": "c"}]}),
                "undefined config c",
            ),
        ] {
            let d = doc(serde_json::json!({"services": {"a": svc}}));
            let e = check(&d, &Mapping::new()).unwrap_err();
            assert!(e.message.contains(what), "{}", e.message);
        }
    }

    #[test]
    fn optional_dependency_on_a_disabled_service_is_allowed() {
        let d = doc(serde_json::json!({"services": {"a": {"image": "x",
            "depends_on": {"b": {"condition": "service_started", "required": false}}}}}));
        let mut disabled = Mapping::new();
        disabled.insert("b".into(), Node::null());
        check(&d, &disabled).unwrap();
        let mut d2 = d.clone();
        d2.get_mut("services")
            .unwrap()
            .get_mut("a")
            .unwrap()
            .get_mut("depends_on")
            .unwrap()
            .get_mut("b")
            .unwrap()
            .as_map_mut()
            .unwrap()
            .insert("required".into(), Node::synthetic(Value::Bool(true)));
        assert!(check(&d2, &disabled).is_err());
    }

    #[test]
    fn secret_needs_a_source() {
        let d = doc(serde_json::json!({"secrets": {"s": {"file": "a", "environment": "B"}}}));
        assert!(
            check_model(&d)
                .unwrap_err()
                .message
                .contains("mutually exclusive")
        );
    }
}
