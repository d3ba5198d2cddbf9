//! (placeholder)
use super::error::Result;
use super::node::Node;
pub struct ExtendsContext<'a> {
    pub working_dir: &'a std::path::Path,
    pub file: &'a str,
    pub load: &'a dyn Fn(&std::path::Path) -> Result<Node>,
}
pub fn apply_extends(_doc: &mut Node, _ctx: &ExtendsContext) -> Result<()> {
    Ok(())
}
