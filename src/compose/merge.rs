//! (placeholder)
use super::error::Result;
use super::node::Node;
pub fn take_reset_paths(_doc: &mut Node) -> Vec<Vec<String>> {
    Vec::new()
}
pub fn apply_reset_paths(_model: &mut Node, _paths: &[Vec<String>]) {}
pub fn merge(_base: Node, overlay: Node) -> Result<Node> {
    Ok(overlay)
}
pub fn enforce_unicity(_doc: &mut Node) -> Result<()> {
    Ok(())
}
