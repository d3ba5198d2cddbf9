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

/// Most nodes a document may expand to through aliases. Compose has no limit (an alias
/// bomb never finishes loading); real files are orders of magnitude smaller.
const MAX_EXPANDED_NODES: u64 = 3_000_000;

/// Mappings up to this many keys are checked for duplicates without hashing.
const SMALL_MAP: usize = 16;

/// How often a `key:<TAB>value` separator is rewritten before giving up (see
/// [`parse_documents`]).
const MAX_TAB_FIXES: usize = 1000;

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
    /// saphyr rejects `key:<TAB>value` (yaml.v3 accepts it); the char index of the value.
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
    /// Nesting levels of the subtree once aliases are expanded (saturating; an alias to a
    /// node still open counts as unbounded).
    height: u32,
    /// Nodes yaml.v3 decodes for the subtree once aliases are expanded (saturating).
    size: u64,
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
        let previous_end = std::mem::replace(&mut self.last_end, span.end.index());
        let line = span.start.line();
        let col = span.start.col() + 1;
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
                };
                let (line, col) = match style {
                    Style::Block => self.block_indicator(previous_end, &span),
                    _ => (line, col),
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
                let t = &self.nodes[target as usize];
                // A collection gets its height when it closes: 0 means still open (a cycle).
                let open = matches!(t.kind, Kind::Seq(_) | Kind::Map(_)) && t.height == 0;
                let (height, size) = if open {
                    (u32::MAX, 1)
                } else {
                    (t.height, t.size.saturating_add(1))
                };
                let id = self.push(Kind::Alias { target, name }, RawTag::None, line, col, true);
                self.nodes[id as usize].height = height;
                self.nodes[id as usize].size = size;
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

    /// yaml.v3 places a block scalar at its `|`/`>` indicator; saphyr's span starts at the
    /// content unless properties come first.
    fn block_indicator(&mut self, previous_end: usize, span: &Span) -> (usize, usize) {
        let content = (span.start.line(), span.start.col() + 1);
        let start = self.cursor.byte_at(self.text, span.start.index());
        if matches!(self.text.as_bytes().get(start), Some(b'&' | b'!')) {
            return content;
        }
        let from = self.cursor.byte_at(self.text, previous_end).min(start);
        let Some(at) = self.text[from..start].find(['|', '>']).map(|n| from + n) else {
            return content;
        };
        let line_start = self.text[..at].rfind('\n').map_or(0, |n| n + 1);
        let col = self.text[line_start..at].chars().count() + 1;
        let lines_between = self.text[at..start].bytes().filter(|&b| b == b'\n').count();
        (content.0.saturating_sub(lines_between).max(1), col)
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
            height: 0,
            size: 1,
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
            let node = &self.nodes[open.id as usize];
            let children = match &node.kind {
                Kind::Seq(items) | Kind::Map(items) => items.as_slice(),
                Kind::Scalar(..) | Kind::Alias { .. } => &[],
            };
            let (mut deepest, mut size) = (0u32, 1u64);
            for &child in children {
                let child = &self.nodes[child as usize];
                deepest = deepest.max(child.height);
                size = size.saturating_add(child.size);
            }
            let node = &mut self.nodes[open.id as usize];
            node.height = deepest.saturating_add(1);
            // compose-go drops a `!reset` node before yaml.v3 decodes anything in it.
            node.size = if node.tag == RawTag::Reset { 1 } else { size };
            node.has_alias = self.aliases_seen > open.aliases_before;
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
        let line_start = self.text[..at_byte].rfind('\n').map_or(0, |n| n + 1);
        let col = self.text[line_start..at_byte].chars().count() + 1;
        Err(yaml_error(
            scanner_message(
                line,
                "did not find expected alphabetic or numeric character",
            ),
            &self.mark(line, col),
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

/// Converts saphyr's char indexes to byte offsets, cheaply for nearby positions (events
/// come in document order).
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
        for c in text[..self.bytes].chars().rev() {
            if self.chars <= char_idx {
                break;
            }
            self.bytes -= c.len_utf8();
            self.chars -= 1;
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

    /// A `<<` key: plain and untagged, or tagged `!!merge`.
    fn is_merge_key(&self, id: Id) -> bool {
        let raw = self.raw(id);
        match &raw.kind {
            Kind::Scalar(text, style) if text == "<<" => {
                raw.tag == RawTag::Merge || (raw.tag == RawTag::None && *style == Style::Plain)
            }
            _ => false,
        }
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

/// Documents nested deeper than this are walked on a thread with a large stack: the walks
/// recurse once per level and unoptimized builds use several KiB per level.
const INLINE_HEIGHT: u32 = 64;

/// Stack for walking documents up to MAX_DEPTH levels (reserved, not committed, memory).
const DEEP_STACK: usize = 64 << 20;

fn decode_document(doc: &Doc<'_>, file: &Arc<str>) -> Result<Node> {
    // Known before expanding anything: alias bombs stop here.
    if doc.raw(doc.root).size > MAX_EXPANDED_NODES {
        return Err(excessive_aliasing(file));
    }
    if doc.raw(doc.root).height <= INLINE_HEIGHT {
        return walk_document(doc, file);
    }
    std::thread::scope(|scope| {
        let walker = std::thread::Builder::new()
            .name("yaml-deep".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, || walk_document(doc, file));
        match walker.map(|handle| handle.join()) {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(e) => Err(LoadError::new(
                ErrorKind::Yaml,
                format!("yaml: document too deeply nested: {e}"),
            )
            .in_file(file)),
        }
    })
}

fn walk_document(doc: &Doc<'_>, file: &Arc<str>) -> Result<Node> {
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
    /// Where the walk is (keys and indexes); its compose-go path string is only built at
    /// aliases, where the cycle check needs it.
    path: Vec<PathSeg>,
    /// Content already walked once: compose-go has removed its `!reset` children.
    visited: Vec<bool>,
    /// How many times each node is being walked right now (aliases re-enter anchors).
    walking: Vec<u8>,
    cycles: CycleIndex,
    visits: usize,
    depth: usize,
}

impl<'d, 'a> Checker<'d, 'a> {
    fn new(doc: &'d Doc<'a>, file: &'d Arc<str>) -> Self {
        let n = doc.nodes.len();
        Checker {
            doc,
            file,
            path: Vec::new(),
            visited: vec![false; n],
            walking: vec![0; n],
            cycles: CycleIndex::default(),
            visits: 0,
            depth: 0,
        }
    }

    fn run(mut self) -> Result<()> {
        self.visit(self.doc.root)
    }

    /// A backstop: the expanded size was checked before, the walk stays below it.
    fn count(&mut self) -> Result<()> {
        self.visits += 1;
        if self.visits as u64 > 2 * MAX_EXPANDED_NODES {
            return Err(excessive_aliasing(self.file));
        }
        Ok(())
    }

    fn visit(&mut self, id: Id) -> Result<()> {
        self.count()?;
        let doc = self.doc;
        let raw = doc.raw(id);
        if raw.tag.compose().is_some() {
            return Ok(());
        }
        match &raw.kind {
            Kind::Scalar(..) => Ok(()),
            Kind::Alias { target, name } => self.alias(id, *target, name),
            Kind::Seq(items) => {
                self.descend(id)?;
                let result = self.sequence(id, items);
                self.depth -= 1;
                result
            }
            Kind::Map(items) => {
                self.descend(id)?;
                let result = self.mapping(id, items);
                self.depth -= 1;
                result
            }
        }
    }

    fn descend(&mut self, id: Id) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let mark = self.doc.mark(id, self.file);
            let message = format!("yaml: exceeded max depth of {MAX_DEPTH}");
            return Err(yaml_error(message, &mark));
        }
        Ok(())
    }

    fn alias(&mut self, id: Id, target: Id, name: &str) -> Result<()> {
        let path = self.path_string();
        if let Some(previous) = self.cycles.check(target, &path) {
            let mark = self.doc.mark(id, self.file);
            return Err(yaml_error(
                format!("cycle detected: node at path {path} references node at path {previous}"),
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
        if self.walking[target as usize] >= 2 {
            // compose-go's path check fires on the first re-entry or never: then it
            // recurses forever. yaml.v3 would say this.
            let mark = self.doc.mark(id, self.file);
            return Err(yaml_error(
                format!("yaml: anchor '{name}' value contains itself"),
                &mark,
            ));
        }
        self.visit(target)
    }

    fn sequence(&mut self, id: Id, items: &[Id]) -> Result<()> {
        let consumed = self.enter(id);
        let mut index = 0usize;
        for &item in items {
            if consumed && self.doc.is_reset(item) {
                continue;
            }
            self.path.push(PathSeg::Index(index));
            self.visit(item)?;
            self.path.pop();
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
            self.path.push(PathSeg::Key(pair[0]));
            self.visit(pair[1])?;
            self.path.pop();
        }
        self.leave(id);
        Ok(())
    }

    fn enter(&mut self, id: Id) -> bool {
        self.walking[id as usize] += 1;
        self.visited[id as usize]
    }

    fn leave(&mut self, id: Id) {
        self.walking[id as usize] -= 1;
        self.visited[id as usize] = true;
    }

    /// `line N: mapping key "k" already defined at line M`, keyed on the raw key text.
    fn check_duplicates(&self, items: &[Id]) -> Result<()> {
        let doc = self.doc;
        let keys = || items.iter().step_by(2).copied();
        let duplicate = if items.len() <= 2 * SMALL_MAP {
            keys().enumerate().find_map(|(i, key)| {
                let text = doc.key_value(key);
                keys()
                    .take(i)
                    .find(|&k| doc.key_value(k) == text)
                    .map(|first| (first, key))
            })
        } else {
            let mut seen: HashMap<&str, Id> = HashMap::with_capacity(items.len() / 2);
            keys().find_map(|key| match seen.entry(doc.key_value(key)) {
                std::collections::hash_map::Entry::Occupied(first) => Some((*first.get(), key)),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(key);
                    None
                }
            })
        };
        let Some((first, key)) = duplicate else {
            return Ok(());
        };
        let message = format!(
            "line {}: mapping key {} already defined at line {}",
            doc.raw(key).line,
            go_quote(doc.key_value(key)),
            doc.raw(first).line
        );
        Err(yaml_error(message, &doc.mark(key, self.file)))
    }

    /// compose-go's `tree.Path` string at the current node: each level appends `.key` (the
    /// key's raw text) or `.index`, then drops the first `.<<` (how compose-go folds merge
    /// keys into their parent's path).
    fn path_string(&self) -> String {
        let mut path = String::new();
        for seg in &self.path {
            if !path.is_empty() {
                path.push('.');
            }
            match seg {
                PathSeg::Key(key) => path.push_str(self.doc.key_value(*key)),
                PathSeg::Index(i) => {
                    let _ = write!(path, "{i}");
                }
            }
            if let Some(at) = path.find(".<<") {
                path.replace_range(at..at + 3, "");
            }
        }
        path
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

/// A position compose-go's walk never reached: its aliases are still aliases for yaml.v3.
fn is_unwalked(ctx: Ctx) -> bool {
    !ctx.strip && !ctx.tags
}

/// A decoded mapping key (yaml.v3 keys are typed).
enum Key {
    Str(String),
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    Null,
    Time(GoTime),
    Collection(Box<Value>),
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

    /// One yaml.v3 `unmarshal` call, with its alias-ratio limit. compose-go's walk replaced
    /// every alias it visited by its target, so only the aliases it skipped (under
    /// `!reset`/`!override`) and alias keys count as aliases here.
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

    // The functions from `node` down to `entry` recurse once per nesting level: they keep
    // their frames small (rare branches live in separate functions) so that MAX_DEPTH
    // levels fit in a 2 MiB thread stack even in unoptimized builds.

    fn node(&mut self, id: Id, ctx: Ctx) -> Result<Node> {
        let raw = self.doc.raw(id);
        if let Kind::Alias { target, .. } = raw.kind {
            return self.alias_node(id, target, ctx);
        }
        self.count()?;
        let tag = raw.tag.compose();
        let value = match tag {
            None => self.content(id, ctx)?,
            // compose-go drops this node before decoding: its content can't fail.
            Some(Tag::Reset) if ctx.tags => self.lenient(id),
            Some(_) => self.content(id, PLAIN)?,
        };
        Ok(Node {
            value,
            mark: self.mark(id),
            tag: if ctx.tags { tag } else { None },
        })
    }

    fn alias_node(&mut self, id: Id, target: Id, ctx: Ctx) -> Result<Node> {
        let remaining = is_unwalked(ctx);
        if remaining {
            self.count()?;
        }
        self.begin_alias(id, remaining)?;
        let inner = Ctx {
            strip: true,
            tags: ctx.tags,
        };
        let result = self.node(target, inner);
        self.end_alias(id, remaining);
        result
    }

    /// yaml.v3's guard against an anchor that contains an alias to itself (aliases
    /// compose-go's walk replaced cannot loop: the walk checked them).
    fn begin_alias(&mut self, id: Id, counted: bool) -> Result<()> {
        if self.expanding[id as usize] {
            return Err(self.contains_itself(id));
        }
        self.expanding[id as usize] = true;
        if counted {
            self.alias_depth += 1;
        }
        Ok(())
    }

    fn end_alias(&mut self, id: Id, counted: bool) {
        if counted {
            self.alias_depth -= 1;
        }
        self.expanding[id as usize] = false;
    }

    #[cold]
    fn contains_itself(&self, id: Id) -> LoadError {
        let name = self.doc.key_value(id);
        self.fail(id, format_args!("anchor '{name}' value contains itself"))
    }

    /// Decodes content compose-go never decodes, without letting it fail or count (nor
    /// expand aliases: the size limit does not cover this content).
    #[cold]
    fn lenient(&mut self, id: Id) -> Value {
        if self.doc.raw(id).has_alias {
            return Value::Null;
        }
        let saved = (
            self.decodes,
            self.aliased,
            self.terrors.len(),
            self.non_string.is_some(),
            self.path.len(),
            self.depth,
        );
        let value = self.content(id, PLAIN).unwrap_or(Value::Null);
        self.decodes = saved.0;
        self.aliased = saved.1;
        self.terrors.truncate(saved.2);
        if !saved.3 {
            self.non_string = None;
        }
        self.path.truncate(saved.4);
        self.depth = saved.5;
        value
    }

    fn content(&mut self, id: Id, ctx: Ctx) -> Result<Value> {
        let doc = self.doc;
        match &doc.raw(id).kind {
            Kind::Scalar(..) => self.scalar_value(id),
            Kind::Seq(items) => {
                self.descend(id)?;
                let result = self.sequence(items, ctx);
                self.depth -= 1;
                result
            }
            Kind::Map(_) => {
                self.descend(id)?;
                let result = self.mapping(id, ctx);
                self.depth -= 1;
                result
            }
            Kind::Alias { .. } => Ok(Value::Null),
        }
    }

    fn descend(&mut self, id: Id) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.too_deep(id));
        }
        Ok(())
    }

    #[cold]
    fn too_deep(&self, id: Id) -> LoadError {
        self.fail(id, format_args!("exceeded max depth of {MAX_DEPTH}"))
    }

    fn scalar_value(&self, id: Id) -> Result<Value> {
        Ok(self.scalar(id)?.into_value())
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

    fn mapping(&mut self, id: Id, ctx: Ctx) -> Result<Value> {
        let mut out = Mapping::new();
        let string_keys = self.is_string_map(id);
        self.mapping_into(id, ctx, &mut out, None, string_keys)?;
        Ok(Value::Map(out))
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
        if self.duplicate_keys(items, ctx) {
            return Ok(());
        }
        let mut merge = None;
        for pair in items.chunks_exact(2) {
            let (key, value) = (pair[0], pair[1]);
            if doc.is_merge_key(key) {
                // The last `<<` wins; compose-go removed one whose value it resets.
                if !(doc.is_reset(value) && (ctx.strip || ctx.tags)) {
                    merge = Some(value);
                }
                continue;
            }
            self.entry(key, value, ctx, out, merged.as_deref_mut(), string_keys)?;
        }
        if let Some(merge) = merge {
            self.merge(id, merge, ctx, out, merged, string_keys)?;
        }
        Ok(())
    }

    fn entry(
        &mut self,
        key: Id,
        value: Id,
        ctx: Ctx,
        out: &mut Mapping,
        merged: Option<&mut HashSet<KeyId>>,
        string_keys: bool,
    ) -> Result<()> {
        if self.doc.is_reset(value) && (ctx.strip || ctx.tags) {
            if ctx.strip {
                return Ok(());
            }
            return self.reset_entry(key, value, ctx, out, merged.is_some());
        }
        let Some(decoded) = self.key(key, string_keys)? else {
            return Ok(());
        };
        if let (Some(set), Some(id)) = (merged, decoded.id()) {
            if !set.insert(id) {
                return Ok(());
            }
        }
        let Key::Str(name) = decoded else {
            return self.non_string_entry(key, value, decoded, ctx);
        };
        self.path.push(PathSeg::Key(key));
        let node = self.node(value, ctx);
        self.path.pop();
        out.insert(name, node?);
        Ok(())
    }

    /// compose-go records a reset entry's path and drops it; it stays here as a marker.
    #[cold]
    fn reset_entry(
        &mut self,
        key: Id,
        value: Id,
        ctx: Ctx,
        out: &mut Mapping,
        merging: bool,
    ) -> Result<()> {
        let name = self.doc.key_value(key).to_string();
        if !merging || !out.contains_key(&name) {
            let node = self.node(value, ctx)?;
            out.insert(name, node);
        }
        Ok(())
    }

    /// A key compose-go rejects (reported once YAML decoding succeeds) or yaml.v3 rejects.
    #[cold]
    fn non_string_entry(&mut self, key: Id, value: Id, decoded: Key, ctx: Ctx) -> Result<()> {
        if let Key::Collection(v) = &decoded {
            let shown = go_syntax_value(v, true);
            return Err(self.fail(key, format_args!("invalid map key: {shown}")));
        }
        self.note_non_string(key, &decoded);
        self.node(value, ctx)?;
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
    /// error (the mapping is then left out). compose-go's walk already rejected duplicates
    /// (of any kind) wherever it went, so only content it skipped can have any.
    fn duplicate_keys(&mut self, items: &[Id], ctx: Ctx) -> bool {
        if !is_unwalked(ctx) {
            return false;
        }
        let doc = self.doc;
        let kind = |id: Id| match doc.raw(id).kind {
            Kind::Scalar(..) => 0u8,
            Kind::Alias { .. } => 1,
            Kind::Seq(_) => 2,
            Kind::Map(_) => 3,
        };
        let same = |a: Id, b: Id| kind(a) == kind(b) && doc.key_value(a) == doc.key_value(b);
        let keys: Vec<Id> = items.iter().step_by(2).copied().collect();
        let any = if keys.len() <= SMALL_MAP {
            (0..keys.len()).any(|i| keys[..i].iter().any(|&k| same(k, keys[i])))
        } else {
            let mut seen = HashSet::with_capacity(keys.len());
            !keys
                .iter()
                .all(|&k| seen.insert((kind(k), doc.key_value(k))))
        };
        if !any {
            return false;
        }
        for (i, &first) in keys.iter().enumerate() {
            for &second in &keys[i + 1..] {
                if same(first, second) {
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
            Kind::Alias { target, .. } => {
                // compose-go's walk leaves alias keys in place.
                self.begin_alias(id, true)?;
                let result = self.key(*target, string_keys);
                self.end_alias(id, true);
                result
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
                Ok(Some(Key::Collection(Box::new(value))))
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

    /// Applies a merge key's value (nested merges count as nesting: alias chains of merges
    /// recurse).
    fn merge(
        &mut self,
        parent: Id,
        merge: Id,
        ctx: Ctx,
        out: &mut Mapping,
        merged: Option<&mut HashSet<KeyId>>,
        string_keys: bool,
    ) -> Result<()> {
        self.descend(merge)?;
        let result = self.merge_values(parent, merge, ctx, out, merged, string_keys);
        self.depth -= 1;
        result
    }

    fn merge_values(
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
            Kind::Alias { target, .. } => {
                if !matches!(doc.raw(*target).kind, Kind::Map(_)) {
                    return Err(want_map(self, merge));
                }
                self.merge_alias(merge, *target, ctx, out, set, string_keys)
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
                        Kind::Alias { target, .. } => {
                            if !matches!(doc.raw(*target).kind, Kind::Map(_)) {
                                return Err(want_map(self, item));
                            }
                            self.merge_alias(item, *target, item_ctx, out, set, string_keys)?;
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

    fn merge_alias(
        &mut self,
        alias: Id,
        target: Id,
        ctx: Ctx,
        out: &mut Mapping,
        set: &mut HashSet<KeyId>,
        string_keys: bool,
    ) -> Result<()> {
        let remaining = is_unwalked(ctx);
        if remaining {
            self.count()?;
        }
        let inner = if self.doc.raw(target).tag.compose().is_some() {
            PLAIN
        } else {
            Ctx {
                strip: true,
                tags: ctx.tags,
            }
        };
        self.begin_alias(alias, remaining)?;
        let result = self
            .count()
            .and_then(|()| self.mapping_into(target, inner, out, Some(set), string_keys));
        self.end_alias(alias, remaining);
        result
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
        hex = b[i + 1].eq_ignore_ascii_case(&b'x');
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

    fn parse(text: &str) -> Result<Vec<Node>> {
        parse_documents(text, "/p/compose.yaml")
    }

    /// The single document of `text`.
    fn doc(text: &str) -> Node {
        let mut docs = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(docs.len(), 1, "{text:?}");
        docs.remove(0)
    }

    fn json(text: &str) -> serde_json::Value {
        doc(text).to_json()
    }

    /// The value of `v` in `v: <scalar>`.
    fn scalar(text: &str) -> Value {
        doc(&format!("v: {text}\n")).get("v").unwrap().value.clone()
    }

    fn error(text: &str) -> LoadError {
        match parse(text) {
            Ok(docs) => {
                let mut shown = format!("{:?}", docs.iter().map(Node::to_json).collect::<Vec<_>>());
                shown.truncate(300);
                panic!("{text:?} parsed: {shown}")
            }
            Err(e) => e,
        }
    }

    fn message(text: &str) -> String {
        error(text).message
    }

    fn str_value(s: &str) -> Value {
        Value::Str(s.to_string())
    }

    #[test]
    fn null_spellings_resolve_to_null() {
        for text in ["~", "null", "Null", "NULL", ""] {
            assert_eq!(scalar(text), Value::Null, "{text}");
        }
        assert_eq!(scalar("nULL"), str_value("nULL"));
    }

    #[test]
    fn only_core_schema_bools_are_bools() {
        for text in ["true", "True", "TRUE"] {
            assert_eq!(scalar(text), Value::Bool(true));
        }
        for text in ["false", "False", "FALSE"] {
            assert_eq!(scalar(text), Value::Bool(false));
        }
        for text in ["yes", "no", "on", "off", "y", "n", "tRue"] {
            assert_eq!(scalar(text), str_value(text));
        }
    }

    #[test]
    fn integers_follow_go_parse_int_base_zero() {
        let cases = [
            ("42", 42),
            ("-7", -7),
            ("+12", 12),
            ("0440", 288),
            ("0o17", 15),
            ("0x1F", 31),
            ("-0x1f", -31),
            ("0b101", 5),
            ("1_000", 1000),
            ("0", 0),
            ("-0", 0),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ];
        for (text, want) in cases {
            assert_eq!(scalar(text), Value::Int(want), "{text}");
        }
    }

    #[test]
    fn invalid_octal_falls_back_to_float() {
        assert_eq!(scalar("08"), Value::Float(8.0));
        assert_eq!(scalar("09"), Value::Float(9.0));
    }

    #[test]
    fn floats_and_special_floats() {
        assert_eq!(scalar("1e3"), Value::Float(1000.0));
        assert_eq!(scalar(".5"), Value::Float(0.5));
        assert_eq!(scalar("+.5"), Value::Float(0.5));
        assert_eq!(scalar("1."), Value::Float(1.0));
        assert_eq!(scalar("-1.5e-3"), Value::Float(-0.0015));
        assert_eq!(scalar(".inf"), Value::Float(f64::INFINITY));
        assert_eq!(scalar("-.Inf"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(scalar(".NaN"), Value::Float(f) if f.is_nan()));
    }

    #[test]
    fn integer_overflow_is_graceful() {
        // uint64 range: yaml.v3 keeps a uint64, Value can only hold the nearest float.
        assert_eq!(
            scalar("9223372036854775808"),
            Value::Float(9_223_372_036_854_775_808.0)
        );
        assert_eq!(scalar("99999999999999999999999"), Value::Float(1e23));
        assert_eq!(
            scalar("-9223372036854775809"),
            Value::Float(-9_223_372_036_854_775_808.0)
        );
        assert_eq!(
            scalar("0xFFFFFFFFFFFFFFFFFF"),
            str_value("0xFFFFFFFFFFFFFFFFFF")
        );
        assert_eq!(scalar("1e400"), str_value("1e400"));
    }

    #[test]
    fn number_like_text_stays_string() {
        for text in [
            "0x", "0b", "1e", "1e+", "12:30", "1:2:3", "0.1.2", "_1", ".", "..", "+", "<<",
        ] {
            assert_eq!(scalar(text), str_value(text), "{text}");
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        assert_eq!(scalar("\"123\""), str_value("123"));
        assert_eq!(scalar("'true'"), str_value("true"));
        assert_eq!(scalar("\"\""), str_value(""));
        assert_eq!(scalar("|\n  1\n"), str_value("1\n"));
        assert_eq!(scalar(">-\n  a\n  b\n"), str_value("a b"));
    }

    #[test]
    fn explicit_core_tags_are_honoured() {
        assert_eq!(scalar("!!str 123"), str_value("123"));
        assert_eq!(scalar("!!str"), str_value(""));
        assert_eq!(scalar("!!int \"12\""), Value::Int(12));
        assert_eq!(scalar("!!float 3"), Value::Float(3.0));
        assert_eq!(scalar("!!float 0x10"), Value::Float(16.0));
        assert_eq!(scalar("!!bool true"), Value::Bool(true));
        assert_eq!(scalar("!!null \"\""), Value::Null);
        assert_eq!(scalar("!<tag:yaml.org,2002:str> 4"), str_value("4"));
    }

    #[test]
    fn explicit_tag_mismatch_is_an_error() {
        assert_eq!(
            message("v: !!int abc\n"),
            "yaml: cannot decode !!str `abc` as a !!int"
        );
        assert_eq!(
            message("v: !!bool yes\n"),
            "yaml: cannot decode !!str `yes` as a !!bool"
        );
        assert_eq!(
            message("v: !!int 1e3\n"),
            "yaml: cannot decode !!float `1e3` as a !!int"
        );
    }

    #[test]
    fn unknown_tags_decode_as_strings() {
        assert_eq!(scalar("!foo 123"), str_value("123"));
        assert_eq!(scalar("!foo ~"), str_value("~"));
        assert_eq!(scalar("!!seq x"), str_value("x"));
        assert_eq!(json("v: !foo {a: 1}\n"), serde_json::json!({"v": {"a": 1}}));
    }

    #[test]
    fn non_specific_tag_resolves_like_no_tag() {
        assert_eq!(scalar("! 12"), Value::Int(12));
        assert_eq!(scalar("! \"12\""), str_value("12"));
    }

    #[test]
    fn timestamps_become_go_json_time_strings() {
        assert_eq!(scalar("2001-12-14"), str_value("2001-12-14T00:00:00Z"));
        assert_eq!(scalar("2001-1-2"), str_value("2001-01-02T00:00:00Z"));
        assert_eq!(
            scalar("2001-12-14 21:59:43.10"),
            str_value("2001-12-14T21:59:43.1Z")
        );
        assert_eq!(
            scalar("2001-12-14t21:59:43.10-05:00"),
            str_value("2001-12-14T21:59:43.1-05:00")
        );
        assert_eq!(
            scalar("2001-01-01T01:02:03+00:00"),
            str_value("2001-01-01T01:02:03Z")
        );
        assert_eq!(
            scalar("2001-01-01T01:02:03.123456789123Z"),
            str_value("2001-01-01T01:02:03.123456789Z")
        );
        assert_eq!(
            scalar("!!timestamp 2001-01-01"),
            str_value("2001-01-01T00:00:00Z")
        );
    }

    #[test]
    fn invalid_timestamps_stay_strings() {
        for text in [
            "2001-13-01",
            "2001-02-30",
            "1999-02-29",
            "2001-01-01T25:00:00Z",
            "20011-01-01",
        ] {
            assert_eq!(scalar(text), str_value(text), "{text}");
        }
        assert_eq!(scalar("2000-02-29"), str_value("2000-02-29T00:00:00Z"));
        assert_eq!(scalar("\"2001-01-01\""), str_value("2001-01-01"));
    }

    #[test]
    fn binary_scalars_are_decoded() {
        assert_eq!(scalar("!!binary aGVsbG8="), str_value("hello"));
        assert_eq!(scalar("!!binary |\n  aGVs\n  bG8=\n"), str_value("hello"));
        assert_eq!(
            message("v: !!binary \"!!!\"\n"),
            "yaml: !!binary value contains invalid base64 data"
        );
    }

    #[test]
    fn marks_are_one_based_and_name_the_file() {
        let root = doc("services:\n  web:\n    image: nginx\n");
        let image = root
            .get("services")
            .unwrap()
            .get("web")
            .unwrap()
            .get("image")
            .unwrap();
        assert_eq!(image.mark, Mark::new(Some("/p/compose.yaml".into()), 3, 12));
        assert_eq!(
            root.get("services").unwrap().get("web").unwrap().mark.line,
            3
        );
        assert_eq!(root.mark.line, 1);
        assert_eq!(root.mark.column, 1);
    }

    #[test]
    fn columns_count_characters() {
        let root = doc("é: &a\n  k: v\nc: {x: ü}\n");
        assert_eq!(root.get("c").unwrap().get("x").unwrap().mark.column, 8);
    }

    #[test]
    fn mapping_keys_keep_document_order() {
        let root = doc("b: 1\na: 2\nc: 3\n");
        let keys: Vec<&String> = root.as_map().unwrap().keys().collect();
        assert_eq!(keys, ["b", "a", "c"]);
    }

    #[test]
    fn every_document_gives_a_tree() {
        let docs = parse("a: 1\n---\nb: 2\n").unwrap();
        let docs: Vec<_> = docs.iter().map(Node::to_json).collect();
        assert_eq!(
            docs,
            [serde_json::json!({"a": 1}), serde_json::json!({"b": 2})]
        );
    }

    #[test]
    fn stream_without_documents_gives_nothing() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# only a comment\n\n").unwrap().is_empty());
    }

    #[test]
    fn explicit_empty_document_is_null() {
        let docs = parse("a: 1\n---\n# nothing\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs[1].is_null());
    }

    #[test]
    fn second_document_needs_a_start_marker() {
        assert_eq!(
            message("a: 1\n...\nb\n"),
            "yaml: line 2: did not find expected <document start>"
        );
    }

    #[test]
    fn aliases_are_deep_copies_with_the_anchor_marks() {
        let root = doc("x: &a\n  k: [1, 2]\ny: *a\n");
        assert_eq!(root.get("y"), root.get("x"));
        let k = root.get("y").unwrap().get("k").unwrap();
        assert_eq!((k.mark.line, k.mark.column), (2, 6));
    }

    #[test]
    fn anchors_can_be_redefined() {
        assert_eq!(
            json("a: &x 1\nb: &x 2\nc: *x\n"),
            serde_json::json!({"a": 1, "b": 2, "c": 2})
        );
    }

    #[test]
    fn unknown_alias_is_an_error() {
        let e = error("services:\n  s:\n    image: *nope\n");
        assert_eq!(e.message, "yaml: unknown anchor 'nope' referenced");
        assert_eq!(e.kind, ErrorKind::Yaml);
        assert_eq!(e.mark.unwrap().line, 3);
    }

    #[test]
    fn anchor_names_outside_yaml_v3_charset_are_rejected() {
        assert_eq!(
            message("a: &x.y 1\nb: *x.y\n"),
            "yaml: did not find expected alphabetic or numeric character"
        );
        assert_eq!(
            json("a: &x_y-1 1\nb: *x_y-1\n"),
            serde_json::json!({"a": 1, "b": 1})
        );
    }

    #[test]
    fn self_referencing_anchor_is_a_cycle_error() {
        assert_eq!(
            message("x: &a\n  b: *a\n"),
            "cycle detected: node at path x.b.b references node at path x.b"
        );
        assert_eq!(
            message("x: &a [1, [*a]]\n"),
            "cycle detected: node at path x.1.0.1.0 references node at path x.1.0"
        );
    }

    #[test]
    fn cycle_check_compares_dotted_paths_like_compose_go() {
        // compose-go reports this (harmless) document: key `a.b` reads as path `x.a.b`.
        assert_eq!(
            message("z: &a {p: 1}\nx:\n  a.b: *a\n  a:\n    b:\n      c: *a\n"),
            "cycle detected: node at path x.a.b.c references node at path x.a.b"
        );
    }

    #[test]
    fn alias_reused_in_sibling_positions_is_fine() {
        assert_eq!(
            json("z: &a {p: 1}\nx: {a: *a, b: *a, c: {d: *a}}\n")["x"],
            serde_json::json!({"a": {"p": 1}, "b": {"p": 1}, "c": {"d": {"p": 1}}})
        );
    }

    #[test]
    fn self_merge_is_an_error_not_a_hang() {
        assert_eq!(
            message("x: &a {<<: *a}\n"),
            "yaml: anchor 'a' value contains itself"
        );
        assert_eq!(
            message("x: &a !override [1, *a]\n"),
            "yaml: anchor 'a' value contains itself"
        );
    }

    #[test]
    fn alias_bomb_is_rejected_quickly() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        for pair in names.windows(2) {
            let refs = vec![format!("*{}", pair[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{refs}]\n", pair[1], pair[1]));
        }
        let started = std::time::Instant::now();
        assert_eq!(
            error(&text).message,
            "yaml: document contains excessive aliasing"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn aliases_compose_go_walked_are_not_limited_by_yaml_v3_ratio() {
        // ~48k decodes from aliases against ~60 plain ones: Compose loads it, because its
        // reset walk replaced the aliases before yaml.v3 counted them.
        let text = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d]\n";
        assert_eq!(json(text)["e"][3][9][9][9][9], "x");
    }

    #[test]
    fn aliases_under_override_hit_yaml_v3_ratio_limit() {
        // compose-go's walk skips `!override` content: yaml.v3 counts these aliases.
        let text = "x: !override\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n  e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
        assert_eq!(message(text), "yaml: document contains excessive aliasing");
    }

    #[test]
    fn merge_key_explicit_keys_win_regardless_of_position() {
        assert_eq!(
            json("x:\n  q: 1\n  <<: {q: 2, r: 3}\n")["x"],
            serde_json::json!({"q": 1, "r": 3})
        );
        assert_eq!(
            json("x:\n  <<: {q: 2, r: 3}\n  q: 1\n")["x"],
            serde_json::json!({"q": 1, "r": 3})
        );
    }

    #[test]
    fn merge_key_earlier_maps_win_in_a_sequence() {
        let text = "b: &b {a: 1, b: 2}\nc: &c {b: 3, c: 4}\nx:\n  <<: [*b, *c]\n  a: 0\n";
        assert_eq!(json(text)["x"], serde_json::json!({"a": 0, "b": 2, "c": 4}));
    }

    #[test]
    fn merge_key_in_merged_map_is_applied() {
        let text = "b: &b {a: 1, <<: {z: 9, a: 7}}\nx:\n  <<: *b\n  q: 1\n";
        assert_eq!(json(text)["x"], serde_json::json!({"q": 1, "a": 1, "z": 9}));
    }

    #[test]
    fn merge_key_does_not_merge_deeply() {
        let text = "x:\n  <<: {a: {x: 1}}\n  a: {y: 2}\n";
        assert_eq!(json(text)["x"], serde_json::json!({"a": {"y": 2}}));
    }

    #[test]
    fn merge_key_corpus_alias_and_inline_map() {
        let text = "name: test\nx-base: &base\n  image: nginx\nservices:\n  s1:\n    <<: [*base, {restart: unless-stopped}]\n";
        assert_eq!(
            json(text)["services"]["s1"],
            serde_json::json!({"image": "nginx", "restart": "unless-stopped"})
        );
    }

    #[test]
    fn merge_key_requires_maps() {
        let want = "yaml: map merge requires map or sequence of maps as the value";
        let alias_to_scalar =
            "name: test\nx-scalar: &s \"not-a-map\"\nservices:\n  s1:\n    <<: *s\n";
        let e = error(alias_to_scalar);
        assert_eq!(e.message, want);
        assert_eq!(e.mark.unwrap().line, 5);
        assert_eq!(message("x: {<<: ~}\n"), want);
        assert_eq!(message("x: {<<: 1}\n"), want);
        assert_eq!(message("a: &a [1]\nx: {<<: [*a]}\n"), want);
        assert_eq!(message("x: {<<: [{a: 1}, 3]}\n"), want);
    }

    #[test]
    fn merge_key_empty_sequence_merges_nothing() {
        assert_eq!(
            json("x: {<<: [], q: 1}\n")["x"],
            serde_json::json!({"q": 1})
        );
    }

    #[test]
    fn quoted_merge_key_is_an_ordinary_key() {
        assert_eq!(
            json("x: {\"<<\": {a: 1}}\n")["x"],
            serde_json::json!({"<<": {"a": 1}})
        );
        assert_eq!(
            json("x: {!!merge <<: {a: 1}}\n")["x"],
            serde_json::json!({"a": 1})
        );
    }

    #[test]
    fn merged_scalar_keys_become_their_text() {
        let text = "x: {<<: {1: a, true: b, 1.5: c, ~: d, 2001-01-01: e}, q: 1}\n";
        assert_eq!(
            json(text)["x"],
            serde_json::json!({"q": 1, "1": "a", "true": "b", "1.5": "c", "2001-01-01": "e"})
        );
        assert_eq!(
            message("x: {<<: {[a]: 1}, q: 1}\n"),
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string"
        );
    }

    #[test]
    fn duplicate_merge_keys_are_rejected() {
        assert_eq!(
            message("x:\n  <<: {a: 1}\n  <<: {b: 1}\n"),
            "line 3: mapping key \"<<\" already defined at line 2"
        );
    }

    #[test]
    fn reset_and_override_tags_are_set() {
        let root = doc("s:\n  ports: !reset []\n  env: !override {A: 1}\n  image: nginx\n");
        let s = root.get("s").unwrap();
        assert_eq!(s.get("ports").unwrap().tag, Some(Tag::Reset));
        assert_eq!(s.get("ports").unwrap().value, Value::Seq(vec![]));
        assert_eq!(s.get("env").unwrap().tag, Some(Tag::Override));
        assert_eq!(s.get("env").unwrap().to_json(), serde_json::json!({"A": 1}));
        assert_eq!(s.get("image").unwrap().tag, None);
    }

    #[test]
    fn tagged_scalars_decode_as_strings() {
        let root = doc("a: !override 5\nb: !reset null\n");
        assert_eq!(root.get("a").unwrap().value, str_value("5"));
        assert_eq!(root.get("b").unwrap().value, str_value("null"));
        assert_eq!(root.get("b").unwrap().tag, Some(Tag::Reset));
    }

    #[test]
    fn reset_content_never_fails() {
        let root = doc("a: !reset {x: !!int nope, 1: y}\n");
        assert_eq!(root.get("a").unwrap().tag, Some(Tag::Reset));
    }

    #[test]
    fn reset_in_sequence_keeps_its_tag() {
        let root = doc("a: [1, !reset 2, 3]\n");
        let items = root.get("a").unwrap().as_seq().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[1].tag, Some(Tag::Reset));
    }

    #[test]
    fn reset_inside_shared_anchor_is_gone_from_aliases() {
        // compose-go removes the `!reset` entry while walking the anchor's definition, so
        // the services merge an empty map (corpus TestResetTagWithSharedAlias).
        let text = "x-reset-ports: &reset-ports\n  ports: !reset []\n\nservices:\n  svc1:\n    <<: *reset-ports\n  svc2:\n    <<: *reset-ports\n";
        let root = doc(text);
        let x = root.get("x-reset-ports").unwrap();
        assert_eq!(x.get("ports").unwrap().tag, Some(Tag::Reset));
        let services = root.get("services").unwrap();
        assert_eq!(services.get("svc1").unwrap().as_map().unwrap().len(), 0);
        assert_eq!(services.get("svc2").unwrap().as_map().unwrap().len(), 0);
    }

    #[test]
    fn alias_to_reset_node_keeps_the_tag() {
        let root = doc("x: &r !reset [1]\ny:\n  p: *r\n");
        assert_eq!(
            root.get("y").unwrap().get("p").unwrap().tag,
            Some(Tag::Reset)
        );
    }

    #[test]
    fn override_tags_survive_aliases() {
        let root = doc("x: &o\n  e: !override {A: 1}\ny: *o\n");
        assert_eq!(
            root.get("y").unwrap().get("e").unwrap().tag,
            Some(Tag::Override)
        );
    }

    #[test]
    fn tags_inside_tagged_nodes_are_ignored() {
        let root = doc("x: !override\n  a: !reset 1\n  b: !override 2\n");
        let x = root.get("x").unwrap();
        assert_eq!(x.get("a").unwrap().tag, None);
        assert_eq!(x.get("a").unwrap().value, str_value("1"));
        assert_eq!(x.get("b").unwrap().tag, None);
    }

    #[test]
    fn tag_on_alias_is_a_syntax_error() {
        assert!(message("a: &a [1]\nb: !reset *a\n").starts_with("yaml: "));
    }

    #[test]
    fn non_string_key_names_its_path() {
        let e = error("services:\n  foo:\n    image: busybox\n  123:\n    image: busybox\n");
        assert_eq!(e.message, "non-string key in services: 123");
        assert_eq!(e.mark.unwrap().line, 4);
        assert_eq!(message("1: a\n"), "non-string key at top level: 1");
        assert_eq!(
            message("a:\n  b:\n    - 1: a\n"),
            "non-string key in a.b[0]: 1"
        );
    }

    #[test]
    fn non_string_key_is_printed_like_go() {
        assert_eq!(message("l:\n  true: x\n"), "non-string key in l: true");
        assert_eq!(message("l:\n  1.5: x\n"), "non-string key in l: 1.5");
        assert_eq!(message("l:\n  ~: x\n"), "non-string key in l: <nil>");
        assert_eq!(message("l:\n  0x10: x\n"), "non-string key in l: 16");
        assert_eq!(
            message("l:\n  2001-01-01: x\n"),
            "non-string key in l: time.Date(2001, time.January, 1, 0, 0, 0, 0, time.UTC)"
        );
    }

    #[test]
    fn tagged_string_keys_are_strings() {
        assert_eq!(
            json("l:\n  !!str 1: a\n  \"2\": b\n")["l"],
            serde_json::json!({"1": "a", "2": "b"})
        );
    }

    #[test]
    fn yaml_errors_come_before_non_string_keys() {
        assert_eq!(
            message("1: a\nb: !!int x\n"),
            "yaml: cannot decode !!str `x` as a !!int"
        );
    }

    #[test]
    fn collection_key_is_an_invalid_map_key() {
        assert_eq!(
            message("l:\n  [a, b]: 1\n"),
            "yaml: invalid map key: []interface {}{\"a\", \"b\"}"
        );
        assert_eq!(
            message("a: &a {x: 1}\nl:\n  *a : 1\n"),
            "yaml: invalid map key: map[string]interface {}{\"x\":1}"
        );
    }

    #[test]
    fn duplicate_key_names_both_lines() {
        let e = error("services:\n  s:\n    image: a\n    image: b\n");
        assert_eq!(
            e.message,
            "line 4: mapping key \"image\" already defined at line 3"
        );
        assert_eq!(e.kind, ErrorKind::Yaml);
        let mark = e.mark.unwrap();
        assert_eq!((mark.line, mark.column), (4, 5));
    }

    #[test]
    fn duplicate_keys_inside_override_are_unmarshal_errors() {
        assert_eq!(
            message("x: !override\n  a: 1\n  a: 2\n  a: 3\n"),
            "yaml: unmarshal errors:\n  line 3: mapping key \"a\" already defined at line 2\n  line 4: mapping key \"a\" already defined at line 2\n  line 4: mapping key \"a\" already defined at line 3"
        );
    }

    #[test]
    fn syntax_errors_read_like_yaml_v3() {
        let cases = [
            (
                "services:\n  s:\n    image: \"abc\n",
                "yaml: line 3: found unexpected end of stream",
            ),
            (
                "services:\n  s:\n    image: \"a\\qb\"\n",
                "yaml: line 3: found unknown escape character",
            ),
            (
                "services:\n  s:\n    image: a\n   foo: b\n",
                "yaml: line 1: did not find expected key",
            ),
            (
                "services:\n  s:\n    image: a\n  foo\n",
                "yaml: line 4: could not find expected ':'",
            ),
            (
                "a:\n  b: 1\n c: 2\n",
                "yaml: line 2: did not find expected key",
            ),
            (
                "a: b: c\n",
                "yaml: mapping values are not allowed in this context",
            ),
            (
                "a:\n  - b\n  c: d\n",
                "yaml: line 1: did not find expected '-' indicator",
            ),
            (
                "services\n  s:\n    image: a\n",
                "yaml: line 2: mapping values are not allowed in this context",
            ),
            (
                "services:\n  s:\n\timage: a\n",
                "yaml: line 3: found character that cannot start any token",
            ),
            (
                "services:\n  s: {\n",
                "yaml: line 2: did not find expected node content",
            ),
            (
                "services:\n  s: [a, b\n",
                "yaml: line 1: did not find expected ',' or ']'",
            ),
            (
                "services: {a: 1, b\n",
                "yaml: line 1: did not find expected ',' or '}'",
            ),
            ("services: ]\n", "yaml: did not find expected node content"),
            ("a: [1, 2]]\n", "yaml: did not find expected key"),
            (
                "a: @foo\n",
                "yaml: found character that cannot start any token",
            ),
            (
                "a: |\n  x\n y: 1\n",
                "yaml: line 2: did not find expected key",
            ),
            ("a: !<x 1\n", "yaml: did not find the expected '>'"),
            ("a: !e!foo 1\n", "yaml: found undefined tag handle"),
            (
                "- a\nb: c\n",
                "yaml: line 1: did not find expected '-' indicator",
            ),
            (
                "a: \"\\x4\"\n",
                "yaml: did not find expected hexdecimal number",
            ),
            (
                "a:\n  b\n  c: d\n",
                "yaml: line 3: mapping values are not allowed in this context",
            ),
        ];
        for (text, want) in cases {
            let e = error(text);
            assert_eq!(e.message, want, "{text:?}");
            assert_eq!(e.kind, ErrorKind::Yaml);
            assert!(e.mark.is_some_and(|m| m.is_known()), "{text:?}");
        }
    }

    #[test]
    fn tab_after_colon_separates_like_a_space() {
        assert_eq!(
            json("a:\tb\nc:\t\t1\n"),
            serde_json::json!({"a": "b", "c": 1})
        );
        assert_eq!(json("a: \"x:\\tb\"\n"), serde_json::json!({"a": "x:\tb"}));
    }

    #[test]
    fn crlf_line_ends_and_bom_are_accepted() {
        let root = doc("\u{feff}a: 1\r\nb:\r\n  - x\r\nc: |\r\n  l1\r\n  l2\r\n");
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": 1, "b": ["x"], "c": "l1\nl2\n"})
        );
        assert_eq!(root.get("c").unwrap().mark.line, 4);
    }

    #[test]
    fn error_in_a_later_document_fails_the_file() {
        assert_eq!(
            message("a: 1\n---\nb: !!int x\n"),
            "yaml: cannot decode !!str `x` as a !!int"
        );
    }

    #[test]
    fn tagged_quoted_merge_key_merges() {
        assert_eq!(
            json("x: {!!merge \"<<\": {a: 1}}\n")["x"],
            serde_json::json!({"a": 1})
        );
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflow() {
        let flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&flow).is_err());
        let mut block = String::new();
        for depth in 0..1500 {
            block.push_str(&" ".repeat(depth));
            block.push_str("a:\n");
        }
        assert_eq!(
            error(&block).message,
            "yaml: line 1001: exceeded max depth of 1000"
        );
        let dashes = format!("{} x\n", "- ".repeat(5000));
        assert!(parse(&dashes).is_err());
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        let mut block = String::new();
        for depth in 0..MAX_DEPTH - 1 {
            block.push_str(&" ".repeat(depth));
            block.push_str("a:\n");
        }
        let root = doc(&block);
        let mut node = &root;
        let mut levels = 0;
        while let Some(next) = node.get("a") {
            node = next;
            levels += 1;
        }
        assert_eq!(levels, MAX_DEPTH - 1);
    }

    #[test]
    fn alias_expansion_depth_is_capped() {
        let mut text = String::from("a0: &a0 [x]\n");
        for i in 1..40 {
            let inner = format!("{}*a{}{}", "[".repeat(40), i - 1, "]".repeat(40));
            text.push_str(&format!("a{i}: &a{i} {inner}\n"));
        }
        assert!(message(&text).contains("exceeded max depth"));
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let cases = [
            "a: \"unterminated\n",
            "a: 'unterminated\n",
            "a:\n  b: 1\n c: 2\n",
            "a:\n\tb: 1\n",
            "{",
            "[",
            "a: {b: [}\n",
            "*undefined\n",
            "a: *undefined\n",
            "a: &a [*a]\n",
            "a: &a {b: *a}\n",
            "? [a]\n: b\n",
            "a: b\n- c\n",
            "a: !!int x\n",
            "a: {<<: 1}\n",
            "a: 1\na: 2\n",
            "1: a\n",
            "a: |\n  x\n y\n",
            "%YAML 1.2\n%YAML 1.2\n---\na: 1\n",
            "a: \"\\uZZZZ\"\n",
            "a: &\n",
            "--- a\n--- b\n...\nc: [\n",
        ];
        for text in cases {
            assert!(parse(text).is_err(), "{text:?} should fail");
        }
    }

    #[test]
    fn random_mutations_never_panic() {
        let base = "name: app\nx-base: &base\n  image: \"nginx:1\"\n  environment:\n    A: 1\n    B: 'two'\nservices:\n  web:\n    <<: *base\n    ports: !reset [\"80:80\", 443]\n    command: [sh, -c, \"echo hi\"]\n    labels: {a: b, c: d}\n    healthcheck:\n      test: |\n        curl -f http://x\n  db: !override\n    image: postgres # comment\n    volumes:\n      - ./data:/var/lib\n---\nother: *base\n";
        let alphabet: Vec<char> = "{}[]:-&*!|>'\"\t\n #,?%@<=~\\ab1.é".chars().collect();
        let chars: Vec<char> = base.chars().collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..3000 {
            let mut text = chars.clone();
            for _ in 0..1 + next(4) {
                let at = next(text.len());
                match next(3) {
                    0 => {
                        text.remove(at);
                    }
                    1 => text.insert(at, alphabet[next(alphabet.len())]),
                    _ => text[at] = alphabet[next(alphabet.len())],
                }
            }
            let text: String = text.into_iter().collect();
            let _ = parse(&text);
        }
    }

    #[test]
    fn large_files_parse_in_one_pass() {
        let mut text = String::from(
            "x-common: &common\n  restart: always\n  environment:\n    A: '1'\nservices:\n",
        );
        for i in 0..3000 {
            text.push_str(&format!(
                "  svc{i}:\n    <<: *common\n    image: \"registry/app{i}:1.0\"\n    ports:\n      - \"{}:80\"\n    labels:\n      tier: web\n      index: \"{i}\"\n",
                8000 + i
            ));
        }
        let started = std::time::Instant::now();
        let root = doc(&text);
        let elapsed = started.elapsed();
        let services = root.get("services").unwrap().as_map().unwrap();
        assert_eq!(services.len(), 3000);
        assert_eq!(
            services["svc7"].get("restart").unwrap().value,
            str_value("always")
        );
        // Generous even for unoptimized builds; quadratic behaviour would blow it.
        assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
    }
}
