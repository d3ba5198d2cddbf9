//! `hoist init`: writes one of the stacks bundled in the binary (see build.rs) into a
//! directory, refusing to overwrite anything unless asked to.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::InitArgs;

/// One bundled stack: its folder name, the first line of its README, and its files.
#[derive(Debug)]
pub struct Stack {
    /// The name `hoist init` takes (`airflow`).
    pub name: &'static str,
    /// What it is, for `--list`.
    pub title: &'static str,
    /// Its files, paths relative to the stack folder with `/` separators.
    pub files: &'static [StackFile],
}

/// One file of a bundled stack.
#[derive(Debug)]
pub struct StackFile {
    /// Relative path, `/`-separated (`dags/postgres_to_lake.py`).
    pub path: &'static str,
    /// The file's bytes.
    pub contents: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/stacks.rs"));

/// Why `hoist init` wrote nothing (or stopped part way, for `Write`).
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// No stack was named (and `--list` was not asked for).
    #[error("name the stack to write: hoist init STACK [DIR] (available: {available})")]
    NoStack { available: String },
    /// The named stack is not bundled.
    #[error("no bundled stack is called `{name}` (available: {available}; see hoist init --list)")]
    UnknownStack { name: String, available: String },
    /// The target exists and is not a directory.
    #[error("{} exists and is not a directory", dir.display())]
    NotADirectory { dir: PathBuf },
    /// Files the stack would write already exist.
    #[error(
        "not overwriting {} existing file{} in {}: {} (use --force to overwrite them)",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        dir.display(),
        files.join(", ")
    )]
    WouldOverwrite { dir: PathBuf, files: Vec<String> },
    /// Creating a directory or writing a file failed.
    #[error("writing {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The bundled stack called `name`.
pub fn find(name: &str) -> Option<&'static Stack> {
    STACKS.iter().find(|s| s.name == name)
}

fn available() -> String {
    STACKS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

/// Runs `hoist init`: lists the stacks, or writes one into `DIR` (default `./STACK`, relative
/// to `cwd`). Returns what to print on standard output.
pub fn run(args: &InitArgs, cwd: &Path) -> Result<String, InitError> {
    if args.list {
        return Ok(list());
    }
    let name = args.stack.as_deref().ok_or_else(|| InitError::NoStack {
        available: available(),
    })?;
    let stack = find(name).ok_or_else(|| InitError::UnknownStack {
        name: name.to_owned(),
        available: available(),
    })?;
    let dir = cwd.join(
        args.dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(stack.name)),
    );
    write(stack, &dir, args.force)?;

    let shown = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(stack.name));
    let mut out = format!(
        "Wrote the {} stack ({} files) to {}\n",
        stack.name,
        stack.files.len(),
        shown.display()
    );
    let _ = writeln!(out, "Next: cd {} && hoist up -d --wait", shown.display());
    let _ = writeln!(
        out,
        "Settings (ports, versions, logins) are in {}",
        shown.join(".env").display()
    );
    Ok(out)
}

/// `hoist init --list`: one line per stack, name then title.
fn list() -> String {
    let width = STACKS.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for s in STACKS {
        let _ = writeln!(out, "{:width$}  {}", s.name, s.title);
    }
    out
}

/// Writes every file of `stack` under `dir`. Checks first, so that a refusal writes nothing.
fn write(stack: &Stack, dir: &Path, force: bool) -> Result<(), InitError> {
    if dir.exists() && !dir.is_dir() {
        return Err(InitError::NotADirectory {
            dir: dir.to_path_buf(),
        });
    }
    if !force {
        let existing: Vec<String> = stack
            .files
            .iter()
            .filter(|f| dir.join(f.path).symlink_metadata().is_ok())
            .map(|f| f.path.to_owned())
            .collect();
        if !existing.is_empty() {
            return Err(InitError::WouldOverwrite {
                dir: dir.to_path_buf(),
                files: existing,
            });
        }
    }
    for file in stack.files {
        let path = dir.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| InitError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, file.contents).map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}
