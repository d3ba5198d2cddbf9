//! (placeholder)
use super::error::Result;
pub fn parse(
    _content: &str,
    _file: &str,
    _lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<indexmap::IndexMap<String, String>> {
    Ok(Default::default())
}
pub fn parse_with_format(
    _content: &str,
    _file: &str,
    _format: Option<&str>,
    _lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<indexmap::IndexMap<String, String>> {
    Ok(Default::default())
}
