//! `extends`: a service starts from another service (of the same file or of another one) and
//! adds or overrides attributes, as compose-go's `loader/extends.go` resolves it.
//!
//! Resolution works on the raw document, after interpolation and before the files are merged:
//! the base service is resolved first (recursively), copied, stripped of the places the
//! extending document marked `!reset` / `!override`, and the extending service is merged over
//! it with the service merge rules. A base read from another file has its relative paths
//! rebased onto that file's directory first, so they keep pointing where they did.

use std::path::Path;

use super::error::{ErrorKind, LoadError, Result};
use super::merge::{ResetPath, apply_reset_paths, extend_service, matches};
use super::node::{Mapping, Mark, Node, Value, go_type};
use super::paths::{
    expand_user, go_clean, go_join, home_dir, is_remote_context, is_remote_resource, is_windows_abs,
};

/// Another compose file, as the loader prepared it for `extends`.
pub struct ExtendsBase {
    /// The file's document(s) loaded as compose-go `loadYamlFile` does with extends, include
    /// and validation skipped: each document parsed, interpolated, its resets applied, merged,
    /// made unique, canonicalized (long syntaxes) and made unique again. Relative paths are
    /// left as written: [`apply_extends`] rebases them.
    pub doc: Node,
    /// The `!reset` / `!override` paths of the file's last document, as
    /// [`super::merge::take_reset_paths`] returned them.
    pub resets: Vec<ResetPath>,
}

/// What [`apply_extends`] needs to know about the document it resolves.
pub struct ExtendsContext<'a> {
    /// The directory relative `extends.file` paths resolve against. Compose uses its resource
    /// loader's directory: the project directory for the files given with `-f`, the include's
    /// `project_directory` for an included file; not the extending file's own directory.
    pub working_dir: &'a Path,
    /// The path of the file being processed, as Compose names it in errors.
    pub file: &'a str,
    /// The `!reset` / `!override` paths taken from the document being processed: they also
    /// remove attributes from the base a service extends.
    pub resets: &'a [ResetPath],
    /// Loads another compose file (given as an absolute path) for `extends.file`.
    pub load: &'a dyn Fn(&Path) -> Result<ExtendsBase>,
}

/// Resolves every `extends` of `doc.services` in place, in document order, and removes the
/// resolved `extends` keys. A service extending a null service is left as it is.
pub fn apply_extends(doc: &mut Node, ctx: &ExtendsContext) -> Result<()> {
    let Some(services) = doc.get_mut("services") else {
        return Ok(());
    };
    let mark = services.mark.clone();
    let Some(services) = services.as_map_mut() else {
        return Err(LoadError::new(ErrorKind::Schema, "services must be a mapping").at(&mark));
    };
    let names: Vec<String> = services.keys().cloned().collect();
    for name in names {
        if let Some(resolved) = resolve(&name, services, ctx.resets, &Tracker::default(), ctx)? {
            services.insert(name, resolved);
        }
    }
    Ok(())
}

/// Where a service's `extends` points.
struct Reference {
    service: String,
    file: Option<String>,
    mark: Mark,
}

/// Resolves service `name` of `services` (a file's services), storing the result back into
/// `services`. `resets` are the reset paths of the file `services` comes from. Returns None
/// for a null or missing service.
fn resolve(
    name: &str,
    services: &mut Mapping,
    resets: &[ResetPath],
    tracker: &Tracker,
    ctx: &ExtendsContext,
) -> Result<Option<Node>> {
    let Some(service) = services.get(name).filter(|s| !s.is_null()) else {
        return Ok(None);
    };
    let Some(attrs) = service.as_map() else {
        return Err(not_a_mapping(name, &service.mark));
    };
    let Some(extends) = attrs.get("extends") else {
        return Ok(Some(service.clone()));
    };
    let reference = reference(name, extends)?;
    let service = service.clone();
    let base = match &reference.file {
        Some(file) => {
            let (mut base_services, base_resets) = services_from_file(name, &reference, ctx)?;
            let tracker = tracker.add(file, name, &reference.mark)?;
            resolve(
                &reference.service,
                &mut base_services,
                &base_resets,
                &tracker,
                ctx,
            )?
        }
        None => {
            if !services.contains_key(&reference.service) {
                return Err(LoadError::new(
                    ErrorKind::Extends,
                    format!(
                        "cannot extend service \"{name}\" in {}: service \"{}\" not found",
                        ctx.file, reference.service
                    ),
                )
                .at(&reference.mark)
                .for_service(name));
            }
            let tracker = tracker.add(ctx.file, name, &reference.mark)?;
            // compose-go applies no resets on this nested step, which makes its result depend
            // on map order; applying the file's own resets gives its usual (ordered) result.
            resolve(&reference.service, services, resets, &tracker, ctx)?
        }
    };
    let Some(base) = base else {
        return Ok(Some(service));
    };
    let merged = extend(name, base, service, resets)?;
    services.insert(name.to_string(), merged.clone());
    Ok(Some(merged))
}

/// Merges `service` over a copy of its resolved `base`, once the extending file's resets have
/// removed their places from the copy.
fn extend(name: &str, base: Node, service: Node, resets: &[ResetPath]) -> Result<Node> {
    if base.as_map().is_none() {
        return Err(not_a_mapping(name, &base.mark));
    }
    let mut wrapper = Node::map(Mapping::from([(
        "services".to_string(),
        Node::map(Mapping::from([(name.to_string(), base)])),
    )]));
    apply_reset_paths(&mut wrapper, resets);
    let source = wrapper
        .as_map_mut()
        .and_then(|m| m.shift_remove("services"))
        .and_then(|mut s| s.as_map_mut().and_then(|m| m.shift_remove(name)))
        .unwrap_or_else(|| Node::map(Mapping::new()));
    let mut merged = extend_service(source, service).map_err(|e| e.for_service(name))?;
    if let Some(map) = merged.as_map_mut() {
        map.shift_remove("extends");
    }
    Ok(merged)
}

fn not_a_mapping(name: &str, mark: &Mark) -> LoadError {
    LoadError::new(
        ErrorKind::Schema,
        format!("services.{name} must be a mapping"),
    )
    .at(mark)
}

/// Reads `extends: name` or `extends: {service, file}`. Any other value refers to the
/// service named "" (which Compose then reports as not found).
fn reference(name: &str, extends: &Node) -> Result<Reference> {
    let mark = extends.mark.clone();
    match &extends.value {
        Value::Str(service) => Ok(Reference {
            service: service.clone(),
            file: None,
            mark,
        }),
        Value::Map(map) => {
            let Some(service) = map.get("service").and_then(Node::as_str) else {
                return Err(LoadError::new(
                    ErrorKind::Extends,
                    format!("extends.{name}.service is required"),
                )
                .at(&mark));
            };
            let file = match map.get("file").filter(|f| !f.is_null()) {
                None => None,
                Some(f) => Some(f.as_str().map(str::to_string).ok_or_else(|| {
                    LoadError::new(
                        ErrorKind::Extends,
                        format!("services.{name}.extends.file must be a string"),
                    )
                    .at(&f.mark)
                })?),
            };
            Ok(Reference {
                service: service.to_string(),
                file,
                mark,
            })
        }
        _ => Ok(Reference {
            service: String::new(),
            file: None,
            mark,
        }),
    }
}

/// Loads the services of `reference.file` and rebases their relative paths onto that file's
/// directory (relative to the working directory, as compose-go's `getExtendsBaseFromFile`).
fn services_from_file(
    name: &str,
    reference: &Reference,
    ctx: &ExtendsContext,
) -> Result<(Mapping, Vec<ResetPath>)> {
    let file = reference.file.as_deref().unwrap_or_default();
    let working_dir = ctx.working_dir.to_string_lossy();
    let local = absolute(&working_dir, file);
    let rel_dir = relative_dir(&working_dir, file);
    let loaded = (ctx.load)(Path::new(&local)).map_err(|e| e.at(&reference.mark))?;
    let mut doc = loaded.doc;
    let fail = |message: String| {
        Err(LoadError::new(ErrorKind::Extends, message)
            .at(&reference.mark)
            .for_service(name))
    };
    let Some(services) = doc.as_map_mut().and_then(|m| m.shift_remove("services")) else {
        return fail(format!(
            "cannot extend service \"{name}\" in {local}: no services section"
        ));
    };
    let Value::Map(mut services) = services.value else {
        return fail(format!(
            "cannot extend service \"{name}\" in {local}: services must be a mapping"
        ));
    };
    if !services.contains_key(&reference.service) {
        return fail(format!(
            "cannot extend service \"{name}\" in {}: service \"{}\" not found in {file}",
            ctx.file, reference.service
        ));
    }
    rebase_services(&mut services, &rel_dir)?;
    Ok((services, loaded.resets))
}

/// The chain of `extends` followed so far, to report cycles as Compose does.
#[derive(Clone, Default)]
struct Tracker {
    loaded: Vec<(String, String)>,
}

impl Tracker {
    /// The chain extended with `service` of `file`, or the circular reference error.
    fn add(&self, file: &str, service: &str, mark: &Mark) -> Result<Tracker> {
        let entry = (file.to_string(), service.to_string());
        if self.loaded.contains(&entry) {
            let mut lines = vec!["Circular reference:".to_string()];
            let chain = self.loaded.iter().chain(std::iter::once(&entry));
            for (i, (file, service)) in chain.enumerate() {
                let verb = if i == 0 { "" } else { "extends " };
                lines.push(format!("  {verb}{service} in {file}"));
            }
            return Err(LoadError::new(ErrorKind::Extends, lines.join("\n")).at(mark));
        }
        let mut loaded = self.loaded.clone();
        loaded.push(entry);
        Ok(Tracker { loaded })
    }
}

// ---------------------------------------------------------------------------------------------
// Rebasing the paths of a base read from another file (compose-go `paths.ResolveRelativePaths`
// with a relative base directory, restricted to the services).

#[derive(Clone, Copy)]
enum Rebase {
    /// A build context: remote and `service:` contexts stay as they are.
    Context,
    /// Relative unless absolute for Unix or Windows (bind sources, ssh keys).
    UnixPath,
    /// A path or list of paths; anything else is an error.
    Path,
    /// `extends.file`: remote files stay as they are.
    ExtendsFile,
    /// A long-syntax volume: the source of a bind mount.
    Volume,
}

const REBASE_RULES: &[(&str, Rebase)] = &[
    ("*.build.context", Rebase::Context),
    ("*.build.additional_contexts.*", Rebase::Context),
    ("*.build.ssh.*", Rebase::UnixPath),
    ("*.env_file.*.path", Rebase::Path),
    ("*.label_file.*", Rebase::Path),
    ("*.extends.file", Rebase::ExtendsFile),
    // compose-go also resolves symbolic links here; a relative path cannot be checked yet.
    ("*.develop.watch.*.path", Rebase::Path),
    ("*.volumes.*", Rebase::Volume),
];

/// Rebases the relative paths of `services` (already canonical) onto `dir`.
pub fn rebase_services(services: &mut Mapping, dir: &str) -> Result<()> {
    for (name, service) in services.iter_mut() {
        rebase_node(service, &mut vec![name.clone()], dir)?;
    }
    Ok(())
}

fn rebase_node(node: &mut Node, path: &mut Vec<String>, dir: &str) -> Result<()> {
    let rule = REBASE_RULES
        .iter()
        .find(|(pattern, _)| matches(path, &pattern.split('.').collect::<Vec<_>>()));
    if let Some((_, rule)) = rule {
        return rebase_value(*rule, node, dir);
    }
    match &mut node.value {
        Value::Map(map) => {
            for (key, value) in map.iter_mut() {
                path.push(key.clone());
                let done = rebase_node(value, path, dir);
                path.pop();
                done?;
            }
        }
        Value::Seq(items) => {
            for item in items.iter_mut() {
                path.push("[]".into());
                let done = rebase_node(item, path, dir);
                path.pop();
                done?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn rebase_value(rule: Rebase, node: &mut Node, dir: &str) -> Result<()> {
    match rule {
        Rebase::Context => {
            if let Value::Str(s) = &node.value {
                if !is_remote_context(s) {
                    rebase_path(node, dir)?;
                }
            }
        }
        Rebase::ExtendsFile => {
            if let Value::Str(s) = &node.value {
                if !is_remote_resource(s) {
                    rebase_path(node, dir)?;
                }
            }
        }
        Rebase::Path => rebase_path(node, dir)?,
        Rebase::UnixPath => rebase_unix_path(node, dir),
        Rebase::Volume => {
            let mark = node.mark.clone();
            let Some(volume) = node.as_map_mut() else {
                return Ok(());
            };
            if volume.get("type").and_then(Node::as_str) != Some("bind") {
                return Ok(());
            }
            let Some(source) = volume.get_mut("source") else {
                return Err(LoadError::new(
                    ErrorKind::Schema,
                    "invalid mount config for type \"bind\": field Source must not be empty",
                )
                .at(&mark));
            };
            rebase_unix_path(source, dir);
        }
    }
    Ok(())
}

/// compose-go `absPath`: `~` expanded, absolute and empty paths kept, others joined to `dir`.
fn rebase_path(node: &mut Node, dir: &str) -> Result<()> {
    match &mut node.value {
        Value::Str(s) => {
            let expanded = expand_user(s, home_dir().as_deref());
            *s = if expanded.starts_with('/') || expanded.is_empty() {
                expanded
            } else {
                go_join(dir, &expanded)
            };
            Ok(())
        }
        Value::Seq(items) => items.iter_mut().try_for_each(|item| rebase_path(item, dir)),
        _ => Err(LoadError::new(
            ErrorKind::Schema,
            format!("unexpected type {}", go_type(node)),
        )
        .at(&node.mark)),
    }
}

/// compose-go `maybeUnixPath`: Unix and Windows absolute paths are kept.
fn rebase_unix_path(node: &mut Node, dir: &str) {
    if let Value::Str(s) = &mut node.value {
        let expanded = expand_user(s, home_dir().as_deref());
        *s = if expanded.starts_with('/') || is_windows_abs(&expanded) {
            expanded
        } else {
            go_join(dir, &expanded)
        };
    }
}

// ---------------------------------------------------------------------------------------------
// Go's lexical path functions, which give the exact strings Compose prints.

/// `filepath.Join(dir, file)` unless `file` is absolute (the local resource loader's `abs`).
fn absolute(dir: &str, file: &str) -> String {
    if file.starts_with('/') {
        file.to_string()
    } else {
        go_join(dir, file)
    }
}

/// The directory of `file` relative to `working_dir` (the local resource loader's `Dir`).
fn relative_dir(working_dir: &str, file: &str) -> String {
    let mut dir = absolute(working_dir, file);
    if !Path::new(&dir).is_dir() {
        dir = absolute(working_dir, &go_dir(file));
    }
    go_rel(working_dir, &dir).unwrap_or(dir)
}

/// `filepath.Dir`.
fn go_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => go_clean(&path[..=i]),
        None => ".".into(),
    }
}

/// `filepath.Rel`, or None where Go fails (one path absolute and not the other, or a base
/// that climbs above the target's root).
fn go_rel(base: &str, target: &str) -> Option<String> {
    let base = go_clean(base);
    let target = go_clean(target);
    if base == target {
        return Some(".".into());
    }
    if base.starts_with('/') != target.starts_with('/') {
        return None;
    }
    let split = |p: &str| -> Vec<String> {
        if p == "." {
            return Vec::new();
        }
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (base, target) = (split(&base), split(&target));
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    if base[common..].iter().any(|p| p == "..") {
        return None;
    }
    let mut parts: Vec<&str> = vec![".."; base.len() - common];
    parts.extend(target[common..].iter().map(String::as_str));
    Some(if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::merge::take_reset_paths;
    use crate::compose::node::Tag;
    use serde_json::json;
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::path::PathBuf;

    const FILE: &str = "/proj/compose.yaml";

    fn node(value: serde_json::Value) -> Node {
        Node::from_json(&value)
    }

    fn no_files(path: &Path) -> Result<ExtendsBase> {
        Err(LoadError::new(
            ErrorKind::Io,
            format!("open {}: no such file or directory", path.display()),
        ))
    }

    /// Runs `apply_extends` on `doc` with the given other files (absolute path -> document).
    fn run_with(
        mut doc: Node,
        files: &[(&str, Node)],
        loads: &RefCell<Vec<PathBuf>>,
    ) -> Result<serde_json::Value> {
        let files: HashMap<PathBuf, Node> = files
            .iter()
            .map(|(p, n)| (PathBuf::from(p), n.clone()))
            .collect();
        let load = |path: &Path| -> Result<ExtendsBase> {
            loads.borrow_mut().push(path.to_path_buf());
            match files.get(path) {
                Some(doc) => {
                    let mut doc = doc.clone();
                    let resets = take_reset_paths(&mut doc);
                    Ok(ExtendsBase { doc, resets })
                }
                None => no_files(path),
            }
        };
        let resets = take_reset_paths(&mut doc);
        let ctx = ExtendsContext {
            working_dir: Path::new("/proj"),
            file: FILE,
            resets: &resets,
            load: &load,
        };
        apply_extends(&mut doc, &ctx)?;
        Ok(doc.to_json())
    }

    fn run(doc: Node) -> Result<serde_json::Value> {
        run_with(doc, &[], &RefCell::new(Vec::new()))
    }

    fn services(value: serde_json::Value) -> Node {
        node(json!({ "services": value }))
    }

    /// Sets `tag` on `services.<service>.<key>`.
    fn tag(doc: &mut Node, service: &str, key: &str, tag: Tag) {
        if let Some(n) = doc
            .get_mut("services")
            .and_then(|s| s.get_mut(service))
            .and_then(|s| s.get_mut(key))
        {
            n.tag = Some(tag);
        }
    }

    fn error(doc: Node) -> LoadError {
        run(doc).unwrap_err()
    }

    #[test]
    fn string_extends_copies_the_base_service() {
        let got = run(services(json!({
            "base": {"image": "base", "environment": ["A=1"]},
            "another": {"extends": "base", "environment": {"B": "2"}}
        })))
        .unwrap();
        assert_eq!(
            got["services"]["another"],
            json!({"image": "base", "environment": ["A=1", "B=2"]})
        );
        assert_eq!(
            got["services"]["base"],
            json!({"image": "base", "environment": ["A=1"]})
        );
    }

    #[test]
    fn extends_is_resolved_recursively() {
        let got = run(services(json!({
            "c": {"extends": {"service": "b"}, "user": "c"},
            "b": {"extends": "a", "command": "b"},
            "a": {"image": "a", "command": "a", "user": "a"}
        })))
        .unwrap();
        assert_eq!(
            got["services"]["c"],
            json!({"image": "a", "command": "b", "user": "c"})
        );
        assert_eq!(
            got["services"]["b"],
            json!({"image": "a", "command": "b", "user": "a"})
        );
    }

    #[test]
    fn reset_in_extending_service_removes_base_attribute() {
        // TestLoadExtendsWihReset
        let mut doc = services(json!({
            "foo": {"extends": {"service": "bar"}, "volumes": []},
            "bar": {"image": "alpine", "command": "echo", "volumes": [".:/src"]}
        }));
        tag(&mut doc, "foo", "volumes", Tag::Reset);
        let got = run(doc).unwrap();
        assert_eq!(
            got["services"]["foo"],
            json!({"image": "alpine", "command": "echo"})
        );
        assert_eq!(got["services"]["bar"]["volumes"], json!([".:/src"]));
    }

    fn self_extends_doc(main_first: bool) -> Node {
        // TestOverrideSelfExtends
        let mut entries = vec![
            (
                "depend_base",
                json!({"image": "nginx", "ports": ["8092:80"]}),
            ),
            (
                "depend_one",
                json!({"image": "nginx", "ports": ["8091:80"]}),
            ),
            ("depend_two", json!({"extends": {"service": "depend_one"}})),
            (
                "main_one",
                json!({"image": "nginx", "depends_on": ["depend_one"], "ports": ["8090:80"]}),
            ),
            (
                "main_two",
                json!({"extends": "main_one", "depends_on": ["depend_two"]}),
            ),
            (
                "main",
                json!({"extends": {"service": "main_two"}, "depends_on": ["depend_base"]}),
            ),
        ];
        if main_first {
            entries.reverse();
        }
        let map: serde_json::Map<String, serde_json::Value> = entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let mut doc = services(serde_json::Value::Object(map));
        tag(&mut doc, "main_two", "depends_on", Tag::Override);
        doc
    }

    #[test]
    fn override_in_extending_service_replaces_base_attribute() {
        for main_first in [false, true] {
            let got = run(self_extends_doc(main_first)).unwrap();
            let started = json!({"condition": "service_started", "required": true});
            assert_eq!(
                got["services"]["main_two"]["depends_on"],
                json!(["depend_two"])
            );
            assert_eq!(
                got["services"]["main"]["depends_on"],
                json!({"depend_two": started, "depend_base": started})
            );
            assert_eq!(got["services"]["main"]["ports"], json!(["8090:80"]));
            assert_eq!(got["services"]["depend_two"]["ports"], json!(["8091:80"]));
        }
    }

    #[test]
    fn extends_file_loads_relative_to_working_dir_and_rebases_paths() {
        // compose-test-extends: the base's env_file stays relative to its own file.
        let imported = services(json!({
            "imported": {
                "image": "nginx",
                "container_name": "imported",
                "env_file": [{"path": "./extra.env", "required": true}],
                "volumes": [
                    {"type": "bind", "source": "/opt/data", "target": "/var/lib/mysql"},
                    {"type": "bind", "source": "../data", "target": "/d"},
                    {"type": "volume", "source": "named", "target": "/n"}
                ],
                "build": {"context": ".", "additional_contexts": {"a": "../a", "img": "docker-image://x"}}
            }
        }));
        let doc = services(json!({
            "importer": {"extends": {"file": "subdir/imported.yaml", "service": "imported"}}
        }));
        let loads = RefCell::new(Vec::new());
        let got = run_with(doc, &[("/proj/subdir/imported.yaml", imported)], &loads).unwrap();
        assert_eq!(
            *loads.borrow(),
            vec![PathBuf::from("/proj/subdir/imported.yaml")]
        );
        assert_eq!(
            got["services"]["importer"],
            json!({
                "image": "nginx",
                "container_name": "imported",
                "env_file": [{"path": "subdir/extra.env", "required": true}],
                "volumes": [
                    {"type": "bind", "source": "/opt/data", "target": "/var/lib/mysql"},
                    {"type": "bind", "source": "data", "target": "/d"},
                    {"type": "volume", "source": "named", "target": "/n"}
                ],
                "build": {"context": "subdir", "additional_contexts": {"a": "a", "img": "docker-image://x"}}
            })
        );
    }

    #[test]
    fn nested_extends_file_is_rebased_onto_the_first_base() {
        let first = services(json!({
            "a": {"build": {"context": "."}, "extends": {"file": "g.yaml", "service": "q"}}
        }));
        let second = services(json!({
            "q": {"image": "q", "build": {"context": "ctx", "ssh": {"default": null, "k": "key"}}}
        }));
        let doc = services(json!({
            "c": {"image": "y", "extends": {"service": "a", "file": "sub/f.yaml"}}
        }));
        let loads = RefCell::new(Vec::new());
        let got = run_with(
            doc,
            &[("/proj/sub/f.yaml", first), ("/proj/sub/g.yaml", second)],
            &loads,
        )
        .unwrap();
        assert_eq!(
            *loads.borrow(),
            vec![
                PathBuf::from("/proj/sub/f.yaml"),
                PathBuf::from("/proj/sub/g.yaml")
            ]
        );
        assert_eq!(
            got["services"]["c"],
            json!({"image": "y", "build": {"context": "sub", "ssh": {"default": null, "k": "sub/key"}}})
        );
    }

    #[test]
    fn base_file_resets_apply_to_its_own_extends() {
        let mut base = services(json!({
            "b": {"extends": "a", "ports": []},
            "a": {"image": "a", "ports": ["1:1"]}
        }));
        tag(&mut base, "b", "ports", Tag::Reset);
        let doc = services(json!({"s": {"extends": {"file": "base.yaml", "service": "b"}}}));
        let got = run_with(doc, &[("/proj/base.yaml", base)], &RefCell::new(Vec::new())).unwrap();
        assert_eq!(got["services"]["s"], json!({"image": "a"}));
    }

    #[test]
    fn extending_a_null_service_keeps_the_service_as_is() {
        let got = run(services(
            json!({"a": {"extends": "nil", "image": "x"}, "nil": null}),
        ))
        .unwrap();
        assert_eq!(
            got["services"]["a"],
            json!({"extends": "nil", "image": "x"})
        );
        assert_eq!(got["services"]["nil"], json!(null));
    }

    #[test]
    fn document_without_services_is_unchanged() {
        let got = run(node(json!({"name": "x"}))).unwrap();
        assert_eq!(got, json!({"name": "x"}));
    }

    #[test]
    fn null_services_is_an_error() {
        assert_eq!(
            error(node(json!({"services": null}))).message,
            "services must be a mapping"
        );
    }

    #[test]
    fn service_that_is_not_a_mapping_is_an_error() {
        assert_eq!(
            error(services(json!({"a": "x"}))).message,
            "services.a must be a mapping"
        );
    }

    #[test]
    fn missing_base_service_is_an_error() {
        let err = error(services(json!({"a": {"image": "x", "extends": "zz"}})));
        assert_eq!(err.kind, ErrorKind::Extends);
        assert_eq!(
            err.message,
            "cannot extend service \"a\" in /proj/compose.yaml: service \"zz\" not found"
        );
    }

    #[test]
    fn extends_without_service_is_an_error() {
        assert_eq!(
            error(services(json!({"a": {"extends": {"file": "b.yaml"}}}))).message,
            "extends.a.service is required"
        );
    }

    #[test]
    fn extends_of_another_type_refers_to_an_empty_name() {
        assert_eq!(
            error(services(json!({"a": {"extends": 3}}))).message,
            "cannot extend service \"a\" in /proj/compose.yaml: service \"\" not found"
        );
    }

    #[test]
    fn missing_service_in_other_file_is_an_error() {
        let other = services(json!({"b": {"image": "b"}}));
        let doc = services(json!({"a": {"extends": {"file": "./o.yaml", "service": "zz"}}}));
        let err = run_with(doc, &[("/proj/o.yaml", other)], &RefCell::new(Vec::new())).unwrap_err();
        assert_eq!(
            err.message,
            "cannot extend service \"a\" in /proj/compose.yaml: service \"zz\" not found in ./o.yaml"
        );
    }

    #[test]
    fn other_file_without_services_is_an_error() {
        let doc = services(json!({"a": {"extends": {"file": "o.yaml", "service": "b"}}}));
        let err = run_with(
            doc,
            &[("/proj/o.yaml", node(json!({"name": "x"})))],
            &RefCell::new(Vec::new()),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "cannot extend service \"a\" in /proj/o.yaml: no services section"
        );
    }

    #[test]
    fn unreadable_file_error_is_passed_through() {
        let err = error(services(
            json!({"a": {"extends": {"file": "nope.yaml", "service": "a"}}}),
        ));
        assert_eq!(err.kind, ErrorKind::Io);
        assert_eq!(
            err.message,
            "open /proj/nope.yaml: no such file or directory"
        );
    }

    #[test]
    fn cycle_in_one_file_is_reported_with_the_chain() {
        let err = error(services(json!({
            "a": {"image": "x", "extends": "b"},
            "b": {"extends": {"service": "a"}}
        })));
        assert_eq!(err.kind, ErrorKind::Extends);
        assert_eq!(
            err.message,
            "Circular reference:\n  a in /proj/compose.yaml\n  extends b in /proj/compose.yaml\n  extends a in /proj/compose.yaml"
        );
    }

    #[test]
    fn self_extends_through_a_file_is_a_cycle() {
        let own =
            services(json!({"a": {"image": "x", "extends": {"file": "c5.yaml", "service": "a"}}}));
        let err = run_with(
            own.clone(),
            &[("/proj/c5.yaml", own)],
            &RefCell::new(Vec::new()),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Circular reference:\n  a in c5.yaml\n  extends a in c5.yaml"
        );
    }

    #[test]
    fn go_path_helpers_match_go() {
        assert_eq!(go_clean("a/./b/../c/"), "a/c");
        assert_eq!(go_clean("../a"), "../a");
        assert_eq!(go_clean("/../a"), "/a");
        assert_eq!(go_join("sub", ""), "sub");
        assert_eq!(go_join(".", "x"), "x");
        assert_eq!(go_dir("x.yaml"), ".");
        assert_eq!(go_dir("a/b/x.yaml"), "a/b");
        assert_eq!(go_rel("/proj", "/proj").as_deref(), Some("."));
        assert_eq!(go_rel("/proj", "/proj/a/b").as_deref(), Some("a/b"));
        assert_eq!(go_rel("/proj/a", "/other").as_deref(), Some("../../other"));
        assert_eq!(go_rel("/proj", "rel"), None);
    }

    #[test]
    fn relative_dir_of_base_file() {
        assert_eq!(relative_dir("/proj", "base.yaml"), ".");
        assert_eq!(relative_dir("/proj", "sub/base.yaml"), "sub");
        assert_eq!(relative_dir("/proj", "../up/base.yaml"), "../up");
        assert_eq!(relative_dir("/proj", "/elsewhere/b.yaml"), "../elsewhere");
    }

    #[test]
    fn windows_and_remote_paths_are_recognised() {
        assert!(is_windows_abs("C:\\data"));
        assert!(is_windows_abs("\\\\server\\share"));
        assert!(!is_windows_abs("data"));
        assert!(is_remote_context("https://github.com/x/y.git"));
        assert!(is_remote_context("service:other"));
        assert!(!is_remote_context("./ctx"));
        assert!(is_remote_resource("oci://registry/app:1"));
        assert!(is_remote_resource(
            "https://github.com/x/y.git#main:compose.yaml"
        ));
        assert!(!is_remote_resource("https://example.com/compose.yaml"));
    }
}
