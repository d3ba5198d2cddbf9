//! Compose YAML text to [`Node`] trees, exactly as Compose reads it.
//!
//! compose-go v2.9.1 decodes each document of a file with Go's yaml.v3 into `interface{}`,
//! but first runs its `ResetProcessor` (`loader/reset.go`) over yaml.v3's node graph. That
//! pre-pass checks duplicate keys, detects alias cycles by path, and *removes* every `!reset`
//! node it visits from its parent (so a `!reset` inside an anchor is gone for every later
//! alias of that anchor). Then compose-go rejects non-string keys. This module reproduces the
//! three steps, in the order Compose reports their errors, per document:
//!
//! 1. `Builder`: saphyr events -> an arena of raw nodes (syntax errors, anchor names, depth);
//! 2. `Checker`: compose-go's reset walk (duplicate keys, `cycle detected` errors);
//! 3. `Decoder`: yaml.v3's decoder (scalar typing, merge keys, tags, alias limits), then the
//!    non-string key check.
//!
//! `!reset` / `!override` end up in [`Node::tag`]. A `!reset` node is kept in the tree (with
//! a best-effort value) where compose-go records its path; the merge step must treat it as
//! "absent from this file, and delete the inherited value at this path". Inside alias copies
//! `!reset` nodes are dropped, as compose-go's mutation does.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag as YamlTag};

use super::error::{ErrorKind, LoadError, Result};
use super::node::{Mapping, Mark, Node, Tag, Value, format_go_float};

/// Deepest nesting accepted, in the source and in alias expansions (yaml.v3 accepts 10000,
/// but every later loader step walks the tree recursively).
const MAX_DEPTH: usize = 1000;

/// How often a `key:<TAB>value` separator is rewritten before giving up (see
/// [`parse_documents`]).
const MAX_TAB_FIXES: usize = 10_000;

/// Parses every YAML document of `text` (a multi-document file gives several trees).
/// `file` names the source; it goes into every node's Mark (1-based line and column).
///
/// A stream without any document (empty text, only comments) gives an empty `Vec`, as
/// yaml.v3 then yields no document (Compose says "empty compose file"). An explicit empty
/// document (`---` alone) gives a `Value::Null` tree ("top-level object must be a mapping").
///
/// Error messages are Compose's text after its `failed to parse <file>: ` prefix, except for
/// `non-string key ...` errors, which Compose prints without that prefix.
pub fn parse_documents(text: &str, file: &str) -> Result<Vec<Node>> {
    let file: Arc<str> = Arc::from(file);
    let mut fixed: Option<String> = None;
    for _ in 0..MAX_TAB_FIXES {
        let current = fixed.as_deref().unwrap_or(text);
        match parse_stream(current, &file) {
            Err(Failure::TabAfterColon(at)) => fixed = Some(replace_tabs_before(current, at)),
            Err(Failure::Load(e)) => return Err(e),
            Ok(docs) => return Ok(docs),
        }
    }
    Err(LoadError::new(
        ErrorKind::Yaml,
        "yaml: found character that cannot start any token",
    )
    .in_file(&file))
}

/// Why a parse attempt stopped.
enum Failure {
    Load(LoadError),
    /// saphyr rejects `key:<TAB>value` (yaml.v3 accepts it); the byte offset of the value.
    TabAfterColon(usize),
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        Failure::Load(e)
    }
}

fn parse_stream(text: &str, file: &Arc<str>) -> std::result::Result<Vec<Node>, Failure> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::new(text, file);
    let mut docs = Vec::new();
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(next)) => next,
            Some(Err(e)) => return Err(builder.syntax_error(&e)),
        };
        match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing => {}
            Event::DocumentStart(explicit) => {
                // libyaml only lets the first document go without `---`.
                if !explicit && builder.documents > 0 {
                    let line = span.start.line();
                    let mark = builder.mark(line, span.start.col() + 1);
                    let message =
                        parser_message(line - 1, "did not find expected <document start>");
                    return Err(Failure::Load(yaml_error(message, &mark)));
                }
                builder.start_document();
            }
            Event::DocumentEnd => {
                if let Some(doc) = builder.finish_document() {
                    docs.push(decode_document(&doc, file)?);
                }
            }
            other => builder.event(other, span)?,
        }
    }
    Ok(docs)
}

/// Replaces the tabs between a `:` and the value starting at char index `at` with spaces.
fn replace_tabs_before(text: &str, at: usize) -> String {
    let end = char_to_byte(text, at);
    let mut bytes = text.as_bytes().to_vec();
    let mut i = end;
    while i > 0 && matches!(bytes[i - 1], b'\t' | b' ') {
        i -= 1;
        bytes[i] = b' ';
    }
    // Only ASCII tabs were replaced by ASCII spaces: still valid UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn char_to_byte(text: &str, char_idx: usize) -> usize {
    if text.is_ascii() {
        return char_idx.min(text.len());
    }
    text.char_indices()
        .nth(char_idx)
        .map_or(text.len(), |(b, _)| b)
}

fn line_of_byte(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn yaml_error(message: impl Into<String>, mark: &Mark) -> LoadError {
    LoadError::new(ErrorKind::Yaml, message).at(mark)
}

// ---------------------------------------------------------------------------------------
// Pass 1: events to raw nodes.

type Id = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Quoted,
    Block,
}

/// The tags the decoder cares about; `Other` is any tag yaml.v3 cannot resolve (scalars
/// carrying one decode as strings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RawTag {
    None,
    Str,
    Int,
    Float,
    Bool,
    Null,
    Timestamp,
    Binary,
    Merge,
    Reset,
    Override,
    Other,
}

impl RawTag {
    fn from_event(tag: Option<&YamlTag>) -> Self {
        const CORE: &str = "tag:yaml.org,2002:";
        let Some(tag) = tag else { return RawTag::None };
        let (handle, suffix) = (tag.handle.as_str(), tag.suffix.as_str());
        let core = match handle {
            CORE => Some(suffix),
            "" => suffix.strip_prefix(CORE),
            _ => None,
        };
        if let Some(name) = core {
            return match name {
                "str" => RawTag::Str,
                "int" => RawTag::Int,
                "float" => RawTag::Float,
                "bool" => RawTag::Bool,
                "null" => RawTag::Null,
                "timestamp" => RawTag::Timestamp,
                "binary" => RawTag::Binary,
                "merge" => RawTag::Merge,
                _ => RawTag::Other,
            };
        }
        match (handle, suffix) {
            ("", "!") | ("!", "") => RawTag::None,
            ("!", "reset") | ("", "!reset") => RawTag::Reset,
            ("!", "override") | ("", "!override") => RawTag::Override,
            _ => RawTag::Other,
        }
    }

    /// The Compose tag this raw tag carries, if any.
    fn compose(self) -> Option<Tag> {
        match self {
            RawTag::Reset => Some(Tag::Reset),
            RawTag::Override => Some(Tag::Override),
            _ => None,
        }
    }
}

enum Kind<'a> {
    Scalar(Cow<'a, str>, Style),
    Seq(Vec<Id>),
    /// Keys and values alternate.
    Map(Vec<Id>),
    Alias {
        target: Id,
        name: &'a str,
    },
}

struct Raw<'a> {
    kind: Kind<'a>,
    tag: RawTag,
    line: u32,
    col: u32,
    /// The subtree holds an alias (always true for an alias).
    has_alias: bool,
}

/// One document's raw nodes.
struct Doc<'a> {
    nodes: Vec<Raw<'a>>,
    root: Id,
}

struct Open {
    id: Id,
    aliases_before: usize,
    /// Line (1-based) of the collection's start token, as libyaml's error context.
    token_line: usize,
    flow: bool,
}

struct Builder<'a> {
    text: &'a str,
    file: Arc<str>,
    cursor: CharCursor,
    nodes: Vec<Raw<'a>>,
    open: Vec<Open>,
    anchors: HashMap<usize, Id>,
    root: Option<Id>,
    /// Documents started so far.
    documents: usize,
    aliases_seen: usize,
    /// Char index where the last event ended (to place scanner errors like libyaml).
    last_end: usize,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, file: &Arc<str>) -> Self {
        Builder {
            text,
            file: file.clone(),
            cursor: CharCursor::new(text),
            nodes: Vec::new(),
            open: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            documents: 0,
            aliases_seen: 0,
            last_end: 0,
        }
    }

    fn start_document(&mut self) {
        self.nodes.clear();
        self.open.clear();
        self.anchors.clear();
        self.root = None;
        self.documents += 1;
        self.aliases_seen = 0;
    }

    fn finish_document(&mut self) -> Option<Doc<'a>> {
        let root = self.root.take()?;
        Some(Doc {
            nodes: std::mem::take(&mut self.nodes),
            root,
        })
    }

    fn mark(&self, line: usize, col: usize) -> Mark {
        Mark::new(Some(self.file.clone()), line, col)
    }

    fn event(&mut self, event: Event<'a>, span: Span) -> Result<()> {
        self.last_end = span.end.index();
        let line = span.start.line();
        let col = span.start.col() + 1;
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
                };
                let tag = RawTag::from_event(tag.as_deref());
                let id = self.push(Kind::Scalar(text, style), tag, line, col, false);
                self.anchor(anchor, id, &span)?;
                self.attach(id);
            }
            Event::SequenceStart(anchor, tag) => {
                self.open_collection(Kind::Seq(Vec::new()), anchor, tag.as_deref(), &span)?;
            }
            Event::MappingStart(anchor, tag) => {
                self.open_collection(Kind::Map(Vec::new()), anchor, tag.as_deref(), &span)?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(anchor) => {
                let name = self.alias_name(&span)?;
                let Some(&target) = self.anchors.get(&anchor) else {
                    return Err(yaml_error(
                        format!("yaml: unknown anchor '{name}' referenced"),
                        &self.mark(line, col),
                    ));
                };
                self.aliases_seen += 1;
                let id = self.push(Kind::Alias { target, name }, RawTag::None, line, col, true);
                self.attach(id);
            }
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => {}
        }
        Ok(())
    }

    fn push(
        &mut self,
        kind: Kind<'a>,
        tag: RawTag,
        line: usize,
        col: usize,
        has_alias: bool,
    ) -> Id {
        let id = self.nodes.len() as Id;
        self.nodes.push(Raw {
            kind,
            tag,
            line: line as u32,
            col: col as u32,
            has_alias,
        });
        id
    }

    fn attach(&mut self, id: Id) {
        match self.open.last() {
            Some(parent) => match &mut self.nodes[parent.id as usize].kind {
                Kind::Seq(items) | Kind::Map(items) => items.push(id),
                Kind::Scalar(..) | Kind::Alias { .. } => {}
            },
            None => self.root = Some(id),
        }
    }

    fn open_collection(
        &mut self,
        kind: Kind<'a>,
        anchor: usize,
        tag: Option<&YamlTag>,
        span: &Span,
    ) -> Result<()> {
        let line = span.start.line();
        let col = span.start.col() + 1;
        if self.open.len() >= MAX_DEPTH {
            return Err(yaml_error(
                format!("yaml: line {line}: exceeded max depth of {MAX_DEPTH}"),
                &self.mark(line, col),
            ));
        }
        let id = self.push(kind, RawTag::from_event(tag), line, col, false);
        self.anchor(anchor, id, span)?;
        self.attach(id);
        let flow = span.end.index() > span.start.index() && {
            let end = self.cursor.byte_at(self.text, span.end.index() - 1);
            matches!(self.text.as_bytes().get(end), Some(b'[' | b'{'))
        };
        self.open.push(Open {
            id,
            aliases_before: self.aliases_seen,
            token_line: span.end.line(),
            flow,
        });
        Ok(())
    }

    fn close(&mut self) {
        if let Some(open) = self.open.pop() {
            self.nodes[open.id as usize].has_alias = self.aliases_seen > open.aliases_before;
        }
    }

    /// Registers an anchor, rejecting names yaml.v3 rejects (only `[0-9A-Za-z_-]`).
    fn anchor(&mut self, anchor: usize, id: Id, span: &Span) -> Result<()> {
        if anchor == 0 {
            return Ok(());
        }
        self.anchors.insert(anchor, id);
        let start = self.cursor.byte_at(self.text, span.start.index());
        let rest = &self.text[start..];
        let at = if rest.starts_with('&') {
            Some(0)
        } else if rest.starts_with('!') {
            // `!tag &anchor`: skip the tag and the separating blanks.
            let after_tag = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
            let blanks = rest[after_tag..]
                .find(|c: char| !c.is_whitespace())
                .map_or(rest.len(), |n| after_tag + n);
            rest[blanks..].starts_with('&').then_some(blanks)
        } else {
            None
        };
        match at {
            Some(at) => self.check_anchor_name(&rest[at + 1..], start + at),
            None => Ok(()),
        }
    }

    fn alias_name(&mut self, span: &Span) -> Result<&'a str> {
        let text: &'a str = self.text;
        let start = self.cursor.byte_at(text, span.start.index());
        let rest = &text[start..];
        let name = rest.strip_prefix('*').unwrap_or(rest);
        let len = anchor_len(name);
        self.check_anchor_name(name, start)?;
        Ok(&name[..len])
    }

    fn check_anchor_name(&self, rest: &str, at_byte: usize) -> Result<()> {
        let name = &rest[..anchor_len(rest)];
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            return Ok(());
        }
        let line = line_of_byte(self.text, at_byte);
        Err(yaml_error(
            scanner_message(
                line,
                "did not find expected alphabetic or numeric character",
            ),
            &self.mark(line, 0),
        ))
    }

    /// Turns a saphyr error into yaml.v3's wording and line (`yaml: line N: problem`).
    fn syntax_error(&mut self, e: &ScanError) -> Failure {
        let info = e.info();
        let marker = e.marker();
        let line = marker.line().max(1);
        let mark = self.mark(line, marker.col() + 1);
        if info.starts_with("':' must be followed by a valid YAML whitespace") {
            return Failure::TabAfterColon(marker.index());
        }
        if info.contains("found unknown anchor") {
            let start = self.cursor.byte_at(self.text, marker.index());
            let rest = &self.text[start..];
            let name = rest.strip_prefix('*').unwrap_or(rest);
            let name = &name[..anchor_len(name)];
            return Failure::Load(yaml_error(
                format!("yaml: unknown anchor '{name}' referenced"),
                &mark,
            ));
        }
        let message = self.translate(info, line, marker.index());
        Failure::Load(yaml_error(message, &mark))
    }

    /// Maps saphyr's problem to libyaml's and places it on the line yaml.v3 reports: the
    /// 0-based line of the parser's context (or problem) for parser errors, the 1-based line
    /// of the scanner's context (or problem) for scanner errors, none when that is line 0.
    fn translate(&mut self, info: &str, line: usize, index: usize) -> String {
        let block = [
            ("while parsing a block mapping", "did not find expected key"),
            (
                "while parsing a block collection",
                "did not find expected '-' indicator",
            ),
            (
                "while parsing a flow sequence",
                "did not find expected ',' or ']'",
            ),
            (
                "while parsing a flow mapping",
                "did not find expected ',' or '}'",
            ),
        ];
        if let Some((_, problem)) = block.iter().find(|(prefix, _)| info.starts_with(prefix)) {
            let ctx0 = self
                .open
                .last()
                .map_or(0, |o| o.token_line.saturating_sub(1));
            return parser_message(if ctx0 != 0 { ctx0 } else { line - 1 }, problem);
        }
        for problem in [
            "did not find expected node content",
            "did not find expected <document start>",
        ] {
            if info.contains(problem) {
                return parser_message(line - 1, problem);
            }
        }
        match info {
            "misplaced bracket" => return self.misplaced_bracket(line),
            "the handle wasn't declared" => {
                return parser_message(line - 1, "found undefined tag handle");
            }
            "found unprintable character" => {
                return "yaml: control characters are not allowed".into();
            }
            "recursion limit exceeded" => {
                return scanner_message(line, "exceeded max depth of 255");
            }
            _ => {}
        }
        if info.starts_with("simple key expect") {
            // libyaml names the line of the key that misses its ':'.
            let end = self.cursor.byte_at(self.text, index);
            let key_end = self.text[..end].trim_end().len();
            let at = line_of_byte(self.text, key_end.saturating_sub(1));
            return scanner_message(at, "could not find expected ':'");
        }
        if info.contains("quoted scalar") {
            let problem = if info.contains("unknown escape character") {
                "found unknown escape character"
            } else if info.contains("hexadecimal number") {
                "did not find expected hexdecimal number"
            } else if info.contains("invalid Unicode character escape code") {
                "found invalid Unicode character escape code"
            } else if info.contains("document indicator") {
                "found unexpected document indicator"
            } else {
                "found unexpected end of stream"
            };
            // libyaml names the line where the quoted scalar starts.
            let from = self.cursor.byte_at(self.text, self.last_end);
            let at = self.text[from..]
                .find(['"', '\''])
                .map_or(line, |n| line_of_byte(self.text, from + n));
            return scanner_message(at, problem);
        }
        if info.contains("verbatim tag") {
            return scanner_message(line, "did not find the expected '>'");
        }
        if info.contains("alphabetic or numeric character") {
            return scanner_message(
                line,
                "did not find expected alphabetic or numeric character",
            );
        }
        if info.contains("tab")
            || info.starts_with("unexpected character")
            || info == "invalid indentation"
        {
            return scanner_message(line, "found character that cannot start any token");
        }
        let problem = info.split_once(", ").map_or(info, |(_, p)| p);
        scanner_message(line, problem)
    }

    /// A closing bracket with no flow collection open: libyaml reports what the enclosing
    /// block construct expected instead.
    fn misplaced_bracket(&self, line: usize) -> String {
        let Some(open) = self.open.last() else {
            return parser_message(line - 1, "did not find expected <document start>");
        };
        let ctx0 = match open.token_line.saturating_sub(1) {
            0 => line - 1,
            n => n,
        };
        match &self.nodes[open.id as usize].kind {
            Kind::Map(items) if items.len() % 2 == 1 => {
                parser_message(line - 1, "did not find expected node content")
            }
            Kind::Map(_) if !open.flow => parser_message(ctx0, "did not find expected key"),
            Kind::Seq(_) if !open.flow => {
                parser_message(ctx0, "did not find expected '-' indicator")
            }
            _ => parser_message(line - 1, "did not find expected node content"),
        }
    }
}

fn parser_message(line0: usize, problem: &str) -> String {
    match line0 {
        0 => format!("yaml: {problem}"),
        n => format!("yaml: line {n}: {problem}"),
    }
}

/// yaml.v3 prints scanner errors on their 1-based line, except on the first line.
fn scanner_message(line: usize, problem: &str) -> String {
    if line > 1 {
        format!("yaml: line {line}: {problem}")
    } else {
        format!("yaml: {problem}")
    }
}

/// Length of an anchor or alias name as saphyr scans it (up to a blank or flow indicator).
fn anchor_len(s: &str) -> usize {
    s.find(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '{' | '}'))
        .unwrap_or(s.len())
}

/// Converts saphyr's char indexes to byte offsets, cheaply for increasing positions.
struct CharCursor {
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl CharCursor {
    fn new(text: &str) -> Self {
        CharCursor {
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn byte_at(&mut self, text: &str, char_idx: usize) -> usize {
        if self.ascii {
            return char_idx.min(text.len());
        }
        if char_idx < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        for c in text[self.bytes..].chars() {
            if self.chars >= char_idx {
                break;
            }
            self.bytes += c.len_utf8();
            self.chars += 1;
        }
        self.bytes
    }
}

// ---------------------------------------------------------------------------------------
// Shared helpers over a document's raw nodes.

impl Doc<'_> {
    fn raw(&self, id: Id) -> &Raw<'_> {
        &self.nodes[id as usize]
    }

    /// The node an alias stands for (aliases never point to aliases).
    fn resolve(&self, id: Id) -> Id {
        match self.raw(id).kind {
            Kind::Alias { target, .. } => target,
            _ => id,
        }
    }

    fn is_reset(&self, id: Id) -> bool {
        self.raw(self.resolve(id)).tag == RawTag::Reset
    }

    /// yaml.v3's `Node.Value` of a key: the scalar text, the alias name, or "".
    fn key_value(&self, id: Id) -> &str {
        match &self.raw(id).kind {
            Kind::Scalar(text, _) => text,
            Kind::Alias { name, .. } => name,
            Kind::Seq(_) | Kind::Map(_) => "",
        }
    }

    /// A `<<` key: plain, untagged (or `!!merge`).
    fn is_merge_key(&self, id: Id) -> bool {
        let raw = self.raw(id);
        matches!(&raw.kind, Kind::Scalar(text, Style::Plain) if text == "<<")
            && matches!(raw.tag, RawTag::None | RawTag::Merge)
    }

    fn mark(&self, id: Id, file: &Arc<str>) -> Mark {
        let raw = self.raw(id);
        Mark::new(Some(file.clone()), raw.line as usize, raw.col as usize)
    }
}

/// yaml.v3's `allowedAliasRatio`: the share of decode operations that may come from alias
/// expansion before "document contains excessive aliasing".
fn allowed_alias_ratio(decodes: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    match decodes {
        d if d <= LOW => 0.99,
        d if d >= HIGH => 0.10,
        d => 0.99 - 0.89 * ((d - LOW) as f64 / (HIGH - LOW) as f64),
    }
}

fn excessive_aliasing(file: &Arc<str>) -> LoadError {
    LoadError::new(
        ErrorKind::Yaml,
        "yaml: document contains excessive aliasing",
    )
    .in_file(file)
}

fn decode_document(doc: &Doc<'_>, file: &Arc<str>) -> Result<Node> {
    Checker::new(doc, file).run()?;
    Decoder::new(doc, file).run()
}

// ---------------------------------------------------------------------------------------
// Pass 2: compose-go's ResetProcessor walk.

/// Walks the document as `ResetProcessor.resolveReset` does (aliases followed, `!reset` and
/// `!override` nodes not entered) for its errors: duplicate keys and path-based alias cycles.
struct Checker<'d, 'a> {
    doc: &'d Doc<'a>,
    file: &'d Arc<str>,
    /// tree.Path of the current node, with compose-go's `.<<` removal applied.
    path: String,
    /// Content already walked once: compose-go has removed its `!reset` children.
    visited: Vec<bool>,
    walking: Vec<bool>,
    cycles: CycleIndex,
    visits: usize,
    expanded: usize,
    alias_depth: usize,
    depth: usize,
}

impl<'d, 'a> Checker<'d, 'a> {
    fn new(doc: &'d Doc<'a>, file: &'d Arc<str>) -> Self {
        let n = doc.nodes.len();
        Checker {
            doc,
            file,
            path: String::new(),
            visited: vec![false; n],
            walking: vec![false; n],
            cycles: CycleIndex::default(),
            visits: 0,
            expanded: 0,
            alias_depth: 0,
            depth: 0,
        }
    }

    fn run(mut self) -> Result<()> {
        self.visit(self.doc.root)
    }

    /// compose-go's walk has no alias limit (it never ends on an alias bomb); stop where
    /// yaml.v3's own limit would certainly have stopped the decode that follows.
    fn count(&mut self) -> Result<()> {
        self.visits += 1;
        if self.alias_depth > 0 {
            self.expanded += 1;
        }
        let nodes = self.doc.nodes.len();
        if self.expanded > 400_000.max(nodes / 9) || self.visits > 4_400_000.max(2 * nodes) {
            return Err(excessive_aliasing(self.file));
        }
        Ok(())
    }

    fn visit(&mut self, id: Id) -> Result<()> {
        self.count()?;
        if self.depth >= MAX_DEPTH {
            let mark = self.doc.mark(id, self.file);
            return Err(yaml_error(
                format!("yaml: exceeded max depth of {MAX_DEPTH}"),
                &mark,
            ));
        }
        let doc = self.doc;
        let raw = doc.raw(id);
        if raw.tag.compose().is_some() {
            return Ok(());
        }
        self.depth += 1;
        let result = match &raw.kind {
            Kind::Scalar(..) => Ok(()),
            Kind::Alias { target, name } => self.alias(id, *target, name),
            Kind::Seq(items) => self.sequence(id, items),
            Kind::Map(items) => self.mapping(id, items),
        };
        self.depth -= 1;
        result
    }

    fn alias(&mut self, id: Id, target: Id, name: &str) -> Result<()> {
        if let Some(previous) = self.cycles.check(target, &self.path) {
            let mark = self.doc.mark(id, self.file);
            return Err(yaml_error(
                format!(
                    "cycle detected: node at path {} references node at path {previous}",
                    self.path
                ),
                &mark,
            ));
        }
        let raw = self.doc.raw(target);
        if raw.tag.compose().is_some() {
            return Ok(());
        }
        if self.visited[target as usize] && !raw.has_alias {
            // Walking it again could not find anything new.
            return Ok(());
        }
        if self.walking[target as usize] {
            // compose-go recurses forever here; yaml.v3 would say this.
            let mark = self.doc.mark(id, self.file);
            return Err(yaml_error(
                format!("yaml: anchor '{name}' value contains itself"),
                &mark,
            ));
        }
        self.alias_depth += 1;
        let result = self.visit(target);
        self.alias_depth -= 1;
        result
    }

    fn sequence(&mut self, id: Id, items: &[Id]) -> Result<()> {
        let consumed = self.enter(id);
        let mut index = 0usize;
        for &item in items {
            if consumed && self.doc.is_reset(item) {
                continue;
            }
            let saved = self.push_path(&index.to_string());
            self.visit(item)?;
            self.path.truncate(saved);
            index += 1;
        }
        self.leave(id);
        Ok(())
    }

    fn mapping(&mut self, id: Id, items: &[Id]) -> Result<()> {
        let consumed = self.enter(id);
        if !consumed {
            self.check_duplicates(items)?;
        }
        for pair in items.chunks_exact(2) {
            if consumed && self.doc.is_reset(pair[1]) {
                continue;
            }
            let saved = self.push_path(self.doc.key_value(pair[0]));
            self.visit(pair[1])?;
            self.path.truncate(saved);
        }
        self.leave(id);
        Ok(())
    }

    fn enter(&mut self, id: Id) -> bool {
        self.walking[id as usize] = true;
        self.visited[id as usize]
    }

    fn leave(&mut self, id: Id) {
        self.walking[id as usize] = false;
        self.visited[id as usize] = true;
    }

    /// `line N: mapping key "k" already defined at line M`, keyed on the raw key text.
    fn check_duplicates(&self, items: &[Id]) -> Result<()> {
        let mut seen: HashMap<&str, u32> = HashMap::with_capacity(items.len() / 2);
        for &key in items.iter().step_by(2) {
            let raw = self.doc.raw(key);
            let text = self.doc.key_value(key);
            if let Some(first) = seen.get(text) {
                let mark = self.doc.mark(key, self.file);
                return Err(yaml_error(
                    format!(
                        "line {}: mapping key {} already defined at line {first}",
                        raw.line,
                        go_quote(text)
                    ),
                    &mark,
                ));
            }
            seen.insert(text, raw.line);
        }
        Ok(())
    }

    /// `tree.Path.Next`, then compose-go's removal of the first `.<<`. Returns the length to
    /// truncate back to.
    fn push_path(&mut self, part: &str) -> usize {
        let old = self.path.len();
        if self.path.is_empty() {
            self.path.push_str(part);
        } else {
            self.path.push('.');
            if part.contains('.') {
                self.path.push_str(&part.replace('.', "\u{1F47B}"));
            } else {
                self.path.push_str(part);
            }
        }
        if let Some(at) = self.path[old..].find(".<<") {
            self.path.replace_range(old + at..old + at + 3, "");
        }
        old
    }
}

/// compose-go's `checkForCycle`: the paths each alias target was reached at, indexed so that
/// "an earlier path is an ancestor or a descendant of this one" costs O(depth).
#[derive(Default)]
struct CycleIndex {
    paths: Vec<String>,
    /// (target, hash of a path) -> first index of that exact path.
    exact: HashMap<(Id, u64), u32>,
    /// (target, hash of a path) -> first index of a path strictly below it.
    below: HashMap<(Id, u64), u32>,
}

impl CycleIndex {
    /// Records `path` for `target`; returns the first earlier path it conflicts with.
    fn check(&mut self, target: Id, path: &str) -> Option<String> {
        // compose-go skips every comparison involving a merge key.
        if path.contains("<<") {
            return None;
        }
        let mut first: Option<u32> = None;
        let mut consider = |idx: u32, ok: bool| {
            if ok && first.is_none_or(|f| idx < f) {
                first = Some(idx);
            }
        };
        for (dot, _) in path.match_indices('.') {
            let ancestor = &path[..dot];
            if let Some(&idx) = self.exact.get(&(target, fnv1a(ancestor))) {
                consider(idx, self.paths[idx as usize] == ancestor);
            }
        }
        if let Some(&idx) = self.below.get(&(target, fnv1a(path))) {
            let other = &self.paths[idx as usize];
            let ok = other.len() > path.len()
                && other.starts_with(path)
                && other.as_bytes()[path.len()] == b'.';
            consider(idx, ok);
        }
        let idx = self.paths.len() as u32;
        self.exact.entry((target, fnv1a(path))).or_insert(idx);
        for (dot, _) in path.match_indices('.') {
            self.below
                .entry((target, fnv1a(&path[..dot])))
                .or_insert(idx);
        }
        self.paths.push(path.to_string());
        first.map(|f| self.paths[f as usize].clone())
    }
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------------------
// Pass 3: yaml.v3's decoder into interface{}.

/// What the decoder may do with Compose tags at a position.
#[derive(Clone, Copy)]
struct Ctx {
    /// compose-go already walked this content once: its `!reset` children are gone.
    strip: bool,
    /// compose-go's walk reaches this position with its real path: Compose tags count.
    tags: bool,
}

/// Below a `!reset`/`!override` node: compose-go does not look inside.
const PLAIN: Ctx = Ctx {
    strip: false,
    tags: false,
};

/// A decoded mapping key (yaml.v3 keys are typed).
enum Key {
    Str(String),
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    Null,
    Time(GoTime),
    Collection(Value),
}

/// A key as Go compares interface values (for merge bookkeeping).
#[derive(Hash, PartialEq, Eq)]
enum KeyId {
    Str(String),
    Int(i64),
    Uint(u64),
    Float(u64),
    Bool(bool),
    Null,
    Time(String),
}

impl Key {
    fn id(&self) -> Option<KeyId> {
        Some(match self {
            Key::Str(s) => KeyId::Str(s.clone()),
            Key::Int(i) => KeyId::Int(*i),
            Key::Uint(u) => KeyId::Uint(*u),
            Key::Float(f) => KeyId::Float(f.to_bits()),
            Key::Bool(b) => KeyId::Bool(*b),
            Key::Null => KeyId::Null,
            Key::Time(t) => KeyId::Time(t.rfc3339()),
            Key::Collection(_) => return None,
        })
    }

    /// Go's `%#v` of the key.
    fn go_syntax(&self) -> String {
        match self {
            Key::Str(s) => go_quote(s),
            Key::Int(i) => i.to_string(),
            Key::Uint(u) => format!("{u:#x}"),
            Key::Float(f) => format_go_float(*f),
            Key::Bool(b) => b.to_string(),
            Key::Null => "<nil>".to_string(),
            Key::Time(t) => t.go_syntax(),
            Key::Collection(v) => go_syntax_value(v, true),
        }
    }
}

enum PathSeg {
    Key(Id),
    Index(usize),
}

struct Decoder<'d, 'a> {
    doc: &'d Doc<'a>,
    file: &'d Arc<str>,
    decodes: usize,
    aliased: usize,
    alias_depth: usize,
    /// Alias nodes being expanded (yaml.v3's "value contains itself" guard).
    expanding: Vec<bool>,
    /// yaml.v3's type errors: reported together at the end unless a fatal error comes first.
    terrors: Vec<(String, Mark)>,
    /// compose-go's first non-string key, reported only if YAML decoding succeeds.
    non_string: Option<LoadError>,
    path: Vec<PathSeg>,
    depth: usize,
}

impl<'d, 'a> Decoder<'d, 'a> {
    fn new(doc: &'d Doc<'a>, file: &'d Arc<str>) -> Self {
        Decoder {
            doc,
            file,
            decodes: 0,
            aliased: 0,
            alias_depth: 0,
            expanding: vec![false; doc.nodes.len()],
            terrors: Vec::new(),
            non_string: None,
            path: Vec::new(),
            depth: 0,
        }
    }

    fn run(mut self) -> Result<Node> {
        let root = self.node(
            self.doc.root,
            Ctx {
                strip: false,
                tags: true,
            },
        )?;
        if let Some((_, mark)) = self.terrors.first() {
            let lines: Vec<&str> = self.terrors.iter().map(|(m, _)| m.as_str()).collect();
            let message = format!("yaml: unmarshal errors:\n  {}", lines.join("\n  "));
            return Err(yaml_error(message, mark));
        }
        match self.non_string {
            Some(e) => Err(e),
            None => Ok(root),
        }
    }

    fn mark(&self, id: Id) -> Mark {
        self.doc.mark(id, self.file)
    }

    fn fail(&self, id: Id, message: impl std::fmt::Display) -> LoadError {
        yaml_error(format!("yaml: {message}"), &self.mark(id))
    }

    /// One yaml.v3 `unmarshal` call, with its alias-ratio limit.
    fn count(&mut self) -> Result<()> {
        self.decodes += 1;
        if self.alias_depth > 0 {
            self.aliased += 1;
        }
        if self.aliased > 100
            && self.decodes > 1000
            && self.aliased as f64 / self.decodes as f64 > allowed_alias_ratio(self.decodes)
        {
            return Err(excessive_aliasing(self.file));
        }
        Ok(())
    }

    fn node(&mut self, id: Id, ctx: Ctx) -> Result<Node> {
        self.count()?;
        let doc = self.doc;
        let raw = doc.raw(id);
        if let Kind::Alias { target, name } = raw.kind {
            return self.alias(id, target, name, |this| {
                this.node(
                    target,
                    Ctx {
                        strip: true,
                        tags: ctx.tags,
                    },
                )
            });
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(id, format_args!("exceeded max depth of {MAX_DEPTH}")));
        }
        let tag = raw.tag.compose();
        let inner = if tag.is_some() { PLAIN } else { ctx };
        self.depth += 1;
        let value = if tag == Some(Tag::Reset) && ctx.tags {
            // compose-go drops this node before decoding: its content can't fail.
            Ok(self.lenient(id, inner))
        } else {
            self.content(id, inner)
        };
        self.depth -= 1;
        Ok(Node {
            value: value?,
            mark: self.mark(id),
            tag: if ctx.tags { tag } else { None },
        })
    }

    /// Expands an alias node with `expand`, guarding against self-containing anchors.
    fn alias<T>(
        &mut self,
        id: Id,
        _target: Id,
        name: &str,
        expand: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        if self.expanding[id as usize] {
            return Err(self.fail(id, format_args!("anchor '{name}' value contains itself")));
        }
        self.expanding[id as usize] = true;
        self.alias_depth += 1;
        let result = expand(self);
        self.alias_depth -= 1;
        self.expanding[id as usize] = false;
        result
    }

    /// Decodes content compose-go never decodes, without letting it fail or count.
    fn lenient(&mut self, id: Id, ctx: Ctx) -> Value {
        let saved = (
            self.decodes,
            self.aliased,
            self.terrors.len(),
            self.non_string.is_some(),
            self.path.len(),
        );
        let value = self.content(id, ctx).unwrap_or(Value::Null);
        self.decodes = saved.0;
        self.aliased = saved.1;
        self.terrors.truncate(saved.2);
        if !saved.3 {
            self.non_string = None;
        }
        self.path.truncate(saved.4);
        value
    }

    fn content(&mut self, id: Id, ctx: Ctx) -> Result<Value> {
        let doc = self.doc;
        match &doc.raw(id).kind {
            Kind::Scalar(..) => Ok(self.scalar(id)?.into_value()),
            Kind::Seq(items) => self.sequence(items, ctx),
            Kind::Map(_) => {
                let mut out = Mapping::new();
                let string_keys = self.is_string_map(id);
                self.mapping_into(id, ctx, &mut out, None, string_keys)?;
                Ok(Value::Map(out))
            }
            Kind::Alias { .. } => Ok(Value::Null),
        }
    }

    fn scalar(&self, id: Id) -> Result<Resolved<'d>> {
        let raw = self.doc.raw(id);
        let Kind::Scalar(text, style) = &raw.kind else {
            return Ok(Resolved::Null);
        };
        resolve_scalar(text, *style, raw.tag).map_err(|message| self.fail(id, message))
    }

    fn sequence(&mut self, items: &[Id], ctx: Ctx) -> Result<Value> {
        let mut out = Vec::with_capacity(items.len());
        let mut index = 0;
        for &item in items {
            let reset = self.doc.is_reset(item);
            if reset && ctx.strip {
                continue;
            }
            self.path.push(PathSeg::Index(index));
            let node = self.node(item, ctx);
            self.path.pop();
            out.push(node?);
            if !(reset && ctx.tags) {
                index += 1;
            }
        }
        Ok(Value::Seq(out))
    }

    /// yaml.v3 builds a `map[string]interface{}` when every key is tagged `!!str` (or is a
    /// merge key); keys merged into such a map are then decoded as Go strings.
    fn is_string_map(&self, id: Id) -> bool {
        let Kind::Map(items) = &self.doc.raw(id).kind else {
            return false;
        };
        items.iter().step_by(2).all(|&key| {
            let raw = self.doc.raw(self.doc.resolve(key));
            match (&raw.kind, raw.tag) {
                (Kind::Scalar(..), RawTag::Str | RawTag::Merge) => true,
                (Kind::Scalar(_, Style::Quoted | Style::Block), RawTag::None) => true,
                (Kind::Scalar(text, Style::Plain), RawTag::None) => {
                    text == "<<" || matches!(resolve_plain(text), Resolved::Str(_))
                }
                _ => false,
            }
        })
    }

    /// yaml.v3's `mapping`: explicit keys first, then the merge key's maps, where keys
    /// already present (explicit, or from an earlier merged map) are skipped.
    fn mapping_into(
        &mut self,
        id: Id,
        ctx: Ctx,
        out: &mut Mapping,
        mut merged: Option<&mut HashSet<KeyId>>,
        string_keys: bool,
    ) -> Result<()> {
        let doc = self.doc;
        let Kind::Map(items) = &doc.raw(id).kind else {
            return Ok(());
        };
        if self.duplicate_keys(items) {
            return Ok(());
        }
        let mut merge = None;
        for pair in items.chunks_exact(2) {
            let (key, value) = (pair[0], pair[1]);
            let reset = doc.is_reset(value);
            let merge_key = doc.is_merge_key(key);
            if reset && (ctx.strip || (ctx.tags && merge_key)) {
                continue;
            }
            if merge_key {
                merge = Some(value);
                continue;
            }
            if reset && ctx.tags {
                // compose-go records the path and drops the entry; keep it as a marker.
                let name = doc.key_value(key).to_string();
                if merged.is_none() || !out.contains_key(&name) {
                    let node = self.node(value, ctx)?;
                    out.insert(name, node);
                }
                continue;
            }
            let Some(decoded) = self.key(key, string_keys)? else {
                continue;
            };
            if let Key::Collection(v) = &decoded {
                let shown = go_syntax_value(v, true);
                return Err(self.fail(key, format_args!("invalid map key: {shown}")));
            }
            if let (Some(set), Some(kid)) = (merged.as_deref_mut(), decoded.id()) {
                if !set.insert(kid) {
                    continue;
                }
            }
            match decoded {
                Key::Str(name) => {
                    self.path.push(PathSeg::Key(key));
                    let node = self.node(value, ctx);
                    self.path.pop();
                    out.insert(name, node?);
                }
                other => {
                    self.note_non_string(key, &other);
                    self.node(value, ctx)?;
                }
            }
        }
        if let Some(merge) = merge {
            self.merge(id, merge, ctx, out, merged, string_keys)?;
        }
        Ok(())
    }

    fn note_non_string(&mut self, key: Id, decoded: &Key) {
        if self.non_string.is_some() {
            return;
        }
        let path = self.render_path();
        let location = if path.is_empty() {
            "at top level".to_string()
        } else {
            format!("in {path}")
        };
        let message = format!("non-string key {location}: {}", decoded.go_syntax());
        self.non_string = Some(yaml_error(message, &self.mark(key)));
    }

    /// compose-go's key prefix: `a.b[0].c`.
    fn render_path(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                PathSeg::Key(id) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(self.doc.key_value(self.doc.resolve(*id)));
                }
                PathSeg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }

    /// yaml.v3's unique-keys check: every pair of keys with the same kind and text is a type
    /// error (the mapping is then left out).
    fn duplicate_keys(&mut self, items: &[Id]) -> bool {
        let doc = self.doc;
        let keys: Vec<Id> = items.iter().step_by(2).copied().collect();
        let kind = |id: Id| match doc.raw(id).kind {
            Kind::Scalar(..) => 0u8,
            Kind::Alias { .. } => 1,
            Kind::Seq(_) => 2,
            Kind::Map(_) => 3,
        };
        let mut seen = HashSet::with_capacity(keys.len());
        if keys
            .iter()
            .all(|&k| seen.insert((kind(k), doc.key_value(k))))
        {
            return false;
        }
        for (i, &first) in keys.iter().enumerate() {
            for &second in &keys[i + 1..] {
                if kind(first) == kind(second) && doc.key_value(first) == doc.key_value(second) {
                    let message = format!(
                        "line {}: mapping key {} already defined at line {}",
                        doc.raw(second).line,
                        go_quote(doc.key_value(second)),
                        doc.raw(first).line
                    );
                    self.terrors.push((message, self.mark(second)));
                }
            }
        }
        true
    }

    /// Decodes a key: typed, or (into a string-keyed map) as its source text.
    fn key(&mut self, id: Id, string_keys: bool) -> Result<Option<Key>> {
        self.count()?;
        let doc = self.doc;
        let raw = doc.raw(id);
        match &raw.kind {
            Kind::Alias { target, name } => {
                let target = *target;
                self.alias(id, target, name, |this| this.key(target, string_keys))
            }
            Kind::Scalar(text, _) => {
                let resolved = self.scalar(id)?;
                Ok(match (resolved, string_keys) {
                    (Resolved::Null, _) if string_keys => None,
                    (Resolved::Bytes(s), true) => Some(Key::Str(s)),
                    (_, true) => Some(Key::Str(text.to_string())),
                    (resolved, false) => Some(resolved.into_key()),
                })
            }
            Kind::Seq(_) | Kind::Map(_) => {
                if string_keys {
                    let tag = if matches!(raw.kind, Kind::Seq(_)) {
                        "!!seq"
                    } else {
                        "!!map"
                    };
                    let message = format!("line {}: cannot unmarshal {tag} into string", raw.line);
                    self.terrors.push((message, self.mark(id)));
                    return Ok(None);
                }
                let value = self.content(id, PLAIN)?;
                Ok(Some(Key::Collection(value)))
            }
        }
    }

    /// The keys of `parent` as yaml.v3 records them before merging.
    fn parent_keys(&mut self, parent: Id, ctx: Ctx) -> Result<HashSet<KeyId>> {
        let doc = self.doc;
        let Kind::Map(items) = &doc.raw(parent).kind else {
            return Ok(HashSet::new());
        };
        let mut keys = HashSet::with_capacity(items.len() / 2);
        for pair in items.chunks_exact(2) {
            if doc.is_reset(pair[1]) && (ctx.strip || ctx.tags) {
                continue;
            }
            if let Some(kid) = self.key(pair[0], false)?.and_then(|k| k.id()) {
                keys.insert(kid);
            }
        }
        Ok(keys)
    }

    fn merge(
        &mut self,
        parent: Id,
        merge: Id,
        ctx: Ctx,
        out: &mut Mapping,
        merged: Option<&mut HashSet<KeyId>>,
        string_keys: bool,
    ) -> Result<()> {
        let mut own;
        let set = match merged {
            Some(set) => set,
            None => {
                own = self.parent_keys(parent, ctx)?;
                &mut own
            }
        };
        let doc = self.doc;
        let want_map = |this: &Self, id: Id| {
            this.fail(
                id,
                "map merge requires map or sequence of maps as the value",
            )
        };
        match &doc.raw(merge).kind {
            Kind::Map(_) => {
                self.count()?;
                let inner = if doc.raw(merge).tag.compose().is_some() {
                    PLAIN
                } else {
                    ctx
                };
                self.mapping_into(merge, inner, out, Some(set), string_keys)
            }
            Kind::Alias { target, name } => {
                if !matches!(doc.raw(*target).kind, Kind::Map(_)) {
                    return Err(want_map(self, merge));
                }
                self.merge_alias(merge, *target, name, ctx.tags, out, set, string_keys)
            }
            Kind::Seq(items) => {
                // compose-go walks these maps with paths like `x.0.key`: their tags match
                // nothing, but its walk still removes their `!reset` entries.
                let walked = ctx.strip || ctx.tags;
                let item_ctx = Ctx {
                    strip: walked,
                    tags: false,
                };
                for &item in items {
                    if walked && doc.is_reset(item) {
                        continue;
                    }
                    match &doc.raw(item).kind {
                        Kind::Alias { target, name } => {
                            if !matches!(doc.raw(*target).kind, Kind::Map(_)) {
                                return Err(want_map(self, item));
                            }
                            self.merge_alias(item, *target, name, false, out, set, string_keys)?;
                        }
                        Kind::Map(_) => {
                            self.count()?;
                            let inner = if doc.raw(item).tag.compose().is_some() {
                                PLAIN
                            } else {
                                item_ctx
                            };
                            self.mapping_into(item, inner, out, Some(set), string_keys)?;
                        }
                        _ => return Err(want_map(self, item)),
                    }
                }
                Ok(())
            }
            Kind::Scalar(..) => Err(want_map(self, merge)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn merge_alias(
        &mut self,
        alias: Id,
        target: Id,
        name: &str,
        tags: bool,
        out: &mut Mapping,
        set: &mut HashSet<KeyId>,
        string_keys: bool,
    ) -> Result<()> {
        self.count()?;
        let inner = if self.doc.raw(target).tag.compose().is_some() {
            PLAIN
        } else {
            Ctx { strip: true, tags }
        };
        self.alias(alias, target, name, |this| {
            this.count()?;
            this.mapping_into(target, inner, out, Some(set), string_keys)
        })
    }
}

// ---------------------------------------------------------------------------------------
// Scalars: yaml.v3's resolve.go.

/// A resolved scalar, as yaml.v3 types it.
#[derive(Debug, PartialEq)]
enum Resolved<'t> {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'t str),
    /// A `!!binary` scalar, decoded.
    Bytes(String),
    Time(GoTime),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ShortTag {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Timestamp,
}

impl ShortTag {
    fn name(self) -> &'static str {
        match self {
            ShortTag::Null => "!!null",
            ShortTag::Bool => "!!bool",
            ShortTag::Int => "!!int",
            ShortTag::Float => "!!float",
            ShortTag::Str => "!!str",
            ShortTag::Timestamp => "!!timestamp",
        }
    }
}

impl Resolved<'_> {
    fn tag(&self) -> ShortTag {
        match self {
            Resolved::Null => ShortTag::Null,
            Resolved::Bool(_) => ShortTag::Bool,
            Resolved::Int(_) | Resolved::Uint(_) => ShortTag::Int,
            Resolved::Float(_) => ShortTag::Float,
            Resolved::Str(_) | Resolved::Bytes(_) => ShortTag::Str,
            Resolved::Time(_) => ShortTag::Timestamp,
        }
    }

    fn into_value(self) -> Value {
        match self {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::Int(i),
            // Value has no unsigned integer: the nearest float.
            Resolved::Uint(u) => Value::Float(u as f64),
            Resolved::Float(f) => Value::Float(f),
            Resolved::Str(s) => Value::Str(s.to_string()),
            Resolved::Bytes(s) => Value::Str(s),
            // Value has no time: the text Go's JSON encoding of the time.Time gives.
            Resolved::Time(t) => Value::Str(t.rfc3339()),
        }
    }

    fn into_key(self) -> Key {
        match self {
            Resolved::Null => Key::Null,
            Resolved::Bool(b) => Key::Bool(b),
            Resolved::Int(i) => Key::Int(i),
            Resolved::Uint(u) => Key::Uint(u),
            Resolved::Float(f) => Key::Float(f),
            Resolved::Str(s) => Key::Str(s.to_string()),
            Resolved::Bytes(s) => Key::Str(s),
            Resolved::Time(t) => Key::Time(t),
        }
    }
}

/// yaml.v3's `decoder.scalar`: quoted, block and `!!str` scalars are strings; plain ones are
/// resolved; other tags are checked against the value; unknown tags give strings.
fn resolve_scalar<'t>(
    text: &'t str,
    style: Style,
    tag: RawTag,
) -> std::result::Result<Resolved<'t>, String> {
    let wanted = match tag {
        RawTag::Str => return Ok(Resolved::Str(text)),
        RawTag::None if style != Style::Plain => return Ok(Resolved::Str(text)),
        RawTag::None => return Ok(resolve_plain(text)),
        RawTag::Binary => {
            return decode_base64(text)
                .map(Resolved::Bytes)
                .ok_or_else(|| "!!binary value contains invalid base64 data".to_string());
        }
        RawTag::Merge | RawTag::Reset | RawTag::Override | RawTag::Other => {
            return Ok(Resolved::Str(text));
        }
        RawTag::Int => ShortTag::Int,
        RawTag::Float => ShortTag::Float,
        RawTag::Bool => ShortTag::Bool,
        RawTag::Null => ShortTag::Null,
        RawTag::Timestamp => ShortTag::Timestamp,
    };
    let resolved = resolve_text(text, wanted == ShortTag::Timestamp);
    let got = resolved.tag();
    if got == wanted {
        return Ok(resolved);
    }
    match resolved {
        Resolved::Int(i) if wanted == ShortTag::Float => Ok(Resolved::Float(i as f64)),
        Resolved::Uint(u) if wanted == ShortTag::Float => Ok(Resolved::Float(u as f64)),
        _ => Err(format!(
            "cannot decode {} `{text}` as a {}",
            got.name(),
            wanted.name()
        )),
    }
}

/// Resolves an untagged plain scalar.
fn resolve_plain(text: &str) -> Resolved<'_> {
    resolve_text(text, true)
}

/// yaml.v3's `resolve`: the first byte hints at the type; `timestamps` is false when an
/// explicit non-timestamp tag was given.
fn resolve_text(text: &str, timestamps: bool) -> Resolved<'_> {
    let Some(&first) = text.as_bytes().first() else {
        return Resolved::Null;
    };
    let hint = match first {
        b'+' | b'-' | b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
        b'.' => b'.',
        _ => return Resolved::Str(text),
    };
    if let Some(special) = resolve_special(text) {
        return special;
    }
    match hint {
        b'.' => go_parse_float_text(text).map_or(Resolved::Str(text), Resolved::Float),
        b'D' => resolve_number(text, timestamps),
        _ => Resolved::Str(text),
    }
}

fn resolve_special(text: &str) -> Option<Resolved<'static>> {
    Some(match text {
        "true" | "True" | "TRUE" => Resolved::Bool(true),
        "false" | "False" | "FALSE" => Resolved::Bool(false),
        "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// Timestamps, then Go's `ParseInt(s, 0, 64)`, `ParseUint`, then YAML-style floats, all on
/// the text without underscores.
fn resolve_number(text: &str, timestamps: bool) -> Resolved<'_> {
    if timestamps {
        if let Some(t) = GoTime::parse(text) {
            return Resolved::Time(t);
        }
    }
    let plain: Cow<str> = if text.contains('_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    };
    if let Some(i) = go_parse_int(&plain) {
        return Resolved::Int(i);
    }
    if let Some(u) = go_parse_uint(&plain) {
        return Resolved::Uint(u);
    }
    if is_yaml_float(&plain) {
        if let Some(f) = parse_finite(&plain) {
            return Resolved::Float(f);
        }
    }
    Resolved::Str(text)
}

/// Go's `strconv.ParseInt(s, 0, 64)` (underscores already removed).
fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = go_parse_uint(digits)?;
    if negative {
        if magnitude > 1u64 << 63 {
            return None;
        }
        Some((magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: `0x`/`0o`/`0b` prefixes, a leading `0` means octal.
fn go_parse_uint(s: &str) -> Option<u64> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let (base, digits) = if bytes[0] == b'0' {
        match bytes.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if bytes.len() >= 3 => (2, &bytes[2..]),
            Some(b'o') if bytes.len() >= 3 => (8, &bytes[2..]),
            Some(b'x') if bytes.len() >= 3 => (16, &bytes[2..]),
            _ => (8, &bytes[1..]),
        }
    } else {
        (10, bytes)
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' => c - b'a' + 10,
            b'A'..=b'Z' => c - b'A' + 10,
            _ => return None,
        };
        if u32::from(d) >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// yaml.v3's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if i < b.len() && matches!(b[i], b'+' | b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    } else {
        if !digits(&mut i) {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// A decimal float that Go's `ParseFloat` accepts without a range error.
fn parse_finite(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's `ParseFloat` on a scalar starting with `.` (underscores allowed between digits).
fn go_parse_float_text(s: &str) -> Option<f64> {
    if !s.contains('_') {
        return parse_finite(s);
    }
    if !go_underscores_ok(s) {
        return None;
    }
    parse_finite(&s.replace('_', ""))
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn go_underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let mut saw = b'^';
    let mut hex = false;
    if b.len() >= i + 2
        && b[i] == b'0'
        && matches!(b[i + 1].to_ascii_lowercase(), b'b' | b'o' | b'x')
    {
        hex = b[i + 1].to_ascii_lowercase() == b'x';
        i += 2;
        saw = b'0';
    }
    for &c in &b[i..] {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Go's `base64.StdEncoding.DecodeString` (line breaks ignored), as a (lossy) string.
fn decode_base64(text: &str) -> Option<String> {
    let sextet = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    if clean.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let chunks = clean.len() / 4;
    for (n, chunk) in clean.chunks_exact(4).enumerate() {
        let padding = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && n + 1 != chunks) {
            return None;
        }
        let mut acc = 0u32;
        for &c in &chunk[..4 - padding] {
            acc = (acc << 6) | sextet(c)?;
        }
        acc <<= 6 * padding as u32;
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - padding]);
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

// ---------------------------------------------------------------------------------------
// Timestamps: yaml.v3 decodes plain `2001-12-14`-like scalars into Go's time.Time.

/// A time as Go's `time.Parse` returns it for yaml.v3's layouts.
#[derive(Clone, Copy, Debug, PartialEq)]
struct GoTime {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    /// Seconds east of UTC, `None` for UTC.
    offset: Option<i32>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl GoTime {
    /// yaml.v3's `parseTimestamp`: `2006-1-2T15:4:5.999999999Z07:00` (or `t`),
    /// `2006-1-2 15:4:5.999999999` and `2006-1-2`, with Go's range checks.
    fn parse(s: &str) -> Option<GoTime> {
        let b = s.as_bytes();
        if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
            return None;
        }
        let year = s[..4].parse().ok()?;
        let mut rest = &b[5..];
        let month = take_num(&mut rest)?;
        take_byte(&mut rest, b'-')?;
        let day = take_num(&mut rest)?;
        let mut t = GoTime {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            nanos: 0,
            offset: None,
        };
        if !rest.is_empty() {
            t.parse_time(rest)?;
        }
        t.valid().then_some(t)
    }

    fn parse_time(&mut self, mut rest: &[u8]) -> Option<()> {
        let zoned = match rest.first()? {
            b'T' | b't' => {
                rest = &rest[1..];
                true
            }
            b' ' => {
                while rest.first() == Some(&b' ') {
                    rest = &rest[1..];
                }
                false
            }
            _ => return None,
        };
        self.hour = take_num(&mut rest)?;
        take_byte(&mut rest, b':')?;
        self.minute = take_num(&mut rest)?;
        take_byte(&mut rest, b':')?;
        self.second = take_num(&mut rest)?;
        if rest.len() >= 2 && matches!(rest[0], b'.' | b',') && rest[1].is_ascii_digit() {
            let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let used = digits.min(9);
            let mut nanos = rest[1..=used]
                .iter()
                .fold(0u32, |n, c| n * 10 + u32::from(c - b'0'));
            for _ in used..9 {
                nanos *= 10;
            }
            self.nanos = nanos;
            rest = &rest[1 + digits..];
        }
        if zoned {
            rest = self.parse_zone(rest)?;
        }
        rest.is_empty().then_some(())
    }

    fn parse_zone<'b>(&mut self, rest: &'b [u8]) -> Option<&'b [u8]> {
        if rest.first() == Some(&b'Z') {
            return Some(&rest[1..]);
        }
        if rest.len() < 6 || rest[3] != b':' {
            return None;
        }
        let two = |b: &[u8]| -> Option<i32> {
            (b[0].is_ascii_digit() && b[1].is_ascii_digit())
                .then(|| i32::from(b[0] - b'0') * 10 + i32::from(b[1] - b'0'))
        };
        let (hours, minutes) = (two(&rest[1..3])?, two(&rest[4..6])?);
        if hours > 24 || minutes > 60 {
            return None;
        }
        let offset = (hours * 60 + minutes) * 60;
        self.offset = match rest[0] {
            b'+' => Some(offset),
            b'-' => Some(-offset),
            _ => return None,
        };
        Some(&rest[6..])
    }

    fn valid(&self) -> bool {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (1..=days).contains(&self.day) && self.hour < 24 && self.minute < 60 && self.second < 60
    }

    /// Go's `time.RFC3339Nano` rendering (what `encoding/json` prints).
    fn rfc3339(&self) -> String {
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.nanos > 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        match self.offset {
            None | Some(0) => out.push('Z'),
            Some(off) => {
                let sign = if off < 0 { '-' } else { '+' };
                let off = off.unsigned_abs() / 60;
                let _ = write!(out, "{sign}{:02}:{:02}", off / 60, off % 60);
            }
        }
        out
    }

    /// Go's `%#v` of the time.Time.
    fn go_syntax(&self) -> String {
        let month = MONTHS[(self.month.clamp(1, 12) - 1) as usize];
        let location = if self.offset.is_none() {
            "time.UTC".to_string()
        } else {
            "time.Location(\"\")".to_string()
        };
        format!(
            "time.Date({}, time.{month}, {}, {}, {}, {}, {}, {location})",
            self.year, self.day, self.hour, self.minute, self.second, self.nanos
        )
    }
}

/// Go's `getnum(s, false)`: one or two digits.
fn take_num(rest: &mut &[u8]) -> Option<u32> {
    let b = *rest;
    let first = *b.first().filter(|c| c.is_ascii_digit())?;
    match b.get(1).filter(|c| c.is_ascii_digit()) {
        Some(&second) => {
            *rest = &b[2..];
            Some(u32::from(first - b'0') * 10 + u32::from(second - b'0'))
        }
        None => {
            *rest = &b[1..];
            Some(u32::from(first - b'0'))
        }
    }
}

fn take_byte(rest: &mut &[u8], want: u8) -> Option<()> {
    let b = *rest;
    (b.first() == Some(&want)).then(|| *rest = &b[1..])
}

// ---------------------------------------------------------------------------------------
// Go formatting for error messages.

/// Go's `strconv.Quote` (what `%#v` prints for a string).
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                if (c as u32) <= 0xffff {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%#v` of a decoded `interface{}` value; `top` is false inside containers, where a
/// nil prints as `interface {}(nil)`.
fn go_syntax_value(value: &Value, top: bool) -> String {
    match value {
        Value::Null if top => "<nil>".to_string(),
        Value::Null => "interface {}(nil)".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_go_float(*f),
        Value::Str(s) => go_quote(s),
        Value::Seq(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|n| go_syntax_value(&n.value, false))
                .collect();
            format!("[]interface {{}}{{{}}}", items.join(", "))
        }
        Value::Map(map) => {
            let mut entries: Vec<(&String, &Node)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", go_quote(k), go_syntax_value(&v.value, false)))
                .collect();
            format!("map[string]interface {{}}{{{}}}", entries.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[ignore]
    fn dump_dir() {
        let dir = std::env::var("YAML_DUMP_DIR").unwrap();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            if f.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            match parse_documents(&text, &name) {
                Ok(docs) => {
                    fn drop_reset(n: &Node) -> serde_json::Value {
                        match &n.value {
                            Value::Seq(v) => serde_json::Value::Array(
                                v.iter()
                                    .filter(|c| c.tag != Some(Tag::Reset))
                                    .map(drop_reset)
                                    .collect(),
                            ),
                            Value::Map(m) => serde_json::Value::Object(
                                m.iter()
                                    .filter(|(_, c)| c.tag != Some(Tag::Reset))
                                    .map(|(k, c)| (k.clone(), drop_reset(c)))
                                    .collect(),
                            ),
                            _ => n.to_json(),
                        }
                    }
                    let j: Vec<_> = docs
                        .iter()
                        .map(|d| {
                            let mut v = drop_reset(d);
                            if let Some(o) = v.as_object_mut() {
                                o.remove("services");
                                for k in ["x-t", "x-u"] {
                                    if let Some(x) = o.get(k).cloned() {
                                        o.clear();
                                        o.insert(k.into(), x);
                                    }
                                }
                            }
                            v
                        })
                        .collect();
                    println!("== {name}: OK {}", serde_json::to_string(&j).unwrap());
                }
                Err(e) => println!(
                    "== {name}: ERR {} @ {:?}",
                    e.message,
                    e.mark.map(|m| (m.line, m.column))
                ),
            }
        }
    }
}
