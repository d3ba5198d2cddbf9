//! Folding several Compose documents into one, as compose-go's `override` package and its
//! `!reset` / `!override` processor do.
//!
//! The loader handles each YAML document of each file in turn: [`take_reset_paths`] strips the
//! `!reset` nodes out of the incoming document and records where the tagged nodes were,
//! [`apply_reset_paths`] deletes those places from the model accumulated so far, [`merge`]
//! folds the document into it and [`enforce_unicity`] removes the sequence items the later
//! document redefined. Merging happens before canonicalization, so every rule here accepts
//! short and long syntaxes mixed (an `environment` list in one file and a map in the next).

use std::collections::{HashMap, HashSet};

use super::error::{ErrorKind, LoadError, Result};
use super::node::{Mapping, Mark, Node, Tag, Value, go_sprint, go_type};

/// A place in a document: one element per mapping key or sequence index. Sequence indexes are
/// recorded as plain numbers (`"0"`), as compose-go records them; `*` matches any key.
pub type ResetPath = Vec<String>;

/// Removes the `!reset` nodes from `doc` and returns the paths of every `!reset` and
/// `!override` node, in document order.
///
/// `!override` nodes stay in the document: once their path has been deleted from the
/// accumulated model, merging puts them in as they are. A `!reset` node inside an anchored
/// collection only counts where the anchor is defined: compose-go removes it from the shared
/// YAML node on that first visit, so the aliases that copy the collection (including merge
/// keys) no longer hold it. Copies are recognised by their marks: a `!reset` node carrying the
/// known mark of one already seen is dropped without being recorded.
pub fn take_reset_paths(doc: &mut Node) -> Vec<ResetPath> {
    let mut walker = ResetWalker::default();
    walker.walk(doc, &mut Vec::new());
    walker.paths
}

/// Deletes every mapping entry of `model` whose path matches one of `paths` (compose-go's
/// `ResetProcessor.Apply`). Sequence items are addressed as `[index]` there, so the recorded
/// numeric indexes never match one: a `!reset` sequence item only leaves the incoming document.
pub fn apply_reset_paths(model: &mut Node, paths: &[ResetPath]) {
    if paths.is_empty() {
        return;
    }
    reset_node(model, &mut Vec::new(), paths);
}

/// Merges `overlay` into `base` with Compose's rules (compose-go `override.Merge`): mappings
/// merge by key, scalars are replaced, sequences are concatenated (see [`enforce_unicity`]),
/// and the attributes compose-go lists in `mergeSpecials` follow their own rule.
pub fn merge(base: Node, overlay: Node) -> Result<Node> {
    merge_at(base, overlay, &mut Vec::new())
}

/// Merges the attributes of an extending service over a copy of its base service, with the
/// same rules as [`merge`] applies to services (compose-go `override.ExtendService`).
pub fn extend_service(base: Node, service: Node) -> Result<Node> {
    merge_at(base, service, &mut vec!["services".into(), "x".into()])
}

/// Removes the items of identity-keyed sequences that a later item redefines (compose-go
/// `override.EnforceUnicity`): the later item takes the place of the first one with the same
/// key. The sequences and their keys are compose-go's `unique` table; an item that cannot be
/// keyed is an error.
pub fn enforce_unicity(doc: &mut Node) -> Result<()> {
    unicity_at(doc, &mut Vec::new())
}

// ---------------------------------------------------------------------------------------------
// Paths

/// True when `path` matches `pattern` part by part, `*` matching any part.
pub(crate) fn matches<S: AsRef<str>>(path: &[String], pattern: &[S]) -> bool {
    path.len() == pattern.len()
        && path
            .iter()
            .zip(pattern)
            .all(|(part, pat)| pat.as_ref() == "*" || pat.as_ref() == part)
}

/// A path as compose-go prints it in errors.
fn display_path(path: &[String]) -> String {
    path.join(".")
}

fn split_pattern(pattern: &str) -> Vec<&str> {
    pattern.split('.').collect()
}

// ---------------------------------------------------------------------------------------------
// !reset / !override

#[derive(Default)]
struct ResetWalker {
    paths: Vec<ResetPath>,
    seen_resets: HashSet<Mark>,
}

impl ResetWalker {
    /// Records tagged nodes under `node`; returns false when `node` itself must be removed.
    fn walk(&mut self, node: &mut Node, path: &mut Vec<String>) -> bool {
        match node.tag {
            Some(Tag::Reset) => {
                let copy = node.mark.is_known() && !self.seen_resets.insert(node.mark.clone());
                if !copy {
                    self.paths.push(path.clone());
                }
                return false;
            }
            Some(Tag::Override) => {
                self.paths.push(path.clone());
                return true;
            }
            None => {}
        }
        match &mut node.value {
            Value::Seq(items) => {
                let mut index = 0;
                items.retain_mut(|item| {
                    path.push(index.to_string());
                    index += 1;
                    let keep = self.walk(item, path);
                    path.pop();
                    keep
                });
            }
            Value::Map(map) => map.retain(|key, value| {
                path.push(key.clone());
                let keep = self.walk(value, path);
                path.pop();
                keep
            }),
            _ => {}
        }
        true
    }
}

fn reset_node(node: &mut Node, path: &mut Vec<String>, patterns: &[ResetPath]) {
    match &mut node.value {
        Value::Map(map) => map.retain(|key, value| {
            path.push(key.clone());
            let reset = patterns.iter().any(|p| matches(path, p));
            if !reset {
                reset_node(value, path, patterns);
            }
            path.pop();
            !reset
        }),
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(format!("[{i}]"));
                if !patterns.iter().any(|p| matches(path, p)) {
                    reset_node(item, path, patterns);
                }
                path.pop();
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Merge

/// How an attribute with a rule of its own is merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Merger {
    /// Both sides become `KEY=VALUE` lists, concatenated.
    ToSequence,
    /// The overlay replaces the base, even with null.
    Override,
    Build,
    DependsOn,
    Models,
    Networks,
    ExtraHosts,
    Logging,
    Ulimit,
    IpamConfig,
}

/// compose-go's `mergeSpecials`: the attributes merged with a rule of their own.
const MERGE_RULES: &[(&str, Merger)] = &[
    ("networks.*.ipam.config", Merger::IpamConfig),
    ("networks.*.labels", Merger::ToSequence),
    ("volumes.*.labels", Merger::ToSequence),
    ("services.*.annotations", Merger::ToSequence),
    ("services.*.build", Merger::Build),
    ("services.*.build.args", Merger::ToSequence),
    ("services.*.build.additional_contexts", Merger::ToSequence),
    ("services.*.build.extra_hosts", Merger::ExtraHosts),
    ("services.*.build.labels", Merger::ToSequence),
    ("services.*.command", Merger::Override),
    ("services.*.depends_on", Merger::DependsOn),
    ("services.*.deploy.labels", Merger::ToSequence),
    ("services.*.dns", Merger::ToSequence),
    ("services.*.dns_opt", Merger::ToSequence),
    ("services.*.dns_search", Merger::ToSequence),
    ("services.*.entrypoint", Merger::Override),
    ("services.*.env_file", Merger::ToSequence),
    ("services.*.label_file", Merger::ToSequence),
    ("services.*.environment", Merger::ToSequence),
    ("services.*.extra_hosts", Merger::ExtraHosts),
    ("services.*.healthcheck.test", Merger::Override),
    ("services.*.labels", Merger::ToSequence),
    ("services.*.volumes.*.volume.labels", Merger::ToSequence),
    ("services.*.logging", Merger::Logging),
    ("services.*.models", Merger::Models),
    ("services.*.networks", Merger::Networks),
    ("services.*.sysctls", Merger::ToSequence),
    ("services.*.tmpfs", Merger::ToSequence),
    ("services.*.ulimits.*", Merger::Ulimit),
];

fn special_merger(path: &[String]) -> Option<Merger> {
    MERGE_RULES
        .iter()
        .find(|(pattern, _)| matches(path, &split_pattern(pattern)))
        .map(|(_, merger)| *merger)
}

fn cannot_override(path: &[String], mark: &Mark) -> LoadError {
    LoadError::new(
        ErrorKind::Schema,
        format!("cannot override {}", display_path(path)),
    )
    .at(mark)
}

fn merge_at(base: Node, overlay: Node, path: &mut Vec<String>) -> Result<Node> {
    if let Some(merger) = special_merger(path) {
        return merge_special(merger, base, overlay, path);
    }
    if overlay.is_null() {
        return Ok(base);
    }
    match base.value {
        Value::Map(map) => {
            let Value::Map(other) = overlay.value else {
                return Err(cannot_override(path, &overlay.mark));
            };
            let merged = merge_mappings(map, other, path)?;
            Ok(Node::new(Value::Map(merged), base.mark))
        }
        Value::Seq(mut items) => {
            let Value::Seq(other) = overlay.value else {
                return Err(cannot_override(path, &overlay.mark));
            };
            items.extend(other);
            Ok(Node::new(Value::Seq(items), base.mark))
        }
        _ => Ok(overlay),
    }
}

fn merge_mappings(mut base: Mapping, overlay: Mapping, path: &mut Vec<String>) -> Result<Mapping> {
    for (key, value) in overlay {
        match base.get_mut(&key) {
            Some(slot) => {
                let current = std::mem::replace(slot, Node::null());
                path.push(key);
                let merged = merge_at(current, value, path);
                path.pop();
                *slot = merged?;
            }
            None => {
                base.insert(key, value);
            }
        }
    }
    Ok(base)
}

fn merge_special(
    merger: Merger,
    base: Node,
    overlay: Node,
    path: &mut Vec<String>,
) -> Result<Node> {
    match merger {
        Merger::Override | Merger::Ulimit => Ok(overlay),
        Merger::ToSequence => {
            let mark = base.mark.clone();
            let mut items = into_sequence(base);
            items.extend(into_sequence(overlay));
            Ok(Node::new(Value::Seq(items), mark))
        }
        Merger::ExtraHosts => {
            let mark = base.mark.clone();
            let mut items = into_sequence(base);
            let added: Vec<Node> = into_sequence(overlay)
                .into_iter()
                .filter(|host| !items.iter().any(|known| same_value(known, host)))
                .collect();
            items.extend(added);
            Ok(Node::new(Value::Seq(items), mark))
        }
        Merger::Build => merge_converted(base, overlay, path, build_mapping),
        Merger::DependsOn => merge_converted(base, overlay, path, |n| {
            into_mapping(n, Some(&default_dependency()))
        }),
        Merger::Models | Merger::Networks => {
            merge_converted(base, overlay, path, |n| into_mapping(n, None))
        }
        Merger::Logging => merge_logging(base, overlay, path),
        Merger::IpamConfig => merge_ipam_config(base, overlay, path),
    }
}

/// Converts both sides to mappings and merges them. A side that does not convert is ignored
/// (compose-go would crash on a base that does not convert while the overlay does).
fn merge_converted(
    base: Node,
    overlay: Node,
    path: &mut Vec<String>,
    convert: impl Fn(&Node) -> Option<Mapping>,
) -> Result<Node> {
    match (convert(&base), convert(&overlay)) {
        (Some(b), Some(o)) => Ok(Node::new(
            Value::Map(merge_mappings(b, o, path)?),
            base.mark,
        )),
        (Some(b), None) => Ok(Node::new(Value::Map(b), base.mark)),
        (None, Some(o)) => Ok(Node::new(Value::Map(o), overlay.mark)),
        (None, None) => Ok(base),
    }
}

/// `build: ./dir` is `build: {context: ./dir}`.
fn build_mapping(node: &Node) -> Option<Mapping> {
    match &node.value {
        Value::Str(_) => Some(Mapping::from([("context".to_string(), node.clone())])),
        Value::Map(map) => Some(map.clone()),
        _ => None,
    }
}

fn default_dependency() -> Mapping {
    Mapping::from([
        ("condition".to_string(), Node::string("service_started")),
        ("required".to_string(), Node::synthetic(Value::Bool(true))),
    ])
}

/// compose-go `convertIntoMapping`: a list of names becomes a mapping of those names, each
/// to a copy of `default` (or null).
fn into_mapping(node: &Node, default: Option<&Mapping>) -> Option<Mapping> {
    match &node.value {
        Value::Map(map) => Some(map.clone()),
        Value::Seq(items) => Some(
            items
                .iter()
                .map(|item| {
                    let key = item.scalar_string().unwrap_or_else(|| go_sprint(item));
                    let value = match default {
                        Some(d) => Node::new(Value::Map(d.clone()), item.mark.clone()),
                        None => Node::null().at(&item.mark),
                    };
                    (key, value)
                })
                .collect(),
        ),
        _ => None,
    }
}

/// compose-go `convertIntoSequence`: a mapping becomes sorted `KEY=VALUE` strings (a null
/// value gives `KEY`, a list value one `KEY=ITEM` per item), a string a one-item list.
fn into_sequence(node: Node) -> Vec<Node> {
    match node.value {
        Value::Seq(items) => items,
        Value::Str(_) => vec![node],
        Value::Map(map) => {
            let mut items: Vec<Node> = Vec::with_capacity(map.len());
            for (key, value) in map {
                match &value.value {
                    Value::Null => items.push(Node::string(key).at(&value.mark)),
                    Value::Seq(list) => items.extend(
                        list.iter()
                            .map(|v| Node::string(format!("{key}={}", go_sprint(v))).at(&v.mark)),
                    ),
                    _ => items
                        .push(Node::string(format!("{key}={}", go_sprint(&value))).at(&value.mark)),
                }
            }
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            items
        }
        _ => Vec::new(),
    }
}

/// Logging options merge only when both sides name the same driver (or one names none);
/// otherwise the overlay replaces the base.
fn merge_logging(base: Node, overlay: Node, path: &mut Vec<String>) -> Result<Node> {
    if overlay.is_null() {
        return Ok(base);
    }
    match (base.value, overlay.value) {
        (Value::Map(config), Value::Map(other)) => {
            let same_driver = match (other.get("driver"), config.get("driver")) {
                (Some(a), Some(b)) => same_value(a, b),
                _ => true,
            };
            if same_driver {
                let merged = merge_mappings(config, other, path)?;
                Ok(Node::new(Value::Map(merged), base.mark))
            } else {
                Ok(Node::new(Value::Map(other), overlay.mark))
            }
        }
        _ => Err(cannot_override(path, &overlay.mark)),
    }
}

/// Where an IPAM config lives while the configs are merged: compose-go shares map references,
/// so a base config merged later is seen updated wherever it was already placed.
#[derive(Clone, Copy)]
enum IpamSlot {
    Base(usize),
    Overlay(usize),
}

/// compose-go `mergeIPAMConfig`, quirks included: configs are matched by subnet, and a base
/// config no overlay config matches is dropped.
fn merge_ipam_config(base: Node, overlay: Node, path: &mut Vec<String>) -> Result<Node> {
    let unexpected = || {
        LoadError::new(
            ErrorKind::Schema,
            format!("{}: unexpected type {}", display_path(path), go_type(&base)),
        )
        .at(&overlay.mark)
    };
    let (Some(configs), Some(overrides)) = (base.as_seq(), overlay.as_seq()) else {
        return Err(unexpected());
    };
    let mut bases: Vec<Mapping> = configs
        .iter()
        .map(|c| into_mapping(c, None).unwrap_or_default())
        .collect();
    let overlays: Vec<Mapping> = overrides
        .iter()
        .map(|c| into_mapping(c, None).unwrap_or_default())
        .collect();
    let mut slots: Vec<IpamSlot> = Vec::new();
    let subnet_of = |slot: &IpamSlot, bases: &[Mapping]| -> Option<Node> {
        match slot {
            IpamSlot::Base(i) => subnet(&bases[*i]),
            IpamSlot::Overlay(j) => subnet(&overlays[*j]),
        }
    };
    for i in 0..bases.len() {
        for (j, left) in overlays.iter().enumerate() {
            let left_subnet = subnet(left);
            if !same_opt(&left_subnet, &subnet(&bases[i]))
                && !slots
                    .iter()
                    .any(|s| same_opt(&subnet_of(s, &bases), &left_subnet))
            {
                slots.push(IpamSlot::Overlay(j));
                continue;
            }
            let right = std::mem::take(&mut bases[i]);
            bases[i] = merge_mappings(right, left.clone(), path)?;
            let merged_subnet = subnet(&bases[i]);
            match slots
                .iter()
                .position(|s| same_opt(&subnet_of(s, &bases), &merged_subnet))
            {
                Some(k) => slots[k] = IpamSlot::Base(i),
                None => slots.push(IpamSlot::Base(i)),
            }
        }
    }
    let items = slots
        .iter()
        .map(|slot| match slot {
            IpamSlot::Base(i) => Node::new(Value::Map(bases[*i].clone()), configs[*i].mark.clone()),
            IpamSlot::Overlay(j) => {
                Node::new(Value::Map(overlays[*j].clone()), overrides[*j].mark.clone())
            }
        })
        .collect();
    Ok(Node::new(Value::Seq(items), base.mark))
}

/// The subnet of an IPAM config; a null subnet counts as none, as a Go nil does.
fn subnet(config: &Mapping) -> Option<Node> {
    config.get("subnet").filter(|n| !n.is_null()).cloned()
}

fn same_opt(a: &Option<Node>, b: &Option<Node>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_value(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Go's `==` on decoded values: same type and same content, marks and tags ignored.
fn same_value(a: &Node, b: &Node) -> bool {
    a.to_json() == b.to_json()
}

// ---------------------------------------------------------------------------------------------
// Unicity

/// How the items of an identity-keyed sequence are keyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Indexer {
    KeyValue,
    Volume,
    DeviceMapping,
    Expose,
    Mount(&'static str),
    Port,
    EnvFile,
}

/// compose-go's `unique` table: the sequences whose items have an identity.
const UNIQUE_RULES: &[(&str, Indexer)] = &[
    ("networks.*.labels", Indexer::KeyValue),
    ("networks.*.ipam.options", Indexer::KeyValue),
    ("services.*.annotations", Indexer::KeyValue),
    ("services.*.build.args", Indexer::KeyValue),
    ("services.*.build.additional_contexts", Indexer::KeyValue),
    ("services.*.build.platform", Indexer::KeyValue),
    ("services.*.build.tags", Indexer::KeyValue),
    ("services.*.build.labels", Indexer::KeyValue),
    ("services.*.cap_add", Indexer::KeyValue),
    ("services.*.cap_drop", Indexer::KeyValue),
    ("services.*.configs", Indexer::Mount("")),
    ("services.*.deploy.labels", Indexer::KeyValue),
    ("services.*.dns", Indexer::KeyValue),
    ("services.*.dns_opt", Indexer::KeyValue),
    ("services.*.dns_search", Indexer::KeyValue),
    ("services.*.environment", Indexer::KeyValue),
    ("services.*.env_file", Indexer::EnvFile),
    ("services.*.expose", Indexer::Expose),
    ("services.*.labels", Indexer::KeyValue),
    ("services.*.links", Indexer::KeyValue),
    ("services.*.networks.*.aliases", Indexer::KeyValue),
    ("services.*.networks.*.link_local_ips", Indexer::KeyValue),
    ("services.*.ports", Indexer::Port),
    ("services.*.profiles", Indexer::KeyValue),
    ("services.*.secrets", Indexer::Mount("/run/secrets")),
    ("services.*.sysctls", Indexer::KeyValue),
    ("services.*.tmpfs", Indexer::KeyValue),
    ("services.*.volumes", Indexer::Volume),
    // compose-go registers `devices` twice; the device mapping indexer is the one that stays.
    ("services.*.devices", Indexer::DeviceMapping),
];

fn unicity_at(node: &mut Node, path: &mut Vec<String>) -> Result<()> {
    match &mut node.value {
        Value::Map(map) => {
            for (key, value) in map.iter_mut() {
                path.push(key.clone());
                let done = unicity_at(value, path);
                path.pop();
                done?;
            }
            Ok(())
        }
        Value::Seq(items) => {
            let Some(indexer) = UNIQUE_RULES
                .iter()
                .find(|(pattern, _)| matches(path, &split_pattern(pattern)))
                .map(|(_, indexer)| *indexer)
            else {
                return Ok(());
            };
            let mut unique: Vec<Node> = Vec::with_capacity(items.len());
            let mut positions: HashMap<String, usize> = HashMap::new();
            for (i, item) in std::mem::take(items).into_iter().enumerate() {
                path.push(format!("[{i}]"));
                let key = index_item(indexer, &item, path);
                path.pop();
                let key = key?;
                match positions.get(&key) {
                    Some(&j) => unique[j] = item,
                    None => {
                        positions.insert(key, unique.len());
                        unique.push(item);
                    }
                }
            }
            *items = unique;
            Ok(())
        }
        _ => Ok(()),
    }
}

fn index_item(indexer: Indexer, item: &Node, path: &[String]) -> Result<String> {
    let p = display_path(path);
    let fail = |kind: ErrorKind, message: String| Err(LoadError::new(kind, message).at(&item.mark));
    match indexer {
        Indexer::KeyValue => match &item.value {
            Value::Str(s) => Ok(s.split_once('=').map_or(s.as_str(), |(k, _)| k).to_string()),
            _ => fail(
                ErrorKind::Schema,
                format!("{p}: unexpected type {}", go_type(item)),
            ),
        },
        Indexer::Volume => match &item.value {
            Value::Map(map) => match map.get("target").and_then(Node::as_str) {
                Some(target) => Ok(target.to_string()),
                None => fail(
                    ErrorKind::Schema,
                    format!("service volume {p} is missing a mount target"),
                ),
            },
            Value::Str(spec) => volume_target(spec).or_else(|e| fail(ErrorKind::Syntax, e)),
            _ => Ok(String::new()),
        },
        Indexer::DeviceMapping => match &item.value {
            Value::Map(map) => match map.get("target").and_then(Node::as_str) {
                Some(target) => Ok(target.to_string()),
                None => fail(
                    ErrorKind::Schema,
                    format!("service device {p} is missing a mount target"),
                ),
            },
            Value::Str(spec) => {
                let parts: Vec<&str> = spec.split(':').collect();
                Ok(parts.get(1).unwrap_or(&parts[0]).to_string())
            }
            _ => Ok(String::new()),
        },
        Indexer::Expose => match &item.value {
            Value::Str(s) => Ok(s.clone()),
            Value::Int(i) => Ok(i.to_string()),
            _ => fail(
                ErrorKind::Schema,
                format!("{p}: unsupported expose value {}", go_fmt_s(item)),
            ),
        },
        Indexer::Mount(default_dir) => match &item.value {
            Value::Str(s) => Ok(format!("{default_dir}/{s}")),
            Value::Map(map) => match map.get("target") {
                Some(target) => Ok(target.scalar_string().unwrap_or_else(|| go_fmt_s(target))),
                None => Ok(format!(
                    "{default_dir}/{}",
                    map.get("source")
                        .map_or_else(|| go_fmt_s(&Node::null()), go_fmt_s)
                )),
            },
            _ => fail(
                ErrorKind::Schema,
                format!("{p}: unsupported expose value {}", go_fmt_s(item)),
            ),
        },
        Indexer::Port => match &item.value {
            Value::Int(i) => Ok(i.to_string()),
            Value::Str(s) => Ok(s.clone()),
            Value::Map(map) => {
                let Some(target) = map.get("target") else {
                    return fail(
                        ErrorKind::Schema,
                        format!("service ports {p} is missing a target port"),
                    );
                };
                let null = Node::null();
                let published = map.get("published").unwrap_or(&null);
                let host = map
                    .get("host_ip")
                    .map_or_else(|| "0.0.0.0".to_string(), go_fmt_s);
                let protocol = map
                    .get("protocol")
                    .map_or_else(|| "tcp".to_string(), go_fmt_s);
                Ok(format!(
                    "{host}:{}:{}/{protocol}",
                    go_fmt_s(published),
                    go_fmt_d(target)
                ))
            }
            _ => Ok(String::new()),
        },
        Indexer::EnvFile => match &item.value {
            Value::Str(s) => Ok(s.clone()),
            Value::Map(map) => match map.get("path") {
                Some(path) => Ok(path.scalar_string().unwrap_or_else(|| go_fmt_s(path))),
                None => fail(
                    ErrorKind::Schema,
                    format!("environment path attribute {p} is missing"),
                ),
            },
            _ => Ok(String::new()),
        },
    }
}

/// The target of a short volume spec, parsed as compose-go's `format.ParseVolume` does
/// (`${...}` sections and Windows drive letters keep their colons).
fn volume_target(spec: &str) -> std::result::Result<String, String> {
    match spec.len() {
        0 => return Err("invalid empty volume spec".into()),
        1 | 2 => return Ok(spec.to_string()),
        _ => {}
    }
    let bytes = spec.as_bytes();
    let mut source: Option<String> = None;
    let mut target: Option<String> = None;
    let mut buffer: Vec<char> = Vec::new();
    let mut depth = 0usize;
    let chars = spec
        .char_indices()
        .chain(std::iter::once((spec.len(), '\0')));
    for (i, c) in chars {
        let end = i == spec.len();
        if c == '$' && !end && bytes.get(i + 1) == Some(&b'{') {
            depth += 1;
            buffer.push(c);
            continue;
        }
        if c == '}' && depth > 0 {
            depth -= 1;
            buffer.push(c);
            continue;
        }
        let windows_drive = c == ':' && buffer.len() == 1 && buffer[0].is_alphabetic();
        if windows_drive || !(c == ':' || end) || depth > 0 {
            buffer.push(c);
            continue;
        }
        let field: String = buffer.drain(..).collect();
        let fault = if field.is_empty() {
            Some("empty section between colons")
        } else if source.is_none() && end {
            target = Some(field);
            None
        } else if source.is_none() {
            source = Some(field);
            None
        } else if target.is_none() {
            target = Some(field);
            None
        } else if c == ':' {
            Some("too many colons")
        } else {
            None
        };
        if let Some(fault) = fault {
            return Err(format!("invalid spec: {spec}: {fault}"));
        }
    }
    Ok(target.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Go formatting of decoded values

/// Go's `%s` of a decoded YAML value (`%!s(int=1)` for what is not a string).
fn go_fmt_s(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.clone(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_fmt_s).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(map) => go_map(map, go_fmt_s),
        _ => bad_verb('s', node),
    }
}

/// Go's `%d` of a decoded YAML value.
fn go_fmt_d(node: &Node) -> String {
    match &node.value {
        Value::Int(i) => i.to_string(),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_fmt_d).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(map) => go_map(map, go_fmt_d),
        _ => bad_verb('d', node),
    }
}

fn bad_verb(verb: char, node: &Node) -> String {
    match node.value {
        Value::Null => format!("%!{verb}(<nil>)"),
        _ => format!("%!{verb}({}={})", go_type(node), go_sprint(node)),
    }
}

/// Go prints maps with their keys sorted: `map[a:1 b:2]`.
fn go_map(map: &Mapping, item: fn(&Node) -> String) -> String {
    let mut entries: Vec<(&String, &Node)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let parts: Vec<String> = entries
        .into_iter()
        .map(|(k, v)| format!("{k}:{}", item(v)))
        .collect();
    format!("map[{}]", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(value: serde_json::Value) -> Node {
        Node::from_json(&value)
    }

    fn tagged(value: serde_json::Value, tag: Tag) -> Node {
        let mut n = node(value);
        n.tag = Some(tag);
        n
    }

    fn marked(mut n: Node, line: usize, column: usize) -> Node {
        n.mark = Mark::new(Some("f.yaml".into()), line, column);
        n
    }

    fn merged(base: serde_json::Value, overlay: serde_json::Value) -> serde_json::Value {
        let mut out = merge(node(base), node(overlay)).unwrap();
        enforce_unicity(&mut out).unwrap();
        out.to_json()
    }

    fn service(attrs: serde_json::Value) -> serde_json::Value {
        json!({"services": {"test": attrs}})
    }

    fn merged_service(base: serde_json::Value, overlay: serde_json::Value) -> serde_json::Value {
        merged(service(base), service(overlay))["services"]["test"].clone()
    }

    fn unique(doc: serde_json::Value) -> serde_json::Value {
        let mut n = node(doc);
        enforce_unicity(&mut n).unwrap();
        n.to_json()
    }

    fn unicity_error(doc: serde_json::Value) -> String {
        enforce_unicity(&mut node(doc)).unwrap_err().message
    }

    fn path(parts: &[&str]) -> ResetPath {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn scalars_are_replaced_and_new_keys_added() {
        let got = merged_service(
            json!({"image": "foo", "scale": 1}),
            json!({"image": "bar", "init": true}),
        );
        assert_eq!(got, json!({"image": "bar", "scale": 1, "init": true}));
    }

    #[test]
    fn null_overlay_keeps_the_base_value() {
        let got = merged_service(json!({"image": "foo", "user": "me"}), json!({"user": null}));
        assert_eq!(got, json!({"image": "foo", "user": "me"}));
    }

    #[test]
    fn command_and_entrypoint_are_replaced_not_appended() {
        let got = merged_service(
            json!({"command": ["a", "b"], "entrypoint": "sh -c", "healthcheck": {"test": ["CMD", "x"], "retries": 3}}),
            json!({"command": ["c"], "entrypoint": ["bash"], "healthcheck": {"test": "true"}}),
        );
        assert_eq!(
            got,
            json!({"command": ["c"], "entrypoint": ["bash"], "healthcheck": {"test": "true", "retries": 3}})
        );
    }

    #[test]
    fn null_command_overrides_the_base_command() {
        let got = merged_service(json!({"command": "echo hi"}), json!({"command": null}));
        assert_eq!(got, json!({"command": null}));
    }

    #[test]
    fn environment_list_and_map_merge_into_a_sorted_list() {
        let got = merged_service(
            json!({"environment": ["A=1", "B=2"]}),
            json!({"environment": {"C": 3, "A": "x", "D": null, "E": 0.5, "F": true}}),
        );
        assert_eq!(
            got,
            json!({"environment": ["A=x", "B=2", "C=3", "D", "E=0.5", "F=true"]})
        );
    }

    #[test]
    fn labels_map_values_print_like_go() {
        let got = merged_service(
            json!({"labels": {"a": 1}}),
            json!({"labels": {"b": 1000000.0, "c": 1234567.0, "d": [1, "x"]}}),
        );
        assert_eq!(
            got,
            json!({"labels": ["a=1", "b=1e+06", "c=1.234567e+06", "d=x"]})
        );
    }

    #[test]
    fn string_tmpfs_and_dns_become_lists() {
        let got = merged_service(
            json!({"tmpfs": "/run", "dns": "8.8.8.8"}),
            json!({"tmpfs": ["/tmp"], "dns": "8.8.8.8"}),
        );
        assert_eq!(got, json!({"tmpfs": ["/run", "/tmp"], "dns": ["8.8.8.8"]}));
    }

    #[test]
    fn ports_are_concatenated_and_short_duplicates_removed() {
        let got = merged_service(
            json!({"ports": ["8080:80", {"target": 81, "published": "8081"}]}),
            json!({"ports": ["8080:80", "9090:90", {"target": 81, "published": "8081", "protocol": "tcp"}]}),
        );
        assert_eq!(
            got,
            json!({"ports": [
                "8080:80",
                {"target": 81, "published": "8081", "protocol": "tcp"},
                "9090:90"
            ]})
        );
    }

    #[test]
    fn volumes_are_keyed_by_target_across_syntaxes() {
        let got = merged_service(
            json!({"volumes": [".:/foo", "data:/data"]}),
            json!({"volumes": [{"type": "volume", "source": "other", "target": "/data"}, "src:/foo"]}),
        );
        assert_eq!(
            got,
            json!({"volumes": ["src:/foo", {"type": "volume", "source": "other", "target": "/data"}]})
        );
    }

    #[test]
    fn build_string_merges_with_build_mapping() {
        let got = merged_service(
            json!({"build": "./dir"}),
            json!({"build": {"dockerfile": "Other", "args": {"B": "2"}}}),
        );
        assert_eq!(
            got,
            json!({"build": {"context": "./dir", "dockerfile": "Other", "args": {"B": "2"}}})
        );
    }

    #[test]
    fn build_args_merge_as_key_value_list() {
        let got = merged_service(
            json!({"build": {"context": ".", "args": ["A=1", "B=2"]}}),
            json!({"build": {"args": {"A": "3"}}}),
        );
        assert_eq!(
            got,
            json!({"build": {"context": ".", "args": ["A=3", "B=2"]}})
        );
    }

    #[test]
    fn depends_on_list_gets_default_condition_when_merged() {
        let got = merged_service(
            json!({"depends_on": ["a", "b"]}),
            json!({"depends_on": {"a": {"condition": "service_healthy"}}}),
        );
        assert_eq!(
            got,
            json!({"depends_on": {
                "a": {"condition": "service_healthy", "required": true},
                "b": {"condition": "service_started", "required": true}
            }})
        );
    }

    #[test]
    fn networks_list_and_map_merge_by_name() {
        let got = merged_service(
            json!({"networks": ["n1"]}),
            json!({"networks": {"n2": {"aliases": ["z"]}}}),
        );
        assert_eq!(
            got,
            json!({"networks": {"n1": null, "n2": {"aliases": ["z"]}}})
        );
    }

    #[test]
    fn network_aliases_are_deduplicated() {
        let got = merged_service(
            json!({"networks": {"n": {"aliases": ["a", "b"]}}}),
            json!({"networks": {"n": {"aliases": ["b", "c"]}}}),
        );
        assert_eq!(
            got,
            json!({"networks": {"n": {"aliases": ["a", "b", "c"]}}})
        );
    }

    #[test]
    fn extra_hosts_skip_entries_already_present() {
        let got = merged_service(
            json!({"extra_hosts": {"a": "1.1.1.1"}}),
            json!({"extra_hosts": ["a=1.1.1.1", "b=2.2.2.2"]}),
        );
        assert_eq!(got, json!({"extra_hosts": ["a=1.1.1.1", "b=2.2.2.2"]}));
    }

    #[test]
    fn logging_options_merge_with_the_same_driver() {
        let got = merged_service(
            json!({"logging": {"driver": "syslog", "options": {"a": "1"}}}),
            json!({"logging": {"driver": "syslog", "options": {"b": "2"}}}),
        );
        assert_eq!(
            got,
            json!({"logging": {"driver": "syslog", "options": {"a": "1", "b": "2"}}})
        );
    }

    #[test]
    fn logging_is_replaced_when_the_driver_changes() {
        let got = merged_service(
            json!({"logging": {"driver": "syslog", "options": {"a": "1"}}}),
            json!({"logging": {"driver": "json-file", "options": {"b": "2"}}}),
        );
        assert_eq!(
            got,
            json!({"logging": {"driver": "json-file", "options": {"b": "2"}}})
        );
    }

    #[test]
    fn logging_options_merge_when_one_side_has_no_driver() {
        let got = merged_service(
            json!({"logging": {"driver": "syslog", "options": {"a": "1"}}}),
            json!({"logging": {"options": {"a": "2"}}}),
        );
        assert_eq!(
            got,
            json!({"logging": {"driver": "syslog", "options": {"a": "2"}}})
        );
    }

    #[test]
    fn ulimits_entries_are_replaced_whole() {
        let got = merged_service(
            json!({"ulimits": {"nofile": {"soft": 1, "hard": 2}, "nproc": 10}}),
            json!({"ulimits": {"nofile": {"soft": 3}}}),
        );
        assert_eq!(
            got,
            json!({"ulimits": {"nofile": {"soft": 3}, "nproc": 10}})
        );
    }

    #[test]
    fn sysctls_map_and_list_merge() {
        let got = merged_service(
            json!({"sysctls": {"net.core.somaxconn": 1024}}),
            json!({"sysctls": ["net.core.somaxconn=2048", "net.ipv4.x=0"]}),
        );
        assert_eq!(
            got,
            json!({"sysctls": ["net.core.somaxconn=2048", "net.ipv4.x=0"]})
        );
    }

    #[test]
    fn ipam_configs_merge_by_subnet() {
        let got = merged(
            json!({"networks": {"n": {"ipam": {"config": [
                {"subnet": "10.0.0.0/16", "gateway": "10.0.0.1", "aux_addresses": {"h1": "10.0.0.5"}}
            ]}}}}),
            json!({"networks": {"n": {"ipam": {"config": [
                {"subnet": "10.0.0.0/16", "aux_addresses": {"h2": "10.0.0.6"}},
                {"subnet": "10.1.0.0/16"}
            ]}}}}),
        );
        assert_eq!(
            got["networks"]["n"]["ipam"]["config"],
            json!([
                {"subnet": "10.0.0.0/16", "gateway": "10.0.0.1", "aux_addresses": {"h1": "10.0.0.5", "h2": "10.0.0.6"}},
                {"subnet": "10.1.0.0/16"}
            ])
        );
    }

    #[test]
    fn ipam_base_config_without_match_is_replaced() {
        let got = merged(
            json!({"networks": {"n": {"ipam": {"config": [{"subnet": "a"}, {"subnet": "b", "gateway": "g"}]}}}}),
            json!({"networks": {"n": {"ipam": {"config": [{"subnet": "c"}]}}}}),
        );
        assert_eq!(
            got["networks"]["n"]["ipam"]["config"],
            json!([{"subnet": "c", "gateway": "g"}])
        );
    }

    #[test]
    fn ipam_config_that_is_not_a_list_is_an_error() {
        let err = merge(
            node(json!({"networks": {"n": {"ipam": {"config": {"subnet": "a"}}}}})),
            node(json!({"networks": {"n": {"ipam": {"config": [{"subnet": "c"}]}}}})),
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "networks.n.ipam.config: unexpected type map[string]interface {}"
        );
    }

    #[test]
    fn top_level_network_labels_merge() {
        let got = merged(
            json!({"networks": {"n": {"labels": {"a": "1"}}}, "volumes": {"v": {"labels": ["x=1"]}}}),
            json!({"networks": {"n": {"labels": ["a=2", "b=3"]}}, "volumes": {"v": {"labels": {"y": "2"}}}}),
        );
        assert_eq!(
            got,
            json!({"networks": {"n": {"labels": ["a=2", "b=3"]}}, "volumes": {"v": {"labels": ["x=1", "y=2"]}}})
        );
    }

    #[test]
    fn mapping_over_sequence_is_an_error() {
        let err = merge(
            node(service(json!({"ports": ["80:80"]}))),
            node(service(json!({"ports": {"a": 1}}))),
        )
        .unwrap_err();
        assert_eq!(err.message, "cannot override services.test.ports");
        assert_eq!(err.kind, ErrorKind::Schema);
    }

    #[test]
    fn sequence_over_mapping_is_an_error() {
        let err = merge(
            node(service(json!({"deploy": {"resources": {}}}))),
            node(service(json!({"deploy": ["x"]}))),
        )
        .unwrap_err();
        assert_eq!(err.message, "cannot override services.test.deploy");
    }

    #[test]
    fn scalar_base_is_replaced_by_any_overlay() {
        let got = merged_service(json!({"x-foo": "bar"}), json!({"x-foo": {"a": 1}}));
        assert_eq!(got, json!({"x-foo": {"a": 1}}));
    }

    #[test]
    fn extend_service_uses_service_rules() {
        let got = extend_service(
            node(json!({"image": "a", "environment": {"A": "1"}, "command": ["x"]})),
            node(json!({"environment": ["B=2"], "command": "y"})),
        )
        .unwrap();
        assert_eq!(
            got.to_json(),
            json!({"image": "a", "environment": ["A=1", "B=2"], "command": "y"})
        );
    }

    #[test]
    fn environment_unicity_keeps_first_position_and_last_value() {
        let got = unique(service(json!({"environment": [
            "FOO=BAR", "BAR=QIX", "QIX=", "ZOT", "FOO=ZOT", "QIX", "ZOT="
        ]})));
        assert_eq!(
            got["services"]["test"]["environment"],
            json!(["FOO=ZOT", "BAR=QIX", "QIX", "ZOT="])
        );
    }

    #[test]
    fn short_port_unicity_compares_whole_strings() {
        let got = unique(service(json!({"ports": [
            "9080:80", "9081:81", "9080:80", "5000", "6060:6060/udp", "9080:6060/udp"
        ]})));
        assert_eq!(
            got["services"]["test"]["ports"],
            json!([
                "9080:80",
                "9081:81",
                "5000",
                "6060:6060/udp",
                "9080:6060/udp"
            ])
        );
    }

    #[test]
    fn long_port_unicity_uses_host_published_target_protocol() {
        let got = unique(service(json!({"ports": [
            {"target": 80, "host_ip": "127.0.0.1", "published": "8080", "protocol": "tcp", "mode": "host"},
            {"target": 81, "published": "8080", "protocol": "tcp"},
            {"target": 80, "host_ip": "127.0.0.2", "published": "8080", "protocol": "tcp"},
            {"target": 81, "published": "8080"}
        ]})));
        assert_eq!(
            got["services"]["test"]["ports"],
            json!([
                {"target": 80, "host_ip": "127.0.0.1", "published": "8080", "protocol": "tcp", "mode": "host"},
                {"target": 81, "published": "8080"},
                {"target": 80, "host_ip": "127.0.0.2", "published": "8080", "protocol": "tcp"}
            ])
        );
    }

    #[test]
    fn published_port_number_and_string_are_different_keys() {
        let got = unique(service(json!({"ports": [
            {"target": 80, "published": 8080}, {"target": 80, "published": "8080"}
        ]})));
        assert_eq!(
            got["services"]["test"]["ports"].as_array().unwrap().len(),
            2
        );
    }

    #[test]
    fn volume_unicity_by_target() {
        let got = unique(service(
            json!({"volumes": [".:/foo", "foo:/bar", "src:/foo"]}),
        ));
        assert_eq!(
            got["services"]["test"]["volumes"],
            json!(["src:/foo", "foo:/bar"])
        );
    }

    #[test]
    fn secrets_and_configs_unicity_by_target_or_default_path() {
        let got = unique(service(json!({
            "secrets": ["a", {"source": "a"}, {"source": "b", "target": "/run/secrets/a"}],
            "configs": ["c", {"source": "d", "target": "/c"}]
        })));
        assert_eq!(
            got["services"]["test"]["secrets"],
            json!([{"source": "b", "target": "/run/secrets/a"}])
        );
        assert_eq!(
            got["services"]["test"]["configs"],
            json!([{"source": "d", "target": "/c"}])
        );
    }

    #[test]
    fn devices_unicity_by_container_path() {
        let got = unique(service(json!({"devices": [
            "/dev/a:/dev/x", "/dev/b:/dev/x:rwm", "/dev/c", {"source": "/dev/d", "target": "/dev/c"}
        ]})));
        assert_eq!(
            got["services"]["test"]["devices"],
            json!(["/dev/b:/dev/x:rwm", {"source": "/dev/d", "target": "/dev/c"}])
        );
    }

    #[test]
    fn env_file_and_expose_unicity() {
        let got = unique(service(json!({
            "env_file": ["a.env", {"path": "a.env", "required": false}, "b.env"],
            "expose": [80, "80", "81"]
        })));
        assert_eq!(
            got["services"]["test"]["env_file"],
            json!([{"path": "a.env", "required": false}, "b.env"])
        );
        assert_eq!(got["services"]["test"]["expose"], json!(["80", "81"]));
    }

    #[test]
    fn unlisted_sequences_keep_duplicates() {
        let got = unique(service(
            json!({"command": ["a", "a"], "security_opt": ["x", "x"]}),
        ));
        assert_eq!(
            got["services"]["test"],
            json!({"command": ["a", "a"], "security_opt": ["x", "x"]})
        );
    }

    #[test]
    fn unicity_error_for_non_string_environment_item() {
        assert_eq!(
            unicity_error(service(json!({"environment": [1]}))),
            "services.test.environment.[0]: unexpected type int"
        );
    }

    #[test]
    fn unicity_error_for_volume_without_target() {
        assert_eq!(
            unicity_error(service(
                json!({"volumes": [{"type": "bind", "source": "/x"}]})
            )),
            "service volume services.test.volumes.[0] is missing a mount target"
        );
    }

    #[test]
    fn unicity_error_for_port_without_target() {
        assert_eq!(
            unicity_error(service(json!({"ports": [{"published": 80}]}))),
            "service ports services.test.ports.[0] is missing a target port"
        );
    }

    #[test]
    fn unicity_error_for_float_expose() {
        assert_eq!(
            unicity_error(service(json!({"expose": [1.5]}))),
            "services.test.expose.[0]: unsupported expose value %!s(float64=1.5)"
        );
    }

    #[test]
    fn unicity_error_for_bad_volume_spec() {
        let mut doc = node(service(json!({"volumes": ["ab:/c:dd:e"]})));
        let err = enforce_unicity(&mut doc).unwrap_err();
        assert_eq!(err.message, "invalid spec: ab:/c:dd:e: too many colons");
        assert_eq!(err.kind, ErrorKind::Syntax);
        assert_eq!(
            unicity_error(service(json!({"volumes": [""]}))),
            "invalid empty volume spec"
        );
    }

    #[test]
    fn volume_target_follows_parse_volume() {
        assert_eq!(volume_target("/data").unwrap(), "/data");
        assert_eq!(volume_target("./a:/b:ro").unwrap(), "/b");
        assert_eq!(volume_target("a::b").unwrap(), "b");
        assert_eq!(volume_target("c:\\x:/y").unwrap(), "/y");
        assert_eq!(volume_target("${A:-x}:/t").unwrap(), "/t");
        assert_eq!(volume_target("ab").unwrap(), "ab");
        assert!(volume_target("a::").is_err());
    }

    #[test]
    fn reset_node_is_removed_and_recorded() {
        let mut doc = node(service(json!({"image": "x"})));
        doc.get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .and_then(Node::as_map_mut)
            .unwrap()
            .insert("ports".into(), tagged(json!([]), Tag::Reset));
        let paths = take_reset_paths(&mut doc);
        assert_eq!(paths, vec![path(&["services", "test", "ports"])]);
        assert_eq!(doc.to_json(), service(json!({"image": "x"})));
    }

    #[test]
    fn override_node_is_kept_and_recorded() {
        let mut doc = node(service(json!({"image": "x"})));
        doc.get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .and_then(Node::as_map_mut)
            .unwrap()
            .insert("ports".into(), tagged(json!(["1:1"]), Tag::Override));
        let paths = take_reset_paths(&mut doc);
        assert_eq!(paths, vec![path(&["services", "test", "ports"])]);
        assert_eq!(
            doc.to_json(),
            service(json!({"image": "x", "ports": ["1:1"]}))
        );
    }

    #[test]
    fn reset_sequence_item_is_removed_with_index_path() {
        let mut doc = node(json!({"l": ["a"]}));
        doc.get_mut("l")
            .and_then(Node::as_seq_mut)
            .unwrap()
            .insert(0, tagged(json!("b"), Tag::Reset));
        let paths = take_reset_paths(&mut doc);
        assert_eq!(paths, vec![path(&["l", "0"])]);
        assert_eq!(doc.to_json(), json!({"l": ["a"]}));
    }

    #[test]
    fn reset_copies_of_an_anchored_node_are_dropped_silently() {
        // x-reset: &r {ports: !reset []}; services: {a: {<<: *r}} — the copy keeps the mark.
        let reset = marked(tagged(json!([]), Tag::Reset), 3, 10);
        let mut doc = node(json!({"x-reset": {}, "services": {"a": {"image": "x"}}}));
        doc.get_mut("x-reset")
            .and_then(Node::as_map_mut)
            .unwrap()
            .insert("ports".into(), reset.clone());
        doc.get_mut("services")
            .and_then(|s| s.get_mut("a"))
            .and_then(Node::as_map_mut)
            .unwrap()
            .insert("ports".into(), reset);
        let paths = take_reset_paths(&mut doc);
        assert_eq!(paths, vec![path(&["x-reset", "ports"])]);
        assert_eq!(
            doc.to_json(),
            json!({"x-reset": {}, "services": {"a": {"image": "x"}}})
        );
    }

    #[test]
    fn reset_nodes_with_distinct_marks_are_all_recorded() {
        let mut doc = node(json!({"a": {}, "b": {}}));
        for (key, line) in [("a", 2), ("b", 3)] {
            doc.get_mut(key)
                .and_then(Node::as_map_mut)
                .unwrap()
                .insert("p".into(), marked(tagged(json!(null), Tag::Reset), line, 5));
        }
        let paths = take_reset_paths(&mut doc);
        assert_eq!(paths, vec![path(&["a", "p"]), path(&["b", "p"])]);
    }

    #[test]
    fn apply_reset_deletes_matching_keys() {
        let mut model = node(service(
            json!({"image": "x", "ports": ["80:80"], "command": "a"}),
        ));
        apply_reset_paths(&mut model, &[path(&["services", "test", "ports"])]);
        assert_eq!(
            model.to_json(),
            service(json!({"image": "x", "command": "a"}))
        );
    }

    #[test]
    fn apply_reset_never_matches_sequence_items() {
        let mut model = node(json!({"l": ["a", "b"]}));
        apply_reset_paths(&mut model, &[path(&["l", "0"])]);
        assert_eq!(model.to_json(), json!({"l": ["a", "b"]}));
    }

    #[test]
    fn reset_then_merge_replaces_with_override_value() {
        let mut overlay = node(service(json!({})));
        overlay
            .get_mut("services")
            .and_then(|s| s.get_mut("test"))
            .and_then(Node::as_map_mut)
            .unwrap()
            .insert("depends_on".into(), tagged(json!(["b"]), Tag::Override));
        let mut base = node(service(json!({"depends_on": ["a"]})));
        let paths = take_reset_paths(&mut overlay);
        apply_reset_paths(&mut base, &paths);
        let got = merge(base, overlay).unwrap();
        assert_eq!(got.to_json(), service(json!({"depends_on": ["b"]})));
    }
}
