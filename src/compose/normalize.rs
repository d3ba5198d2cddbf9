//! compose-go's normalization of the canonical model: the default network, build defaults,
//! implicit dependencies (links, `service:` namespaces, volumes_from), resource names; then
//! profiles, the services' `env_file` and `label_file`, and service selection.

use std::collections::BTreeSet;
use std::path::Path;

use super::environment::Environment;
use super::error::{ErrorKind, LoadError, Result};
use super::node::{Mapping, Node, Value};

/// Fills defaults and implicit dependencies. `dict["name"]` must hold the project name.
pub fn normalize(dict: &mut Node, env: &Environment) -> Result<()> {
    normalize_networks(dict);
    let lookup = |k: &str| env.get(k).map(str::to_string);
    if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            let Some(s) = service.as_map_mut() else {
                continue;
            };
            normalize_service(s, &lookup);
        }
    }
    set_names_from_keys(dict);
    Ok(())
}

fn normalize_service(s: &mut Mapping, lookup: &dyn Fn(&str) -> Option<String>) {
    if s.get("pull_policy").and_then(Node::as_str) == Some("if_not_present") {
        s.insert("pull_policy".into(), Node::string("missing"));
    }
    if let Some(build) = s.get_mut("build").and_then(Node::as_map_mut) {
        if build.get("context").is_none_or(Node::is_null) {
            build.insert("context".into(), Node::string("."));
        }
        if build.get("dockerfile").is_none_or(Node::is_null)
            && build.get("dockerfile_inline").is_none_or(Node::is_null)
        {
            build.insert("dockerfile".into(), Node::string("Dockerfile"));
        }
        if let Some(args) = build.get_mut("args") {
            resolve_from_env(args, lookup, false);
        }
    }
    if let Some(environment) = s.get_mut("environment") {
        resolve_from_env(environment, lookup, true);
    }

    let mut depends_on = match s.shift_remove("depends_on") {
        Some(Node {
            value: Value::Map(m),
            ..
        }) => m,
        _ => Mapping::new(),
    };
    let mut implicit = |name: &str, restart: bool| {
        if !depends_on.contains_key(name) {
            depends_on.insert(name.to_string(), dependency("service_started", restart));
        }
    };
    if let Some(links) = s.get("links").and_then(Node::as_seq) {
        for link in links.iter().filter_map(Node::as_str) {
            let parts: Vec<&str> = link.split(':').collect();
            let name = if parts.len() == 2 { parts[0] } else { link };
            implicit(name, true);
        }
    }
    for namespace in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
        if let Some(shared) = s
            .get(namespace)
            .and_then(Node::as_str)
            .and_then(|r| r.strip_prefix("service:"))
        {
            implicit(shared, true);
        }
    }
    if let Some(volumes) = s.get_mut("volumes").and_then(Node::as_seq_mut) {
        for volume in volumes.iter_mut() {
            if let Some(target) = volume.get_mut("target") {
                if let Value::Str(t) = &mut target.value {
                    *t = super::paths::go_clean(t);
                }
            }
        }
    }
    if let Some(from) = s.get("volumes_from").and_then(Node::as_seq) {
        for v in from.iter().filter_map(Node::as_str) {
            if !v.starts_with("container:") {
                let name = v.split(':').next().unwrap_or(v);
                implicit(name, false);
            }
        }
    }
    if !depends_on.is_empty() {
        s.insert("depends_on".into(), Node::map(depends_on));
    }
}

fn dependency(condition: &str, restart: bool) -> Node {
    let mut m = Mapping::new();
    m.insert("condition".into(), Node::string(condition));
    m.insert("restart".into(), Node::synthetic(Value::Bool(restart)));
    m.insert("required".into(), Node::synthetic(Value::Bool(true)));
    Node::map(m)
}

/// Null values of a mapping (`KEY` without `=`) take their value from the environment;
/// without one they are kept as null (`keep_empty`) or dropped.
fn resolve_from_env(node: &mut Node, lookup: &dyn Fn(&str) -> Option<String>, keep_empty: bool) {
    if let Value::Map(m) = &mut node.value {
        m.retain(|k, v| {
            if !v.is_null() {
                return true;
            }
            match lookup(k) {
                Some(found) => {
                    v.value = Value::Str(found);
                    true
                }
                None => keep_empty,
            }
        });
    }
}

/// Services without `networks` (and without `network_mode` or `provider`) join `default`,
/// which is then declared.
fn normalize_networks(dict: &mut Node) {
    let mut uses_default = false;
    if let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            let Some(s) = service.as_map_mut() else {
                continue;
            };
            if s.contains_key("provider") || s.contains_key("network_mode") {
                continue;
            }
            match s.get("networks").map(|n| &n.value) {
                Some(Value::Map(m)) if !m.is_empty() => {
                    uses_default |= m.contains_key("default");
                }
                _ => {
                    let mut m = Mapping::new();
                    m.insert("default".into(), Node::null());
                    s.insert("networks".into(), Node::map(m));
                    uses_default = true;
                }
            }
        }
    }
    let Some(root) = dict.as_map_mut() else {
        return;
    };
    let networks = root
        .entry("networks".to_string())
        .or_insert_with(|| Node::map(Mapping::new()));
    if networks.is_null() {
        *networks = Node::map(Mapping::new());
    }
    if let Some(m) = networks.as_map_mut() {
        if uses_default && !m.contains_key("default") {
            m.insert("default".into(), Node::null());
        }
        if m.is_empty() {
            root.shift_remove("networks");
        }
    }
}

/// Networks, volumes, configs and secrets get `name`: the key for external ones, else
/// `<project>_<key>`.
fn set_names_from_keys(dict: &mut Node) {
    let project = dict
        .get("name")
        .and_then(Node::scalar_string)
        .unwrap_or_default();
    for kind in ["networks", "volumes", "configs", "secrets"] {
        let Some(resources) = dict.get_mut(kind).and_then(Node::as_map_mut) else {
            continue;
        };
        for (key, resource) in resources.iter_mut() {
            if resource.is_null() {
                *resource = Node::map(Mapping::new()).at(&resource.mark);
            }
            let Some(r) = resource.as_map_mut() else {
                continue;
            };
            if r.get("name").is_none_or(Node::is_null) {
                let external = r.get("external").is_some_and(is_true);
                let name = if external {
                    key.clone()
                } else {
                    format!("{project}_{key}")
                };
                r.insert("name".into(), Node::string(name));
            }
        }
    }
}

fn is_true(n: &Node) -> bool {
    match &n.value {
        Value::Bool(b) => *b,
        Value::Str(s) => super::environment::parse_go_bool(s).unwrap_or(false),
        Value::Int(i) => *i == 1,
        _ => false,
    }
}

/// Splits services into active and disabled by profile: a service without profiles is
/// always active; `*` activates all; a service named in `requested` activates its own
/// profiles (Compose's `WithServicesEnabled`).
pub fn apply_profiles(
    mut dict: Node,
    profiles: &[String],
    requested: &[String],
) -> (Node, Mapping) {
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return (dict, Mapping::new());
    };
    let mut active: Vec<String> = profiles.to_vec();
    let (enabled, _) = split_by_profile(services, &active);
    for name in requested {
        if !enabled.contains(name) {
            if let Some(s) = services.get(name) {
                active.extend(profiles_of(s));
            }
        }
    }
    let (_, disabled_names) = split_by_profile(services, &active);
    let mut disabled = Mapping::new();
    for name in disabled_names {
        if let Some(s) = services.shift_remove(&name) {
            disabled.insert(name, s);
        }
    }
    (dict, disabled)
}

fn profiles_of(service: &Node) -> Vec<String> {
    service
        .get("profiles")
        .and_then(Node::as_seq)
        .map(|v| v.iter().filter_map(Node::scalar_string).collect())
        .unwrap_or_default()
}

fn split_by_profile(services: &Mapping, active: &[String]) -> (BTreeSet<String>, Vec<String>) {
    let mut enabled = BTreeSet::new();
    let mut disabled = Vec::new();
    for (name, s) in services {
        let own = profiles_of(s);
        if own.is_empty() || active.iter().any(|p| p == "*" || own.contains(p)) {
            enabled.insert(name.clone());
        } else {
            disabled.push(name.clone());
        }
    }
    (enabled, disabled)
}

/// Folds each service's `env_file` into its `environment` (the service's own values win)
/// and drops `env_file`, as `docker compose config` does.
pub fn resolve_service_environment(dict: &mut Node, env: &Environment) -> Result<()> {
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(());
    };
    for (name, service) in services.iter_mut() {
        let Some(s) = service.as_map_mut() else {
            continue;
        };
        let own: Mapping = match s.get("environment").map(|n| &n.value) {
            Some(Value::Map(m)) => m.clone(),
            _ => Mapping::new(),
        };
        let mut own = own;
        for (k, v) in own.iter_mut() {
            if v.is_null() {
                if let Some(found) = env.get(k) {
                    v.value = Value::Str(found.to_string());
                }
            }
        }
        let Some(env_files) = s.shift_remove("env_file") else {
            if !own.is_empty() {
                s.insert("environment".into(), Node::map(own));
            }
            continue;
        };
        let mut merged: indexmap::IndexMap<String, String> = own
            .iter()
            .filter_map(|(k, v)| v.scalar_string().map(|s| (k.clone(), s)))
            .collect();
        for file in env_files.as_seq().into_iter().flatten() {
            load_env_file(file, &mut merged, env, &own).map_err(|e| e.for_service(name))?;
        }
        let mut out: Mapping = merged
            .into_iter()
            .map(|(k, v)| (k, Node::string(v)))
            .collect();
        for (k, v) in own {
            out.insert(k, v);
        }
        if !out.is_empty() {
            s.insert("environment".into(), Node::map(out));
        }
    }
    Ok(())
}

fn load_env_file(
    file: &Node,
    vars: &mut indexmap::IndexMap<String, String>,
    env: &Environment,
    own: &Mapping,
) -> Result<()> {
    let path = file
        .get("path")
        .and_then(Node::as_str)
        .or_else(|| file.as_str())
        .unwrap_or_default()
        .to_string();
    let required = file.get("required").is_none_or(is_true);
    let format = file.get("format").and_then(Node::as_str);
    if !Path::new(&path).exists() {
        if required {
            return Err(LoadError::new(
                ErrorKind::Env,
                format!("env file {path} not found: stat {path}: no such file or directory"),
            )
            .at(&file.mark));
        }
        return Ok(());
    }
    let content = std::fs::read_to_string(&path).map_err(|e| {
        LoadError::new(ErrorKind::Env, format!("reading env file {path}: {e}")).at(&file.mark)
    })?;
    let lookup = |k: &str| {
        env.get(k)
            .map(str::to_string)
            .or_else(|| own.get(k).and_then(Node::scalar_string))
    };
    super::dotenv::parse_into(&content, &path, format, vars, &lookup, &mut |_| {})
        .map_err(|e| e.at(&file.mark))
}

/// Folds each service's `label_file` into its `labels` (the service's own labels win).
pub fn resolve_label_files(dict: &mut Node) -> Result<()> {
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(());
    };
    for (name, service) in services.iter_mut() {
        let Some(s) = service.as_map_mut() else {
            continue;
        };
        let Some(files) = s.shift_remove("label_file") else {
            continue;
        };
        let mut labels: indexmap::IndexMap<String, String> = indexmap::IndexMap::new();
        for file in files.as_seq().into_iter().flatten() {
            let path = file.scalar_string().unwrap_or_default();
            let content = std::fs::read_to_string(&path).map_err(|_| {
                LoadError::new(
                    ErrorKind::Env,
                    format!("label file {path} not found: stat {path}: no such file or directory"),
                )
                .at(&file.mark)
                .for_service(name)
            })?;
            let known = labels.clone();
            let parsed = super::dotenv::parse(&content, &path, &|k| known.get(k).cloned())?;
            labels.extend(parsed);
        }
        let mut out: Mapping = labels
            .into_iter()
            .map(|(k, v)| (k, Node::string(v)))
            .collect();
        if let Some(Value::Map(own)) = s.get("labels").map(|n| &n.value) {
            for (k, v) in own {
                out.insert(k.clone(), v.clone());
            }
        }
        if !out.is_empty() {
            s.insert("labels".into(), Node::map(out));
        }
    }
    Ok(())
}

/// Secrets and configs declared with `environment:` take their content from that variable.
pub fn resolve_secret_and_config_environment(dict: &mut Node, env: &Environment) {
    for (kind, field) in [("secrets", "x-#value"), ("configs", "content")] {
        let Some(items) = dict.get_mut(kind).and_then(Node::as_map_mut) else {
            continue;
        };
        for item in items.values_mut() {
            let Some(m) = item.as_map_mut() else { continue };
            let Some(var) = m.get("environment").and_then(Node::as_str) else {
                continue;
            };
            if let Some(found) = env.get(var) {
                m.insert(field.into(), Node::string(found));
            }
        }
    }
}

/// Keeps only `names` and their dependencies (transitively); dependencies on services left
/// out are dropped. Unknown names are an error.
pub fn select_services(dict: &mut Node, disabled: &Mapping, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return Ok(());
    };
    let mut keep: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(name) = todo.pop() {
        if keep.contains(&name) {
            continue;
        }
        let Some(s) = services.get(&name) else {
            if disabled.contains_key(&name) {
                return Err(LoadError::new(
                    ErrorKind::Consistency,
                    format!("service {name:?} is disabled by its profiles"),
                ));
            }
            return Err(LoadError::new(
                ErrorKind::Consistency,
                format!("no such service: {name}"),
            ));
        };
        if let Some(deps) = s.get("depends_on").and_then(Node::as_map) {
            for (dep, cfg) in deps {
                let required = cfg.get("required").is_none_or(is_true);
                if services.contains_key(dep) || required {
                    todo.push(dep.clone());
                }
            }
        }
        keep.insert(name);
    }
    services.retain(|name, _| keep.contains(name));
    for s in services.values_mut() {
        if let Some(deps) = s.get_mut("depends_on").and_then(Node::as_map_mut) {
            deps.retain(|d, _| keep.contains(d));
            if deps.is_empty() {
                if let Some(m) = s.as_map_mut() {
                    m.shift_remove("depends_on");
                }
            }
        }
    }
    Ok(())
}

/// Drops networks, volumes, secrets, configs and models no active service uses
/// (Compose's `WithoutUnnecessaryResources`).
pub fn drop_unused_resources(dict: &mut Node) {
    let mut used: [BTreeSet<String>; 5] = Default::default();
    if let Some(services) = dict.get("services").and_then(Node::as_map) {
        for s in services.values() {
            if let Some(n) = s.get("networks").and_then(Node::as_map) {
                used[0].extend(n.keys().cloned());
            }
            for v in s
                .get("volumes")
                .and_then(Node::as_seq)
                .into_iter()
                .flatten()
            {
                if v.get("type").and_then(Node::as_str) == Some("volume") {
                    if let Some(src) = v
                        .get("source")
                        .and_then(Node::as_str)
                        .filter(|s| !s.is_empty())
                    {
                        used[1].insert(src.to_string());
                    }
                }
            }
            let sources = |n: Option<&Node>| -> Vec<String> {
                n.and_then(Node::as_seq)
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i.get("source").and_then(Node::scalar_string))
                    .collect()
            };
            used[2].extend(sources(s.get("secrets")));
            used[2].extend(sources(s.get("build").and_then(|b| b.get("secrets"))));
            used[3].extend(sources(s.get("configs")));
            if let Some(m) = s.get("models").and_then(Node::as_map) {
                used[4].extend(m.keys().cloned());
            }
        }
    }
    let Some(root) = dict.as_map_mut() else {
        return;
    };
    for (i, kind) in ["networks", "volumes", "secrets", "configs", "models"]
        .iter()
        .enumerate()
    {
        if let Some(m) = root.get_mut(*kind).and_then(Node::as_map_mut) {
            m.retain(|k, _| used[i].contains(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: serde_json::Value) -> Node {
        Node::from_json(&json)
    }

    #[test]
    fn services_without_networks_join_default() {
        let mut d = doc(serde_json::json!({"name": "p", "services": {"a": {"image": "x"}}}));
        normalize(&mut d, &Environment::default()).unwrap();
        let j = d.to_json();
        assert_eq!(
            j["services"]["a"]["networks"],
            serde_json::json!({"default": null})
        );
        assert_eq!(j["networks"]["default"]["name"], "p_default");
    }

    #[test]
    fn network_mode_service_adds_an_implicit_dependency() {
        let mut d = doc(serde_json::json!({"name": "p", "services": {
            "a": {"image": "x", "network_mode": "service:b"}, "b": {"image": "x"}}}));
        normalize(&mut d, &Environment::default()).unwrap();
        let j = d.to_json();
        assert_eq!(
            j["services"]["a"]["depends_on"]["b"],
            serde_json::json!({"condition": "service_started", "restart": true, "required": true})
        );
        assert!(j["services"]["a"].get("networks").is_none());
    }

    #[test]
    fn external_resources_keep_their_key_as_name() {
        let mut d =
            doc(serde_json::json!({"name": "p", "volumes": {"v": {"external": true}, "w": null}}));
        normalize(&mut d, &Environment::default()).unwrap();
        let j = d.to_json();
        assert_eq!(j["volumes"]["v"]["name"], "v");
        assert_eq!(j["volumes"]["w"]["name"], "p_w");
    }

    #[test]
    fn profiles_disable_services_unless_named() {
        let d = doc(serde_json::json!({"services": {
            "a": {"image": "x"}, "dbg": {"image": "x", "profiles": ["debug"]}}}));
        let (active, disabled) = apply_profiles(d.clone(), &[], &[]);
        assert!(active.get("services").unwrap().get("dbg").is_none());
        assert!(disabled.contains_key("dbg"));
        let (active, _) = apply_profiles(d.clone(), &["debug".into()], &[]);
        assert!(active.get("services").unwrap().get("dbg").is_some());
        let (active, _) = apply_profiles(d, &[], &["dbg".into()]);
        assert!(active.get("services").unwrap().get("dbg").is_some());
    }

    #[test]
    fn selecting_a_service_keeps_its_dependencies() {
        let mut d = doc(serde_json::json!({"services": {
            "web": {"depends_on": {"db": {"condition": "service_started", "required": true}}},
            "db": {}, "other": {}}}));
        select_services(&mut d, &Mapping::new(), &["web".into()]).unwrap();
        let s = d.get("services").unwrap().as_map().unwrap();
        assert!(s.contains_key("web") && s.contains_key("db") && !s.contains_key("other"));
        let err = select_services(&mut d, &Mapping::new(), &["nope".into()]).unwrap_err();
        assert!(err.message.contains("no such service: nope"));
    }
}
