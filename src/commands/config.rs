//! `hoist config`: the project as Docker Compose resolves it, or one facet of it.

use std::collections::BTreeSet;

use crate::cli::{ConfigArgs, ConfigFormat};
use crate::compose::error::Result;
use crate::compose::load::{self, LoadOptions, Loaded};
use crate::compose::node::{Node, Value};
use crate::compose::{consistency, emit, gojson, model, normalize, template};
use crate::exit::Error;
use crate::ui::table;

/// Runs `config` and returns what it prints on standard output.
pub fn run(
    args: &ConfigArgs,
    mut opts: LoadOptions,
    warnings: &mut Vec<String>,
) -> Result<String, Error> {
    opts.interpolate = !args.no_interpolate;
    opts.normalize = !args.no_normalize;
    opts.resolve_paths = !args.no_path_resolution;
    opts.consistency = !args.no_consistency;
    let opts_consistency = opts.consistency;
    // Like Compose, the listings and the hash see `env_file` unresolved.
    let listing = args.list_services
        || args.volumes
        || args.networks
        || args.profiles
        || args.images
        || args.hash.is_some();
    opts.resolve_env_files = !args.no_env_resolution && !listing;
    opts.services = args.services.clone();

    if args.environment {
        return Ok(environment(&opts));
    }
    if args.variables {
        opts.interpolate = false;
        let loaded = load::load(&opts, warnings)?;
        return Ok(variables(&loaded.document, args.format));
    }
    let loaded = load::load(&opts, warnings)?;
    let project = select(loaded, &args.services)?;

    let out = if args.list_services {
        lines(service_order(&project.document))
    } else if args.volumes {
        lines(keys(&project.document, "volumes"))
    } else if args.networks {
        lines(keys(&project.document, "networks"))
    } else if args.profiles {
        lines(profiles(&project))
    } else if let Some(which) = &args.hash {
        hashes(&project, which)?
    } else if args.no_interpolate {
        raw_model(&project, args.format)
    } else {
        if opts_consistency {
            consistency::check_container_names(&project.document)?;
        }
        let decoded = model::Project::from_json(project_json(&project))?;
        if args.images {
            lines(
                decoded
                    .services
                    .iter()
                    .map(|(name, s)| image_or_default(&decoded.name, name, s))
                    .collect(),
            )
        } else {
            let text = match args.format {
                ConfigFormat::Json => emit::project_to_json(&decoded)?,
                ConfigFormat::Yaml => emit::project_to_yaml(&decoded),
            };
            gojson::escape_dollars(&text)
        }
    };
    if args.quiet {
        return Ok(String::new());
    }
    if let Some(path) = &args.output {
        std::fs::write(path, &out).map_err(|source| Error::Output {
            what: path.display().to_string(),
            source,
        })?;
        return Ok(String::new());
    }
    Ok(out)
}

/// Keeps the services named on the command line (and their dependencies) and the resources
/// they use, as Compose does for every command.
fn select(mut loaded: Loaded, services: &[String]) -> Result<Loaded> {
    normalize::select_services(&mut loaded.document, &loaded.disabled, services)?;
    normalize::drop_unused_resources(&mut loaded.document);
    Ok(loaded)
}

/// The document in the shape the model decodes (the project name included).
fn project_json(loaded: &Loaded) -> serde_json::Value {
    let mut json = loaded.document.to_json();
    if let Some(obj) = json.as_object_mut() {
        obj.insert(
            "name".into(),
            serde_json::Value::String(loaded.name.clone()),
        );
    }
    json
}

fn lines(items: Vec<String>) -> String {
    items.into_iter().map(|s| s + "\n").collect()
}

/// The names under the top-level mapping `kind` (services, networks, ...), in the document's order.
pub(crate) fn keys(doc: &Node, kind: &str) -> Vec<String> {
    doc.get(kind)
        .and_then(Node::as_map)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Every profile any service (active or not) declares, sorted.
fn profiles(loaded: &Loaded) -> Vec<String> {
    let active = loaded.document.get("services").and_then(Node::as_map);
    let all = active.into_iter().flatten().chain(loaded.disabled.iter());
    let set: BTreeSet<String> = all
        .flat_map(|(_, s)| {
            s.get("profiles")
                .and_then(Node::as_seq)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p.scalar_string())
        .collect();
    set.into_iter().collect()
}

/// Service names with every service after the services it depends on (name order among
/// independent ones).
pub fn service_order(doc: &Node) -> Vec<String> {
    let Some(services) = doc.get("services").and_then(Node::as_map) else {
        return Vec::new();
    };
    let mut names: Vec<&String> = services.keys().collect();
    names.sort();
    let mut done: Vec<String> = Vec::new();
    let mut visiting: BTreeSet<String> = BTreeSet::new();
    fn visit(
        name: &str,
        services: &crate::compose::node::Mapping,
        done: &mut Vec<String>,
        visiting: &mut BTreeSet<String>,
    ) {
        if done.iter().any(|d| d == name) || !visiting.insert(name.to_string()) {
            return;
        }
        if let Some(Value::Map(deps)) = services
            .get(name)
            .and_then(|s| s.get("depends_on"))
            .map(|d| &d.value)
        {
            let mut deps: Vec<&String> = deps.keys().collect();
            deps.sort();
            for d in deps {
                if services.contains_key(d) {
                    visit(d, services, done, visiting);
                }
            }
        }
        done.push(name.to_string());
    }
    for n in names {
        visit(n, services, &mut done, &mut visiting);
    }
    done
}

fn hashes(loaded: &Loaded, which: &str) -> Result<String> {
    let decoded = model::Project::from_json(project_json(loaded))?;
    let mut names: Vec<String> = if which == "*" {
        decoded.services.keys().cloned().collect()
    } else {
        which.split(',').map(str::to_string).collect()
    };
    names.sort();
    let mut out = String::new();
    for name in names {
        let service = decoded.services.get(&name).ok_or_else(|| {
            crate::compose::error::LoadError::new(
                crate::compose::error::ErrorKind::Consistency,
                format!("no such service: {name}"),
            )
        })?;
        out.push_str(&format!("{name} {}\n", gojson::service_hash(service)));
    }
    Ok(out)
}

/// `config --environment`: the interpolation environment, one `KEY=value` per line.
fn environment(opts: &LoadOptions) -> String {
    let mut vars: Vec<String> = opts
        .environment
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    vars.sort();
    lines(vars)
}

/// The image a service runs: its `image`, else the `<project>-<service>` a build produces.
fn image_or_default(project: &str, name: &str, service: &model::ServiceConfig) -> String {
    if service.image.is_empty() {
        format!("{project}-{name}")
    } else {
        service.image.clone()
    }
}

/// `config --variables`: every variable the files use, with its default and alternate
/// value, as a table (or JSON with `--format json`).
fn variables(doc: &Node, format: ConfigFormat) -> String {
    let mut found: std::collections::BTreeMap<String, template::Variable> = Default::default();
    collect_variables(doc, &mut found);
    match format {
        ConfigFormat::Json => {
            let json: serde_json::Map<String, serde_json::Value> = found
                .into_iter()
                .map(|(name, v)| {
                    let value = serde_json::json!({
                        "Name": v.name,
                        "DefaultValue": v.default_value,
                        "PresenceValue": v.presence_value,
                        "Required": v.required,
                    });
                    (name, value)
                })
                .collect();
            format!("{}\n", serde_json::Value::Object(json))
        }
        ConfigFormat::Yaml => {
            let rows: Vec<Vec<String>> = found
                .into_values()
                .map(|v| {
                    vec![
                        v.name,
                        v.required.to_string(),
                        v.default_value,
                        v.presence_value,
                    ]
                })
                .collect();
            table::render(
                &["NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"],
                &rows,
            )
        }
    }
}

fn collect_variables(
    node: &Node,
    found: &mut std::collections::BTreeMap<String, template::Variable>,
) {
    match &node.value {
        Value::Str(s) => {
            for v in template::variables(s) {
                found.insert(v.name.clone(), v);
            }
        }
        Value::Seq(items) => items.iter().for_each(|n| collect_variables(n, found)),
        Value::Map(m) => m.values().for_each(|n| collect_variables(n, found)),
        _ => {}
    }
}

/// `config --no-interpolate`: Compose cannot build its typed project from a model that
/// still holds `${...}`, so it prints the untyped model (every service, whatever its
/// profiles; map keys sorted) and so does hoist.
fn raw_model(loaded: &Loaded, format: ConfigFormat) -> String {
    let mut json = project_json(loaded);
    if let Some(services) = json.get_mut("services").and_then(|s| s.as_object_mut()) {
        for (name, s) in &loaded.disabled {
            services.insert(name.clone(), s.to_json());
        }
    }
    let go = model::GoValue::from_json(&json);
    match format {
        ConfigFormat::Json => gojson::to_string_indent(&go.to_json()),
        ConfigFormat::Yaml => emit::to_yaml(&go),
    }
}
