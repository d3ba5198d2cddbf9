//! (placeholder)
use super::error::Result;
pub struct ServiceConfig;
impl ServiceConfig {
    pub fn image_or_default(&self, project: &str, name: &str) -> String {
        format!("{project}-{name}")
    }
}
pub struct Project {
    pub services: std::collections::BTreeMap<String, ServiceConfig>,
    pub json: serde_json::Value,
}
impl Project {
    pub fn from_json(json: serde_json::Value) -> Result<Project> {
        Ok(Project {
            services: Default::default(),
            json,
        })
    }
}
