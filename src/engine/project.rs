//! A loaded project on the engine side: the typed model plus what labels need (working
//! directory, config files) and the session's connection and progress output.

use std::sync::Arc;

use bollard::Docker;

use crate::compose::model::Mapping;
use crate::compose::model::{Project, ServiceConfig};
use crate::engine::error::EngineError;
use crate::engine::ops::Ui;
use crate::engine::spec::{ApiVersion, ProjectContext};

/// Everything an engine command works with.
pub struct Session {
    pub docker: Docker,
    pub ui: Ui,
    pub project: Arc<Project>,
    pub working_dir: String,
    pub config_files: Vec<String>,
    pub env_files: Vec<String>,
    /// The API version negotiated with the engine (the create body depends on it).
    pub api_version: ApiVersion,
    /// Proxy variables from the docker CLI config (none yet).
    pub proxy_env: Mapping,
}

impl Session {
    /// The context container specs are computed in.
    pub fn spec_context(&self) -> ProjectContext<'_> {
        ProjectContext {
            project: &self.project,
            working_dir: &self.working_dir,
            config_files: &self.config_files,
            env_files: &self.env_files,
            api_version: self.api_version,
            proxy_env: &self.proxy_env,
        }
    }

    /// The project name.
    pub fn name(&self) -> &str {
        &self.project.name
    }

    /// A service by name.
    pub fn service(&self, name: &str) -> Option<&ServiceConfig> {
        self.project.services.get(name)
    }

    /// The image a service runs: `image`, else the `<project>-<service>` a build makes.
    pub fn image_of(&self, service: &ServiceConfig) -> String {
        crate::engine::spec::image_name(&self.project.name, service)
    }

    /// The local ID of `service`'s image, or an error naming service and image.
    pub async fn image_id(&self, service: &ServiceConfig) -> Result<String, EngineError> {
        let image = self.image_of(service);
        match self.docker.inspect_image(&image).await {
            Ok(found) => Ok(found.id.unwrap_or_default()),
            Err(e) if EngineError::is_not_found(&e) => Err(EngineError::ImageMissing {
                service: service.name.clone(),
                image,
                hint: String::new(),
            }),
            Err(e) => Err(EngineError::api(format!("inspecting image {image}"), e)),
        }
    }
}
