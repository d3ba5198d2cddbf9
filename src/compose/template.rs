//! Variable substitution in one string, exactly as compose-go's `template` package does it.
//!
//! Compose finds substitutions with one regular expression,
//! `\$(?i:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|()))`, and this module
//! reproduces what that expression and the code around it do, quirks included:
//!
//! - `$$` is a literal `$`; `$NAME` and `${NAME}` are plain lookups; a `$` followed by anything
//!   else (`$1`, `$-`, a trailing `$`) is left as it is.
//! - The name is ASCII letters, digits and `_` (not starting with a digit), plus `ſ` (U+017F)
//!   and `K` (U+212A), which Go's case-insensitive matching folds onto `s` and `k`.
//! - With an operator (`:-`, `-`, `:?`, `?`, `:+`, `+`), the match runs greedily to the last `}`
//!   of the line; it is then cut at the `}` that balances the first `{`, and what follows the
//!   cut is substituted on its own and appended.
//! - The text after the operator is substituted before the variable is looked up, so a
//!   default's own unset variables warn (and its required variables fail) even when the
//!   variable is set.
//! - `${` that matches nothing else is an invalid template; the error keeps the string in
//!   which the `${` was found (the whole value, a default, or the text after a cut).
//! - After an error, the remaining substitutions still run (so their warnings still happen),
//!   and the first error is the one returned.

/// Nesting of defaults deeper than this is refused instead of exhausting the stack.
const MAX_NESTING: usize = 256;

/// Why a substitution failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `$` starts something that is not a valid substitution (`${`, `${ VAR}`, `${VAR`...).
    /// `template` is the string in which it was found. Compose reports it as
    /// `invalid interpolation format for <path>.\nYou may need to escape any $ with another
    /// $.\n<template>` (see [`TemplateError::at_path`]); `Display` gives the part after the path.
    #[error("You may need to escape any $ with another $.\n{template}")]
    InvalidFormat { template: String },
    /// `${VAR:?message}` or `${VAR?message}` with the variable missing (or empty for `:?`).
    #[error("{}", required_message(.variable, .message))]
    Required { variable: String, message: String },
}

fn required_message(variable: &str, message: &str) -> String {
    if message.is_empty() {
        format!("required variable {variable} is missing a value")
    } else {
        format!("required variable {variable} is missing a value: {message}")
    }
}

impl TemplateError {
    fn invalid() -> Self {
        TemplateError::InvalidFormat {
            template: String::new(),
        }
    }

    /// The message Compose prints when interpolating the value at `path` (e.g.
    /// `services.web.image`) fails.
    pub fn at_path(&self, path: &str) -> String {
        match self {
            TemplateError::InvalidFormat { template } => format!(
                "invalid interpolation format for {path}.\nYou may need to escape any $ with \
                 another $.\n{template}"
            ),
            TemplateError::Required { .. } => format!("error while interpolating {path}: {self}"),
        }
    }

    /// The message of compose-go's template error itself, as it shows when no path is added
    /// (in `.env` files): `Invalid template: "${"` or `required variable X is missing a value`.
    pub fn go_message(&self) -> String {
        match self {
            TemplateError::InvalidFormat { template } => {
                format!("Invalid template: {}", go_quote(template))
            }
            TemplateError::Required { .. } => self.to_string(),
        }
    }
}

/// A variable a string refers to, as `docker compose config --variables` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// The text after `:-` or `-` (not substituted).
    pub default_value: String,
    /// The text after `:+` or `+` (not substituted).
    pub presence_value: String,
    /// True for `:?` and `?`.
    pub required: bool,
}

/// Substitutes variables in `input`. `lookup` returns a variable's value; `on_unset` is called
/// with the name of every variable that is unset and used without a default (Compose warns
/// `The "X" variable is not set. Defaulting to a blank string.` for each), in order.
///
/// A string without `$` is returned as a copy without being scanned further; callers that
/// want to avoid even that copy can test `input.contains('$')` first.
pub fn substitute(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    on_unset: &mut dyn FnMut(&str),
) -> Result<String, TemplateError> {
    if !input.contains('$') {
        return Ok(input.to_owned());
    }
    let mut ctx = Ctx {
        lookup,
        on_unset,
        depth: 0,
    };
    ctx.substitute(input)
}

/// True when `input` holds something `substitute` would act on.
pub fn has_substitution(input: &str) -> bool {
    let mut pos = 0;
    find_match(input, &mut pos).is_some()
}

/// The variables `input` refers to, in compose-go's order (a later entry for the same name
/// replaces an earlier one when they are collected into a map). Escaped `$$` is skipped; an
/// invalid `${` yields a variable with an empty name, as in Compose.
pub fn variables(input: &str) -> Vec<Variable> {
    let mut out = Vec::new();
    extract_variables(input, &mut out, 0);
    out
}

// ---------------------------------------------------------------------------------------------
// Matching

/// What a `$` starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    /// `$$`.
    Escaped,
    /// `$NAME`.
    Named(&'a str),
    /// `${...}`: the text between the braces (name, operator and argument).
    Braced(&'a str),
    /// `${` not followed by a valid substitution.
    Invalid,
}

/// One match: `s[start..end]`.
#[derive(Debug, Clone, Copy)]
struct Found<'a> {
    start: usize,
    end: usize,
    kind: Kind<'a>,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '\u{17F}' || c == '\u{212A}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

/// Byte length of the variable name at the start of `s` (0 when there is none).
fn name_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return 0,
    }
    chars
        .find(|&(_, c)| !is_name_char(c))
        .map_or(s.len(), |(i, _)| i)
}

/// Byte length of the operator at the start of `s`: 2 for `:-` `:+` `:?`, 1 for `-` `+` `?`.
fn operator_len(s: &str) -> usize {
    let b = s.as_bytes();
    match b {
        [b':', b'-' | b'+' | b'?', ..] => 2,
        [b'-' | b'+' | b'?', ..] => 1,
        _ => 0,
    }
}

/// The match the expression makes at `s[i..]`, where `s[i]` is `$`.
fn match_at(s: &str, i: usize) -> Option<Found<'_>> {
    let after = &s[i + 1..];
    if after.starts_with('$') {
        return Some(Found {
            start: i,
            end: i + 2,
            kind: Kind::Escaped,
        });
    }
    let n = name_len(after);
    if n > 0 {
        return Some(Found {
            start: i,
            end: i + 1 + n,
            kind: Kind::Named(&after[..n]),
        });
    }
    if !after.starts_with('{') {
        return None;
    }
    let inner_start = i + 2;
    let inner = &s[inner_start..];
    let n = name_len(inner);
    if n > 0 {
        let op = operator_len(&inner[n..]);
        if op > 0 {
            // `(.*)}`: greedy up to the last `}` before the end of the line.
            let arg = &inner[n + op..];
            let line = arg.find('\n').map_or(arg, |nl| &arg[..nl]);
            if let Some(close) = line.rfind('}') {
                let content_len = n + op + close;
                return Some(Found {
                    start: i,
                    end: inner_start + content_len + 1,
                    kind: Kind::Braced(&inner[..content_len]),
                });
            }
        } else if inner[n..].starts_with('}') {
            return Some(Found {
                start: i,
                end: inner_start + n + 1,
                kind: Kind::Braced(&inner[..n]),
            });
        }
    }
    Some(Found {
        start: i,
        end: inner_start,
        kind: Kind::Invalid,
    })
}

/// The next match at or after `*pos`; moves `*pos` past the `$` signs that match nothing.
fn find_match<'a>(s: &'a str, pos: &mut usize) -> Option<Found<'a>> {
    while let Some(off) = s[*pos..].find('$') {
        let i = *pos + off;
        if let Some(found) = match_at(s, i) {
            return Some(found);
        }
        *pos = i + 1;
    }
    *pos = s.len();
    None
}

/// Index of the `}` that closes the first `{` of `s`, counting braces the way compose-go does
/// (the character right after each `{` is skipped), or `None`.
fn closing_brace_index(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut open = 0i64;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if b[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// The six operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    RequiredNonEmpty,
    Required,
    DefaultNonEmpty,
    Default,
    IfNonEmpty,
    IfSet,
}

impl Op {
    /// Splits braced content into name, operator and argument; `None` for a bare name.
    ///
    /// compose-go picks the operator whose text first occurs anywhere in the match and splits
    /// the content at its first occurrence. A name holds no operator character, so that is
    /// always the operator right after the name, which is what this reads.
    fn split(content: &str) -> Option<(&str, Op, &str)> {
        let n = name_len(content);
        let after = &content[n..];
        let op = match after.as_bytes() {
            [b':', b'?', ..] => Op::RequiredNonEmpty,
            [b'?', ..] => Op::Required,
            [b':', b'-', ..] => Op::DefaultNonEmpty,
            [b'-', ..] => Op::Default,
            [b':', b'+', ..] => Op::IfNonEmpty,
            [b'+', ..] => Op::IfSet,
            _ => return None,
        };
        Some((&content[..n], op, &after[operator_len(after)..]))
    }
}

// ---------------------------------------------------------------------------------------------
// Substitution

struct Ctx<'l, 'u> {
    lookup: &'l dyn Fn(&str) -> Option<String>,
    on_unset: &'u mut dyn FnMut(&str),
    depth: usize,
}

/// One string being substituted: the value itself, or the text after a cut (`rest`), which
/// compose-go substitutes as a string of its own. Rests are handled with this explicit stack
/// rather than by recursion so that a long line of `${A:-x}${B:-y}...` cannot overflow.
struct Frame<'a> {
    /// The string, for the error message of an invalid `${` found directly in it.
    template: &'a str,
    /// Where the string ends in the scanned text.
    end: usize,
    /// Text to put before this frame's output when it completes (the value before the cut).
    prefix: String,
    out: String,
    error: Option<TemplateError>,
}

impl<'a> Frame<'a> {
    fn new(template: &'a str, end: usize, prefix: String) -> Self {
        Frame {
            template,
            end,
            prefix,
            out: String::with_capacity(template.len()),
            error: None,
        }
    }

    /// Records a failed replacement: compose-go replaces it with "" and keeps the first error,
    /// giving an invalid-template error the string being substituted.
    fn fail(&mut self, mut err: TemplateError) {
        if let TemplateError::InvalidFormat { template } = &mut err {
            if template.is_empty() {
                *template = self.template.to_owned();
            }
        }
        if self.error.is_none() {
            self.error = Some(err);
        }
    }
}

/// What a match is replaced with.
enum Replacement<'a> {
    Text(String),
    /// The value before the cut, and the text after it, still to be substituted.
    Cut(String, &'a str),
}

impl Ctx<'_, '_> {
    /// Substitutes a whole string (compose-go's `Substitute`): the value, or a default,
    /// message or replacement text.
    fn substitute(&mut self, template: &str) -> Result<String, TemplateError> {
        if !template.contains('$') {
            return Ok(template.to_owned());
        }
        if self.depth >= MAX_NESTING {
            return Err(TemplateError::InvalidFormat {
                template: template.to_owned(),
            });
        }
        self.depth += 1;
        let result = self.substitute_frames(template);
        self.depth -= 1;
        result
    }

    fn substitute_frames(&mut self, text: &str) -> Result<String, TemplateError> {
        let mut frames = vec![Frame::new(text, text.len(), String::new())];
        // `pos` is where scanning resumes, `literal` where the text not yet copied starts.
        let mut pos = 0;
        let mut literal = 0;
        while let Some(top) = frames.last_mut() {
            let region = &text[..top.end];
            if let Some(found) = find_match(region, &mut pos) {
                top.out.push_str(&text[literal..found.start]);
                pos = found.end;
                literal = found.end;
                match self.replace(&text[found.start..found.end], found.kind) {
                    Ok(Replacement::Text(value)) => top.out.push_str(&value),
                    Ok(Replacement::Cut(value, "")) => top.out.push_str(&value),
                    Ok(Replacement::Cut(value, rest)) => {
                        // The rest is the tail of the match: scan it as a string of its own.
                        let rest_start = found.end - rest.len();
                        frames.push(Frame::new(rest, found.end, value));
                        pos = rest_start;
                        literal = rest_start;
                    }
                    Err(err) => top.fail(err),
                }
                continue;
            }
            top.out.push_str(&text[literal..top.end]);
            literal = top.end;
            let Some(done) = frames.pop() else { break };
            match (frames.last_mut(), done.error) {
                (None, None) => return Ok(done.out),
                (None, Some(err)) => return Err(err),
                (Some(parent), Some(err)) => parent.fail(err),
                (Some(parent), None) => {
                    parent.out.push_str(&done.prefix);
                    parent.out.push_str(&done.out);
                }
            }
        }
        Ok(String::new())
    }

    /// The replacement of one match `m` (compose-go's `DefaultReplacementAppliedFunc`).
    fn replace<'a>(
        &mut self,
        m: &'a str,
        kind: Kind<'a>,
    ) -> Result<Replacement<'a>, TemplateError> {
        if kind == Kind::Escaped {
            return Ok(Replacement::Text("$".to_owned()));
        }
        let (cut, rest) = match closing_brace_index(m) {
            Some(c) => (&m[..=c], &m[c + 1..]),
            None => (m, ""),
        };
        let mut pos = 0;
        match find_match(cut, &mut pos).map(|f| f.kind) {
            Some(Kind::Escaped) => Ok(Replacement::Text("$".to_owned())),
            Some(Kind::Named(name)) => Ok(Replacement::Text(self.plain(name))),
            Some(Kind::Braced(content)) => {
                if let Some((name, op, arg)) = Op::split(content) {
                    let value = self.apply(op, name, arg)?;
                    return Ok(Replacement::Cut(value, rest));
                }
                Ok(Replacement::Text(self.plain(content)))
            }
            Some(Kind::Invalid) | None => Err(TemplateError::invalid()),
        }
    }

    /// A lookup without operator: unset gives "" and a warning.
    fn plain(&mut self, name: &str) -> String {
        match (self.lookup)(name) {
            Some(value) => value,
            None => {
                (self.on_unset)(name);
                String::new()
            }
        }
    }

    /// `${name<op>arg}`. The argument is substituted first, whatever the variable's value.
    fn apply(&mut self, op: Op, name: &str, arg: &str) -> Result<String, TemplateError> {
        let arg = self.substitute(arg)?;
        let value = (self.lookup)(name);
        let set_non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let missing = || TemplateError::Required {
            variable: name.to_owned(),
            message: arg.clone(),
        };
        match op {
            Op::RequiredNonEmpty if set_non_empty => Ok(value.unwrap_or_default()),
            Op::RequiredNonEmpty => Err(missing()),
            Op::Required => value.ok_or_else(missing),
            Op::DefaultNonEmpty if set_non_empty => Ok(value.unwrap_or_default()),
            Op::DefaultNonEmpty => Ok(arg),
            Op::Default => Ok(value.unwrap_or(arg)),
            Op::IfNonEmpty if set_non_empty => Ok(arg),
            Op::IfNonEmpty => Ok(value.unwrap_or_default()),
            Op::IfSet if value.is_some() => Ok(arg),
            Op::IfSet => Ok(String::new()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Variable listing (compose-go's `extractVariable`)

fn extract_variables(s: &str, out: &mut Vec<Variable>, depth: usize) {
    if depth >= MAX_NESTING {
        return;
    }
    let mut pos = 0;
    while let Some(found) = find_match(s, &mut pos) {
        pos = found.end;
        let m = &s[found.start..found.end];
        let val = match found.kind {
            Kind::Escaped => continue,
            Kind::Named(name) => name,
            Kind::Invalid => "",
            Kind::Braced(content) => match closing_brace_index(m) {
                Some(i) if i > 0 => {
                    extract_variables(&m[i + 1..], out, depth + 1);
                    &m[2..i]
                }
                _ => content,
            },
        };
        let mut var = Variable {
            name: val.to_owned(),
            ..Variable::default()
        };
        let split = val.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
        if let Some(i) = split.filter(|&i| i > 0) {
            var.name = val[..i].to_owned();
            let rest = &val[i..];
            if rest.starts_with(":?") || rest.starts_with('?') {
                var.required = true;
            } else if let Some(d) = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-')) {
                var.default_value = d.to_owned();
            } else if let Some(p) = rest.strip_prefix(":+").or_else(|| rest.strip_prefix('+')) {
                var.presence_value = p.to_owned();
            }
        }
        let default_value = var.default_value.clone();
        let presence_value = var.presence_value.clone();
        out.push(var);
        if !default_value.is_empty() {
            extract_variables(&default_value, out, depth + 1);
        }
        if !presence_value.is_empty() {
            extract_variables(&presence_value, out, depth + 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Go's string quoting

/// `s` quoted as Go's `strconv.Quote` (and so `%q` and `%#v`) quotes it.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_is_print(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.IsPrint`, without the table of unassigned code points: controls, spaces
/// other than U+0020, format characters and private-use characters are not printable.
fn go_is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F | 0xE000..=0xF8FF
        | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variables of compose-go's template tests.
    fn env(name: &str) -> Option<String> {
        match name {
            "FOO" => Some("first".into()),
            "BAR" => Some(String::new()),
            "JSON" => Some(r#"{"json":2}"#.into()),
            _ => None,
        }
    }

    /// Substitutes with `env`, returning the result and the unset warnings.
    fn run(input: &str) -> (Result<String, TemplateError>, Vec<String>) {
        let mut unset = Vec::new();
        let result = substitute(input, &env, &mut |name| unset.push(name.to_owned()));
        (result, unset)
    }

    fn ok(input: &str) -> String {
        match run(input).0 {
            Ok(value) => value,
            Err(err) => panic!("{input:?} failed: {err}"),
        }
    }

    fn err(input: &str) -> TemplateError {
        match run(input).0 {
            Ok(value) => panic!("{input:?} gave {value:?}"),
            Err(err) => err,
        }
    }

    fn warnings(input: &str) -> Vec<String> {
        run(input).1
    }

    fn invalid(template: &str) -> TemplateError {
        TemplateError::InvalidFormat {
            template: template.into(),
        }
    }

    fn required(variable: &str, message: &str) -> TemplateError {
        TemplateError::Required {
            variable: variable.into(),
            message: message.into(),
        }
    }

    #[test]
    fn string_without_dollar_is_unchanged() {
        assert_eq!(ok("foo"), "foo");
        assert_eq!(ok(""), "");
    }

    #[test]
    fn double_dollar_is_a_literal_dollar() {
        assert_eq!(ok("$${foo}"), "${foo}");
        assert_eq!(ok("$$A ${FOO}$$"), "$A first$");
        assert_eq!(ok("$$$"), "$$");
    }

    #[test]
    fn dollar_not_starting_a_substitution_is_kept() {
        for s in ["a $ string", "^REGEX$", "$}", "$", "$1 $- $ "] {
            assert_eq!(ok(s), s);
        }
    }

    #[test]
    fn invalid_formats_are_errors() {
        for s in [
            "${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}", "${A:x}", "${1}",
        ] {
            assert_eq!(err(s), invalid(s), "{s}");
        }
    }

    #[test]
    fn unbraced_name_stops_at_first_non_name_character() {
        assert_eq!(ok("$FOO-bar"), "first-bar");
        assert_eq!(ok("$FOO.x"), "first.x");
        assert_eq!(warnings("$AB_1c $_x $Ab-"), ["AB_1c", "_x", "Ab"]);
    }

    #[test]
    fn go_case_folding_admits_long_s_and_kelvin_in_names() {
        let lookup = |name: &str| Some(format!("<{name}>"));
        let out = substitute("$ſ ${K} $ſK1", &lookup, &mut |_| {});
        assert_eq!(out.as_deref(), Ok("<ſ> <K> <ſK1>"));
    }

    #[test]
    fn unset_and_empty_without_default_give_empty() {
        assert_eq!(ok("This ${missing} var"), "This  var");
        assert_eq!(ok("This ${BAR} var"), "This  var");
        assert_eq!(ok("This $FOO var"), "This first var");
        assert_eq!(ok("This ${FOO} var"), "This first var");
    }

    #[test]
    fn unset_variable_warns_once_per_use() {
        assert_eq!(
            warnings("${missing} $missing ${BAR}"),
            ["missing", "missing"]
        );
    }

    #[test]
    fn default_when_unset_or_empty() {
        assert_eq!(ok("ok ${missing:-def}"), "ok def");
        assert_eq!(ok("ok ${missing-def}"), "ok def");
        assert_eq!(ok("ok ${BAR:-def}"), "ok def");
        assert_eq!(ok("ok ${BAR-def}"), "ok ");
        assert_eq!(ok("ok ${FOO:-def}"), "ok first");
        assert_eq!(ok("ok ${BAR:-/non:-alphanumeric}"), "ok /non:-alphanumeric");
        assert!(warnings("${missing:-def} ${missing-def}").is_empty());
    }

    #[test]
    fn presence_replacement() {
        assert_eq!(ok("ok ${UNSET_VAR:+presence_value}"), "ok ");
        assert_eq!(ok("ok ${UNSET_VAR+presence_value}"), "ok ");
        assert_eq!(ok("ok ${FOO:+presence_value}"), "ok presence_value");
        assert_eq!(ok("ok ${FOO+presence_value}"), "ok presence_value");
        assert_eq!(ok("ok ${BAR+presence_value}"), "ok presence_value");
        assert_eq!(ok("ok ${BAR:+presence_value}"), "ok ");
        assert!(warnings("${UNSET_VAR:+x}${UNSET_VAR+x}").is_empty());
    }

    #[test]
    fn outer_text_does_not_change_the_operator() {
        let cases = [
            ("-ok ${BAR:-defaultValue}", "-ok defaultValue"),
            ("+ok ${UNSET:-${BAR-defaultValue}}", "+ok "),
            ("-ok ${FOO:-defaultValue}", "-ok first"),
            (":-ok ${UNSET-defaultValue}", ":-ok defaultValue"),
            (":-ok ${BAR-defaultValue}", ":-ok "),
            (":?ok ${BAR-defaultValue}", ":?ok "),
            (":?ok ${BAR:-defaultValue}", ":?ok defaultValue"),
            (":+ok ${BAR:-defaultValue}", ":+ok defaultValue"),
            ("+ok ${BAR-defaultValue}", "+ok "),
            ("?ok ${BAR:-defaultValue}", "?ok defaultValue"),
        ];
        for (input, expected) in cases {
            assert_eq!(ok(input), expected, "{input}");
        }
    }

    #[test]
    fn defaults_are_substituted() {
        let cases = [
            ("ok ${UNSET_VAR-$FOO}", "ok first"),
            ("ok ${UNSET_VAR-${FOO}}", "ok first"),
            ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
            ("ok ${BAR:-$FOO}", "ok first"),
            ("ok ${BAR:-${FOO}}", "ok first"),
            ("ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
            ("ok ${BAR+$FOO}", "ok first"),
            ("ok ${BAR+$FOO ${FOO:+second}}", "ok first second"),
            ("${A:-${B:-${FOO}}}", "first"),
        ];
        for (input, expected) in cases {
            assert_eq!(ok(input), expected, "{input}");
        }
    }

    #[test]
    fn default_is_substituted_even_when_the_variable_is_set() {
        assert_eq!(ok("${FOO:-${nope}}"), "first");
        assert_eq!(warnings("${FOO:-${nope}}"), ["nope"]);
        assert_eq!(err("${FOO:-${B:?err}}"), required("B", "err"));
    }

    #[test]
    fn curly_braces_in_defaults() {
        assert_eq!(ok(r#"ok ${missing:-{"json":1}}"#), r#"ok {"json":1}"#);
        assert_eq!(ok(r#"ok ${missing-{"json":1}}"#), r#"ok {"json":1}"#);
        assert_eq!(ok(r#"ok ${JSON:-{"json":1}}"#), r#"ok {"json":2}"#);
        assert_eq!(ok(r#"ok ${JSON-{"json":1}}"#), r#"ok {"json":2}"#);
        // The character after each `{` is skipped when counting, so `{}` does not close.
        assert_eq!(ok("${A:-{}x}"), "{}x");
    }

    #[test]
    fn text_after_the_balancing_brace_is_substituted_separately() {
        assert_eq!(ok("${FOO:-x}y}"), "firsty}");
        assert_eq!(ok("${FOO:-$}}"), "first}");
        assert_eq!(ok("${FOO:-}}"), "first}");
        assert_eq!(ok("${A:-a}b}c"), "ab}c");
        assert_eq!(ok("${A:-${B}} and ${C}"), " and ");
        assert_eq!(warnings("${A:-${B}} and ${C}"), ["B", "C"]);
        assert_eq!(ok("${A}-${B:-x}"), "-x");
        assert_eq!(ok("${A:-x}${B:-y}"), "xy");
        assert_eq!(ok("${FOO+${U}}x"), "x");
        assert_eq!(ok("${SUBDOMAIN:-redis}.${FOO:?}"), "redis.first");
    }

    #[test]
    fn operator_is_the_first_one_after_the_name() {
        assert_eq!(
            err("${UNSET_VAR?bar-baz}"),
            required("UNSET_VAR", "bar-baz")
        );
        assert_eq!(ok("${UNSET_VAR-myerror?msg}"), "myerror?msg");
        assert_eq!(ok("${FOO?bar-baz}"), "first");
        assert_eq!(ok("${A-x:-y}"), "x:-y");
        assert_eq!(ok("${FOO-x:-y}"), "first");
    }

    #[test]
    fn required_variable_errors() {
        let cases = [
            (
                "not ok ${UNSET_VAR:?Mandatory Variable Unset}",
                "UNSET_VAR",
                "Mandatory Variable Unset",
            ),
            (
                "not ok ${BAR:?Mandatory Variable Empty}",
                "BAR",
                "Mandatory Variable Empty",
            ),
            ("not ok ${UNSET_VAR:?}", "UNSET_VAR", ""),
            (
                "not ok ${UNSET_VAR?Mandatory Variable Unset}",
                "UNSET_VAR",
                "Mandatory Variable Unset",
            ),
            ("not ok ${UNSET_VAR?}", "UNSET_VAR", ""),
            (
                "not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}",
                "UNSET_VAR",
                "Mandatory Variable first",
            ),
            (
                "not ok ${UNSET_VAR?Mandatory Variable ${FOO}}",
                "UNSET_VAR",
                "Mandatory Variable first",
            ),
        ];
        for (input, variable, message) in cases {
            assert_eq!(err(input), required(variable, message), "{input}");
        }
    }

    #[test]
    fn required_variable_present() {
        assert_eq!(ok("ok ${FOO:?err}"), "ok first");
        assert_eq!(ok("ok ${FOO?err}"), "ok first");
        assert_eq!(ok("ok ${BAR?err}"), "ok ");
    }

    #[test]
    fn required_error_messages_match_compose() {
        assert_eq!(
            required("ID", "ID variable must be set").to_string(),
            "required variable ID is missing a value: ID variable must be set"
        );
        assert_eq!(
            required("A", "").to_string(),
            "required variable A is missing a value"
        );
        assert_eq!(
            required("ID", "ID variable must be set").at_path("services.test.image"),
            "error while interpolating services.test.image: required variable ID is missing \
             a value: ID variable must be set"
        );
    }

    #[test]
    fn invalid_format_messages_match_compose() {
        let e = invalid("${ B}");
        assert_eq!(
            e.at_path("services.s.labels.l"),
            "invalid interpolation format for services.s.labels.l.\nYou may need to escape any \
             $ with another $.\n${ B}"
        );
        assert_eq!(e.go_message(), r#"Invalid template: "${ B}""#);
        assert_eq!(
            e.to_string(),
            "You may need to escape any $ with another $.\n${ B}"
        );
    }

    #[test]
    fn invalid_error_keeps_the_string_it_was_found_in() {
        assert_eq!(err("${A:-x} ${"), invalid("${A:-x} ${"));
        assert_eq!(err("${A:-x} ${ }"), invalid(" ${ }"));
        assert_eq!(err("${A:-${B}x"), invalid("${B"));
        assert_eq!(err("${A:-${B:-x}"), invalid("${B:-x"));
    }

    #[test]
    fn default_cannot_span_lines() {
        assert_eq!(err("x${A:-a\nb}y"), invalid("x${A:-a\nb}y"));
        assert_eq!(ok("${A:-a}\nb}"), "a\nb}");
    }

    #[test]
    fn first_error_wins_and_later_substitutions_still_warn() {
        assert_eq!(
            err("${U1:?one} ${U2:?two}\n${U3:?three}"),
            required("U1", "one")
        );
        let (result, unset) = run("${U1:?one}\n$W1 ${");
        assert_eq!(result, Err(required("U1", "one")));
        assert_eq!(unset, ["W1"]);
    }

    #[test]
    fn failed_operator_skips_the_rest_of_its_match() {
        // `${B:?x} ${U}` is one match: the error stops before `${U}` is looked at.
        let (result, unset) = run("${B:?x} ${U}");
        assert_eq!(result, Err(required("B", "x")));
        assert!(unset.is_empty());
    }

    #[test]
    fn warnings_come_in_order() {
        assert_eq!(
            warnings("${U1} ${FOO:?x} ${U2} ${A:-$U3} ${U4:+$U5}"),
            ["U1", "U2", "U3", "U5"]
        );
        assert_eq!(warnings("${FOO:?must ${B}}"), ["B"]);
    }

    #[test]
    fn long_lines_of_cut_substitutions_do_not_recurse() {
        let input = "${A:-x}".repeat(5_000);
        assert_eq!(ok(&input), "x".repeat(5_000));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let input = format!("{}x{}", "${A:-".repeat(1000), "}".repeat(1000));
        assert!(matches!(err(&input), TemplateError::InvalidFormat { .. }));
        let input = format!("{}x{}", "${A:-".repeat(50), "}".repeat(50));
        assert_eq!(ok(&input), "x");
    }

    #[test]
    fn has_substitution_detects_matches_only() {
        assert!(!has_substitution("plain $ 1$"));
        assert!(has_substitution("$$"));
        assert!(has_substitution("${"));
        assert!(has_substitution("a$B"));
    }

    fn var(name: &str) -> Variable {
        Variable {
            name: name.into(),
            ..Variable::default()
        }
    }

    #[test]
    fn variables_lists_plain_references() {
        assert_eq!(variables("foo"), []);
        assert_eq!(variables("$bar"), [var("bar")]);
        assert_eq!(variables("$bar_1"), [var("bar_1")]);
        assert_eq!(variables("${bar}"), [var("bar")]);
        assert_eq!(variables("$$bar"), []);
        assert_eq!(variables("$docker:${project:-cli}")[0], var("docker"));
    }

    #[test]
    fn variables_lists_operators() {
        let required = Variable {
            required: true,
            ..var("bar")
        };
        assert_eq!(variables("${bar?:foo}"), std::slice::from_ref(&required));
        assert_eq!(variables("${bar?foo}"), [required]);
        let default = Variable {
            default_value: "foo".into(),
            ..var("bar")
        };
        assert_eq!(variables("${bar:-foo}"), std::slice::from_ref(&default));
        assert_eq!(variables("${bar-foo}"), [default]);
        let presence = Variable {
            presence_value: "foo".into(),
            ..var("bar")
        };
        assert_eq!(variables("${bar:+foo}"), std::slice::from_ref(&presence));
        assert_eq!(variables("${bar+foo}"), [presence]);
    }

    #[test]
    fn variables_follows_cuts_and_defaults() {
        assert_eq!(
            variables("${SUBDOMAIN:-redis}.${ROOTDOMAIN:?}"),
            [
                Variable {
                    required: true,
                    ..var("ROOTDOMAIN")
                },
                Variable {
                    default_value: "redis".into(),
                    ..var("SUBDOMAIN")
                },
            ]
        );
        assert_eq!(
            variables("${SUBDOMAIN:-$ROOTDOMAIN}"),
            [
                Variable {
                    default_value: "$ROOTDOMAIN".into(),
                    ..var("SUBDOMAIN")
                },
                var("ROOTDOMAIN"),
            ]
        );
    }

    #[test]
    fn variables_lists_the_cut_rest_before_its_own_variable() {
        // Collected into a map, the later entry wins: Compose shows A with default "x".
        let default = Variable {
            default_value: "x".into(),
            ..var("A")
        };
        assert_eq!(variables("${A:-x}${A}"), [var("A"), default]);
    }

    #[test]
    fn variables_reports_invalid_as_empty_name() {
        assert_eq!(variables("${"), [var("")]);
    }

    #[test]
    fn go_quote_escapes_like_strconv_quote() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\n\t\r\u{7}\u{0}\u{7f}"), r#""\n\t\r\a\x00\x7f""#);
        assert_eq!(go_quote("é ſ\u{a0}\u{feff}"), r#""é ſ\u00a0\ufeff""#);
        assert_eq!(go_quote("\u{10FFFD}"), r#""\U0010fffd""#);
    }
}
