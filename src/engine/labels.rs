//! The labels Docker Compose puts on containers, networks and volumes, and the values it
//! writes in them.
//!
//! Compose finds its resources again by these labels alone, so hoist writes the same keys
//! with the same values: a container hoist creates is one Compose adopts, and the reverse.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::compose::gojson;
use crate::compose::model::{
    Format, Mapping, NetworkConfig, ServiceConfig, ServiceDependency, ToGo, VolumeConfig,
};

/// The project a resource belongs to.
pub const PROJECT: &str = "com.docker.compose.project";
/// The service a container runs.
pub const SERVICE: &str = "com.docker.compose.service";
/// The service's config hash (see [`gojson::service_hash`]); Compose recreates a container
/// whose hash differs. Networks and volumes carry a hash of their own config too.
pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
/// The replica number of a service container (absent on one-off containers).
pub const CONTAINER_NUMBER: &str = "com.docker.compose.container-number";
/// The project key of a network.
pub const NETWORK: &str = "com.docker.compose.network";
/// The project key of a volume.
pub const VOLUME: &str = "com.docker.compose.volume";
/// The absolute project directory.
pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
/// The compose files, comma separated.
pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
/// The `--env-file` files (absolute), comma separated; only set when some were given.
pub const ENVIRONMENT_FILE: &str = "com.docker.compose.project.environment_file";
/// `"True"` on containers of `compose run`, `"False"` on the others.
pub const ONEOFF: &str = "com.docker.compose.oneoff";
/// The random identity of a one-off container.
pub const SLUG: &str = "com.docker.compose.slug";
/// The local image ID the container was created from; Compose recreates the container when
/// the image behind the name changed.
pub const IMAGE: &str = "com.docker.compose.image";
/// `service:condition:restart` for each dependency, comma separated.
pub const DEPENDS_ON: &str = "com.docker.compose.depends_on";
/// The Compose version that created the resource.
pub const VERSION: &str = "com.docker.compose.version";
/// The builder that produced an image.
pub const IMAGE_BUILDER: &str = "com.docker.compose.image.builder";
/// Set on a container created to replace another one: `<service>-<number>` (or the
/// `container_name`) of the container it replaces.
pub const REPLACE: &str = "com.docker.compose.replace";

/// The version hoist writes in [`VERSION`]. Compose writes its own version there and never
/// reads it back (no command compares or filters on it), so any value would be adopted; we
/// write the version of the Compose we mirror so that `docker inspect` shows no difference.
pub const COMPOSE_VERSION: &str = "2.40.3";

/// The condition Compose assumes for a dependency read from a label without one.
pub const CONDITION_RUNNING_OR_HEALTHY: &str = "running_or_healthy";

/// The value of [`DEPENDS_ON`]: `name:condition:restart` per dependency (restart printed as
/// Go prints a bool), joined with commas; empty when there is none.
///
/// Compose walks a Go map here, so its order changes from run to run; we sort by service
/// name. Nothing compares the label as a whole (Compose only splits it), so order is free.
pub fn depends_on_value(depends_on: &BTreeMap<String, ServiceDependency>) -> String {
    depends_on
        .iter()
        .map(|(name, d)| format!("{name}:{}:{}", d.condition, d.restart))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads a [`DEPENDS_ON`] value back as Compose does when it rebuilds a project from
/// containers (`down`, `stop` without files): a missing condition is `running_or_healthy`,
/// a missing or unreadable restart flag is `true`, and every dependency is required.
pub fn parse_depends_on(value: &str) -> BTreeMap<String, ServiceDependency> {
    let mut deps = BTreeMap::new();
    if value.is_empty() {
        return deps;
    }
    for entry in value.split(',') {
        let parts: Vec<&str> = entry.split(':').collect();
        let condition = parts
            .get(1)
            .map_or(CONDITION_RUNNING_OR_HEALTHY, |c| *c)
            .to_string();
        let restart = parts
            .get(2)
            .is_none_or(|r| parse_go_bool(r).unwrap_or(false));
        deps.insert(
            parts[0].to_string(),
            ServiceDependency {
                condition,
                restart,
                required: true,
                ..ServiceDependency::default()
            },
        );
    }
    deps
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// What Compose knows about the invocation and writes on every service container.
#[derive(Clone, Copy, Debug)]
pub struct Invocation<'a> {
    pub project: &'a str,
    /// The absolute project directory.
    pub working_dir: &'a str,
    /// The compose files as Compose names them (absolute paths).
    pub config_files: &'a [String],
    /// The `--env-file` files (absolute); empty when none was given.
    pub env_files: &'a [String],
}

/// The labels Compose adds to a service before creating its containers (its
/// `CustomLabels`): project, service, version, working dir, config files, oneoff `False`,
/// and the env files when some were given on the command line.
pub fn service_custom_labels(inv: &Invocation, service: &str) -> Mapping {
    let mut labels = Mapping::new();
    labels.insert(PROJECT.into(), inv.project.into());
    labels.insert(SERVICE.into(), service.into());
    labels.insert(VERSION.into(), COMPOSE_VERSION.into());
    labels.insert(WORKING_DIR.into(), inv.working_dir.into());
    labels.insert(CONFIG_FILES.into(), inv.config_files.join(","));
    labels.insert(ONEOFF.into(), "False".into());
    if !inv.env_files.is_empty() {
        labels.insert(ENVIRONMENT_FILE.into(), inv.env_files.join(","));
    }
    labels
}

/// The labels of a network Compose creates: the user's labels, then its own (network key,
/// project, version, config hash).
pub fn network_labels(project: &str, key: &str, network: &NetworkConfig) -> Mapping {
    let mut labels = network.labels.clone();
    labels.insert(NETWORK.into(), key.into());
    labels.insert(PROJECT.into(), project.into());
    labels.insert(VERSION.into(), COMPOSE_VERSION.into());
    labels.insert(CONFIG_HASH.into(), network_hash(network));
    labels
}

/// The labels of a volume Compose creates: the user's labels, then its own (volume key,
/// project, version, config hash).
pub fn volume_labels(project: &str, key: &str, volume: &VolumeConfig) -> Mapping {
    let mut labels = volume.labels.clone();
    labels.insert(VOLUME.into(), key.into());
    labels.insert(PROJECT.into(), project.into());
    labels.insert(VERSION.into(), COMPOSE_VERSION.into());
    labels.insert(CONFIG_HASH.into(), volume_hash(volume));
    labels
}

/// Compose's `NetworkHash`: sha256 of the network's compact Go JSON.
pub fn network_hash(network: &NetworkConfig) -> String {
    sha256_hex(&gojson::to_string(&network.to_go(Format::Json).to_json()))
}

/// Compose's `VolumeHash`: sha256 of the volume's compact Go JSON, with an empty driver
/// counted as `local`.
pub fn volume_hash(volume: &VolumeConfig) -> String {
    let mut v = volume.clone();
    if v.driver.is_empty() {
        v.driver = "local".into();
    }
    sha256_hex(&gojson::to_string(&v.to_go(Format::Json).to_json()))
}

/// The config hash of a service, as [`CONFIG_HASH`] holds it.
pub fn service_hash(service: &ServiceConfig) -> String {
    gojson::service_hash(service)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(condition: &str, restart: bool) -> ServiceDependency {
        ServiceDependency {
            condition: condition.into(),
            restart,
            required: true,
            ..ServiceDependency::default()
        }
    }

    #[test]
    fn depends_on_value_lists_name_condition_restart_sorted() {
        let mut deps = BTreeMap::new();
        deps.insert("web".to_string(), dep("service_started", false));
        deps.insert("db".to_string(), dep("service_healthy", true));
        assert_eq!(
            depends_on_value(&deps),
            "db:service_healthy:true,web:service_started:false"
        );
    }

    #[test]
    fn depends_on_value_is_empty_without_dependencies() {
        assert_eq!(depends_on_value(&BTreeMap::new()), "");
    }

    #[test]
    fn parse_depends_on_reads_full_entries() {
        let deps = parse_depends_on("db:service_healthy:false,cache:service_started:true");
        assert_eq!(deps["db"], dep("service_healthy", false));
        assert_eq!(deps["cache"], dep("service_started", true));
    }

    #[test]
    fn parse_depends_on_defaults_like_compose() {
        let deps = parse_depends_on("db,cache:service_started,x:c:maybe");
        assert_eq!(deps["db"], dep(CONDITION_RUNNING_OR_HEALTHY, true));
        assert_eq!(deps["cache"], dep("service_started", true));
        // An unreadable flag is Go's zero value.
        assert_eq!(deps["x"], dep("c", false));
        assert!(parse_depends_on("").is_empty());
    }

    #[test]
    fn custom_labels_carry_the_invocation() {
        let files = vec![
            "/p/compose.yaml".to_string(),
            "/p/override.yaml".to_string(),
        ];
        let inv = Invocation {
            project: "p",
            working_dir: "/p",
            config_files: &files,
            env_files: &[],
        };
        let labels = service_custom_labels(&inv, "web");
        assert_eq!(labels[PROJECT], "p");
        assert_eq!(labels[SERVICE], "web");
        assert_eq!(labels[VERSION], "2.40.3");
        assert_eq!(labels[WORKING_DIR], "/p");
        assert_eq!(labels[CONFIG_FILES], "/p/compose.yaml,/p/override.yaml");
        assert_eq!(labels[ONEOFF], "False");
        assert!(!labels.contains_key(ENVIRONMENT_FILE));
    }

    #[test]
    fn custom_labels_name_env_files_when_given() {
        let env = vec!["/a/.env".to_string(), "/b/x.env".to_string()];
        let inv = Invocation {
            project: "p",
            working_dir: "/p",
            config_files: &[],
            env_files: &env,
        };
        let labels = service_custom_labels(&inv, "web");
        assert_eq!(labels[ENVIRONMENT_FILE], "/a/.env,/b/x.env");
    }

    #[test]
    fn volume_hash_counts_empty_driver_as_local() {
        let v = VolumeConfig {
            name: "p_data".into(),
            ..VolumeConfig::default()
        };
        let local = VolumeConfig {
            driver: "local".into(),
            ..v.clone()
        };
        assert_eq!(volume_hash(&v), volume_hash(&local));
        assert_eq!(volume_hash(&v).len(), 64);
    }

    #[test]
    fn network_labels_put_compose_labels_over_user_labels() {
        let mut n = NetworkConfig {
            name: "p_default".into(),
            ..NetworkConfig::default()
        };
        n.labels.insert(PROJECT.into(), "other".into());
        n.labels.insert("team".into(), "a".into());
        let labels = network_labels("p", "default", &n);
        assert_eq!(labels[PROJECT], "p");
        assert_eq!(labels[NETWORK], "default");
        assert_eq!(labels["team"], "a");
        assert_eq!(labels[CONFIG_HASH], network_hash(&n));
    }
}
