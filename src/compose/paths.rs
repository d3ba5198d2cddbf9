//! (placeholder)
use super::error::Result;
use super::node::Node;
pub fn resolve_relative_paths(
    _doc: &mut Node,
    _working_dir: &std::path::Path,
    _home: Option<&std::path::Path>,
) -> Result<()> {
    Ok(())
}
