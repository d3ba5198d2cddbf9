//! The loader pipeline, step by step as Docker Compose runs it: read and parse each file,
//! interpolate, apply `extends`, `!reset`/`!override`, `include`, merge into the model,
//! validate, canonicalize; then defaults, relative paths, normalization, profiles,
//! consistency, and the services' environment.

use std::path::{Path, PathBuf};

use super::environment::Environment;
use super::error::{ErrorKind, LoadError, Result};
use super::node::{Mapping, Node, Value};
use super::{
    canonical, consistency, extends, include, interpolate, merge, normalize, paths, schema, yaml,
};

/// Where a compose file comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    Path(PathBuf),
    /// `-f -`: standard input.
    Stdin,
}

impl ConfigSource {
    /// The name Compose uses for the file in messages and labels.
    pub fn display_name(&self, working_dir: &Path) -> String {
        match self {
            ConfigSource::Path(p) => p.display().to_string(),
            ConfigSource::Stdin => working_dir.join("-").display().to_string(),
        }
    }
}

/// Everything the loader needs to know, already resolved from flags and environment.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub files: Vec<ConfigSource>,
    /// The project directory (absolute).
    pub working_dir: PathBuf,
    /// Variables for interpolation (shell, then env files).
    pub environment: Environment,
    /// The env files that were read into `environment`.
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// A project name given with `-p` or `COMPOSE_PROJECT_NAME`.
    pub project_name: Option<String>,
    pub interpolate: bool,
    pub normalize: bool,
    pub resolve_paths: bool,
    pub consistency: bool,
    /// Fold each service's `env_file` into its `environment`.
    pub resolve_env_files: bool,
    /// Services named on the command line: they enable their own profiles.
    pub services: Vec<String>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            files: Vec::new(),
            working_dir: PathBuf::from("."),
            environment: Environment::default(),
            env_files: Vec::new(),
            profiles: Vec::new(),
            project_name: None,
            interpolate: true,
            normalize: true,
            resolve_paths: true,
            consistency: true,
            resolve_env_files: true,
            services: Vec::new(),
        }
    }
}

/// A loaded project: the canonical document plus what the loader learned on the way.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub name: String,
    /// The canonical, normalized document with only the active services.
    pub document: Node,
    /// Services left out by profiles.
    pub disabled: Mapping,
    pub working_dir: PathBuf,
    /// The compose files, as Compose names them in labels.
    pub config_files: Vec<String>,
    /// The interpolation environment (with `COMPOSE_PROJECT_NAME` set).
    pub environment: Environment,
}

/// Lexically cleans a path (`a/./b/../c` -> `a/c`) as Go's `filepath.Clean` does.
pub fn clean_path(p: &Path) -> PathBuf {
    PathBuf::from(super::paths::go_clean(&p.to_string_lossy()))
}

/// Compose's project name normalization: lowercase, keep `[a-z0-9_-]`, trim leading `_`/`-`.
pub fn normalize_project_name(s: &str) -> String {
    let kept: String = s
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

/// One file, read and parsed.
pub(crate) struct ParsedFile {
    name: String,
    documents: Vec<Node>,
}

/// Loads the project described by `opts`. Warnings Compose would print are appended to
/// `warnings`.
pub fn load(opts: &LoadOptions, warnings: &mut Vec<String>) -> Result<Loaded> {
    if opts.files.is_empty() {
        return Err(LoadError::new(ErrorKind::Io, "no compose file specified"));
    }
    let parsed = opts
        .files
        .iter()
        .map(|f| parse_source(f, &opts.working_dir))
        .collect::<Result<Vec<_>>>()?;

    let name = project_name(opts, &parsed, warnings)?;
    let mut environment = opts.environment.clone();
    environment.set("COMPOSE_PROJECT_NAME", name.clone());

    let ctx = FileContext {
        working_dir: opts.working_dir.clone(),
        environment: environment.clone(),
        interpolate: opts.interpolate,
        resolve_paths: opts.resolve_paths,
    };
    let mut dict = load_model(&ctx, parsed, &[], warnings)?;

    if dict.as_map().is_none_or(|m| m.is_empty()) {
        return Err(LoadError::new(ErrorKind::Project, "empty compose file"));
    }
    if name.is_empty() {
        return Err(LoadError::new(
            ErrorKind::Project,
            "project name must not be empty",
        ));
    }
    if opts.normalize {
        if let Some(m) = dict.as_map_mut() {
            m.insert("name".into(), Node::string(name.clone()));
        }
        normalize::normalize(&mut dict, &environment)?;
    }

    let (mut document, disabled) = normalize::apply_profiles(dict, &opts.profiles, &opts.services);
    if opts.consistency {
        consistency::check(&document, &disabled)?;
    }
    if opts.resolve_env_files {
        normalize::resolve_service_environment(&mut document, &environment)?;
    }
    normalize::resolve_label_files(&mut document)?;

    Ok(Loaded {
        name,
        document,
        disabled,
        working_dir: opts.working_dir.clone(),
        config_files: opts
            .files
            .iter()
            .map(|f| f.display_name(&opts.working_dir))
            .collect(),
        environment,
    })
}

pub(crate) fn parse_source(source: &ConfigSource, working_dir: &Path) -> Result<ParsedFile> {
    let name = source.display_name(working_dir);
    let text = match source {
        ConfigSource::Path(p) => std::fs::read_to_string(p).map_err(|e| {
            LoadError::new(
                ErrorKind::Io,
                format!("open {}: {}", p.display(), io_reason(&e)),
            )
        })?,
        ConfigSource::Stdin => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| {
                LoadError::new(ErrorKind::Io, format!("reading standard input: {e}"))
            })?;
            s
        }
    };
    let documents = yaml::parse_documents(&text, &name).map_err(|mut e| {
        // Compose words YAML errors as `failed to parse FILE: ...`, except non-string keys.
        if !e.message.starts_with("non-string key") {
            e.message = format!("failed to parse {name}: {}", e.message);
        }
        e
    })?;
    Ok(ParsedFile { name, documents })
}

/// Go-style wording of an I/O error ("no such file or directory").
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// `-p` / `COMPOSE_PROJECT_NAME`, else `name:` from the files (interpolated, normalized),
/// else the project directory's base name (normalized).
fn project_name(
    opts: &LoadOptions,
    parsed: &[ParsedFile],
    warnings: &mut Vec<String>,
) -> Result<String> {
    if let Some(name) = &opts.project_name {
        return Ok(name.clone());
    }
    let from_yaml = parsed
        .iter()
        .flat_map(|f| f.documents.iter())
        .filter_map(|d| d.get("name"))
        .filter_map(Node::scalar_string)
        .rfind(|n| !n.is_empty());
    match from_yaml {
        Some(raw) => {
            let mut node = Node::string(raw);
            if opts.interpolate {
                let env = &opts.environment;
                interpolate::interpolate(&mut node, &|k| env.get(k).map(str::to_string), warnings)?;
            }
            Ok(normalize_project_name(node.as_str().unwrap_or_default()))
        }
        None => {
            let base = opts
                .working_dir
                .file_name()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            Ok(normalize_project_name(&base))
        }
    }
}

/// What loading one set of files depends on (the main project or an included one).
#[derive(Clone, Debug)]
pub(crate) struct FileContext {
    pub working_dir: PathBuf,
    pub environment: Environment,
    pub interpolate: bool,
    pub resolve_paths: bool,
}

impl FileContext {
    fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |k| self.environment.get(k).map(str::to_string)
    }
}

/// compose-go's `loadYamlModel`: every document of every file folded into one model, then
/// defaults, model checks and relative paths.
pub(crate) fn load_model(
    ctx: &FileContext,
    files: Vec<ParsedFile>,
    included: &[String],
    warnings: &mut Vec<String>,
) -> Result<Node> {
    let mut dict = Node::map(Mapping::new());
    for file in files {
        for doc in file.documents {
            dict = load_document(ctx, &file.name, doc, dict, included, warnings)?;
        }
    }
    canonical::set_defaults(&mut dict)?;
    consistency::check_model(&dict)?;
    if ctx.resolve_paths {
        let home = paths::home_dir().map(PathBuf::from);
        paths::resolve_relative_paths(&mut dict, &ctx.working_dir, home.as_deref())?;
    }
    normalize::resolve_secret_and_config_environment(&mut dict, &ctx.environment);
    Ok(dict)
}

/// compose-go's `processRawYaml` for one YAML document of `file`.
fn load_document(
    ctx: &FileContext,
    file: &str,
    mut doc: Node,
    dict: Node,
    included: &[String],
    warnings: &mut Vec<String>,
) -> Result<Node> {
    if doc.as_map().is_none() {
        return Err(
            LoadError::new(ErrorKind::Schema, "top-level object must be a mapping")
                .at(&doc.mark)
                .in_file(file),
        );
    }
    // `!reset`/`!override` are read off the raw document, before interpolation.
    let resets = merge::take_reset_paths(&mut doc);
    if ctx.interpolate {
        interpolate::interpolate(&mut doc, &ctx.lookup(), warnings)?;
    }
    let load_base = |path: &Path| load_extends_base(ctx, path);
    extends::apply_extends(
        &mut doc,
        &extends::ExtendsContext {
            working_dir: &ctx.working_dir,
            file,
            resets: &resets,
            load: &load_base,
        },
    )?;

    let mut dict = dict;
    merge::apply_reset_paths(&mut dict, &resets);

    let mut chain = included.to_vec();
    chain.push(file.to_string());
    include::apply_include(ctx, &mut doc, &chain, warnings)?;

    let mut dict = merge::merge(dict, doc)?;
    merge::enforce_unicity(&mut dict)?;

    schema::validate(&dict).map_err(|e| {
        let mut e = e;
        e.message = format!("validating {file}: {}", e.message);
        e.in_file(file)
    })?;
    if let Some(m) = dict.as_map_mut() {
        if m.shift_remove("version").is_some() {
            warnings.push(format!(
                "{file}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion"
            ));
        }
    }
    warnings.extend(canonical::canonicalize_with(&mut dict, !ctx.interpolate)?);
    omit_empty_dns(&mut dict);
    merge::enforce_unicity(&mut dict)?;
    Ok(dict)
}

/// Loads the file an `extends.file` points to: parsed, interpolated and canonical, without
/// its own `extends`, includes or validation (Compose validates the merged result). Its
/// interpolation warnings are not repeated: the extending file's own load reports its own.
fn load_extends_base(ctx: &FileContext, path: &Path) -> Result<extends::ExtendsBase> {
    let mut warnings = Vec::new();
    let parsed = parse_source(&ConfigSource::Path(path.to_path_buf()), &ctx.working_dir)?;
    let mut dict = Node::map(Mapping::new());
    let mut last_resets = Vec::new();
    for mut doc in parsed.documents {
        if doc.is_null() {
            continue;
        }
        let resets = merge::take_reset_paths(&mut doc);
        if ctx.interpolate {
            interpolate::interpolate(&mut doc, &ctx.lookup(), &mut warnings)?;
        }
        merge::apply_reset_paths(&mut dict, &resets);
        dict = merge::merge(dict, doc)?;
        merge::enforce_unicity(&mut dict)?;
        canonical::canonicalize_with(&mut dict, !ctx.interpolate)?;
        omit_empty_dns(&mut dict);
        merge::enforce_unicity(&mut dict)?;
        last_resets = resets;
    }
    Ok(extends::ExtendsBase {
        doc: dict,
        resets: last_resets,
    })
}

/// compose-go drops empty `dns` entries (`dns: ""` from an unset variable).
fn omit_empty_dns(dict: &mut Node) {
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return;
    };
    for service in services.values_mut() {
        let Some(s) = service.as_map_mut() else {
            continue;
        };
        let empty = |n: &Node| n.is_null() || n.as_str() == Some("");
        if s.get("dns").is_some_and(empty) {
            s.shift_remove("dns");
        } else if let Some(Value::Seq(items)) = s.get_mut("dns").map(|n| &mut n.value) {
            items.retain(|n| !empty(n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_are_normalized_like_compose() {
        assert_eq!(normalize_project_name("My_App"), "my_app");
        assert_eq!(normalize_project_name("__x.y-z"), "xy-z");
        assert_eq!(
            normalize_project_name("awesome-compose__fastapi"),
            "awesome-compose__fastapi"
        );
        assert_eq!(normalize_project_name("Ünïcode"), "ncode");
    }
}
