//! (placeholder)
use super::error::Result;
use super::node::Node;
pub fn validate(_doc: &Node) -> Result<()> {
    Ok(())
}
