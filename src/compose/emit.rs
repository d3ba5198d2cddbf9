//! (placeholder)
use super::model::Project;
pub fn project_to_json(p: &Project) -> String {
    serde_json::to_string_pretty(&p.json).unwrap_or_default()
}
pub fn project_to_yaml(p: &Project) -> String {
    project_to_json(p)
}
