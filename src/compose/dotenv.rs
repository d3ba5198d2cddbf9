//! `.env` and `env_file` parsing, exactly as compose-go's `dotenv` package (and, for
//! `format: raw`, docker/cli's `kvfile`, which Docker Compose registers under that name).
//!
//! The default syntax is not the dotenv crate's:
//!
//! - `KEY=value`, `KEY: value` and `export KEY=value`; keys are letters, digits, `_`, `.`,
//!   `-`, `[` and `]`; blanks around the key are dropped, a space inside it is an error.
//! - A bare `KEY` line takes the value the lookup gives, and is left out when it gives none.
//! - Unquoted values end at the line's end or at ` #`, and lose their trailing blanks.
//! - `'single'` quotes are literal; `"double"` quotes understand `\n`, `\t`, `\"`, `\\`,
//!   `\$`, `\0NNN` and the like. Both can span lines. Text after the closing quote is parsed as
//!   a new statement.
//! - Unquoted and double-quoted values are substituted with [`super::template`]: a variable is
//!   looked up first with the caller's lookup, then among the variables already read (earlier
//!   lines of this file, and whatever the caller put in the map before).
//! - A UTF-8 BOM at the start is skipped; `\r\n` line ends work.
//!
//! Quirks kept because Compose has them: a last line without `=` and without a newline
//! becomes the value of the empty key (`FOO` at the end of the file gives `"" = "FOO"`), and a
//! bare `export` followed by a line break is skipped.

use std::sync::Arc;

use indexmap::IndexMap;

use super::error::{ErrorKind, LoadError, Result};
use super::node::Mark;
use super::template::{self, go_quote};

/// Parses `.env` content. `lookup` resolves variables referenced in values and bare keys
/// (the caller passes the shell environment + already-known variables). Warnings about unset
/// variables are dropped; use [`parse_into`] to get them.
pub fn parse(
    content: &str,
    file: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>> {
    parse_with_format(content, file, None, lookup)
}

/// Same as [`parse`], for an `env_file` with an explicit `format`: `None`, `""` or `".env"`
/// for Compose's syntax, `"raw"` for values taken literally; any other format is an error.
pub fn parse_with_format(
    content: &str,
    file: &str,
    format: Option<&str>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>> {
    let mut vars = IndexMap::new();
    parse_into(content, file, format, &mut vars, lookup, &mut |_| {})?;
    Ok(vars)
}

/// Parses `content` into `vars`, which may already hold variables: as in compose-go, values
/// read here replace them, and `${...}` in values looks a name up with `lookup` first and in
/// `vars` second. Bare keys only use `lookup`. `on_unset` receives every variable a value uses
/// while unset (Compose warns `The "X" variable is not set. Defaulting to a blank string.`).
///
/// To load several files as Compose does, call this for each file with the same `vars`:
/// - project `.env` / `--env-file`: `lookup` = the shell environment, `vars` = the
///   variables of the previous files;
/// - a service's `env_file`: `lookup` = the project environment then the service's
///   `environment`, `vars` = the service's `environment` plus the previous `env_file`s.
///
/// Errors are [`ErrorKind::Env`] and carry a mark with the file, line and column; their message
/// is Compose's without its `failed to read <file>: line <n>:` prefix.
pub fn parse_into(
    content: &str,
    file: &str,
    format: Option<&str>,
    vars: &mut IndexMap<String, String>,
    lookup: &dyn Fn(&str) -> Option<String>,
    on_unset: &mut dyn FnMut(&str),
) -> Result<()> {
    match format {
        None | Some("") | Some(".env") => {
            let src = content.strip_prefix('\u{feff}').unwrap_or(content);
            let mut parser = Parser {
                src,
                file,
                vars,
                lookup,
                on_unset,
            };
            parser.parse()
        }
        Some("raw") => parse_raw(content, file, vars, lookup),
        Some(other) => Err(LoadError::new(
            ErrorKind::Env,
            format!("unsupported env_file format {}", go_quote(other)),
        )
        .in_file(file)),
    }
}

// ---------------------------------------------------------------------------------------------
// Compose's syntax

/// compose-go's "space": blanks that are not line breaks.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// Characters allowed in a key besides letters and digits.
fn is_key_punctuation(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']')
}

/// Where a key ends, as found by [`Parser::locate_key`].
struct Key<'a> {
    name: &'a str,
    /// Offset of the first character after the separator and the blanks that follow it.
    rest: usize,
    /// True for a bare `KEY` line (the key ended at a line break).
    inherited: bool,
}

struct Parser<'a, 'v> {
    src: &'a str,
    file: &'a str,
    vars: &'v mut IndexMap<String, String>,
    lookup: &'v dyn Fn(&str) -> Option<String>,
    on_unset: &'v mut dyn FnMut(&str),
}

impl Parser<'_, '_> {
    fn parse(&mut self) -> Result<()> {
        let mut pos = 0;
        while let Some(start) = self.statement_start(pos) {
            let Key {
                name,
                rest,
                inherited,
            } = self.locate_key(start)?;
            if name.contains(' ') {
                return Err(self.error(start, "key cannot contain a space".to_owned()));
            }
            let name = name.to_owned();
            if inherited {
                if let Some(value) = (self.lookup)(&name) {
                    self.vars.insert(name, value);
                }
                pos = rest;
                continue;
            }
            let (value, next) = self.value(rest)?;
            self.vars.insert(name, value);
            pos = next;
        }
        Ok(())
    }

    /// The offset of the next statement at or after `pos`, skipping blanks, line breaks and
    /// comment lines.
    fn statement_start(&self, mut pos: usize) -> Option<usize> {
        loop {
            let start = pos + self.src[pos..].find(|c: char| !c.is_whitespace())?;
            if !self.src[start..].starts_with('#') {
                return Some(start);
            }
            pos = start + self.src[start..].find('\n')?;
        }
    }

    /// Reads the key of the statement at `start`.
    fn locate_key(&self, start: usize) -> Result<Key<'_>> {
        let mut from = start;
        if let Some(after) = self.src[start..].strip_prefix("export") {
            // `^export\s+`, where Go's `\s` is ASCII blanks and line breaks but not `\v`.
            if after.starts_with(['\t', '\n', '\u{c}', '\r', ' ']) {
                let trimmed = after.trim_start_matches(is_space);
                from = self.src.len() - trimmed.len();
            }
        }
        let s = &self.src[from..];
        if s.is_empty() {
            return Err(self.error(from, "zero length string".to_owned()));
        }
        let mut end = None;
        for (i, c) in s.char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    end = Some((i, c == '\n'));
                    break;
                }
                c if is_key_punctuation(c) || c.is_alphabetic() || c.is_numeric() => {}
                c => {
                    let line = s.split('\n').next().unwrap_or_default();
                    return Err(self.error(
                        from + i,
                        format!(
                            "unexpected character {} in variable name {}",
                            go_quote(c.encode_utf8(&mut [0; 4])),
                            go_quote(line)
                        ),
                    ));
                }
            }
        }
        // Without a separator before the end of the file, the key is empty and the whole
        // statement is its value.
        let (name, value_from, inherited) = match end {
            Some((i, inherited)) => (&s[..i], from + i + 1, inherited),
            None => ("", from, false),
        };
        let rest = self.src[value_from..].trim_start_matches(is_space);
        Ok(Key {
            name: name.trim_end_matches(char::is_whitespace),
            rest: self.src.len() - rest.len(),
            inherited,
        })
    }

    /// Reads the value starting at `start`; returns it with the offset where parsing resumes.
    fn value(&mut self, start: usize) -> Result<(String, usize)> {
        let rest = &self.src[start..];
        let quote = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => return self.unquoted_value(start),
        };
        let mut chars = String::new();
        let mut escaped = false;
        for (i, c) in rest[1..].char_indices() {
            if c != quote {
                if !escaped && c == '\\' {
                    escaped = true;
                    continue;
                }
                if escaped {
                    escaped = false;
                    chars.push('\\');
                }
                chars.push(c);
                continue;
            }
            if escaped {
                // `\"` in double quotes, `\'` in single quotes: the quote itself.
                escaped = false;
                chars.push(c);
                continue;
            }
            let next = start + 1 + i + 1;
            if quote == '\'' {
                return Ok((chars, next));
            }
            let value = self.expand(&expand_escapes(&chars), start)?;
            return Ok((value, next));
        }
        let line = rest.split('\n').next().unwrap_or_default();
        Err(self.error(start, format!("unterminated quoted value {line}")))
    }

    fn unquoted_value(&mut self, start: usize) -> Result<(String, usize)> {
        let rest = &self.src[start..];
        let (line, next) = match rest.find('\n') {
            Some(nl) => (&rest[..nl], start + nl + 1),
            None => (rest, self.src.len()),
        };
        let line = line.find(" #").map_or(line, |hash| &line[..hash]);
        let value = self.expand(line.trim_end_matches(char::is_whitespace), start)?;
        Ok((value, next))
    }

    /// Substitutes `${...}` in a value; variables come from the lookup, then from `vars`.
    fn expand(&mut self, value: &str, at: usize) -> Result<String> {
        if !value.contains('$') {
            return Ok(value.to_owned());
        }
        let lookup = self.lookup;
        let vars = &*self.vars;
        let resolve = |name: &str| lookup(name).or_else(|| vars.get(name).cloned());
        template::substitute(value, &resolve, &mut *self.on_unset)
            .map_err(|err| self.error(at, err.go_message()))
    }

    fn error(&self, offset: usize, message: String) -> LoadError {
        let (line, column) = line_column(self.src, offset);
        LoadError::new(ErrorKind::Env, message).at(&Mark::new(
            Some(Arc::from(self.file)),
            line,
            column,
        ))
    }
}

/// 1-based line and column (in characters) of byte `offset` in `src`.
fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let line = 1 + before.matches('\n').count();
    (line, 1 + before[line_start..].chars().count())
}

/// Expands the escape sequences of a double-quoted value (compose-go's `expandEscapes`):
/// `\a \b \f \n \r \t \v \" \\`, `\0NNN` (octal, up to `\0377`), and `\$`, which becomes `$$`
/// so that substitution leaves a literal `$`. Anything else is kept as written, except that a
/// `\0` that is not a valid octal escape loses its `0` (`\012` gives `\12`), as in compose-go.
fn expand_escapes(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let consumed = match after.chars().next() {
            Some(c @ ('a' | 'b' | 'c' | 'f' | 'n' | 'r' | 't' | 'v' | '$' | '"' | '\\')) => {
                match c {
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    // Matched by compose-go's pattern, but not an escape Go knows: kept.
                    'c' => out.push_str("\\c"),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'v' => out.push('\u{b}'),
                    '$' => out.push_str("$$"),
                    other => out.push(other),
                }
                2
            }
            Some('0') => {
                let digits = after[1..]
                    .bytes()
                    .take(3)
                    .take_while(u8::is_ascii_digit)
                    .count();
                let octal = &after[1..1 + digits];
                match octal_byte(octal) {
                    Some(byte) => out.push(char::from(byte)),
                    None => {
                        out.push('\\');
                        out.push_str(octal);
                    }
                }
                2 + digits
            }
            _ => {
                out.push('\\');
                1
            }
        };
        rest = &rest[i + consumed..];
    }
    out.push_str(rest);
    out
}

/// The value of exactly three octal digits, when it fits a byte.
fn octal_byte(digits: &str) -> Option<u8> {
    if digits.len() != 3 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u8::try_from(u32::from_str_radix(digits, 8).ok()?).ok()
}

// ---------------------------------------------------------------------------------------------
// `format: raw` (docker/cli's kvfile, as in `docker run --env-file`)

/// The longest line Go's `bufio.Scanner` accepts (its buffer, 64 KiB, holds the line break).
const RAW_MAX_LINE: usize = 64 * 1024 - 1;

fn parse_raw(
    content: &str,
    file: &str,
    vars: &mut IndexMap<String, String>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<()> {
    let error = |line: usize, message: String| {
        LoadError::new(ErrorKind::Env, message).at(&Mark::new(Some(Arc::from(file)), line, 1))
    };
    for (index, raw_line) in content.split('\n').enumerate() {
        let number = index + 1;
        if raw_line.len() > RAW_MAX_LINE {
            return Err(error(number, "bufio.Scanner: token too long".to_owned()));
        }
        let mut line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if index == 0 {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        let line = line.trim_start_matches(char::is_whitespace);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (line, None),
        };
        if key.is_empty() {
            return Err(error(number, format!("no variable name on line '{line}'")));
        }
        if key.contains([' ', '\t']) {
            return Err(error(
                number,
                format!("variable '{key}' contains whitespaces"),
            ));
        }
        match value {
            Some(value) => {
                vars.insert(key.to_owned(), value.to_owned());
            }
            None => {
                if let Some(value) = lookup(key) {
                    vars.insert(key.to_owned(), value);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_lookup(_: &str) -> Option<String> {
        None
    }

    /// The shell of the tests: `SHELL_A=shell`, `EMPTY=`.
    fn shell(name: &str) -> Option<String> {
        match name {
            "SHELL_A" => Some("shell".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn parsed(content: &str) -> IndexMap<String, String> {
        match parse(content, "/p/.env", &shell) {
            Ok(vars) => vars,
            Err(err) => panic!("{content:?} failed: {err}"),
        }
    }

    fn value(content: &str, key: &str) -> String {
        let vars = parsed(content);
        match vars.get(key) {
            Some(value) => value.clone(),
            None => panic!("{content:?} has no {key:?}: {vars:?}"),
        }
    }

    fn failure(content: &str) -> LoadError {
        match parse(content, "/p/.env", &shell) {
            Ok(vars) => panic!("{content:?} parsed as {vars:?}"),
            Err(err) => err,
        }
    }

    fn pairs(vars: &IndexMap<String, String>) -> Vec<(&str, &str)> {
        vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    // --- values checked against `docker compose config` (v2.40.3) ---

    #[test]
    fn default_applies_when_variable_is_unset() {
        assert_eq!(value("E=${A:-def}", "E"), "def");
        assert_eq!(value("A_SET=aval\nE2=${A_SET:-def}", "E2"), "aval");
        assert_eq!(value("S=${SHELL_A}-${UNSET_X-dflt}", "S"), "shell-dflt");
    }

    #[test]
    fn double_dollar_is_a_literal_dollar() {
        assert_eq!(value("H=$$x", "H"), "$x");
        assert_eq!(value("H2=\"$$x\"", "H2"), "$x");
        assert_eq!(value("H3='$$x'", "H3"), "$$x");
        assert_eq!(value("H5=\"\\$x\"", "H5"), "$x");
    }

    #[test]
    fn backslash_dollar_unquoted_is_not_an_escape() {
        let mut unset = Vec::new();
        let mut vars = IndexMap::new();
        let content = "H4=\\$x";
        let result = parse_into(content, "f", None, &mut vars, &shell, &mut |n| {
            unset.push(n.to_owned())
        });
        assert_eq!(result, Ok(()));
        assert_eq!(vars["H4"], "\\");
        assert_eq!(unset, ["x"]);
    }

    #[test]
    fn yaml_style_colon_separator() {
        assert_eq!(value("I: yaml", "I"), "yaml");
        assert_eq!(value("OPTION_A: 1", "OPTION_A"), "1");
        assert_eq!(value("OPTION_A: Foo=bar", "OPTION_A"), "Foo=bar");
        assert_eq!(value("OPTION_A=1:B", "OPTION_A"), "1:B");
    }

    #[test]
    fn keys_may_hold_dashes_dots_and_brackets() {
        assert_eq!(value("J-K=v", "J-K"), "v");
        assert_eq!(value("J.K=dot", "J.K"), "dot");
        assert_eq!(value("L[0]=br", "L[0]"), "br");
        assert_eq!(
            value(
                "árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép",
                "árvíztűrő-TÜKÖRFÚRÓGÉP"
            ),
            "ÁRVÍZTŰRŐ-tükörfúrógép"
        );
    }

    #[test]
    fn export_prefix_is_dropped() {
        assert_eq!(value("export M=exp", "M"), "exp");
        assert_eq!(value("export\tOPTION_A=2", "OPTION_A"), "2");
        assert_eq!(value("  export OPTION_A=2", "OPTION_A"), "2");
        assert_eq!(
            value(r#"export OPTION_A="export A""#, "OPTION_A"),
            "export A"
        );
        assert_eq!(value("export OPTION_B='\\n'", "OPTION_B"), "\\n");
    }

    #[test]
    fn export_without_blank_is_part_of_the_key() {
        assert_eq!(value("export exportFoo=2", "exportFoo"), "2");
        assert_eq!(value("exportFOO=2", "exportFOO"), "2");
        assert_eq!(value("export_FOO =2", "export_FOO"), "2");
        assert_eq!(value("export.FOO= 2", "export.FOO"), "2");
        assert_eq!(value("export=1", "export"), "1");
    }

    #[test]
    fn bare_export_line_is_skipped() {
        assert_eq!(pairs(&parsed("export\nC=1\n")), [("C", "1")]);
    }

    #[test]
    fn inline_comments_need_a_space_before_the_hash() {
        assert_eq!(value("N=val # comment", "N"), "val");
        assert_eq!(value("FOO=bar #this is foo", "FOO"), "bar");
        assert_eq!(value("FOO=bar #", "FOO"), "bar");
        assert_eq!(value("O=val#nocomment", "O"), "val#nocomment");
        assert_eq!(value("B=x\t#tab", "B"), "x\t#tab");
        // The blanks after `=` are skipped first, so there is no space before the `#`.
        assert_eq!(value("A= #comment", "A"), "#comment");
    }

    #[test]
    fn quoted_values_allow_hash_and_trailing_comment() {
        assert_eq!(value(r#"P="quoted" # c"#, "P"), "quoted");
        assert_eq!(value(r#"FOO="bar#baz""#, "FOO"), "bar#baz");
        assert_eq!(value(r##"FOO="bar#baz"#"##, "FOO"), "bar#baz");
        assert_eq!(value("FOO='bar#baz' # comment", "FOO"), "bar#baz");
        assert_eq!(
            value(r#"FOO="bar#baz#bang" # comment"#, "FOO"),
            "bar#baz#bang"
        );
    }

    #[test]
    fn text_after_closing_quote_starts_a_new_statement() {
        assert_eq!(pairs(&parsed("D=\"x\"E=2")), [("D", "x"), ("E", "2")]);
        // ` y` at the end of the line is a bare key, looked up and absent.
        assert_eq!(pairs(&parsed("A= \"x\" y\n")), [("A", "x")]);
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(value("Q='single $SHELL_A'", "Q"), "single $SHELL_A");
        assert_eq!(value("OPTION_D='\\n'", "OPTION_D"), "\\n");
        assert_eq!(value("OPTION_K='Let\\'s go!'", "OPTION_K"), "Let's go!");
        assert_eq!(value("G='a\\\\b'", "G"), "a\\\\b");
    }

    #[test]
    fn double_quotes_expand_escapes_and_variables() {
        assert_eq!(value(r#"R="dq $SHELL_A \n nl""#, "R"), "dq shell \n nl");
        assert_eq!(value(r#"FOO="escaped\"bar""#, "FOO"), "escaped\"bar");
        assert_eq!(value(r#"FOO="\"quoted\"""#, "FOO"), "\"quoted\"");
        assert_eq!(value(r#"FOO="'d'""#, "FOO"), "'d'");
        assert_eq!(value(r#"FOO="a\tb""#, "FOO"), "a\tb");
        assert_eq!(value(r#"FOO=a\tb"#, "FOO"), "a\\tb");
    }

    #[test]
    fn shell_escape_sequences() {
        assert_eq!(
            value(r#"KEY="Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\Z\0123Z""#, "KEY"),
            "Z\u{7}Z\u{8}Z\u{c}Z\nZ\rZ\tZ\u{b}Z\\ZSZ"
        );
        assert_eq!(value(r#"KEY="\0123""#, "KEY"), "S");
        assert_eq!(value(r#"KEY="\x07""#, "KEY"), "\\x07");
        assert_eq!(value(r#"KEY="\u12e4""#, "KEY"), "\\u12e4");
        assert_eq!(value(r#"KEY="\U00101234""#, "KEY"), "\\U00101234");
        assert_eq!(value(r#"FOO="bar\n\ b\az""#, "FOO"), "bar\n\\ b\u{7}z");
        assert_eq!(value(r#"FOO="bar\\\n\ b\az""#, "FOO"), "bar\\\n\\ b\u{7}z");
        assert_eq!(value(r#"FOO="bar\\r\ b\az""#, "FOO"), "bar\\r\\ b\u{7}z");
        assert_eq!(value(r#"FOO="bar\nbaz\\""#, "FOO"), "bar\nbaz\\");
    }

    #[test]
    fn octal_escapes_follow_compose_go() {
        // Checked against Compose: a bad `\0` escape loses its `0`.
        let content = r#"F="\a|\b|\c|\0101|\012|\0377|\\|\$|\x|\0|\0400|\01234""#;
        assert_eq!(
            value(content, "F"),
            "\u{7}|\u{8}|\\c|A|\\12|\u{ff}|\\|$|\\x|\\|\\400|S4"
        );
    }

    #[test]
    fn escaped_dollar_is_not_substituted() {
        assert_eq!(value(r#"FOO="foo\$BAR""#, "FOO"), "foo$BAR");
        assert_eq!(value(r#"FOO="foo\${BAR}""#, "FOO"), "foo${BAR}");
        assert_eq!(
            value("FOO=test\nBAR=\"foo\\${FOO} ${FOO}\"", "BAR"),
            "foo${FOO} test"
        );
    }

    #[test]
    fn quoted_values_span_lines() {
        assert_eq!(value("T=\"multi\nline\"", "T"), "multi\nline");
        let content = "OPTION_J = 'first line\nsecond line\nthird line\nand so on'\nZ=1";
        assert_eq!(
            value(content, "OPTION_J"),
            "first line\nsecond line\nthird line\nand so on"
        );
        let content = "TEST_URLS=\"stratum+tcp://a:3333\nstratum+tcp://b:443\"";
        assert_eq!(
            value(content, "TEST_URLS"),
            "stratum+tcp://a:3333\nstratum+tcp://b:443"
        );
    }

    #[test]
    fn unquoted_values_are_trimmed() {
        assert_eq!(value("U=  spaced   ", "U"), "spaced");
        assert_eq!(value("FOO =bar", "FOO"), "bar");
        assert_eq!(value("FOO= bar", "FOO"), "bar");
        assert_eq!(value("FOO=bar ", "FOO"), "bar");
        assert_eq!(value("FOO=foobar=", "FOO"), "foobar=");
        assert_eq!(value(" KEY =value", "KEY"), "value");
        assert_eq!(value("\tKEY=value", "KEY"), "value");
    }

    #[test]
    fn empty_values() {
        let vars = parsed("V=\nOPTION_F = \nOPTION_G=\nOPTION_C=''\nOPTION_G2=\"\"\n");
        assert!(vars.values().all(String::is_empty), "{vars:?}");
        assert_eq!(vars.len(), 5);
    }

    #[test]
    fn plain_fixture() {
        let content = "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\n\
                       OPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n";
        assert_eq!(
            pairs(&parsed(content)),
            [
                ("OPTION_A", "1"),
                ("OPTION_B", "2"),
                ("OPTION_C", "3"),
                ("OPTION_D", "4"),
                ("OPTION_E", "5"),
                ("456", "ABC"),
                ("OPTION_F", ""),
                ("OPTION_G", ""),
                ("OPTION_H", "my string"),
            ]
        );
    }

    #[test]
    fn bare_key_takes_the_lookup_value() {
        assert_eq!(
            pairs(&parsed("foo=bar\nSHELL_A\nbar=baz\n")),
            [("foo", "bar"), ("SHELL_A", "shell"), ("bar", "baz")]
        );
        assert_eq!(pairs(&parsed("EMPTY\n")), [("EMPTY", "")]);
    }

    #[test]
    fn bare_key_without_lookup_value_is_omitted() {
        assert!(parsed("VARIABLE_NOT_FOUND\n").is_empty());
        assert!(parsed("W\r\n").is_empty());
    }

    #[test]
    fn bare_key_ignores_earlier_lines() {
        // Only the lookup is asked: the earlier value stays as it is.
        assert_eq!(pairs(&parsed("X=1\nX\n")), [("X", "1")]);
    }

    #[test]
    fn last_line_without_separator_or_newline_is_the_empty_key() {
        assert_eq!(pairs(&parsed("A=1\nFOO")), [("A", "1"), ("", "FOO")]);
        assert_eq!(pairs(&parsed("FOO BAR")), [("", "FOO BAR")]);
    }

    #[test]
    fn empty_key_is_allowed() {
        assert_eq!(pairs(&parsed("=\"value\"")), [("", "value")]);
        assert_eq!(pairs(&parsed("=x")), [("", "x")]);
    }

    #[test]
    fn later_definition_replaces_earlier() {
        assert_eq!(pairs(&parsed("A=1\nB=2\nA=3\n")), [("A", "3"), ("B", "2")]);
    }

    #[test]
    fn lookup_comes_before_earlier_lines() {
        // Compose: the shell environment wins over the file's own definitions.
        let vars = parsed("SHELL_A=file\nB=$SHELL_A\nC=${SHELL_A}\n");
        assert_eq!(
            pairs(&vars),
            [("SHELL_A", "file"), ("B", "shell"), ("C", "shell")]
        );
    }

    #[test]
    fn earlier_lines_resolve_what_the_lookup_lacks() {
        let vars = parsed("A_SET=aval\nX=$A_SET\nA_SET=over\nY=$A_SET\n");
        assert_eq!(vars["X"], "aval");
        assert_eq!(vars["Y"], "over");
        let content = "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\n\
                       OPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n";
        let vars = parse(content, "f", &no_lookup).unwrap_or_default();
        assert_eq!(
            pairs(&vars),
            [
                ("OPTION_A", "1"),
                ("OPTION_B", "1"),
                ("OPTION_C", "1"),
                ("OPTION_D", "1_1"),
                ("OPTION_E", ""),
            ]
        );
    }

    #[test]
    fn lookup_overrides_substitutions_but_not_definitions() {
        let lookup = |name: &str| (name == "OPTION_A").then(|| "5".to_owned());
        let content = "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\n\
                       OPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n";
        let vars = parse(content, "f", &lookup).unwrap_or_default();
        assert_eq!(
            pairs(&vars),
            [
                ("OPTION_A", "1"),
                ("OPTION_B", "5"),
                ("OPTION_C", "5"),
                ("OPTION_D", "5_5"),
                ("OPTION_E", ""),
            ]
        );
        let content = "OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\n";
        let vars = parse(content, "f", &lookup).unwrap_or_default();
        assert_eq!(pairs(&vars), [("OPTION_A", "5"), ("OPTION_B", "5")]);
    }

    #[test]
    fn parse_into_continues_from_previous_files() {
        // compose-go's TestMultipleFiles: the second file's own value wins over the first's.
        let base = "ENV_HOSTNAME=localhost\nENV_MY_URL=\"http://${ENV_HOSTNAME}\"\n";
        let over = "ENV_HOSTNAME=dev.my-company.com\nENV_MY_URL=\"http://${ENV_HOSTNAME}\"\n";
        let mut vars = IndexMap::new();
        for content in [base, over] {
            let result = parse_into(content, "f", None, &mut vars, &no_lookup, &mut |_| {});
            assert_eq!(result, Ok(()));
        }
        assert_eq!(vars["ENV_MY_URL"], "http://dev.my-company.com");
        let os_env = |name: &str| (name == "ENV_HOSTNAME").then(|| "host.local".to_owned());
        let mut vars = IndexMap::new();
        for content in [base, over] {
            let result = parse_into(content, "f", None, &mut vars, &os_env, &mut |_| {});
            assert_eq!(result, Ok(()));
        }
        assert_eq!(vars["ENV_HOSTNAME"], "dev.my-company.com");
        assert_eq!(vars["ENV_MY_URL"], "http://host.local");
    }

    #[test]
    fn unset_variables_are_reported() {
        let mut unset = Vec::new();
        let mut vars = IndexMap::new();
        let content = "A=$X\nB=\"${Y}\"\nC='$Z'\nD=${W:-d}\n";
        let result = parse_into(content, "f", None, &mut vars, &shell, &mut |n| {
            unset.push(n.to_owned())
        });
        assert_eq!(result, Ok(()));
        assert_eq!(unset, ["X", "Y"]);
    }

    #[test]
    fn utf8_bom_is_skipped() {
        let vars = parsed("\u{feff}OPTION_A=1\nOPTION_B=2\n");
        assert_eq!(pairs(&vars), [("OPTION_A", "1"), ("OPTION_B", "2")]);
    }

    #[test]
    fn crlf_line_endings() {
        let vars = parsed("A=1\r\nB=\"two\"\r\n# c\r\nexport C = three \r\nD: 4\r\n\r\nE='5'\r\n");
        assert_eq!(
            pairs(&vars),
            [
                ("A", "1"),
                ("B", "two"),
                ("C", "three"),
                ("D", "4"),
                ("E", "5")
            ]
        );
    }

    #[test]
    fn blank_and_comment_lines_are_ignored() {
        for content in [
            "\n",
            "\r\n",
            "\t\t ",
            "# Comment",
            "\t # comment",
            "#a\n\n  #b\n",
        ] {
            assert!(parsed(content).is_empty(), "{content:?}");
        }
    }

    #[test]
    fn many_lines() {
        let content: Vec<String> = (0..1000).map(|i| format!("KEY{i}=VALUE{i}")).collect();
        let vars = parsed(&content.join("\n"));
        assert_eq!(vars.len(), 1000);
        assert_eq!(vars["KEY999"], "VALUE999");
    }

    // --- errors ---

    fn mark(err: &LoadError) -> (usize, usize) {
        err.mark.as_ref().map_or((0, 0), |m| (m.line, m.column))
    }

    #[test]
    fn unterminated_quote_names_file_line_and_column() {
        let err = failure("A=1\nB=\"abc\nC=2\n");
        assert_eq!(err.kind, ErrorKind::Env);
        assert_eq!(err.message, "unterminated quoted value \"abc");
        assert_eq!(mark(&err), (2, 3));
        assert_eq!(
            err.to_string(),
            "unterminated quoted value \"abc (at /p/.env:2:3)"
        );
        let err = failure("A=1\nB='abc\n");
        assert_eq!(err.message, "unterminated quoted value 'abc");
    }

    #[test]
    fn unterminated_quotes() {
        for content in [
            r#"KEY=""#,
            r#"KEY="value"#,
            r#"KEY="value\""#,
            r#"KEY="value'"#,
            "KEY='",
            "KEY='value",
            r"KEY='value\'",
            r#"KEY='value""#,
        ] {
            let err = failure(content);
            assert!(
                err.message.starts_with("unterminated quoted value"),
                "{content}"
            );
        }
    }

    #[test]
    fn key_with_space_is_an_error() {
        let err = failure("A=1\nB C=2\n");
        assert_eq!(err.message, "key cannot contain a space");
        assert_eq!(mark(&err), (2, 1));
        let err = failure("A=1\n B C\n");
        assert_eq!(err.message, "key cannot contain a space");
        assert_eq!(mark(&err), (2, 2));
        let content = "# some comments\nfoo=\"\n  a\n  multine\n  value\n\"\nINVALID LINE\nzot=qix";
        assert_eq!(mark(&failure(content)), (7, 1));
    }

    #[test]
    fn unexpected_character_in_key() {
        let err = failure("A=1\nB!C=2\n");
        assert_eq!(
            err.message,
            r#"unexpected character "!" in variable name "B!C=2""#
        );
        assert_eq!(mark(&err), (2, 2));
        let err = failure("%!(EXTRA string)=foo");
        assert_eq!(
            err.message,
            r#"unexpected character "%" in variable name "%!(EXTRA string)=foo""#
        );
        let err = failure("lol$wut");
        assert_eq!(
            err.message,
            r#"unexpected character "$" in variable name "lol$wut""#
        );
        let err = failure("A\u{7}=1\r\n");
        assert_eq!(
            err.message,
            r#"unexpected character "\a" in variable name "A\a=1\r""#
        );
    }

    #[test]
    fn invalid_template_in_value() {
        let err = failure("X=1\nA=${\n");
        assert_eq!(err.message, r#"Invalid template: "${""#);
        assert_eq!(mark(&err), (2, 3));
        assert_eq!(failure("A=${ B}").message, r#"Invalid template: "${ B}""#);
    }

    #[test]
    fn required_variable_in_value() {
        assert_eq!(
            failure("A=${B:?must set}").message,
            "required variable B is missing a value: must set"
        );
        assert_eq!(
            failure("A=${B:?}").message,
            "required variable B is missing a value"
        );
        assert_eq!(
            failure("A=${B?}").message,
            "required variable B is missing a value"
        );
        assert_eq!(
            failure("A=\"${B:?err $$ x}\"").message,
            "required variable B is missing a value: err $ x"
        );
        assert_eq!(
            failure("A=${EMPTY:?Test error}").message,
            "required variable EMPTY is missing a value: Test error"
        );
        assert_eq!(value("A=${EMPTY?Test error}", "A"), "");
    }

    #[test]
    fn export_followed_by_blanks_at_end_of_file() {
        assert_eq!(failure("A=1\nexport ").message, "zero length string");
    }

    // --- formats ---

    #[test]
    fn explicit_dotenv_format() {
        for format in [None, Some(""), Some(".env")] {
            let vars = parse_with_format("A=\"x\"", "f", format, &no_lookup);
            assert_eq!(vars.map(|v| v["A"].clone()), Ok("x".to_owned()));
        }
    }

    #[test]
    fn unsupported_format_is_an_error() {
        let err = parse_with_format("A=1", "/p/e.env", Some("xyz"), &no_lookup);
        let err = err
            .err()
            .unwrap_or_else(|| LoadError::new(ErrorKind::Io, ""));
        assert_eq!(err.kind, ErrorKind::Env);
        assert_eq!(err.message, r#"unsupported env_file format "xyz""#);
        assert_eq!(
            err.to_string(),
            r#"unsupported env_file format "xyz" (in /p/e.env)"#
        );
    }

    fn raw(content: &str) -> Result<IndexMap<String, String>> {
        let lookup = |name: &str| (name == "HOME").then(|| "/root".to_owned());
        parse_with_format(content, "/p/raw.env", Some("raw"), &lookup)
    }

    #[test]
    fn raw_format_takes_values_literally() {
        // Checked against Compose (`format: raw`).
        let content = "\u{feff}A=1\n  B= x \nC=\"quoted\"\nD='single'\nE=\"mismatch'\n\
                       F=${X:-d} $$y\n# comment\n  # indented comment\nG\nHOME\nI=a=b\nJ=\"\n\
                       K=\t tab \r\nL\r\n";
        let vars = raw(content).unwrap_or_default();
        assert_eq!(
            pairs(&vars),
            [
                ("A", "1"),
                ("B", " x "),
                ("C", "\"quoted\""),
                ("D", "'single'"),
                ("E", "\"mismatch'"),
                ("F", "${X:-d} $$y"),
                ("HOME", "/root"),
                ("I", "a=b"),
                ("J", "\""),
                ("K", "\t tab "),
            ]
        );
    }

    #[test]
    fn raw_format_errors() {
        let err = raw("A=1\n  B = x \n")
            .err()
            .unwrap_or_else(|| LoadError::new(ErrorKind::Io, ""));
        assert_eq!(err.message, "variable 'B ' contains whitespaces");
        assert_eq!(mark(&err), (2, 1));
        let err = raw("=x\n")
            .err()
            .unwrap_or_else(|| LoadError::new(ErrorKind::Io, ""));
        assert_eq!(err.message, "no variable name on line '=x'");
        assert_eq!(err.kind, ErrorKind::Env);
    }

    #[test]
    fn raw_format_rejects_overlong_lines() {
        let long = format!("A={}", "x".repeat(RAW_MAX_LINE - 2));
        assert_eq!(raw(&long).map(|v| v["A"].len()), Ok(RAW_MAX_LINE - 2));
        let longer = format!("{long}x\n");
        let err = raw(&longer).err().map(|e| e.message);
        assert_eq!(err.as_deref(), Some("bufio.Scanner: token too long"));
    }

    #[test]
    fn raw_format_writes_into_existing_variables() {
        let mut vars = IndexMap::from([("A".to_owned(), "old".to_owned())]);
        let result = parse_into(
            "A=new\nB",
            "f",
            Some("raw"),
            &mut vars,
            &no_lookup,
            &mut |_| {},
        );
        assert_eq!(result, Ok(()));
        assert_eq!(pairs(&vars), [("A", "new")]);
    }

    #[test]
    fn expand_escapes_without_backslash_is_identity() {
        assert_eq!(expand_escapes("plain"), "plain");
        assert_eq!(expand_escapes("end\\"), "end\\");
    }
}
