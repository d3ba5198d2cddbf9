//! (placeholder until the YAML module lands)
use super::error::{ErrorKind, LoadError, Result};
use super::node::Node;
pub fn parse_documents(_text: &str, _file: &str) -> Result<Vec<Node>> {
    Err(LoadError::new(ErrorKind::Yaml, "yaml parser not built yet"))
}
