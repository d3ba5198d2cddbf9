//! The environment used for interpolation: the shell's variables, then `.env` or the
//! `--env-file` files (the shell always wins; among files the later one wins).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::dotenv;
use super::error::{ErrorKind, LoadError, Result};

/// Variables visible to interpolation, in insertion order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    vars: IndexMap<String, String>,
}

impl Environment {
    /// The process environment (non-UTF-8 variables are skipped: Compose files are UTF-8).
    pub fn from_process() -> Self {
        Environment {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Environment {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.vars.contains_key(key)
    }

    /// Sets a variable, replacing any value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(key.into(), value.into());
    }

    /// Adds the variables of `other` that are not set yet (the existing ones win).
    pub fn merge_missing(&mut self, other: IndexMap<String, String>) {
        for (k, v) in other {
            self.vars.entry(k).or_insert(v);
        }
    }

    /// A copy where `other`'s variables are added unless already set.
    pub fn with_missing(&self, other: IndexMap<String, String>) -> Self {
        let mut env = self.clone();
        env.merge_missing(other);
        env
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A boolean variable as Go's `strconv.ParseBool` reads it (`1`, `t`, `true`, ...).
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(parse_go_bool)
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Reads env files in order into one map: variables referenced in a file resolve against
/// `current` (the shell) first, then against what earlier lines and files defined. A later
/// file overrides an earlier one. A missing file is an error.
pub fn read_env_files(
    current: &Environment,
    files: &[PathBuf],
) -> Result<IndexMap<String, String>> {
    let mut vars: IndexMap<String, String> = IndexMap::new();
    let lookup = |k: &str| current.get(k).map(str::to_string);
    for file in files {
        let display = file.display().to_string();
        let content = read_file(file)?;
        dotenv::parse_into(&content, &display, None, &mut vars, &lookup, &mut |_| {})?;
    }
    Ok(vars)
}

fn read_file(file: &Path) -> Result<String> {
    let display = file.display().to_string();
    let meta = std::fs::metadata(file).map_err(|_| {
        LoadError::new(ErrorKind::Env, format!("couldn't find env file: {display}"))
    })?;
    if meta.is_dir() {
        return Err(LoadError::new(
            ErrorKind::Env,
            format!("{display} is a directory"),
        ));
    }
    std::fs::read_to_string(file).map_err(|e| {
        LoadError::new(
            ErrorKind::Env,
            format!("couldn't read env file {display}: {e}"),
        )
    })
}
