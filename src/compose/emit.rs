//! `config` output: the project as YAML (yaml.v3's encoder with an indent of 2) or as
//! indented Go JSON, with every `$` escaped as `$$` like Docker Compose does.
//!
//! The YAML writer follows yaml.v3's choices: mapping keys of Go maps in its "natural"
//! order, struct fields in declaration order then inline `x-*` extensions, sequences
//! indented under their key, empty collections as `{}` / `[]`, and for strings the style
//! its encoder and emitter pick (plain unless the text would read as another type or holds
//! indicators, then single or double quotes; `|` blocks for multi-line text).

use std::cmp::Ordering;

use super::error::{ErrorKind, LoadError, Result};
use super::gojson;
use super::model::{Format, GoValue, Project};

/// `docker compose config` (YAML): what `Project.MarshalYAML` writes. `config` escapes `$`
/// as `$$` afterwards, unless interpolation is off.
pub fn project_to_yaml(project: &Project) -> String {
    to_yaml(&project.to_go(Format::Yaml))
}

/// `docker compose config --format json`: `Project.MarshalJSON` (indented), `$` unescaped.
/// Fails like Go's encoder on an `ssh` build key with a path.
pub fn project_to_json(project: &Project) -> Result<String> {
    if let Some(message) = project.json_error() {
        return Err(LoadError::new(ErrorKind::Schema, message));
    }
    let json = project.to_go(Format::Json).to_json();
    Ok(gojson::to_string_indent(&json))
}

/// A value encoded as one YAML document by yaml.v3 with `SetIndent(2)` (trailing newline
/// included, nothing escaped).
pub fn to_yaml(value: &GoValue) -> String {
    let mut e = Emitter::default();
    e.node(value, -1, false);
    // Document end: a final line break unless the last scalar already ended the line.
    e.write_indent(0);
    e.out
}

/// The emitter state that decides where line breaks and spaces go (libyaml's `column`,
/// `whitespace` and `indention`).
struct Emitter {
    out: String,
    column: i64,
    whitespace: bool,
    indention: bool,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
        }
    }
}

/// Scalar styles, in libyaml's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

const BEST_INDENT: i64 = 2;

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.indention = true;
    }

    fn write_indent(&mut self, indent: i64) {
        let indent = indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
    }

    fn write_indicator(&mut self, text: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in text.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    /// libyaml's `increase_indent`: the first level is 0 (or 2 for a root scalar), items of
    /// a sequence indent past the `- `, everything else by the indent step.
    fn increase_indent(parent: i64, in_sequence: bool, flow: bool) -> i64 {
        if parent < 0 {
            return if flow { BEST_INDENT } else { 0 };
        }
        if in_sequence {
            parent + 2
        } else {
            BEST_INDENT * ((parent + BEST_INDENT) / BEST_INDENT)
        }
    }

    /// Emits a node whose parent collection is at `parent` indent (`-1` for the root);
    /// `in_sequence` when the node is an item of a block sequence.
    fn node(&mut self, v: &GoValue, parent: i64, in_sequence: bool) {
        match v {
            GoValue::Seq(items) => self.sequence(items, parent, in_sequence),
            GoValue::Map(entries) => {
                let mut sorted: Vec<&(String, GoValue)> = entries.iter().collect();
                sorted.sort_by(|a, b| natural_cmp(&a.0, &b.0));
                self.mapping(&sorted, parent, in_sequence);
            }
            GoValue::Struct(fields, inline) => {
                let mut all: Vec<&(String, GoValue)> = fields.iter().collect();
                let mut ext: Vec<&(String, GoValue)> = inline.iter().collect();
                ext.sort_by(|a, b| natural_cmp(&a.0, &b.0));
                all.extend(ext);
                self.mapping(&all, parent, in_sequence);
            }
            scalar => {
                let (text, style) = scalar_text(scalar);
                self.scalar(&text, style, parent, in_sequence, false);
            }
        }
    }

    fn sequence(&mut self, items: &[GoValue], parent: i64, in_sequence: bool) {
        if items.is_empty() {
            self.write_indicator("[", true, true, false);
            self.write_indicator("]", false, false, false);
            return;
        }
        let indent = Self::increase_indent(parent, in_sequence, false);
        for item in items {
            self.write_indent(indent);
            self.write_indicator("-", true, false, true);
            self.node(item, indent, true);
        }
    }

    fn mapping(&mut self, entries: &[&(String, GoValue)], parent: i64, in_sequence: bool) {
        if entries.is_empty() {
            self.write_indicator("{", true, true, false);
            self.write_indicator("}", false, false, false);
            return;
        }
        let indent = Self::increase_indent(parent, in_sequence, false);
        for (key, value) in entries.iter().map(|e| (&e.0, &e.1)) {
            self.write_indent(indent);
            let style = string_style(key);
            let simple = key.len() <= 128 && !analyze(key).multiline;
            if simple {
                self.scalar(key, style, indent, false, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.scalar(key, style, indent, false, false);
                self.write_indent(indent);
                self.write_indicator(":", true, false, true);
            }
            self.node(value, indent, false);
        }
    }

    fn scalar(&mut self, text: &str, requested: Style, parent: i64, in_sequence: bool, key: bool) {
        let indent = Self::increase_indent(parent, in_sequence, true);
        match select_style(text, requested, key) {
            Style::Plain => self.write_plain(text, indent),
            Style::Single => self.write_single(text, indent),
            Style::Double => self.write_double(text),
            Style::Literal => self.write_literal(text, indent),
        }
    }

    fn write_plain(&mut self, text: &str, indent: i64) {
        if !text.is_empty() && !self.whitespace {
            self.put(' ');
        }
        let mut breaks = false;
        for c in text.chars() {
            if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
        if !text.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    fn write_single(&mut self, text: &str, indent: i64) {
        self.write_indicator("'", true, false, false);
        let mut breaks = false;
        for c in text.chars() {
            if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, text: &str) {
        self.write_indicator("\"", true, false, false);
        // libyaml checks for a byte order mark at the start of the value for every character.
        let bom = text.starts_with('\u{feff}');
        for c in text.chars() {
            if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let (prefix, width) = if v <= 0xff {
                            ('x', 2)
                        } else if v <= 0xffff {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(prefix);
                        for ch in format!("{v:0width$X}").chars() {
                            self.put(ch);
                        }
                    }
                }
            } else {
                self.put(c);
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, text: &str, indent: i64) {
        self.write_indicator("|", true, false, false);
        let first = text.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chars: Vec<char> = text.chars().collect();
        let chomp = match chars.last() {
            None => Some("-"),
            Some(&last) if !is_break(last) => Some("-"),
            Some(_) if chars.len() == 1 => Some("+"),
            Some(_) if is_break(chars[chars.len() - 2]) => Some("+"),
            Some(_) => None,
        };
        if let Some(hint) = chomp {
            self.write_indicator(hint, false, false, false);
        }
        // yaml.v3 >= 3.0.2 always breaks the line after the header (go-yaml issue 755).
        self.put_break();
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
            self.indention = true;
        }
    }
}

/// The text of a non-string scalar and of strings, with the style yaml.v3's encoder asks for.
fn scalar_text(v: &GoValue) -> (String, Style) {
    match v {
        GoValue::Null => ("null".into(), Style::Plain),
        GoValue::Bool(b) => (b.to_string(), Style::Plain),
        GoValue::Int(i) => (i.to_string(), Style::Plain),
        GoValue::Uint(u) => (u.to_string(), Style::Plain),
        GoValue::Float(f) => (yaml_float(*f, false), Style::Plain),
        GoValue::Float32(f) => (yaml_float(*f as f64, true), Style::Plain),
        GoValue::Str(s) => (s.clone(), string_style(s)),
        // Collections never reach here.
        GoValue::Seq(_) | GoValue::Map(_) | GoValue::Struct(..) => (String::new(), Style::Plain),
    }
}

fn yaml_float(f: f64, bits32: bool) -> String {
    match gojson::format_float_g(f, bits32).as_str() {
        "+Inf" => ".inf".into(),
        "-Inf" => "-.inf".into(),
        "NaN" => ".nan".into(),
        s => s.to_string(),
    }
}

/// yaml.v3's `stringv`: multi-line text as a literal block, text that would read back as
/// something else (or as a YAML 1.1 bool / base 60 float) double-quoted, else plain.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_to_string(s) && !is_base60_float(s) && !is_old_bool(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

/// libyaml's `select_scalar_style` for block context.
fn select_style(text: &str, requested: Style, simple_key: bool) -> Style {
    let a = analyze(text);
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (text.is_empty() && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::Double;
    }
    style
}

/// What libyaml's `analyze_scalar` finds out about a scalar (block context only).
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0a
        || (0x20..=0x7e).contains(&v)
        || (0xa0..=0xd7ff).contains(&v)
        || ((0xe000..=0xfffd).contains(&v) && v != 0xfeff)
}

fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let mut block_indicators = text.starts_with("---") || text.starts_with("...");
    let (mut line_breaks, mut special, mut tabs) = (false, false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = i == last || matches!(chars[i + 1], ' ' | '\t');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if c == '\t' {
            tabs = true;
        } else if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == last {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i == last {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = matches!(c, ' ' | '\t' | '\0') || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space || space_break || tabs || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// yaml.v3's `isOldBool`: YAML 1.1 booleans are quoted for older parsers.
fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// yaml.v3's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // `[0-5]?[0-9]`: one or two digits, the first of two at most 5.
        let d1 = i < b.len() && b[i].is_ascii_digit();
        let d2 = i + 1 < b.len() && b[i + 1].is_ascii_digit();
        if d1 && d2 && b[i] <= b'5' {
            i += 2;
        } else if d1 {
            i += 1;
        } else {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// True when yaml.v3's resolver reads the plain scalar as a string (not null, bool, int,
/// float or timestamp). Only scalars starting with a sign, a digit, `.` or one of
/// `yYnNtTfFoO~` are looked up at all, so `<<` stays a string.
fn resolves_to_string(s: &str) -> bool {
    if matches!(
        s,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    ) {
        return false;
    }
    let Some(first) = s.bytes().next() else {
        return false;
    };
    match first {
        b'.' => !is_go_float(s),
        b'0'..=b'9' | b'+' | b'-' => {
            if is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            !(is_go_int(&plain) || (is_yaml_style_float(&plain) && is_go_float(&plain)))
        }
        _ => true,
    }
}

/// `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeding (sign, `0x`, `0o`,
/// `0b`, legacy leading-zero octal).
fn is_go_int(s: &str) -> bool {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'+') | Some(b'-') => (Some(s.as_bytes()[0]), &s[1..]),
        _ => (None, s),
    };
    let (digits, radix) = if let Some(r) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (r, 8)
    } else if let Some(r) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (r, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    let Ok(magnitude) = u128::from_str_radix(digits, radix) else {
        return false;
    };
    match sign {
        Some(b'-') => magnitude <= 1u128 << 63,
        Some(_) => magnitude <= i64::MAX as u128,
        None => magnitude <= u64::MAX as u128,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` succeeding (decimal and special forms; also `1e400`, which
/// Go reports as out of range, is rejected).
fn is_go_float(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        return true;
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'))
    {
        return false;
    }
    s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// yaml.v3's timestamp forms: `YYYY-M-D`, optionally followed by `T`/`t`/space and a time
/// `H:M:S[.frac]`, with a `Z` or `±HH:MM` zone for the `T` forms.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    let num = |i: &mut usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        if *i == start {
            None
        } else {
            s[start..*i].parse().ok()
        }
    };
    let year: u32 = s[..4].parse().unwrap_or(0);
    let Some(month) = num(&mut i, 2) else {
        return false;
    };
    if i >= b.len() || b[i] != b'-' {
        return false;
    }
    i += 1;
    let Some(day) = num(&mut i, 2) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    let (Some(h), true) = (num(&mut i, 2), i < b.len() && b[i] == b':') else {
        return false;
    };
    i += 1;
    let (Some(m), true) = (num(&mut i, 2), i < b.len() && b[i] == b':') else {
        return false;
    };
    i += 1;
    let Some(sec) = num(&mut i, 2) else {
        return false;
    };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        let start = i + 1;
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    match &s[i..] {
        "Z" => true,
        zone => {
            let z = zone.as_bytes();
            z.len() == 6
                && (z[0] == b'+' || z[0] == b'-')
                && z[1..3].iter().all(u8::is_ascii_digit)
                && z[3] == b':'
                && z[4..6].iter().all(u8::is_ascii_digit)
        }
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// yaml.v3's key order for map keys (`keyList.Less` on strings): letters compare by code
/// point, runs of digits by numeric value, letters sort after digits except right after a
/// digit.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    if natural_less(a, b) {
        Ordering::Less
    } else if natural_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn natural_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut digits = false;
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            digits = ar[i].is_ascii_digit();
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if digits { al } else { bl };
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/cases");

    /// A canonical document: what `docker compose config --format json` printed for a small
    /// project, plus the models and `x-*` attributes JSON leaves out.
    const FIXTURE_IN: &str = r##"{"configs":{"conf":{"name":"yfix_conf","content":"key: value\nother: $$HOME\n"}},"name":"yfix","networks":{"back":{"name":"yfix_back","ipam":{}},"front":{"name":"yfix_front","ipam":{"config":[{"subnet":"10.0.0.0/24"}]},"x-net":1}},"secrets":{"token":{"name":"yfix_token","file":"/tmp/mdl/yfix/token.txt"}},"services":{"app":{"develop":{"watch":[{"path":"/src","action":"sync","target":"/app","exec":{"command":null}}]},"command":[],"configs":[{"source":"conf","target":"/conf","mode":"0440"}],"deploy":{"resources":{"limits":{"cpus":0.5}},"placement":{}},"entrypoint":null,"healthcheck":{"test":["CMD","true"],"interval":"1m30s","retries":0},"image":"busybox","labels":{"block":"line1\nline2\n","bool":"yes","colon":"a: b","dash":"- a","date":"2020-01-02","emoji":"😀","empty":"","html":"<b>&","keep":"x\n\n","lead":"\nlead","money":"$$5","n":"null","num":"08","plain":"a:b","quote":"it's","star":"*x","tab":"a\tb","time":"12:30"},"models":{"llm":{"endpoint_var":"URL"}},"networks":{"back":{},"front":{"aliases":["web"]}},"secrets":[{"source":"token","target":"/run/secrets/token"}],"ulimits":{"nofile":{"soft":1,"hard":2},"nproc":10},"volumes":[{"type":"volume","source":"data","target":"/data"},{"type":"tmpfs","target":"/t","tmpfs":{"size":"1024","mode":493}}],"x-svc":{"b":[1,2.5,true,null],"a":{}}}},"volumes":{"data":{"name":"yfix_data","x-vol":"v"}},"x-top":{"A":4,"a10":2,"a9":3,"b":1},"models":{"llm":{"model":"ai/smollm2"}}}"##;

    /// `docker compose config` (v2.40.3) for the same project.
    const FIXTURE_YAML: &str = r##"name: yfix
services:
  app:
    develop:
      watch:
        - path: /src
          action: sync
          target: /app
    command: []
    configs:
      - source: conf
        target: /conf
        mode: "0440"
    deploy:
      resources:
        limits:
          cpus: 0.5
    healthcheck:
      test:
        - CMD
        - "true"
      interval: 1m30s
      retries: 0
    image: busybox
    labels:
      block: |
        line1
        line2
      bool: "yes"
      colon: 'a: b'
      dash: '- a'
      date: "2020-01-02"
      emoji: "\U0001F600"
      empty: ""
      html: <b>&
      keep: |+
        x

      lead: |2-

        lead
      money: $$5
      "n": "null"
      num: "08"
      plain: a:b
      quote: it's
      star: '*x'
      tab: "a\tb"
      time: "12:30"
    models:
      llm:
        endpoint_var: URL
    networks:
      back: {}
      front:
        aliases:
          - web
    secrets:
      - source: token
        target: /run/secrets/token
    ulimits:
      nofile:
        soft: 1
        hard: 2
      nproc: 10
    volumes:
      - type: volume
        source: data
        target: /data
      - type: tmpfs
        target: /t
        tmpfs:
          size: "1024"
          mode: 493
    x-svc:
      a: {}
      b:
        - 1
        - 2.5
        - true
        - null
networks:
  back:
    name: yfix_back
  front:
    name: yfix_front
    ipam:
      config:
        - subnet: 10.0.0.0/24
    x-net: 1
volumes:
  data:
    name: yfix_data
    x-vol: v
secrets:
  token:
    name: yfix_token
    file: /tmp/mdl/yfix/token.txt
configs:
  conf:
    name: yfix_conf
    content: |
      key: value
      other: $$HOME
models:
  llm:
    model: ai/smollm2
x-top:
  A: 4
  a9: 3
  a10: 2
  b: 1
"##;

    /// `docker compose config --format json` for the same project.
    const FIXTURE_JSON: &str = r##"{
  "configs": {
    "conf": {
      "name": "yfix_conf",
      "content": "key: value\nother: $$HOME\n"
    }
  },
  "name": "yfix",
  "networks": {
    "back": {
      "name": "yfix_back",
      "ipam": {}
    },
    "front": {
      "name": "yfix_front",
      "ipam": {
        "config": [
          {
            "subnet": "10.0.0.0/24"
          }
        ]
      }
    }
  },
  "secrets": {
    "token": {
      "name": "yfix_token",
      "file": "/tmp/mdl/yfix/token.txt"
    }
  },
  "services": {
    "app": {
      "develop": {
        "watch": [
          {
            "path": "/src",
            "action": "sync",
            "target": "/app",
            "exec": {
              "command": null
            }
          }
        ]
      },
      "command": [],
      "configs": [
        {
          "source": "conf",
          "target": "/conf",
          "mode": "0440"
        }
      ],
      "deploy": {
        "resources": {
          "limits": {
            "cpus": 0.5
          }
        },
        "placement": {}
      },
      "entrypoint": null,
      "healthcheck": {
        "test": [
          "CMD",
          "true"
        ],
        "interval": "1m30s",
        "retries": 0
      },
      "image": "busybox",
      "labels": {
        "block": "line1\nline2\n",
        "bool": "yes",
        "colon": "a: b",
        "dash": "- a",
        "date": "2020-01-02",
        "emoji": "😀",
        "empty": "",
        "html": "\u003cb\u003e\u0026",
        "keep": "x\n\n",
        "lead": "\nlead",
        "money": "$$5",
        "n": "null",
        "num": "08",
        "plain": "a:b",
        "quote": "it's",
        "star": "*x",
        "tab": "a\tb",
        "time": "12:30"
      },
      "models": {
        "llm": {
          "endpoint_var": "URL"
        }
      },
      "networks": {
        "back": {},
        "front": {
          "aliases": [
            "web"
          ]
        }
      },
      "secrets": [
        {
          "source": "token",
          "target": "/run/secrets/token"
        }
      ],
      "ulimits": {
        "nofile": {
          "soft": 1,
          "hard": 2
        },
        "nproc": 10
      },
      "volumes": [
        {
          "type": "volume",
          "source": "data",
          "target": "/data"
        },
        {
          "type": "tmpfs",
          "target": "/t",
          "tmpfs": {
            "size": "1024",
            "mode": 493
          }
        }
      ]
    }
  },
  "volumes": {
    "data": {
      "name": "yfix_data"
    }
  },
  "x-top": {
    "A": 4,
    "a10": 2,
    "a9": 3,
    "b": 1
  }
}"##;

    fn decode(expected: &str) -> Project {
        let raw = expected.replace("$$", "$");
        let value: serde_json::Value = serde_json::from_str(&raw).expect("JSON parses");
        Project::from_json(value).expect("document decodes")
    }

    #[test]
    fn yaml_matches_compose() {
        assert_eq!(
            gojson::escape_dollars(&project_to_yaml(&decode(FIXTURE_IN))),
            FIXTURE_YAML
        );
    }

    #[test]
    fn json_matches_compose() {
        assert_eq!(
            gojson::escape_dollars(&project_to_json(&decode(FIXTURE_IN)).unwrap()),
            FIXTURE_JSON
        );
    }

    /// String values and how yaml.v3 printed them as a mapping value (Compose v2.40.3).
    const QUOTING: &[(&str, &str)] = &[
        ("", "\"\""),
        (" ", "' '"),
        ("  x", "'  x'"),
        ("x  ", "'x  '"),
        ("-", "'-'"),
        ("- ", "'- '"),
        ("-1", "\"-1\""),
        ("+1", "\"+1\""),
        ("--", "--"),
        ("---x", "'---x'"),
        ("...x", "'...x'"),
        ("#", "'#'"),
        ("a#b", "a#b"),
        ("a #b", "'a #b'"),
        ("a:", "'a:'"),
        ("a: b", "'a: b'"),
        (":", "':'"),
        ("::", "'::'"),
        ("?", "'?'"),
        ("? ", "'? '"),
        ("[", "'['"),
        ("]", "']'"),
        ("{x}", "'{x}'"),
        ("&a", "'&a'"),
        ("*a", "'*a'"),
        ("!", "'!'"),
        ("%", "'%'"),
        ("@", "'@'"),
        ("`", "'`'"),
        ("|", "'|'"),
        (">", "'>'"),
        ("'", "''''"),
        ("\"", "'\"'"),
        ("x\t", "\"x\\t\""),
        ("\tx", "\"\\tx\""),
        ("a\tb", "\"a\\tb\""),
        ("<<", "<<"),
        (
            "2001-12-14t21:59:43.10-05:00",
            "\"2001-12-14t21:59:43.10-05:00\"",
        ),
        ("2001-12-14 21:59:43.10", "\"2001-12-14 21:59:43.10\""),
        ("2001-12-14T21:59:43Z", "\"2001-12-14T21:59:43Z\""),
        ("2002-12-14", "\"2002-12-14\""),
        ("2002-13-14", "2002-13-14"),
        ("2002-02-30", "2002-02-30"),
        ("2024-02-29", "\"2024-02-29\""),
        ("2023-02-29", "2023-02-29"),
        ("20021214", "\"20021214\""),
        ("1:20", "\"1:20\""),
        ("1:2", "\"1:2\""),
        ("-1:20", "\"-1:20\""),
        ("1:20.5", "\"1:20.5\""),
        ("1:60", "1:60"),
        ("190:20:30", "\"190:20:30\""),
        ("1_000:20", "\"1_000:20\""),
        ("0o17", "\"0o17\""),
        ("0x1f", "\"0x1f\""),
        ("0X1F", "\"0X1F\""),
        ("0b101", "\"0b101\""),
        ("-0b101", "\"-0b101\""),
        ("0B1", "\"0B1\""),
        ("0755", "\"0755\""),
        ("0789", "\"0789\""),
        ("1e5", "\"1e5\""),
        ("1E+5", "\"1E+5\""),
        (".5", "\".5\""),
        ("-.5", "\"-.5\""),
        ("+.5", "\"+.5\""),
        ("5.", "\"5.\""),
        (".", "."),
        ("..", ".."),
        ("1.2.3", "1.2.3"),
        ("1e", "1e"),
        ("e1", "e1"),
        ("0.", "\"0.\""),
        ("00", "\"00\""),
        ("-0", "\"-0\""),
        ("+0", "\"+0\""),
        ("9223372036854775807", "\"9223372036854775807\""),
        ("9223372036854775808", "\"9223372036854775808\""),
        ("18446744073709551615", "\"18446744073709551615\""),
        ("18446744073709551616", "\"18446744073709551616\""),
        ("-9223372036854775808", "\"-9223372036854775808\""),
        ("-9223372036854775809", "\"-9223372036854775809\""),
        ("1_0", "\"1_0\""),
        ("_1", "_1"),
        ("1__0", "\"1__0\""),
        (".inf", "\".inf\""),
        (".Inf", "\".Inf\""),
        (".INF", "\".INF\""),
        ("+.inf", "\"+.inf\""),
        ("-.inf", "\"-.inf\""),
        (".NaN", "\".NaN\""),
        (".nan", "\".nan\""),
        ("inf", "inf"),
        ("nan", "nan"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("TRUE", "\"TRUE\""),
        ("True", "\"True\""),
        ("tRUE", "tRUE"),
        ("FALSE", "\"FALSE\""),
        ("Null", "\"Null\""),
        ("NULL", "\"NULL\""),
        ("nULL", "nULL"),
        ("~", "\"~\""),
        ("Y", "\"Y\""),
        ("y", "\"y\""),
        ("N", "\"N\""),
        ("n", "\"n\""),
        ("yes", "\"yes\""),
        ("NO", "\"NO\""),
        ("Off", "\"Off\""),
        ("oN", "oN"),
        ("a\u{2028}b", "'a\u{2028}        b'"),
        ("\u{2029}", "'\u{2029}'"),
        ("x\u{85}", "\"x\\N\""),
        ("\u{feff}bom", "\"\\uFEFF\\x62\\x6F\\x6D\""),
        ("café", "café"),
        ("\u{a0}", "\u{a0}"),
        ("x\u{a0}", "x\u{a0}"),
        ("\u{a0}x", "\u{a0}x"),
        ("\u{1f600}", "\"\\U0001F600\""),
        ("\u{1}", "\"\\x01\""),
        ("\u{7f}", "\"\\x7F\""),
        ("\u{9f}", "\"\\x9F\""),
        ("퟿", "퟿"),
        ("", ""),
        ("�", "�"),
        ("\u{fffe}", "\"\\uFFFE\""),
    ];

    #[test]
    fn strings_are_quoted_like_yaml_v3() {
        let nest = |key: &str, v: GoValue| GoValue::Map(vec![(key.to_string(), v)]);
        for (value, expected) in QUOTING {
            // Nested as deep as in the Compose output (continuation lines depend on it).
            let doc = nest(
                "s",
                nest(
                    "a",
                    nest("labels", nest("k", GoValue::Str(value.to_string()))),
                ),
            );
            let want = format!("s:\n  a:\n    labels:\n      k: {expected}\n");
            assert_eq!(to_yaml(&doc), want, "{value:?}");
        }
    }

    #[test]
    fn multi_line_strings_use_literal_blocks_with_chomping_hints() {
        let doc = GoValue::Map(vec![
            ("a".into(), GoValue::Str("x\ny".into())),
            ("b".into(), GoValue::Str("x\n".into())),
            ("c".into(), GoValue::Str("x\n\n".into())),
            ("d".into(), GoValue::Str(" x\ny".into())),
            ("e".into(), GoValue::Str("x \ny".into())),
        ]);
        assert_eq!(
            to_yaml(&doc),
            "a: |-\n  x\n  y\nb: |\n  x\nc: |+\n  x\n\nd: |2-\n   x\n  y\ne: \"x \\ny\"\n"
        );
    }

    #[test]
    fn sequences_are_indented_under_their_key() {
        let item = GoValue::Struct(
            vec![
                ("a".into(), GoValue::Int(1)),
                ("b".into(), GoValue::Seq(vec![GoValue::Str("x".into())])),
            ],
            vec![],
        );
        let doc = GoValue::Map(vec![(
            "k".into(),
            GoValue::Seq(vec![
                item,
                GoValue::Seq(vec![GoValue::Null]),
                GoValue::Seq(vec![]),
            ]),
        )]);
        assert_eq!(
            to_yaml(&doc),
            "k:\n  - a: 1\n    b:\n      - x\n  - - null\n  - []\n"
        );
    }

    #[test]
    fn long_keys_use_explicit_key_syntax() {
        let key = "k".repeat(129);
        let doc = GoValue::Map(vec![(key.clone(), GoValue::Str("v".into()))]);
        assert_eq!(to_yaml(&doc), format!("? {key}\n: v\n"));
    }

    #[test]
    fn map_keys_sort_naturally() {
        // The order yaml.v3 printed these keys in (Compose v2.40.3).
        let expected = vec![
            "", "-x", "_x", "0", "00", "1a", "9", "10", "B", "a\nb", "a1", "a1b2", "a1b10", "a01",
            "a001", "a9", "a09", "a10", "b", "x-9", "x-10", "x.9", "x.10", "z", "é",
        ];
        let mut keys = expected.clone();
        keys.reverse();
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, expected);
    }

    #[test]
    fn struct_extensions_follow_fields_sorted() {
        let doc = GoValue::Struct(
            vec![("z".into(), GoValue::Int(1))],
            vec![
                ("x-b".into(), GoValue::Int(2)),
                ("x-a".into(), GoValue::Int(3)),
            ],
        );
        assert_eq!(to_yaml(&doc), "z: 1\nx-a: 3\nx-b: 2\n");
    }

    #[test]
    fn dollars_are_escaped_in_both_formats() {
        let p = decode(r#"{"name":"p","services":{"s":{"image":"a$$b"}}}"#);
        assert!(gojson::escape_dollars(&project_to_yaml(&p)).contains("image: a$$b"));
        assert!(
            gojson::escape_dollars(&project_to_json(&p).unwrap()).contains("\"image\": \"a$$b\"")
        );
    }

    #[test]
    fn ssh_key_with_path_fails_json_but_not_yaml() {
        let p = decode(r#"{"services":{"s":{"build":{"context":".","ssh":{"k":"/p"}}}}}"#);
        assert!(project_to_json(&p).is_err());
        assert!(project_to_yaml(&p).contains("- 'k: /p'"));
    }

    /// Every corpus case Compose loads: decoding its `expected.json` and printing it again
    /// gives the same bytes (the model is lossless). Skipped when the corpus is absent.
    #[test]
    fn corpus_json_round_trips_exactly() {
        let Ok(dir) = std::fs::read_dir(CORPUS) else {
            return;
        };
        let mut failures = Vec::new();
        for entry in dir.flatten() {
            let path = entry.path();
            let rc = std::fs::read_to_string(path.join("expected.rc")).unwrap_or_default();
            let Ok(text) = std::fs::read_to_string(path.join("expected.json")) else {
                continue;
            };
            if rc.trim() != "0" {
                continue;
            }
            let expected = text.replace("@CASE_DIR@", &path.to_string_lossy());
            let out =
                gojson::escape_dollars(&project_to_json(&decode(&expected)).expect("marshals"));
            if out != expected {
                failures.push(entry.file_name().to_string_lossy().to_string());
            }
        }
        assert!(failures.is_empty(), "differs: {failures:?}");
    }
}
