//! (placeholder)
use super::error::Result;
use super::node::Node;
pub fn canonicalize(_doc: &mut Node) -> Result<Vec<String>> {
    Ok(Vec::new())
}
pub fn set_defaults(_doc: &mut Node) -> Result<()> {
    Ok(())
}
