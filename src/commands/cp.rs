//! `hoist cp`: copy files and directories between a service container and the host, through
//! the engine's archive API (`GET`/`PUT /containers/{id}/archive`, tar streams), with
//! `docker cp`'s rules for where things land:
//!
//! - into an existing directory, the source keeps its name (`cp web:/logs ./out` makes
//!   `./out/logs` when `./out` exists); a source ending in `/.` copies its contents;
//! - onto a path that does not exist, the source takes that name (its parent must exist);
//! - a file may replace a file, never a directory; a directory never replaces a file.
//!
//! Modes and modification times are kept both ways; ownership is kept inside containers
//! (with `-a`, files take the container user's uid/gid), never applied on the host.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use bollard::Docker;
use bollard::query_parameters::{
    ContainerArchiveInfoOptions, DownloadFromContainerOptions, UploadToContainerOptions,
};
use futures_util::StreamExt;

use crate::cli::CpArgs;
use crate::engine::containers::{self, ProjectContainer};
use crate::engine::error::EngineError;
use crate::engine::ops::Ui;
use crate::ui::event::{Event, ResourceKind, Status};

/// Go's `os.ModeDir` and `os.ModeSymlink`, as the engine reports a path's mode.
const MODE_DIR: u32 = 1 << 31;
const MODE_SYMLINK: u32 = 1 << 27;
/// Go's irregular-file bits (named pipe, socket, device, char device, irregular).
const MODE_IRREGULAR: u32 = (1 << 25) | (1 << 24) | (1 << 26) | (1 << 21) | (1 << 19);

/// One side of a copy: a service's path or a local one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    Service { service: String, path: String },
    Local(String),
}

/// Splits `SERVICE:PATH` as `docker compose cp` does: absolute paths and paths starting
/// with `.` are local even when they contain a colon.
pub fn split(arg: &str) -> Side {
    if arg.starts_with('/') {
        return Side::Local(arg.to_string());
    }
    match arg.split_once(':') {
        Some((service, path)) if !service.starts_with('.') => Side::Service {
            service: service.to_string(),
            path: path.to_string(),
        },
        _ => Side::Local(arg.to_string()),
    }
}

fn refused(message: impl Into<String>) -> EngineError {
    EngineError::Refused(message.into())
}

/// Runs the copy (to every container of the service, or from the first one).
pub async fn run(
    docker: &Docker,
    ui: &Ui,
    project: &str,
    args: &CpArgs,
) -> Result<(), EngineError> {
    if args.source.is_empty() {
        return Err(refused("source can not be empty"));
    }
    if args.destination.is_empty() {
        return Err(refused("destination can not be empty"));
    }
    let (service, from) = match (split(&args.source), split(&args.destination)) {
        (Side::Service { .. }, Side::Service { .. }) => {
            return Err(refused("copying between services is not supported"));
        }
        (Side::Local(_), Side::Local(_)) => return Err(refused("unknown copy direction")),
        (Side::Service { service, .. }, Side::Local(_)) => (service, true),
        (Side::Local(_), Side::Service { service, .. }) => (service, false),
    };
    let targets = targets(docker, project, &service, args, from).await?;
    let jobs = targets.iter().map(|c| async move {
        let (what, result) = match (split(&args.source), split(&args.destination)) {
            (Side::Service { path, .. }, Side::Local(dst)) => {
                let what = format!("copy {}:{path} to {dst}", c.name);
                report(ui, &c.name, &what, Status::Working, "Copying");
                (
                    what,
                    copy_from(docker, c, &path, &dst, args.follow_link).await,
                )
            }
            (Side::Local(src), Side::Service { path, .. }) => {
                let what = format!("copy {src} to {}:{path}", c.name);
                report(ui, &c.name, &what, Status::Working, "Copying");
                let r = copy_to(docker, c, &src, &path, args.follow_link, args.archive).await;
                (what, r)
            }
            _ => unreachable!("the direction was checked above"),
        };
        result?;
        report(ui, &c.name, &what, Status::Done, "Copied");
        Ok::<_, EngineError>(())
    });
    for r in futures_util::future::join_all(jobs).await {
        r?;
    }
    Ok(())
}

fn report(ui: &Ui, container: &str, what: &str, status: Status, verb: &str) {
    ui.event(Event::new(ResourceKind::Copy, container, status, what).with_details(verb));
}

/// The containers a copy touches: replica `--index`, else (stopped ones included) the
/// first container when copying out and every container when copying in.
async fn targets(
    docker: &Docker,
    project: &str,
    service: &str,
    args: &CpArgs,
    from: bool,
) -> Result<Vec<ProjectContainer>, EngineError> {
    let found = containers::list(docker, project, true).await?;
    if args.index > 0 {
        let found: Vec<ProjectContainer> = found.into_iter().filter(|c| !c.oneoff).collect();
        return Ok(vec![containers::pick(&found, service, args.index)?]);
    }
    let mut mine: Vec<ProjectContainer> = found
        .into_iter()
        .filter(|c| c.service == service && (args.all || !c.oneoff))
        .collect();
    containers::sort_for_pick(&mut mine);
    if mine.is_empty() {
        return Err(refused(format!(
            "no container found for service {service:?}"
        )));
    }
    if from {
        mine.truncate(1);
    }
    Ok(mine)
}

/// What the engine says about a path in a container: `None` when it does not exist.
async fn stat(docker: &Docker, id: &str, path: &str) -> Result<Option<(u32, String)>, EngineError> {
    match docker
        .get_container_archive_info(id, Some(ContainerArchiveInfoOptions { path: path.into() }))
        .await
    {
        Ok(s) => Ok(Some((s.file_mode, s.link_target))),
        Err(e) if EngineError::is_not_found(&e) => Ok(None),
        Err(e) => Err(EngineError::api(format!("reading {path}"), e)),
    }
}

/// True for `dir/` and `dir/.`: the user says the path is a directory.
fn asserts_dir(path: &str) -> bool {
    path.ends_with('/') || path.ends_with("/.") || path == "."
}

/// True for `dir/.`: the contents of the directory, not the directory.
fn means_contents(path: &str) -> bool {
    path.ends_with("/.") || path == "."
}

/// The last element of a path as `docker cp` names archive entries (`.` for `dir/.`).
fn base_name(path: &str) -> String {
    if means_contents(path) {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    match trimmed.rsplit_once('/') {
        Some((_, b)) if !b.is_empty() => b.to_string(),
        _ if trimmed.is_empty() => "/".into(),
        _ => trimmed.to_string(),
    }
}

/// The parent of a path (`/` for top-level entries).
fn parent_of(path: &str) -> String {
    let trimmed = path.trim_end_matches('/').trim_end_matches("/.");
    match trimmed.rsplit_once('/') {
        Some(("", _)) => "/".into(),
        Some((p, _)) => p.to_string(),
        None => ".".into(),
    }
}

/// A local path made absolute against the current directory, keeping a trailing `/` or
/// `/.` (they change the meaning of the copy).
fn absolute(path: &str) -> Result<String, EngineError> {
    if path.starts_with('/') {
        return Ok(path.to_string());
    }
    let cwd = std::env::current_dir()
        .map_err(|e| refused(format!("cannot read the current directory: {e}")))?;
    Ok(format!("{}/{path}", cwd.display()))
}

/// Where the root of the copied tree lands, by `docker cp`'s rules; `None` for the root
/// itself when its contents go into an existing directory.
fn landing(
    src_is_dir: bool,
    src_base: &str,
    dst: &str,
    dst_exists: bool,
    dst_is_dir: bool,
) -> Result<String, EngineError> {
    let dst_trimmed = dst.trim_end_matches("/.").trim_end_matches('/');
    let dst_trimmed = if dst_trimmed.is_empty() {
        "/"
    } else {
        dst_trimmed
    };
    if dst_exists && dst_is_dir {
        return Ok(if src_base == "." {
            dst_trimmed.to_string()
        } else {
            format!("{}/{src_base}", dst_trimmed.trim_end_matches('/'))
        });
    }
    if dst_exists && src_is_dir {
        return Err(refused("cannot copy directory"));
    }
    if !dst_exists && !src_is_dir && asserts_dir(dst) {
        return Err(refused("no such directory"));
    }
    Ok(dst_trimmed.to_string())
}

/// Copies `src` out of the container to the local `dst` (`-`: a tar stream on stdout).
async fn copy_from(
    docker: &Docker,
    c: &ProjectContainer,
    src: &str,
    dst: &str,
    follow_link: bool,
) -> Result<(), EngineError> {
    let mut src = src.to_string();
    let mut src_base = base_name(&src);
    if follow_link {
        if let Some((mode, target)) = stat(docker, &c.id, &src).await? {
            if mode & MODE_SYMLINK != 0 {
                src = if target.starts_with('/') {
                    target
                } else {
                    format!("{}/{target}", parent_of(&src))
                };
            }
        }
    }
    let (mode, _) = stat(docker, &c.id, &src).await?.ok_or_else(|| {
        refused(format!(
            "Could not find the file {src} in container {}",
            c.name
        ))
    })?;
    if dst == "-" {
        let mut out = std::io::stdout();
        let mut stream = docker.download_from_container(
            &c.id,
            Some(DownloadFromContainerOptions { path: src.clone() }),
        );
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| EngineError::api(format!("copying {src}"), e))?;
            out.write_all(&chunk)
                .map_err(|e| refused(format!("writing the archive to standard output: {e}")))?;
        }
        return out
            .flush()
            .map_err(|e| refused(format!("writing the archive to standard output: {e}")));
    }
    let dst = absolute(dst)?;
    // The engine names the entries after the path it archived (`.` for `dir/.`).
    let entry_base = base_name(&src);
    if !follow_link {
        src_base = entry_base.clone();
    }
    let (exists, is_dir) = match std::fs::metadata(&dst) {
        Ok(m) => (true, m.is_dir()),
        Err(_) => {
            let parent = parent_of(&dst);
            if !Path::new(&parent).is_dir() {
                return Err(refused(format!("no such directory: {parent}")));
            }
            (false, false)
        }
    };
    let root = landing(mode & MODE_DIR != 0, &src_base, &dst, exists, is_dir)?;
    // The archive streams from the engine into a blocking extractor: a log directory of
    // gigabytes never sits in memory.
    let (tx, rx) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
    let unpacker = tokio::task::spawn_blocking(move || {
        unpack(ChunkReader::new(rx), &entry_base, Path::new(&root))
    });
    let mut stream =
        docker.download_from_container(&c.id, Some(DownloadFromContainerOptions { path: src }));
    while let Some(chunk) = stream.next().await {
        let item = chunk
            .map(|c| c.to_vec())
            .map_err(|e| std::io::Error::other(crate::engine::error::api_message(&e)));
        let failed = item.is_err();
        // A closed channel means the extractor stopped (done or failed): it says why.
        if tx.send(item).await.is_err() || failed {
            break;
        }
    }
    drop(tx);
    unpacker
        .await
        .map_err(|e| refused(format!("copying to {dst}: {e}")))?
        .map_err(|e| refused(format!("copying to {dst}: {e}")))
}

/// How many chunks of an archive may wait between the engine and the disk.
const CHUNKS_IN_FLIGHT: usize = 16;

/// A blocking reader over the chunks the async side receives from the engine.
struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl ChunkReader {
    fn new(rx: tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>) -> Self {
        ChunkReader {
            rx,
            chunk: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rx.blocking_recv() {
                Some(chunk) => {
                    self.chunk = chunk?;
                    self.pos = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A blocking writer whose output becomes the chunks of an upload to the engine.
struct ChunkWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>,
}

impl Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tx
            .blocking_send(Ok(buf.to_vec()))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "upload ended"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Extracts an archive whose entries are named after `entry_base` so that its root lands
/// at `root`. Entries that would leave `root` are refused.
fn unpack(archive: impl Read, entry_base: &str, root: &Path) -> std::io::Result<()> {
    let mut tar = tar::Archive::new(archive);
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().to_string();
        let name = name.trim_start_matches("./").trim_end_matches('/');
        let rest = if entry_base == "." {
            if name == "." || name.is_empty() {
                Some("")
            } else {
                Some(name)
            }
        } else if name == entry_base {
            Some("")
        } else {
            name.strip_prefix(entry_base)
                .and_then(|r| r.strip_prefix('/'))
        };
        let Some(rest) = rest else { continue };
        let rel = Path::new(rest);
        if rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(std::io::Error::other(format!(
                "refusing archive entry {name:?} outside the destination"
            )));
        }
        let target: PathBuf = if rest.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        entry.set_preserve_mtime(true);
        entry.unpack(&target)?;
    }
    Ok(())
}

/// Copies the local `src` (`-`: a tar stream from stdin) into the container at `dst`.
async fn copy_to(
    docker: &Docker,
    c: &ProjectContainer,
    src: &str,
    dst: &str,
    follow_link: bool,
    archive: bool,
) -> Result<(), EngineError> {
    let mut dst_path = dst.to_string();
    let mut dst_stat = stat(docker, &c.id, dst).await?;
    if let Some((mode, target)) = &dst_stat {
        if mode & MODE_SYMLINK != 0 {
            dst_path = if target.starts_with('/') {
                target.clone()
            } else {
                format!("{}/{target}", parent_of(dst))
            };
            dst_stat = stat(docker, &c.id, &dst_path).await?;
        }
    }
    if let Some((mode, _)) = dst_stat {
        if mode & MODE_IRREGULAR != 0 {
            return Err(refused(format!(
                "destination \"{}:{dst}\" must be a directory or a regular file",
                c.id
            )));
        }
    }
    let (dst_exists, dst_is_dir) = match dst_stat {
        Some((mode, _)) => (true, mode & MODE_DIR != 0),
        None => (false, false),
    };
    // What writes the archive: standard input as it is, or a tar of the local source.
    type Producer = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + Send>;
    let (upload_dir, produce): (String, Producer) = if src == "-" {
        if !dst_is_dir {
            return Err(refused(format!(
                "destination \"{}:{dst}\" must be a directory",
                c.id
            )));
        }
        let copy_stdin: Producer = Box::new(|w: &mut dyn Write| {
            std::io::copy(&mut std::io::stdin().lock(), w).map(|_| ())
        });
        (dst_path, copy_stdin)
    } else {
        let src_abs = absolute(src)?;
        let (resolved, src_base) = resolve_local(&src_abs, follow_link)?;
        let meta =
            std::fs::symlink_metadata(&resolved).map_err(|e| refused(format!("{src}: {e}")))?;
        let root = landing(meta.is_dir(), &src_base, &dst_path, dst_exists, dst_is_dir)?;
        let into_existing = dst_exists && dst_is_dir && src_base == ".";
        let (dir, name) = if into_existing {
            (root.clone(), ".".to_string())
        } else {
            (parent_of(&root), base_name(&root))
        };
        let is_dir = meta.is_dir();
        let tar: Producer = Box::new(move |w: &mut dyn Write| pack(w, &resolved, &name, is_dir));
        (dir, tar)
    };
    // The archive is written by a blocking task and streamed to the engine as it grows; a
    // failure while writing it fails the upload instead of sending a truncated archive.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(CHUNKS_IN_FLIGHT);
    let on_error = tx.clone();
    let producer = tokio::task::spawn_blocking(move || {
        let mut writer = std::io::BufWriter::with_capacity(64 * 1024, ChunkWriter { tx });
        let result = produce(&mut writer).and_then(|_| writer.flush());
        if let Err(e) = &result {
            let _ = on_error.blocking_send(Err(std::io::Error::new(e.kind(), e.to_string())));
        }
        result
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item.map(Into::into), rx))
    });
    let uploaded = docker
        .upload_to_container(
            &c.id,
            Some(UploadToContainerOptions {
                path: upload_dir,
                no_overwrite_dir_non_dir: Some("true".into()),
                copy_uidgid: archive.then(|| "true".into()),
            }),
            bollard::body_try_stream(body),
        )
        .await;
    let produced = producer
        .await
        .map_err(|e| refused(format!("archiving {src}: {e}")))?;
    // A broken pipe only means the engine stopped reading: its own error says why.
    match produced {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(refused(format!("archiving {src}: {e}")))
        }
        _ => uploaded.map_err(|e| EngineError::api(format!("copying to {}:{dst}", c.name), e)),
    }
}

/// The local path to archive and the name its root has (`.` for `dir/.`): with `-L` a
/// symbolic link is replaced by what it points to (keeping the link's name).
fn resolve_local(path: &str, follow_link: bool) -> Result<(PathBuf, String), EngineError> {
    let name = base_name(path);
    let trimmed = path.trim_end_matches("/.").trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    let resolved = if follow_link {
        std::fs::canonicalize(trimmed).map_err(|e| refused(format!("{path}: {e}")))?
    } else {
        PathBuf::from(trimmed)
    };
    if std::fs::symlink_metadata(&resolved).is_err() {
        return Err(refused(format!(
            "could not find the file {path}: no such file or directory"
        )));
    }
    Ok((resolved, name))
}

/// Writes a tar of `path` with its root named `name` (`.`: the directory's entries at the
/// top). Symbolic links are archived as links; modes, owners and times come from the files.
fn pack(out: &mut dyn Write, path: &Path, name: &str, is_dir: bool) -> std::io::Result<()> {
    let mut builder = tar::Builder::new(out);
    builder.follow_symlinks(false);
    if is_dir {
        builder.append_dir_all(name, path)?;
    } else {
        builder.append_path_with_name(path, name)?;
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archive_entry_outside_the_destination_is_refused() {
        // tar::Builder refuses `..` in names, so the header is written by hand, as a
        // hostile or broken archive would carry it.
        let mut header = tar::Header::new_gnu();
        let name = b"../escaped";
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        header.set_size(2);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        let mut builder = tar::Builder::new(Vec::new());
        builder.append(&header, &b"hi"[..]).expect("append");
        let archive = builder.into_inner().expect("archive");
        let base = std::env::temp_dir().join(format!("hoist-cp-unpack-{}", std::process::id()));
        let root = base.join("dest");
        std::fs::create_dir_all(&root).expect("mkdir");
        let err = unpack(&archive[..], ".", &root).expect_err("refused");
        assert!(err.to_string().contains("outside the destination"), "{err}");
        assert!(!base.join("escaped").exists(), "nothing written outside");
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn service_paths_and_local_paths_are_told_apart() {
        assert_eq!(
            split("web:/var/log"),
            Side::Service {
                service: "web".into(),
                path: "/var/log".into()
            }
        );
        assert_eq!(split("/tmp/a:b"), Side::Local("/tmp/a:b".into()));
        assert_eq!(split("./a:b"), Side::Local("./a:b".into()));
        assert_eq!(split("logs"), Side::Local("logs".into()));
    }

    #[test]
    fn a_source_lands_inside_an_existing_directory_or_takes_a_new_name() {
        assert_eq!(
            landing(true, "logs", "/out", true, true).unwrap(),
            "/out/logs"
        );
        assert_eq!(landing(true, ".", "/out", true, true).unwrap(), "/out");
        assert_eq!(landing(true, "logs", "/new", false, false).unwrap(), "/new");
        assert_eq!(
            landing(false, "a.txt", "/b.txt", true, false).unwrap(),
            "/b.txt"
        );
        assert!(landing(true, "logs", "/file", true, false).is_err());
        assert!(landing(false, "a.txt", "/missing/", false, false).is_err());
    }

    #[test]
    fn base_names_follow_docker_cp() {
        assert_eq!(base_name("/opt/airflow/logs"), "logs");
        assert_eq!(base_name("/opt/airflow/logs/"), "logs");
        assert_eq!(base_name("/opt/airflow/logs/."), ".");
        assert_eq!(parent_of("/opt/airflow/logs/"), "/opt/airflow");
        assert_eq!(parent_of("/logs"), "/");
    }
}
