//! Relative paths made absolute, as compose-go's `paths.ResolveRelativePaths`.
//!
//! Runs on a canonical document (see `canonical`): build contexts, bind mount sources,
//! `env_file` and `label_file` entries, secret and config files, `extends.file`, watch paths
//! and `local` volumes bound to a host directory are joined to the project working directory
//! (`~` expands to the home directory). Joined paths are cleaned as Go's `filepath.Join`
//! cleans them; paths that are already absolute are kept as written.
//!
//! `include` entries are not touched: compose-go resolves them when it loads the included
//! files (its resolver pattern `include.path` never matches the `include` list).

use std::path::Path;

use super::error::{ErrorKind, LoadError, Result};
use super::node::go_type;
use super::node::{Node, Value};

/// Makes the relative paths of `doc` absolute against `working_dir`. `home` expands `~`.
pub fn resolve_relative_paths(
    doc: &mut Node,
    working_dir: &Path,
    home: Option<&Path>,
) -> Result<()> {
    let resolver = Resolver {
        working_dir: working_dir.to_string_lossy().into_owned(),
        home: home.map(|h| h.to_string_lossy().into_owned()),
    };
    let Some(root) = doc.as_map_mut() else {
        return Ok(());
    };
    for (key, section) in root.iter_mut() {
        match key.as_str() {
            "services" => resolver.services(section)?,
            "configs" | "secrets" => resolver.file_resources(section),
            "volumes" => resolver.volumes(section),
            _ => {}
        }
    }
    Ok(())
}

/// Expands a leading `~` with `home`, as compose-go's `ExpandUser` (`~user` is not special:
/// it becomes `<home>/user`). Without a home the path is kept.
pub fn expand_user(path: &str, home: Option<&str>) -> String {
    match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) => go_join(home, rest),
        _ => path.to_string(),
    }
}

/// The home directory `~` stands for (`$HOME`).
pub fn home_dir() -> Option<String> {
    std::env::var("HOME").ok().filter(|h| !h.is_empty())
}

/// Go's `filepath.Join(base, rel)` on Unix: joins the non-empty parts and cleans the result.
pub fn go_join(base: &str, rel: &str) -> String {
    match (base.is_empty(), rel.is_empty()) {
        (true, true) => String::new(),
        (true, false) => go_clean(rel),
        (false, true) => go_clean(base),
        (false, false) => go_clean(&format!("{base}/{rel}")),
    }
}

/// Go's `filepath.Clean` on Unix.
pub fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// True for Windows absolute paths (`C:\x`, `C:/x`, `\\server\share`), which a Linux
/// Compose keeps as written in bind mounts, secrets and configs.
pub fn is_windows_abs(path: &str) -> bool {
    let b = path.as_bytes();
    let len = volume_name_len(b);
    if len == 0 {
        return false;
    }
    if b.len() >= 2 && is_separator(b[0]) && is_separator(b[1]) {
        return true;
    }
    b.get(len).is_some_and(|c| is_separator(*c))
}

fn is_separator(c: u8) -> bool {
    c == b'\\' || c == b'/'
}

/// Length of the leading Windows volume name (`C:`, `\\host\share`, `\\.\UNC\...`).
fn volume_name_len(path: &[u8]) -> usize {
    if path.len() >= 2 && path[1] == b':' {
        return 2;
    }
    if path.is_empty() || !is_separator(path[0]) {
        return 0;
    }
    if has_prefix_fold(path, b"\\\\.\\UNC") {
        return unc_len(path, b"\\\\.\\UNC\\".len());
    }
    if has_prefix_fold(path, b"\\\\.")
        || has_prefix_fold(path, b"\\\\?")
        || has_prefix_fold(path, b"\\??")
    {
        if path.len() == 3 {
            return 3;
        }
        let rest = &path[4..];
        return match rest.iter().position(|c| is_separator(*c)) {
            Some(i) => 4 + i,
            None => path.len(),
        };
    }
    if path.len() >= 2 && is_separator(path[1]) {
        return unc_len(path, 2);
    }
    0
}

/// `prefix` at the start of `path`, ignoring case and separator kind, ending a component.
fn has_prefix_fold(path: &[u8], prefix: &[u8]) -> bool {
    if path.len() < prefix.len() {
        return false;
    }
    let same = prefix.iter().zip(path).all(|(p, c)| {
        if is_separator(*p) {
            is_separator(*c)
        } else {
            p.eq_ignore_ascii_case(c)
        }
    });
    same && path.get(prefix.len()).is_none_or(|c| is_separator(*c))
}

/// End of `\\host\share` after `prefix_len` bytes: the second separator, or the end.
fn unc_len(path: &[u8], prefix_len: usize) -> usize {
    let mut count = 0;
    for (i, c) in path.iter().enumerate().skip(prefix_len) {
        if is_separator(*c) {
            count += 1;
            if count == 2 {
                return i;
            }
        }
    }
    path.len()
}

/// Context schemes a builder resolves itself, never joined to the working directory.
pub(crate) fn is_remote_context(context: &str) -> bool {
    context.contains("://")
        || context.starts_with("service:")
        || [
            "https://",
            "http://",
            "git://",
            "ssh://",
            "github.com/",
            "git@",
        ]
        .iter()
        .any(|p| context.starts_with(p))
}

/// An `extends.file` Compose loads remotely (OCI artifact or git repository).
pub(crate) fn is_remote_resource(path: &str) -> bool {
    path.starts_with("oci://")
        || ["git://", "git@", "github.com/", "ssh://"]
            .iter()
            .any(|p| path.starts_with(p))
        || ((path.starts_with("https://") || path.starts_with("http://")) && path.contains(".git"))
}

struct Resolver {
    working_dir: String,
    home: Option<String>,
}

impl Resolver {
    /// compose-go's `absPath`: `~` expanded, absolute kept, relative joined (and cleaned).
    fn abs_path(&self, path: &str) -> String {
        let path = expand_user(path, self.home.as_deref());
        if path.starts_with('/') || path.is_empty() {
            return path;
        }
        go_join(&self.working_dir, &path)
    }

    /// compose-go's `maybeUnixPath`: as [`Resolver::abs_path`], but Windows absolute paths
    /// are kept too.
    fn maybe_unix_path(&self, path: &str) -> String {
        let path = expand_user(path, self.home.as_deref());
        if path.starts_with('/') || is_windows_abs(&path) {
            return path;
        }
        go_join(&self.working_dir, &path)
    }

    fn context_path(&self, context: &str) -> String {
        if is_remote_context(context) {
            return context.to_string();
        }
        self.abs_path(context)
    }

    fn services(&self, services: &mut Node) -> Result<()> {
        let Some(services) = services.as_map_mut() else {
            return Ok(());
        };
        for (name, service) in services.iter_mut() {
            self.service(service)
                .map_err(|e| e.at(&service.mark).for_service(name))?;
        }
        Ok(())
    }

    fn service(&self, service: &mut Node) -> Result<()> {
        if let Some(build) = service.get_mut("build") {
            self.build(build);
        }
        if let Some(files) = service.get_mut("env_file").and_then(Node::as_seq_mut) {
            for file in files {
                rewrite_str(file.get_mut("path"), |p| self.abs_path(p));
            }
        }
        if let Some(files) = service.get_mut("label_file") {
            self.abs_path_node(files)?;
        }
        if let Some(extends) = service.get_mut("extends") {
            rewrite_str(extends.get_mut("file"), |f| {
                if is_remote_resource(f) {
                    f.to_string()
                } else {
                    self.abs_path(f)
                }
            });
        }
        if let Some(rules) = service
            .get_mut("develop")
            .and_then(|d| d.get_mut("watch"))
            .and_then(Node::as_seq_mut)
        {
            for rule in rules {
                if let Some(path) = rule.get_mut("path") {
                    self.watch_path(path)?;
                }
            }
        }
        if let Some(volumes) = service.get_mut("volumes").and_then(Node::as_seq_mut) {
            for volume in volumes {
                self.bind_mount(volume).map_err(|e| e.at(&volume.mark))?;
            }
        }
        Ok(())
    }

    fn build(&self, build: &mut Node) {
        rewrite_str(build.get_mut("context"), |c| self.context_path(c));
        if let Some(contexts) = build
            .get_mut("additional_contexts")
            .and_then(Node::as_map_mut)
        {
            for context in contexts.values_mut() {
                rewrite_str(Some(context), |c| self.context_path(c));
            }
        }
        if let Some(keys) = build.get_mut("ssh").and_then(Node::as_map_mut) {
            for key in keys.values_mut() {
                rewrite_str(Some(key), |k| self.maybe_unix_path(k));
            }
        }
    }

    /// `absPath` on a string or a list of strings; other values are an error, as in Go.
    fn abs_path_node(&self, node: &mut Node) -> Result<()> {
        match &mut node.value {
            Value::Str(s) => {
                *s = self.abs_path(s);
                Ok(())
            }
            Value::Seq(items) => items.iter_mut().try_for_each(|i| self.abs_path_node(i)),
            _ => Err(LoadError::new(
                ErrorKind::Schema,
                format!("unexpected type {}", go_type(node)),
            )
            .at(&node.mark)),
        }
    }

    /// Watch paths are absolute and go through a symbolic link in their first linked
    /// component, as compose-go's `ResolveSymbolicLink`.
    fn watch_path(&self, node: &mut Node) -> Result<()> {
        self.abs_path_node(node)?;
        if let Value::Str(path) = &mut node.value {
            *path = resolve_symbolic_link(path)
                .map_err(|e| LoadError::new(ErrorKind::Io, e).at(&node.mark))?;
        }
        Ok(())
    }

    /// Bind mount sources; other mount types name volumes, not paths.
    fn bind_mount(&self, volume: &mut Node) -> Result<()> {
        let Some(map) = volume.as_map_mut() else {
            return Ok(());
        };
        if map.get("type").and_then(Node::as_str) != Some("bind") {
            return Ok(());
        }
        let Some(source) = map.get_mut("source") else {
            return Err(LoadError::new(
                ErrorKind::Schema,
                r#"invalid mount config for type "bind": field Source must not be empty"#,
            ));
        };
        rewrite_str(Some(source), |s| self.maybe_unix_path(s));
        Ok(())
    }

    /// Top-level `secrets` and `configs`: their `file`.
    fn file_resources(&self, section: &mut Node) {
        let Some(resources) = section.as_map_mut() else {
            return;
        };
        for resource in resources.values_mut() {
            rewrite_str(resource.get_mut("file"), |f| self.maybe_unix_path(f));
        }
    }

    /// A `local` volume with `o: bind` mounts its `device` from the host.
    fn volumes(&self, section: &mut Node) {
        let Some(volumes) = section.as_map_mut() else {
            return;
        };
        for volume in volumes.values_mut() {
            if volume.get("driver").and_then(Node::as_str) != Some("local") {
                continue;
            }
            let Some(opts) = volume.get_mut("driver_opts") else {
                continue;
            };
            if opts.get("o").and_then(Node::as_str) == Some("bind") {
                rewrite_str(opts.get_mut("device"), |d| self.maybe_unix_path(d));
            }
        }
    }
}

/// Rewrites a string node in place; other values are left alone.
fn rewrite_str(node: Option<&mut Node>, f: impl FnOnce(&str) -> String) {
    if let Some(Node {
        value: Value::Str(s),
        ..
    }) = node
    {
        *s = f(s);
    }
}

/// Replaces the first component of `path` that is a symbolic link by its resolved target.
fn resolve_symbolic_link(path: &str) -> std::result::Result<String, String> {
    let mut current = if path.starts_with('/') {
        String::from("/")
    } else {
        String::new()
    };
    for part in path.split('/').filter(|p| !p.is_empty()) {
        current = go_join(&current, part);
        let is_link = std::fs::symlink_metadata(&current)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
        if is_link {
            let target =
                std::fs::canonicalize(&current).map_err(|e| format!("lstat {current}: {e}"))?;
            return Ok(path.replacen(&current, &target.to_string_lossy(), 1));
        }
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value as J, json};

    fn resolve(json: J) -> J {
        let mut doc = Node::from_json(&json);
        resolve_relative_paths(&mut doc, Path::new("/project"), Some(Path::new("/home/me")))
            .expect("resolve");
        doc.to_json()
    }

    fn service(json: J) -> J {
        resolve(json!({"services": {"s": json}}))["services"]["s"].clone()
    }

    #[test]
    fn build_context_is_joined_and_cleaned() {
        assert_eq!(
            service(json!({"build": {"context": "."}}))["build"]["context"],
            json!("/project")
        );
        assert_eq!(
            service(json!({"build": {"context": "../other/./x"}}))["build"]["context"],
            json!("/other/x")
        );
    }

    #[test]
    fn remote_build_contexts_are_kept() {
        for context in [
            "https://github.com/x/y.git",
            "git@github.com:x/y.git",
            "github.com/x/y",
            "docker-image://alpine",
            "service:base",
        ] {
            assert_eq!(
                service(json!({"build": {"context": context}}))["build"]["context"],
                json!(context)
            );
        }
    }

    #[test]
    fn additional_contexts_and_ssh_paths() {
        let b = service(json!({"build": {
            "additional_contexts": {"a": "docker-image://alpine", "b": "../bar"},
            "ssh": {"default": null, "k": "./key", "h": "~/.ssh/id"}}}))["build"]
            .clone();
        assert_eq!(
            b["additional_contexts"],
            json!({"a": "docker-image://alpine", "b": "/bar"})
        );
        assert_eq!(
            b["ssh"],
            json!({"default": null, "k": "/project/key", "h": "/home/me/.ssh/id"})
        );
    }

    #[test]
    fn bind_sources_expand_home_and_keep_absolute_paths() {
        let v = service(json!({"volumes": [
            {"type": "bind", "source": "./data", "target": "/d"},
            {"type": "bind", "source": ".", "target": "/d"},
            {"type": "bind", "source": "~", "target": "/d"},
            {"type": "bind", "source": "~user/x", "target": "/d"},
            {"type": "bind", "source": "/tmp//x/../y", "target": "/d"},
            {"type": "bind", "source": "C:\\data", "target": "/d"},
            {"type": "bind", "source": "\\\\.\\pipe\\docker_engine", "target": "/d"},
            {"type": "volume", "source": "data", "target": "/d"}]}))["volumes"]
            .clone();
        let sources: Vec<&J> = v.as_array().unwrap().iter().map(|m| &m["source"]).collect();
        assert_eq!(
            sources,
            vec![
                "/project/data",
                "/project",
                "/home/me",
                "/home/me/user/x",
                "/tmp//x/../y",
                "C:\\data",
                "\\\\.\\pipe\\docker_engine",
                "data"
            ]
        );
    }

    #[test]
    fn bind_without_source_is_an_error() {
        let mut doc = Node::from_json(&json!({"services": {"s": {"volumes": [
            {"type": "bind", "target": "/d"}]}}}));
        let err = resolve_relative_paths(&mut doc, Path::new("/p"), None).unwrap_err();
        assert_eq!(
            err.message,
            r#"invalid mount config for type "bind": field Source must not be empty"#
        );
        assert_eq!(err.service.as_deref(), Some("s"));
    }

    #[test]
    fn env_file_label_file_and_extends_file() {
        let s = service(json!({
            "env_file": [{"path": "./a.env", "required": true}, {"path": "/abs.env"}],
            "label_file": ["./l"],
            "extends": {"file": "../base.yaml", "service": "b"}}));
        assert_eq!(
            s["env_file"],
            json!([{"path": "/project/a.env", "required": true}, {"path": "/abs.env"}])
        );
        assert_eq!(s["label_file"], json!(["/project/l"]));
        assert_eq!(s["extends"]["file"], json!("/base.yaml"));
        let s = service(json!({"extends": {"file": "oci://registry/x", "service": "b"}}));
        assert_eq!(s["extends"]["file"], json!("oci://registry/x"));
    }

    #[test]
    fn secrets_configs_and_bind_volumes_at_top_level() {
        let d = resolve(json!({
            "secrets": {"s": {"file": "./s.txt"}, "e": {"environment": "X"}},
            "configs": {"c": {"file": "c.txt"}},
            "volumes": {
                "b": {"driver": "local", "driver_opts": {"o": "bind", "type": "none", "device": "./d"}},
                "n": {"driver": "local", "driver_opts": {"device": "./d"}},
                "x": null}}));
        assert_eq!(d["secrets"]["s"]["file"], json!("/project/s.txt"));
        assert_eq!(d["secrets"]["e"], json!({"environment": "X"}));
        assert_eq!(d["configs"]["c"]["file"], json!("/project/c.txt"));
        assert_eq!(
            d["volumes"]["b"]["driver_opts"]["device"],
            json!("/project/d")
        );
        assert_eq!(d["volumes"]["n"]["driver_opts"]["device"], json!("./d"));
    }

    #[test]
    fn include_entries_are_left_to_the_include_step() {
        let d = resolve(json!({"include": [{"path": ["a.yaml"]}]}));
        assert_eq!(d["include"], json!([{"path": ["a.yaml"]}]));
    }

    #[test]
    fn tilde_is_kept_without_home() {
        let mut doc = Node::from_json(&json!({"secrets": {"s": {"file": "~/s"}}}));
        resolve_relative_paths(&mut doc, Path::new("/p"), None).unwrap();
        assert_eq!(doc.to_json()["secrets"]["s"]["file"], json!("/p/~/s"));
    }

    #[test]
    fn watch_path_follows_symbolic_link() {
        let dir = std::env::temp_dir().join(format!("hoist-paths-{}", std::process::id()));
        let real = dir.join("real");
        std::fs::create_dir_all(&real).unwrap();
        let link = dir.join("link");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut doc = Node::from_json(&json!({"services": {"s": {"develop": {"watch": [
            {"path": "link/src", "action": "sync"}]}}}}));
        resolve_relative_paths(&mut doc, &dir, None).unwrap();
        let real = std::fs::canonicalize(&real).unwrap();
        assert_eq!(
            doc.to_json()["services"]["s"]["develop"]["watch"][0]["path"],
            json!(format!("{}/src", real.display()))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn windows_absolute_paths() {
        for (path, abs) in [
            ("C:\\x", true),
            ("c:/x", true),
            ("C:x", false),
            ("\\\\server\\share\\x", true),
            ("\\\\.\\pipe\\x", true),
            ("\\x", false),
            ("x", false),
        ] {
            assert_eq!(is_windows_abs(path), abs, "{path}");
        }
    }

    #[test]
    fn go_clean_and_join() {
        assert_eq!(go_clean("/a/../../b"), "/b");
        assert_eq!(go_clean("a/../.."), "..");
        assert_eq!(go_clean(""), ".");
        assert_eq!(go_join("/p", "./x/"), "/p/x");
        assert_eq!(go_join("", "x/"), "x");
    }
}
