//! `include`: other Compose projects loaded on their own (own project directory, own
//! `.env`) and imported into the including file. A resource defined on both sides must be
//! identical, and a file may not include itself through any chain.

use std::path::{Path, PathBuf};

use super::environment::read_env_files;
use super::error::{ErrorKind, LoadError, Result};
use super::load::{ConfigSource, FileContext, load_model, parse_source};
use super::node::{Node, Value};

/// One `include` entry in long form.
struct IncludeEntry {
    paths: Vec<String>,
    project_directory: Option<String>,
    env_files: Vec<String>,
    mark: super::node::Mark,
}

/// Loads every project `doc` includes and imports its resources into `doc`; removes the
/// `include` key. `chain` lists the files being loaded, outermost first (cycle detection).
pub(crate) fn apply_include(
    ctx: &FileContext,
    doc: &mut Node,
    chain: &[String],
    warnings: &mut Vec<String>,
) -> Result<()> {
    let Some(map) = doc.as_map_mut() else {
        return Ok(());
    };
    let Some(include) = map.shift_remove("include") else {
        return Ok(());
    };
    for entry in entries(&include)? {
        let imported = load_entry(ctx, &entry, chain, warnings)?;
        import_resources(doc, imported).map_err(|e| e.at(&entry.mark))?;
    }
    Ok(())
}

fn entries(include: &Node) -> Result<Vec<IncludeEntry>> {
    let Some(items) = include.as_seq() else {
        if include.is_null() {
            return Ok(Vec::new());
        }
        return Err(
            LoadError::new(ErrorKind::Include, "`include` must be a list".to_string())
                .at(&include.mark),
        );
    };
    items.iter().map(entry).collect()
}

fn entry(item: &Node) -> Result<IncludeEntry> {
    let strings = |n: Option<&Node>| -> Result<Vec<String>> {
        match n.map(|n| &n.value) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Str(s)) => Ok(vec![s.clone()]),
            Some(Value::Seq(v)) => v
                .iter()
                .map(|n| {
                    n.scalar_string().ok_or_else(|| {
                        LoadError::new(ErrorKind::Include, "include entries must be strings")
                            .at(&n.mark)
                    })
                })
                .collect(),
            Some(_) => Err(LoadError::new(
                ErrorKind::Include,
                "include path must be a string or a list of strings",
            )
            .at(&item.mark)),
        }
    };
    match &item.value {
        Value::Str(s) => Ok(IncludeEntry {
            paths: vec![s.clone()],
            project_directory: None,
            env_files: Vec::new(),
            mark: item.mark.clone(),
        }),
        Value::Map(_) => {
            let paths = strings(item.get("path"))?;
            if paths.is_empty() {
                return Err(
                    LoadError::new(ErrorKind::Include, "include.path is required").at(&item.mark),
                );
            }
            Ok(IncludeEntry {
                paths,
                project_directory: item.get("project_directory").and_then(Node::scalar_string),
                env_files: strings(item.get("env_file"))?,
                mark: item.mark.clone(),
            })
        }
        _ => Err(LoadError::new(
            ErrorKind::Include,
            "include entries must be a path or a mapping with `path`",
        )
        .at(&item.mark)),
    }
}

fn absolute(base: &Path, p: &str) -> PathBuf {
    super::load::clean_path(&base.join(p))
}

fn load_entry(
    ctx: &FileContext,
    entry: &IncludeEntry,
    chain: &[String],
    warnings: &mut Vec<String>,
) -> Result<Node> {
    let files: Vec<PathBuf> = entry
        .paths
        .iter()
        .map(|p| absolute(&ctx.working_dir, p))
        .collect();
    let main = files[0].display().to_string();
    if chain.contains(&main) {
        let mut all = chain.to_vec();
        all.push(main);
        return Err(LoadError::new(
            ErrorKind::Include,
            format!(
                "include cycle detected:\n{}\n include {}",
                all[0],
                all[1..].join("\n include ")
            ),
        ));
    }
    let project_dir = match &entry.project_directory {
        Some(d) => absolute(&ctx.working_dir, d),
        None => files[0]
            .parent()
            .map_or_else(|| ctx.working_dir.clone(), Path::to_path_buf),
    };

    let env_files = if entry.env_files.is_empty() {
        let dotenv = project_dir.join(".env");
        if dotenv.is_file() {
            vec![dotenv]
        } else {
            Vec::new()
        }
    } else {
        let mut out = Vec::new();
        for f in &entry.env_files {
            let path = absolute(&ctx.working_dir, f);
            let meta = std::fs::metadata(&path).map_err(|e| {
                LoadError::new(
                    ErrorKind::Include,
                    format!("stat {}: {}", path.display(), super::load::io_reason(&e)),
                )
                .at(&entry.mark)
            })?;
            if meta.is_dir() {
                return Err(LoadError::new(
                    ErrorKind::Include,
                    format!("{} is not a file", path.display()),
                )
                .at(&entry.mark));
            }
            out.push(path);
        }
        out
    };
    let environment = ctx
        .environment
        .with_missing(read_env_files(&ctx.environment, &env_files)?);

    let included_ctx = FileContext {
        working_dir: project_dir,
        environment,
        interpolate: ctx.interpolate,
        resolve_paths: true,
    };
    let parsed = files
        .iter()
        .map(|f| parse_source(&ConfigSource::Path(f.clone()), &included_ctx.working_dir))
        .collect::<Result<Vec<_>>>()?;
    load_model(&included_ctx, parsed, chain, warnings)
}

/// Moves the imported project's resources into `target`; a name on both sides must define
/// the same thing.
fn import_resources(target: &mut Node, source: Node) -> Result<()> {
    let Value::Map(mut source) = source.value else {
        return Ok(());
    };
    let Some(target) = target.as_map_mut() else {
        return Ok(());
    };
    for key in [
        "services", "volumes", "networks", "secrets", "configs", "models",
    ] {
        let Some(from) = source.shift_remove(key) else {
            continue;
        };
        let Value::Map(from) = from.value else {
            continue;
        };
        let to = target
            .entry(key.to_string())
            .or_insert_with(|| Node::map(Default::default()));
        if to.is_null() {
            *to = Node::map(Default::default());
        }
        let Some(to) = to.as_map_mut() else { continue };
        for (name, value) in from {
            if let Some(existing) = to.get(&name) {
                if existing.to_json() == value.to_json() {
                    continue;
                }
                return Err(LoadError::new(
                    ErrorKind::Include,
                    format!("{key}.{name} conflicts with imported resource"),
                )
                .at(&existing.mark));
            }
            to.insert(name, value);
        }
    }
    Ok(())
}
