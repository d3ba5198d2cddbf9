//! The dynamic document tree every loader step works on.
//!
//! Compose loads files as untyped trees first (parse, interpolate, extends, include, merge,
//! validate, canonicalize) and only then decodes them into the typed model. Each node keeps
//! where it came from so that any step can name the file, line and column in its errors.

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

/// A position in a source file. `line` and `column` are 1-based; 0 means "synthetic"
/// (created by the loader, not read from a file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mark {
    /// The file the node was read from, as given to the loader (absolute in practice).
    pub file: Option<Arc<str>>,
    pub line: usize,
    pub column: usize,
}

impl Mark {
    /// A mark in `file` at `line`:`column` (1-based).
    pub fn new(file: Option<Arc<str>>, line: usize, column: usize) -> Self {
        Mark { file, line, column }
    }

    /// True when the mark points into a real file position.
    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), 0) => write!(f, "{file}"),
            (Some(file), line) => write!(f, "{file}:{line}:{}", self.column),
            (None, 0) => Ok(()),
            (None, line) => write!(f, "line {line}, column {}", self.column),
        }
    }
}

/// The YAML tags Compose gives meaning to when files are merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tag {
    /// `!reset`: remove the value inherited from earlier files (or set an empty one).
    Reset,
    /// `!override`: replace the inherited value instead of merging into it.
    Override,
}

/// A mapping with string keys in document order.
pub type Mapping = IndexMap<String, Node>;

/// A value of the dynamic tree. Scalars are typed as YAML 1.2's core schema (as Go's
/// yaml.v3 decodes into `interface{}`): quoted scalars are always strings.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Mapping),
}

/// A value with its origin and its Compose tag.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub mark: Mark,
    pub tag: Option<Tag>,
}

impl Node {
    /// A node with no tag.
    pub fn new(value: Value, mark: Mark) -> Self {
        Node {
            value,
            mark,
            tag: None,
        }
    }

    /// A node created by the loader rather than read from a file.
    pub fn synthetic(value: Value) -> Self {
        Node::new(value, Mark::default())
    }

    pub fn null() -> Self {
        Node::synthetic(Value::Null)
    }

    pub fn string(s: impl Into<String>) -> Self {
        Node::synthetic(Value::Str(s.into()))
    }

    pub fn map(m: Mapping) -> Self {
        Node::synthetic(Value::Map(m))
    }

    pub fn seq(v: Vec<Node>) -> Self {
        Node::synthetic(Value::Seq(v))
    }

    /// Same value, but positioned at `mark` (used when the loader rewrites a node in place).
    pub fn at(mut self, mark: &Mark) -> Self {
        self.mark = mark.clone();
        self
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(v) => Some(v),
            _ => None,
        }
    }

    /// `map[key]` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// A scalar rendered as Go's `fmt.Sprint` would render the decoded value: used where
    /// Compose turns numbers and booleans into strings (environment values, labels, ...).
    pub fn scalar_string(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_go_float(*f)),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// The YAML kind name used in Compose's type errors.
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }

    /// Converts to JSON, dropping marks and tags.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(v) => J::Array(v.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// Builds a synthetic tree from JSON.
    pub fn from_json(json: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let value = match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::Str(s.clone()),
            J::Array(v) => Value::Seq(v.iter().map(Node::from_json).collect()),
            J::Object(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), Node::from_json(v)))
                    .collect(),
            ),
        };
        Node::synthetic(value)
    }
}

/// Go's `%T` of a value as yaml.v3 decodes it into `interface{}` (Compose's type errors
/// print it).
pub fn go_type(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        Value::Seq(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
    }
}

/// Go's `fmt.Sprint` of a decoded value: `<nil>`, `[a b]`, `map[k:v]` with sorted keys.
pub fn go_sprint(node: &Node) -> String {
    match &node.value {
        Value::Null => "<nil>".into(),
        Value::Seq(items) => {
            let items: Vec<String> = items.iter().map(go_sprint).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Map(map) => {
            let mut entries: Vec<(&String, &Node)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let parts: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{k}:{}", go_sprint(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        _ => node.scalar_string().unwrap_or_default(),
    }
}

/// Formats a float as Go's `fmt.Sprint` does (`strconv.FormatFloat(f, 'g', -1, 64)`):
/// shortest digits, exponent form below 1e-4 and from 1e6 (`1e+06`). Compose turns numeric
/// environment values and labels into strings this way.
pub fn format_go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let s = format!("{f:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formatting_matches_strconv() {
        assert_eq!(format_go_float(0.5), "0.5");
        assert_eq!(format_go_float(1.0), "1");
        assert_eq!(format_go_float(1e21), "1e+21");
        assert_eq!(format_go_float(1_000_000.0), "1e+06");
        assert_eq!(format_go_float(123_456.0), "123456");
        assert_eq!(format_go_float(1_234_567.0), "1.234567e+06");
        assert_eq!(format_go_float(0.00001), "1e-05");
        assert_eq!(format_go_float(123.25), "123.25");
    }
}
