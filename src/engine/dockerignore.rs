//! `.dockerignore` with Docker's semantics (moby/patternmatcher), which are not gitignore's:
//! a pattern matches the whole path from the context root (`*.md` is only the root's
//! Markdown files; `**/*.md` is all of them), `**` spans any number of directories, a
//! pattern that matches a directory excludes everything under it, and the last pattern
//! that matches a path decides (`!` re-includes).

/// The parsed rules of one `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    exclusion: bool,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `**/` (or `**` inside a pattern): any number of whole directories, even none.
    Dirs,
    /// `**` at the end: anything.
    Rest,
    /// `[...]`: a set of characters or ranges, maybe negated.
    Class(bool, Vec<(char, char)>),
}

impl Rules {
    /// Parses the file's text: `#` comments and blank lines skipped, whitespace trimmed,
    /// `!` for exceptions, paths cleaned (`./a/../b` is `b`) and a leading `/` dropped.
    pub fn parse(text: &str) -> Rules {
        let mut patterns = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut p = line.trim();
            if p.is_empty() {
                continue;
            }
            let exclusion = p.starts_with('!');
            if exclusion {
                p = p[1..].trim();
            }
            let cleaned = clean(p);
            let cleaned = match cleaned.strip_prefix('/') {
                Some(rest) if !rest.is_empty() => rest.to_string(),
                _ => cleaned,
            };
            patterns.push(Pattern {
                exclusion,
                tokens: compile(&cleaned),
            });
        }
        Rules { patterns }
    }

    /// True when there are `!` exceptions (an excluded directory must then be searched).
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// True when `path` (relative to the context, `/`-separated) is left out of the
    /// context: the last pattern matching it or one of its parent directories decides.
    pub fn excludes(&self, path: &str) -> bool {
        let parents: Vec<&str> = match path.rfind('/') {
            Some(i) => path[..i].split('/').collect(),
            None => Vec::new(),
        };
        let mut matched = false;
        for pattern in &self.patterns {
            // An exception only matters once excluded, an exclusion only until then.
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = matches(&pattern.tokens, path);
            if !hit {
                hit =
                    (1..=parents.len()).any(|n| matches(&pattern.tokens, &parents[..n].join("/")));
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }
}

/// Go's `filepath.Clean` for `/`-separated paths.
fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn compile(p: &str) -> Vec<Token> {
    let chars: Vec<char> = p.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                tokens.push(if i >= chars.len() {
                    Token::Rest
                } else {
                    Token::Dirs
                });
                continue;
            }
            '*' => tokens.push(Token::Star),
            '?' => tokens.push(Token::One),
            '\\' if i + 1 < chars.len() => {
                i += 1;
                tokens.push(Token::Char(chars[i]));
            }
            '[' => {
                if let Some((class, next)) = parse_class(&chars, i) {
                    tokens.push(class);
                    i = next;
                    continue;
                }
                tokens.push(Token::Char('['));
            }
            c => tokens.push(Token::Char(c)),
        }
        i += 1;
    }
    tokens
}

/// `[a-z]`, `[^0-9]`, `[!x]` starting at `start`; returns the class and the index after `]`.
fn parse_class(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let mut i = start + 1;
    let negated = matches!(chars.get(i), Some('^') | Some('!'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while i < chars.len() {
        let c = chars[i];
        if c == ']' && !first {
            return Some((Token::Class(negated, ranges), i + 1));
        }
        first = false;
        let lo = if c == '\\' && i + 1 < chars.len() {
            i += 1;
            chars[i]
        } else {
            c
        };
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|c| *c != ']') {
            ranges.push((lo, chars[i + 2]));
            i += 3;
        } else {
            ranges.push((lo, lo));
            i += 1;
        }
    }
    None
}

/// Whole-string match of `tokens` against `s` (backtracking; patterns are short).
fn matches(tokens: &[Token], s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    match_at(tokens, &chars)
}

fn match_at(tokens: &[Token], s: &[char]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return s.is_empty();
    };
    match first {
        Token::Char(c) => s.first() == Some(c) && match_at(rest, &s[1..]),
        Token::One => s.first().is_some_and(|c| *c != '/') && match_at(rest, &s[1..]),
        Token::Class(negated, ranges) => {
            s.first().is_some_and(|c| {
                *c != '/' && ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *negated
            }) && match_at(rest, &s[1..])
        }
        Token::Star => {
            let run = s.iter().take_while(|c| **c != '/').count();
            (0..=run).any(|n| match_at(rest, &s[n..]))
        }
        Token::Rest => true,
        Token::Dirs => {
            // `(.*/)?`: nothing, or anything up to and including a `/`.
            match_at(rest, s)
                || (0..s.len())
                    .filter(|&i| s[i] == '/')
                    .any(|i| match_at(rest, &s[i + 1..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Rules {
        Rules::parse(text)
    }

    #[test]
    fn star_pattern_matches_only_at_the_root() {
        let r = rules("*.md");
        assert!(r.excludes("README.md"));
        assert!(!r.excludes("docs/guide.md"));
    }

    #[test]
    fn double_star_crosses_directories() {
        let r = rules("**/*.md");
        assert!(r.excludes("README.md"));
        assert!(r.excludes("docs/a/b/guide.md"));
        let r = rules("data/**");
        assert!(r.excludes("data/x/y"));
        let r = rules("a/**/z");
        assert!(r.excludes("a/z"));
        assert!(r.excludes("a/b/c/z"));
        assert!(!r.excludes("b/z"));
    }

    #[test]
    fn a_matching_directory_excludes_its_contents() {
        let r = rules("node_modules\n");
        assert!(r.excludes("node_modules"));
        assert!(r.excludes("node_modules/x/y.js"));
        assert!(!r.excludes("src/node_modules/x"));
    }

    #[test]
    fn last_matching_rule_wins_and_exceptions_reinclude() {
        let r = rules("*.txt\n!keep.txt\n");
        assert!(r.excludes("a.txt"));
        assert!(!r.excludes("keep.txt"));
        let r = rules("!keep.txt\n*.txt\n");
        assert!(r.excludes("keep.txt"));
        let r = rules("secrets\n!secrets/public.pem\n");
        assert!(r.excludes("secrets/key.pem"));
        assert!(!r.excludes("secrets/public.pem"));
        assert!(r.has_exceptions());
    }

    #[test]
    fn comments_blank_lines_slashes_and_dots_are_cleaned() {
        let r = rules("# a comment\n\n  /build/  \n./tmp/../cache\n");
        assert!(r.excludes("build"));
        assert!(r.excludes("build/out.o"));
        assert!(r.excludes("cache/x"));
        assert!(!r.excludes("tmp"));
        assert!(!r.excludes("# a comment"));
    }

    #[test]
    fn question_mark_and_classes_stay_within_a_name() {
        let r = rules("log?.txt\n[a-c]*.csv\n[^x]y\n");
        assert!(r.excludes("log1.txt"));
        assert!(!r.excludes("log12.txt"));
        assert!(r.excludes("b_data.csv"));
        assert!(!r.excludes("d_data.csv"));
        assert!(r.excludes("ay"));
        assert!(!r.excludes("xy"));
        assert!(!rules("a?b").excludes("a/b"));
    }
}
