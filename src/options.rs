//! Turns the raw global flags and the process environment into the settings the loader
//! needs, in Docker Compose's order: shell environment, `.env` (or `--env-file`),
//! `COMPOSE_FILE`, file discovery, `.env` of the discovered project directory,
//! `COMPOSE_PROFILES`, project name.

use std::path::{Path, PathBuf};

use crate::cli::GlobalArgs;
use crate::compose::environment::{Environment, read_env_files};
use crate::compose::error::{ErrorKind, LoadError, Result};
use crate::compose::load::{ConfigSource, LoadOptions, clean_path};

/// Default compose file names, in Compose's order of preference.
pub const DEFAULT_FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// Default override file names, in Compose's order of preference.
pub const DEFAULT_OVERRIDE_FILE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// Resolves the global flags into loader options. `cwd` is the current directory and `env`
/// the process environment (passed in so tests control both).
pub fn resolve(
    global: &GlobalArgs,
    env: Environment,
    cwd: &Path,
    warnings: &mut Vec<String>,
) -> Result<LoadOptions> {
    let mut env = env;
    if !env.contains("PWD") {
        env.set("PWD", cwd.display().to_string());
    }
    let project_dir = global.project_directory.as_ref().map(|d| absolute(cwd, d));

    let explicit_env_files: Vec<PathBuf> = if global.env_file.is_empty() {
        env.get("COMPOSE_ENV_FILES")
            .map(|v| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| absolute(cwd, Path::new(s)))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        global.env_file.iter().map(|f| absolute(cwd, f)).collect()
    };
    let disable_dotenv = env.flag("COMPOSE_DISABLE_ENV_FILE").unwrap_or(false);

    let mut files: Vec<ConfigSource> = global.file.iter().map(|f| source_of(cwd, f)).collect();

    // The first .env comes from the directory known before discovery.
    let working_dir = working_dir_of(project_dir.as_deref(), &files, cwd);
    let env_files = env_files_for(&explicit_env_files, disable_dotenv, &working_dir);
    env.merge_missing(read_env_files(&env, &env_files)?);

    if files.is_empty() {
        files = files_from_compose_file_var(&env, cwd)?;
    }
    if files.is_empty() {
        files = discover(&working_dir, warnings)?;
    }

    // Discovery may have moved the project directory: its .env counts too.
    let working_dir = working_dir_of(project_dir.as_deref(), &files, cwd);
    let env_files = env_files_for(&explicit_env_files, disable_dotenv, &working_dir);
    env.merge_missing(read_env_files(&env, &env_files)?);

    let profiles = if global.profile.is_empty() {
        env.get("COMPOSE_PROFILES")
            .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default()
    } else {
        global.profile.clone()
    };

    let (project_name, name_is_explicit) = match &global.project_name {
        Some(name) => (Some(name.clone()), true),
        None => match env.get("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty()) {
            Some(name) => (Some(name.to_string()), true),
            None => (None, false),
        },
    };
    if let (Some(name), true) = (&project_name, name_is_explicit) {
        check_project_name(name)?;
    }

    Ok(LoadOptions {
        files,
        working_dir,
        environment: env,
        env_files,
        profiles,
        project_name,
        ..LoadOptions::default()
    })
}

/// The error Compose gives for an explicit project name that is not already normalized.
pub fn check_project_name(name: &str) -> Result<()> {
    if crate::compose::load::normalize_project_name(name) != name || name.is_empty() {
        return Err(LoadError::new(
            ErrorKind::Project,
            format!(
                "invalid project name \"{name}\": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number"
            ),
        ));
    }
    Ok(())
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    clean_path(&joined)
}

fn source_of(cwd: &Path, f: &str) -> ConfigSource {
    if f == "-" {
        ConfigSource::Stdin
    } else {
        ConfigSource::Path(absolute(cwd, Path::new(f)))
    }
}

/// The project directory: `--project-directory`, else the first file's directory, else cwd.
fn working_dir_of(project_dir: Option<&Path>, files: &[ConfigSource], cwd: &Path) -> PathBuf {
    if let Some(dir) = project_dir {
        return dir.to_path_buf();
    }
    for f in files {
        if let ConfigSource::Path(p) = f {
            return p
                .parent()
                .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
        }
    }
    cwd.to_path_buf()
}

fn env_files_for(explicit: &[PathBuf], disabled: bool, working_dir: &Path) -> Vec<PathBuf> {
    if !explicit.is_empty() {
        return explicit.to_vec();
    }
    if disabled {
        return Vec::new();
    }
    let dotenv = working_dir.join(".env");
    if dotenv.is_file() {
        vec![dotenv]
    } else {
        Vec::new()
    }
}

/// `COMPOSE_FILE` (from the shell or `.env`), split on `COMPOSE_PATH_SEPARATOR`.
fn files_from_compose_file_var(env: &Environment, cwd: &Path) -> Result<Vec<ConfigSource>> {
    let Some(value) = env.get("COMPOSE_FILE") else {
        return Ok(Vec::new());
    };
    let sep = env
        .get("COMPOSE_PATH_SEPARATOR")
        .filter(|s| !s.is_empty())
        .unwrap_or(":");
    let mut files = Vec::new();
    for f in value.split(sep) {
        let source = source_of(cwd, f);
        if let ConfigSource::Path(p) = &source {
            if !p.exists() {
                return Err(LoadError::new(
                    ErrorKind::Io,
                    format!(
                        "stat {}: no such file or directory (named by COMPOSE_FILE)",
                        p.display()
                    ),
                ));
            }
        }
        files.push(source);
    }
    Ok(files)
}

/// Searches `dir` and then its parents for a compose file and its override file.
pub fn discover(dir: &Path, warnings: &mut Vec<String>) -> Result<Vec<ConfigSource>> {
    let mut current = Some(dir);
    while let Some(d) = current {
        let found = existing(d, &DEFAULT_FILE_NAMES);
        if let Some(winner) = found.first() {
            if found.len() > 1 {
                warnings.push(format!(
                    "Found multiple config files with supported names: {}",
                    join_paths(&found)
                ));
                warnings.push(format!("Using {}", winner.display()));
            }
            let mut files = vec![ConfigSource::Path(winner.clone())];
            let overrides = existing(d, &DEFAULT_OVERRIDE_FILE_NAMES);
            if let Some(o) = overrides.first() {
                if overrides.len() > 1 {
                    warnings.push(format!(
                        "Found multiple override files with supported names: {}",
                        join_paths(&overrides)
                    ));
                    warnings.push(format!("Using {}", o.display()));
                }
                files.push(ConfigSource::Path(o.clone()));
            }
            return Ok(files);
        }
        current = d.parent();
    }
    Err(LoadError::new(
        ErrorKind::Io,
        format!(
            "no configuration file provided: not found (looked for {} in {} and its parents)",
            DEFAULT_FILE_NAMES.join(", "),
            dir.display()
        ),
    ))
}

fn existing(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.exists())
        .collect()
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
