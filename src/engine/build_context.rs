//! The build context as the classic builder receives it: a tar archive of the context
//! directory minus what `.dockerignore` excludes, written on a blocking thread and streamed
//! to the engine while it is being read (a large context never sits in memory whole).
//!
//! As the docker CLI does, the archive always holds the Dockerfile and `.dockerignore`
//! (even when `.dockerignore` names them), files belong to root, and a Dockerfile that lives
//! outside the context or comes from `dockerfile_inline` is added under a name of its own.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::stream;
use tokio::sync::mpsc;

use super::dockerignore::Rules;

/// What goes into one context archive.
#[derive(Debug, Clone)]
pub struct ContextSpec {
    /// The context directory.
    pub dir: PathBuf,
    /// The Dockerfile's path inside the archive (always included).
    pub dockerfile: String,
    /// A Dockerfile to add under `dockerfile` instead of reading it from `dir`
    /// (`dockerfile_inline`, or a Dockerfile outside the context).
    pub dockerfile_content: Option<Vec<u8>>,
}

/// A failure to read the context (named with the path).
#[derive(Debug, thiserror::Error)]
#[error("build context {path}: {message}")]
pub struct ContextError {
    pub path: String,
    pub message: String,
}

/// Reads `.dockerignore` of the context (none: nothing excluded).
pub fn rules_of(dir: &Path) -> Result<Rules, ContextError> {
    match fs::read_to_string(dir.join(".dockerignore")) {
        Ok(text) => Ok(Rules::parse(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Rules::default()),
        Err(e) => Err(ContextError {
            path: dir.join(".dockerignore").display().to_string(),
            message: e.to_string(),
        }),
    }
}

/// The paths (relative, `/`-separated, directories included) the archive will hold, in
/// the order they are written.
pub fn entries(spec: &ContextSpec, rules: &Rules) -> Result<Vec<String>, ContextError> {
    let mut out = Vec::new();
    walk(&spec.dir, "", rules, &mut out)?;
    if spec.dockerfile_content.is_some() {
        // `write_archive` writes the Dockerfile under this name, and a .dockerignore of
        // its own.
        out.retain(|p| p != &spec.dockerfile && p != ".dockerignore");
        return Ok(out);
    }
    // The Dockerfile and .dockerignore travel even when excluded (the builder needs them).
    for name in [".dockerignore", spec.dockerfile.as_str()] {
        if spec.dir.join(name).is_file() && !out.iter().any(|p| p == name) {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

fn walk(root: &Path, rel: &str, rules: &Rules, out: &mut Vec<String>) -> Result<(), ContextError> {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let read = fs::read_dir(&dir).map_err(|e| ContextError {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut names: Vec<(String, bool)> = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| ContextError {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        names.push((entry.file_name().to_string_lossy().to_string(), is_dir));
    }
    names.sort();
    for (name, is_dir) in names {
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let excluded = rules.excludes(&path);
        if is_dir {
            // An excluded directory is searched only when an exception may re-include
            // something inside it.
            if excluded && !rules.has_exceptions() {
                continue;
            }
            if !excluded {
                out.push(path.clone());
            }
            walk(root, &path, rules, out)?;
        } else if !excluded {
            out.push(path);
        }
    }
    Ok(())
}

/// Writes the archive of `paths` (from `entries`) to `w`.
pub fn write_archive(
    spec: &ContextSpec,
    paths: &[String],
    w: impl Write,
) -> Result<(), ContextError> {
    let mut builder = tar::Builder::new(w);
    builder.follow_symlinks(false);
    let fail = |path: &str, e: std::io::Error| ContextError {
        path: path.to_string(),
        message: e.to_string(),
    };
    for rel in paths {
        let full = spec.dir.join(rel);
        let meta = fs::symlink_metadata(&full).map_err(|e| fail(rel, e))?;
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
        header.set_uid(0);
        header.set_gid(0);
        let _ = header.set_username("");
        let _ = header.set_groupname("");
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&full).map_err(|e| fail(rel, e))?;
            header.set_size(0);
            builder
                .append_link(&mut header, rel, &target)
                .map_err(|e| fail(rel, e))?;
        } else if meta.is_dir() {
            header.set_size(0);
            builder
                .append_data(&mut header, format!("{rel}/"), std::io::empty())
                .map_err(|e| fail(rel, e))?;
        } else if meta.is_file() {
            let file = fs::File::open(&full).map_err(|e| fail(rel, e))?;
            builder
                .append_data(&mut header, rel, file)
                .map_err(|e| fail(rel, e))?;
        }
        // Sockets, fifos and devices have no place in a build context: skipped.
    }
    if let Some(content) = &spec.dockerfile_content {
        // As the docker CLI does for a Dockerfile it adds: the .dockerignore sent along
        // names it (and itself), so the builder drops both before `COPY . /app` sees them.
        let mut ignore = match fs::read_to_string(spec.dir.join(".dockerignore")) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(fail(".dockerignore", e)),
        };
        ignore.push_str(&format!("\n{}\n.dockerignore\n", spec.dockerfile));
        for (name, data) in [
            (spec.dockerfile.as_str(), content.as_slice()),
            (".dockerignore", ignore.as_bytes()),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            header.set_size(data.len() as u64);
            header.set_mtime(0);
            builder
                .append_data(&mut header, name, data)
                .map_err(|e| fail(name, e))?;
        }
    }
    builder.finish().map_err(|e| fail("(end of archive)", e))
}

/// A `Write` that hands 64 KiB chunks to the request body.
struct ChunkWriter {
    tx: mpsc::Sender<std::io::Result<Bytes>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "build aborted"))
    }
}

/// Streams the archive of `paths` (for a request body); an error while reading the context
/// ends the body with that error (the engine then reports a broken upload, and the build
/// fails).
pub fn stream(
    spec: ContextSpec,
    paths: Vec<String>,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(8);
    tokio::task::spawn_blocking(move || {
        let mut w = ChunkWriter {
            tx: tx.clone(),
            buf: Vec::new(),
        };
        let result = write_archive(&spec, &paths, &mut w).and_then(|()| {
            w.flush().map_err(|e| ContextError {
                path: spec.dir.display().to_string(),
                message: e.to_string(),
            })
        });
        if let Err(e) = result {
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hoist-ctx-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn dockerfile_and_dockerignore_travel_even_when_ignored() {
        let dir = scratch("keep");
        fs::write(dir.join("Dockerfile"), "FROM x\n").unwrap();
        fs::write(dir.join(".dockerignore"), "*\n").unwrap();
        fs::write(dir.join("data.csv"), "1\n").unwrap();
        let spec = ContextSpec {
            dir: dir.clone(),
            dockerfile: "Dockerfile".into(),
            dockerfile_content: None,
        };
        let mut got = entries(&spec, &rules_of(&dir).unwrap()).unwrap();
        got.sort();
        assert_eq!(got, [".dockerignore", "Dockerfile"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn excluded_directory_is_searched_for_exceptions() {
        let dir = scratch("exc");
        fs::create_dir_all(dir.join("secrets")).unwrap();
        fs::write(dir.join("secrets/key.pem"), "k").unwrap();
        fs::write(dir.join("secrets/public.pem"), "p").unwrap();
        fs::write(dir.join(".dockerignore"), "secrets\n!secrets/public.pem\n").unwrap();
        let spec = ContextSpec {
            dir: dir.clone(),
            dockerfile: "Dockerfile".into(),
            dockerfile_content: Some(b"FROM x\n".to_vec()),
        };
        let got = entries(&spec, &rules_of(&dir).unwrap()).unwrap();
        assert!(got.contains(&"secrets/public.pem".to_string()), "{got:?}");
        assert!(!got.contains(&"secrets/key.pem".to_string()), "{got:?}");
        let mut tar = Vec::new();
        write_archive(&spec, &got, &mut tar).unwrap();
        let mut names: Vec<String> = tar::Archive::new(tar.as_slice())
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        names.sort();
        assert_eq!(names, [".dockerignore", "Dockerfile", "secrets/public.pem"]);
        let _ = fs::remove_dir_all(&dir);
    }
}
