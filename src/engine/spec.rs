//! (placeholder until the spec helper lands)
use crate::compose::model::{Project, ServiceConfig};
use bollard::models::{ContainerCreateBody, EndpointSettings};
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);
pub struct ProjectContext<'a> {
    pub project: &'a Project,
    pub working_dir: &'a str,
    pub config_files: &'a [String],
    pub env_files: &'a [String],
}
pub fn container_name(project: &str, service: &ServiceConfig, number: u32) -> String {
    if service.container_name.is_empty() {
        format!("{project}-{}-{number}", service.name)
    } else {
        service.container_name.clone()
    }
}
pub fn create_body(
    _ctx: &ProjectContext,
    service: &ServiceConfig,
    _number: u32,
    _image_id: &str,
) -> Result<ContainerCreateBody, SpecError> {
    Ok(ContainerCreateBody {
        image: Some(service.image.clone()),
        ..Default::default()
    })
}
pub fn endpoints(
    _ctx: &ProjectContext,
    _service: &ServiceConfig,
    _container_name: &str,
) -> Vec<(String, EndpointSettings)> {
    Vec::new()
}
