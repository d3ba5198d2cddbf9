//! The typed Compose project, as compose-go's `types` package defines it.
//!
//! Every struct keeps the fields of its Go counterpart in declaration order, because
//! `config --format json` prints struct fields in that order and the config hash is a sha256
//! of that JSON. Output goes through [`GoValue`], a tree that mirrors what Go's encoders see
//! (structs, maps whose keys the printer sorts, custom marshalers already applied), built for
//! either JSON or YAML since the two encoders differ (omitempty, `x-*` extensions, a few
//! custom marshalers).
//!
//! Input is the loader's canonical document (short syntaxes already expanded), decoded as
//! compose-go's `mapstructure` step decodes it: forgiving between strings and numbers, and
//! failing with a Schema error that names the path when a value cannot be decoded.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value as J;

use super::error::{ErrorKind, LoadError, Result};
use super::gojson;

/// `x-*` attributes kept on a struct. Printed inline in YAML, never in JSON (except on the
/// project itself).
pub type Extensions = BTreeMap<String, J>;

/// `Mapping`: a string map (`annotations`, `sysctls`, ...).
pub type Mapping = BTreeMap<String, String>;

/// `MappingWithEquals`: a map whose values may be unset (`environment`, `build.args`).
pub type MappingWithEquals = BTreeMap<String, Option<String>>;

/// `MultiOptions`: options that may repeat (`provider.options`).
pub type MultiOptions = BTreeMap<String, Vec<String>>;

/// `HostsList`: host name to IP addresses (`extra_hosts`).
pub type HostsList = BTreeMap<String, Vec<String>>;

/// A byte count (`UnitBytes`), printed as a decimal string.
pub type UnitBytes = i64;

/// A Go `time.Duration` in nanoseconds, printed as Go prints it (`1m30s`, `500ms`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    /// Parses a duration as compose-go does (`str2duration`: Go syntax plus `d` and `w`).
    pub fn parse(s: &str) -> std::result::Result<Duration, String> {
        parse_duration(s).map(Duration)
    }

    /// The duration as a standard library value (negative durations become zero).
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0.max(0) as u64)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&go_duration_string(self.0))
    }
}

// ---------------------------------------------------------------------------------------
// The project

/// The result of loading a set of Compose files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Project {
    pub name: String,
    /// Not printed.
    pub working_dir: String,
    pub services: BTreeMap<String, ServiceConfig>,
    pub networks: BTreeMap<String, NetworkConfig>,
    pub volumes: BTreeMap<String, VolumeConfig>,
    pub secrets: BTreeMap<String, SecretConfig>,
    pub configs: BTreeMap<String, ConfigObjConfig>,
    pub models: BTreeMap<String, ModelConfig>,
    pub extensions: Extensions,
    /// Not printed.
    pub compose_files: Vec<String>,
    /// The interpolation environment. Not printed.
    pub environment: Mapping,
    /// Services disabled by inactive profiles. Not printed.
    pub disabled_services: BTreeMap<String, ServiceConfig>,
    /// Active profiles. Not printed.
    pub profiles: Vec<String>,
}

/// The configuration of one service.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceConfig {
    /// The service name (the key in `services`); never printed.
    pub name: String,
    pub profiles: Vec<String>,
    pub annotations: Mapping,
    pub attach: Option<bool>,
    pub build: Option<BuildConfig>,
    pub develop: Option<DevelopConfig>,
    pub blkio_config: Option<BlkioConfig>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub cgroup_parent: String,
    pub cgroup: String,
    pub cpu_count: i64,
    pub cpu_percent: f32,
    pub cpu_period: i64,
    pub cpu_quota: i64,
    pub cpu_rt_period: i64,
    pub cpu_rt_runtime: i64,
    pub cpus: f32,
    pub cpuset: String,
    pub cpu_shares: i64,
    /// `None` when unset (printed as `null` in JSON), `Some([])` to clear the image's.
    pub command: Option<Vec<String>>,
    pub configs: Vec<ServiceConfigObjConfig>,
    pub container_name: String,
    pub credential_spec: Option<CredentialSpecConfig>,
    pub depends_on: BTreeMap<String, ServiceDependency>,
    pub deploy: Option<DeployConfig>,
    pub device_cgroup_rules: Vec<String>,
    pub devices: Vec<DeviceMapping>,
    pub dns: Vec<String>,
    pub dns_opt: Vec<String>,
    pub dns_search: Vec<String>,
    pub dockerfile: String,
    pub domainname: String,
    /// Same convention as `command`.
    pub entrypoint: Option<Vec<String>>,
    pub provider: Option<ServiceProviderConfig>,
    pub environment: MappingWithEquals,
    pub env_file: Vec<EnvFile>,
    pub expose: Vec<String>,
    pub extends: Option<ExtendsConfig>,
    pub external_links: Vec<String>,
    pub extra_hosts: HostsList,
    pub group_add: Vec<String>,
    pub gpus: Vec<DeviceRequest>,
    pub hostname: String,
    pub healthcheck: Option<HealthCheckConfig>,
    pub image: String,
    pub init: Option<bool>,
    pub ipc: String,
    pub isolation: String,
    pub labels: Mapping,
    pub label_file: Vec<String>,
    /// Labels added by the engine; never printed.
    pub custom_labels: Mapping,
    pub links: Vec<String>,
    pub logging: Option<LoggingConfig>,
    pub log_driver: String,
    pub log_opt: Mapping,
    pub mem_limit: UnitBytes,
    pub mem_reservation: UnitBytes,
    pub memswap_limit: UnitBytes,
    pub mem_swappiness: UnitBytes,
    pub mac_address: String,
    pub models: BTreeMap<String, Option<ServiceModelConfig>>,
    pub net: String,
    pub network_mode: String,
    pub networks: BTreeMap<String, Option<ServiceNetworkConfig>>,
    pub oom_kill_disable: bool,
    pub oom_score_adj: i64,
    pub pid: String,
    pub pids_limit: i64,
    pub platform: String,
    pub ports: Vec<ServicePortConfig>,
    pub privileged: bool,
    pub pull_policy: String,
    pub read_only: bool,
    pub restart: String,
    pub runtime: String,
    pub scale: Option<i64>,
    pub secrets: Vec<ServiceSecretConfig>,
    pub security_opt: Vec<String>,
    pub shm_size: UnitBytes,
    pub stdin_open: bool,
    pub stop_grace_period: Option<Duration>,
    pub stop_signal: String,
    pub storage_opt: Mapping,
    pub sysctls: Mapping,
    pub tmpfs: Vec<String>,
    pub tty: bool,
    pub ulimits: BTreeMap<String, UlimitsConfig>,
    pub use_api_socket: bool,
    pub user: String,
    pub userns_mode: String,
    pub uts: String,
    pub volume_driver: String,
    pub volumes: Vec<ServiceVolumeConfig>,
    pub volumes_from: Vec<String>,
    pub working_dir: String,
    pub post_start: Vec<ServiceHook>,
    pub pre_stop: Vec<ServiceHook>,
    pub extensions: Extensions,
}

/// `build`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BuildConfig {
    pub context: String,
    pub dockerfile: String,
    pub dockerfile_inline: String,
    pub entitlements: Vec<String>,
    pub args: MappingWithEquals,
    pub provenance: String,
    pub sbom: String,
    pub ssh: Vec<SshKey>,
    pub labels: Mapping,
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    pub no_cache: bool,
    pub additional_contexts: Mapping,
    pub pull: bool,
    pub extra_hosts: HostsList,
    pub isolation: String,
    pub network: String,
    pub target: String,
    pub secrets: Vec<ServiceSecretConfig>,
    pub shm_size: UnitBytes,
    pub tags: Vec<String>,
    pub ulimits: BTreeMap<String, UlimitsConfig>,
    pub platforms: Vec<String>,
    pub privileged: bool,
    pub extensions: Extensions,
}

/// One `build.ssh` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SshKey {
    pub id: String,
    pub path: String,
}

/// `develop`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DevelopConfig {
    pub watch: Vec<Trigger>,
    pub extensions: Extensions,
}

/// One `develop.watch` rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trigger {
    pub path: String,
    pub action: String,
    pub target: String,
    pub exec: ServiceHook,
    pub include: Vec<String>,
    pub ignore: Vec<String>,
    pub initial_sync: bool,
    pub extensions: Extensions,
}

/// A `post_start` / `pre_stop` hook, or a watch rule's `exec`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceHook {
    pub command: Option<Vec<String>>,
    pub user: String,
    pub privileged: bool,
    pub working_dir: String,
    pub environment: MappingWithEquals,
    pub extensions: Extensions,
}

/// `blkio_config`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlkioConfig {
    pub weight: u16,
    pub weight_device: Vec<WeightDevice>,
    pub device_read_bps: Vec<ThrottleDevice>,
    pub device_read_iops: Vec<ThrottleDevice>,
    pub device_write_bps: Vec<ThrottleDevice>,
    pub device_write_iops: Vec<ThrottleDevice>,
    pub extensions: Extensions,
}

/// A device and its blkio weight. Go has no JSON tags here: JSON keys are `Path`, `Weight`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeightDevice {
    pub path: String,
    pub weight: u16,
    pub extensions: Extensions,
}

/// A device and its rate limit. JSON keys are `Path`, `Rate`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThrottleDevice {
    pub path: String,
    pub rate: UnitBytes,
    pub extensions: Extensions,
}

/// A service's reference to a secret or config (`FileReferenceConfig`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileReferenceConfig {
    pub source: String,
    pub target: String,
    pub uid: String,
    pub gid: String,
    /// File mode; printed in octal with a leading zero (`"0440"`).
    pub mode: Option<i64>,
    pub extensions: Extensions,
}

/// A service's reference to a config.
pub type ServiceConfigObjConfig = FileReferenceConfig;
/// A service's reference to a secret.
pub type ServiceSecretConfig = FileReferenceConfig;

/// `credential_spec`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CredentialSpecConfig {
    pub config: String,
    pub file: String,
    pub registry: String,
    pub extensions: Extensions,
}

/// One `depends_on` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceDependency {
    pub condition: String,
    pub restart: bool,
    pub extensions: Extensions,
    pub required: bool,
}

/// `deploy`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeployConfig {
    pub mode: String,
    pub replicas: Option<i64>,
    pub labels: Mapping,
    pub update_config: Option<UpdateConfig>,
    pub rollback_config: Option<UpdateConfig>,
    pub resources: Resources,
    pub restart_policy: Option<RestartPolicy>,
    pub placement: Placement,
    pub endpoint_mode: String,
    pub extensions: Extensions,
}

/// `deploy.update_config` / `deploy.rollback_config`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UpdateConfig {
    pub parallelism: Option<u64>,
    pub delay: Duration,
    pub failure_action: String,
    pub monitor: Duration,
    pub max_failure_ratio: f32,
    pub order: String,
    pub extensions: Extensions,
}

/// `deploy.resources`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resources {
    pub limits: Option<Resource>,
    pub reservations: Option<Resource>,
    pub extensions: Extensions,
}

/// `deploy.resources.limits` / `.reservations`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource {
    pub cpus: f32,
    pub memory: UnitBytes,
    pub pids: i64,
    pub devices: Vec<DeviceRequest>,
    pub generic_resources: Vec<GenericResource>,
    pub extensions: Extensions,
}

/// One `generic_resources` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenericResource {
    pub discrete_resource_spec: Option<DiscreteGenericResource>,
    pub extensions: Extensions,
}

/// `discrete_resource_spec`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiscreteGenericResource {
    pub kind: String,
    pub value: i64,
    pub extensions: Extensions,
}

/// `deploy.restart_policy`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestartPolicy {
    pub condition: String,
    pub delay: Option<Duration>,
    pub max_attempts: Option<u64>,
    pub window: Option<Duration>,
    pub extensions: Extensions,
}

/// `deploy.placement`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placement {
    pub constraints: Vec<String>,
    pub preferences: Vec<PlacementPreferences>,
    pub max_replicas_per_node: u64,
    pub extensions: Extensions,
}

/// One `deploy.placement.preferences` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlacementPreferences {
    pub spread: String,
    pub extensions: Extensions,
}

/// One `devices` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeviceMapping {
    pub source: String,
    pub target: String,
    pub permissions: String,
    pub extensions: Extensions,
}

/// A device request (`gpus`, `deploy.resources.*.devices`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeviceRequest {
    pub capabilities: Vec<String>,
    pub driver: String,
    /// `-1` means `all`.
    pub count: i64,
    pub device_ids: Vec<String>,
    pub options: Mapping,
}

/// One `env_file` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnvFile {
    pub path: String,
    pub required: bool,
    pub format: String,
}

/// `extends`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExtendsConfig {
    pub file: String,
    pub service: String,
}

/// `healthcheck`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HealthCheckConfig {
    pub test: Vec<String>,
    pub timeout: Option<Duration>,
    pub interval: Option<Duration>,
    pub retries: Option<u64>,
    pub start_period: Option<Duration>,
    pub start_interval: Option<Duration>,
    pub disable: bool,
    pub extensions: Extensions,
}

/// `logging`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoggingConfig {
    pub driver: String,
    pub options: Mapping,
    pub extensions: Extensions,
}

/// One entry of a service's `models`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceModelConfig {
    pub endpoint_var: String,
    pub model_var: String,
    pub extensions: Extensions,
}

/// One entry of a service's `networks`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceNetworkConfig {
    pub aliases: Vec<String>,
    pub driver_opts: Mapping,
    pub gw_priority: i64,
    pub interface_name: String,
    pub ipv4_address: String,
    pub ipv6_address: String,
    pub link_local_ips: Vec<String>,
    pub mac_address: String,
    pub priority: i64,
    pub extensions: Extensions,
}

/// One `ports` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServicePortConfig {
    pub name: String,
    pub mode: String,
    pub host_ip: String,
    pub target: u32,
    pub published: String,
    pub protocol: String,
    pub app_protocol: String,
    pub extensions: Extensions,
}

/// `provider`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceProviderConfig {
    pub r#type: String,
    pub options: MultiOptions,
    pub extensions: Extensions,
}

/// One `ulimits` entry: either a single value or a soft/hard pair.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UlimitsConfig {
    pub single: i64,
    pub soft: i64,
    pub hard: i64,
    pub extensions: Extensions,
}

/// One `volumes` entry of a service.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceVolumeConfig {
    pub r#type: String,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub consistency: String,
    pub bind: Option<ServiceVolumeBind>,
    pub volume: Option<ServiceVolumeVolume>,
    pub tmpfs: Option<ServiceVolumeTmpfs>,
    pub image: Option<ServiceVolumeImage>,
    pub extensions: Extensions,
}

/// Options of a bind mount.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceVolumeBind {
    pub selinux: String,
    pub propagation: String,
    pub create_host_path: bool,
    pub recursive: String,
    pub extensions: Extensions,
}

/// Options of a volume mount.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceVolumeVolume {
    pub labels: Mapping,
    pub nocopy: bool,
    pub subpath: String,
    pub extensions: Extensions,
}

/// Options of a tmpfs mount.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceVolumeTmpfs {
    pub size: UnitBytes,
    pub mode: u32,
    pub extensions: Extensions,
}

/// Options of an image mount.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceVolumeImage {
    pub subpath: String,
    pub extensions: Extensions,
}

/// A top-level network.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetworkConfig {
    pub name: String,
    pub driver: String,
    pub driver_opts: Mapping,
    pub ipam: IpamConfig,
    pub external: bool,
    pub internal: bool,
    pub attachable: bool,
    pub labels: Mapping,
    /// Labels added by the engine; never printed.
    pub custom_labels: Mapping,
    pub enable_ipv4: Option<bool>,
    pub enable_ipv6: Option<bool>,
    pub extensions: Extensions,
}

/// A network's `ipam`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IpamConfig {
    pub driver: String,
    pub config: Vec<IpamPool>,
    pub extensions: Extensions,
}

/// One `ipam.config` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IpamPool {
    pub subnet: String,
    pub gateway: String,
    pub ip_range: String,
    pub aux_addresses: Mapping,
    pub extensions: Extensions,
}

/// A top-level volume.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VolumeConfig {
    pub name: String,
    pub driver: String,
    pub driver_opts: Mapping,
    pub external: bool,
    pub labels: Mapping,
    /// Labels added by the engine; never printed.
    pub custom_labels: Mapping,
    pub extensions: Extensions,
}

/// A top-level secret or config (`FileObjectConfig`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileObjectConfig {
    pub name: String,
    pub file: String,
    pub environment: String,
    pub content: String,
    /// Secrets print their content only when this is set (never by `config`).
    pub marshal_content: bool,
    pub external: bool,
    pub labels: Mapping,
    pub driver: String,
    pub driver_opts: Mapping,
    pub template_driver: String,
    pub extensions: Extensions,
}

/// A top-level secret: its content is never printed unless `marshal_content` is set.
pub type SecretConfig = FileObjectConfig;

/// A top-level config: the content is not printed when it comes from `environment`.
/// (Same Go layout as [`SecretConfig`]; [`Project`] applies the right rule to each map.)
pub type ConfigObjConfig = FileObjectConfig;

/// A top-level model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelConfig {
    pub name: String,
    pub model: String,
    pub context_size: i64,
    pub runtime_flags: Vec<String>,
    pub extensions: Extensions,
}

/// One `include` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IncludeConfig {
    pub path: Vec<String>,
    pub project_directory: String,
    pub env_file: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Accessors

impl Project {
    /// Service names, sorted.
    pub fn service_names(&self) -> Vec<String> {
        self.services.keys().cloned().collect()
    }

    /// Network names, sorted.
    pub fn network_names(&self) -> Vec<String> {
        self.networks.keys().cloned().collect()
    }

    /// Volume names, sorted.
    pub fn volume_names(&self) -> Vec<String> {
        self.volumes.keys().cloned().collect()
    }

    /// Secret names, sorted.
    pub fn secret_names(&self) -> Vec<String> {
        self.secrets.keys().cloned().collect()
    }

    /// Config names, sorted.
    pub fn config_names(&self) -> Vec<String> {
        self.configs.keys().cloned().collect()
    }

    /// Model names, sorted.
    pub fn model_names(&self) -> Vec<String> {
        self.models.keys().cloned().collect()
    }

    /// The enabled service called `name`.
    pub fn service(&self, name: &str) -> Option<&ServiceConfig> {
        self.services.get(name)
    }
}

impl ServiceConfig {
    /// How many containers the service runs: `scale`, else `deploy.replicas`, else 1.
    pub fn scale(&self) -> i64 {
        if let Some(scale) = self.scale {
            return scale;
        }
        self.deploy.as_ref().and_then(|d| d.replicas).unwrap_or(1)
    }

    /// Sets `scale` and, when there is a `deploy` section, `deploy.replicas`.
    pub fn set_scale(&mut self, scale: i64) {
        self.scale = Some(scale);
        if let Some(deploy) = self.deploy.as_mut() {
            deploy.replicas = Some(scale);
        }
    }

    /// The services this one depends on, sorted.
    pub fn dependencies(&self) -> Vec<String> {
        self.depends_on.keys().cloned().collect()
    }

    /// Network names by decreasing `priority`, then by name.
    pub fn networks_by_priority(&self) -> Vec<String> {
        let mut keys: Vec<(i64, &String)> = self
            .networks
            .iter()
            .map(|(name, n)| (n.as_ref().map_or(0, |n| n.priority), name))
            .collect();
        keys.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        keys.into_iter().map(|(_, name)| name.clone()).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Output tree

/// Which Go encoder a [`GoValue`] is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `encoding/json`.
    Json,
    /// `gopkg.in/yaml.v3`.
    Yaml,
}

/// A value as Go's encoders see it once custom marshalers ran.
#[derive(Clone, Debug, PartialEq)]
pub enum GoValue {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A `float32` (Go prints it with 32-bit shortest digits).
    Float32(f32),
    Str(String),
    Seq(Vec<GoValue>),
    /// A Go map: printers sort the keys (JSON by bytes, YAML in yaml.v3's natural order).
    Map(Vec<(String, GoValue)>),
    /// A Go struct: fields in declaration order (already filtered by `omitempty`), then the
    /// inline `x-*` extensions (YAML only; sorted by the printer).
    Struct(Vec<(String, GoValue)>, Vec<(String, GoValue)>),
}

impl GoValue {
    /// The JSON document `encoding/json` would write (maps sorted, float32 kept short).
    pub fn to_json(&self) -> J {
        match self {
            GoValue::Null => J::Null,
            GoValue::Bool(b) => J::Bool(*b),
            GoValue::Int(i) => J::from(*i),
            GoValue::Uint(u) => J::from(*u),
            GoValue::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            GoValue::Float32(f) => {
                serde_json::Number::from_f64(gojson::widen_f32(*f)).map_or(J::Null, J::Number)
            }
            GoValue::Str(s) => J::String(s.clone()),
            GoValue::Seq(items) => J::Array(items.iter().map(GoValue::to_json).collect()),
            GoValue::Map(entries) => {
                let mut sorted: Vec<&(String, GoValue)> = entries.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                J::Object(
                    sorted
                        .into_iter()
                        .map(|(k, v)| (k.clone(), v.to_json()))
                        .collect(),
                )
            }
            GoValue::Struct(fields, _) => J::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// An untyped value (an extension) as Go holds it after decoding YAML.
    pub fn from_json(v: &J) -> GoValue {
        match v {
            J::Null => GoValue::Null,
            J::Bool(b) => GoValue::Bool(*b),
            J::Number(n) => {
                if let Some(i) = n.as_i64() {
                    GoValue::Int(i)
                } else if let Some(u) = n.as_u64() {
                    GoValue::Uint(u)
                } else {
                    GoValue::Float(n.as_f64().unwrap_or(0.0))
                }
            }
            J::String(s) => GoValue::Str(s.clone()),
            J::Array(items) => GoValue::Seq(items.iter().map(GoValue::from_json).collect()),
            J::Object(m) => GoValue::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), GoValue::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// Conversion of a model value into what Go's encoder sees.
pub trait ToGo {
    fn to_go(&self, f: Format) -> GoValue;
}

impl ToGo for String {
    fn to_go(&self, _: Format) -> GoValue {
        GoValue::Str(self.clone())
    }
}

impl ToGo for J {
    fn to_go(&self, _: Format) -> GoValue {
        GoValue::from_json(self)
    }
}

impl<T: ToGo> ToGo for Option<T> {
    fn to_go(&self, f: Format) -> GoValue {
        self.as_ref().map_or(GoValue::Null, |v| v.to_go(f))
    }
}

impl<T: ToGo> ToGo for Vec<T> {
    fn to_go(&self, f: Format) -> GoValue {
        GoValue::Seq(self.iter().map(|v| v.to_go(f)).collect())
    }
}

impl<T: ToGo> ToGo for BTreeMap<String, T> {
    fn to_go(&self, f: Format) -> GoValue {
        GoValue::Map(self.iter().map(|(k, v)| (k.clone(), v.to_go(f))).collect())
    }
}

/// Builds a struct's fields with Go's `omitempty` rules for the chosen encoder.
struct Fields {
    f: Format,
    fields: Vec<(String, GoValue)>,
    inline: Vec<(String, GoValue)>,
}

impl Fields {
    fn new(f: Format) -> Self {
        Fields {
            f,
            fields: Vec::new(),
            inline: Vec::new(),
        }
    }

    fn put(&mut self, key: &str, v: GoValue) -> &mut Self {
        self.fields.push((key.to_string(), v));
        self
    }

    fn s(&mut self, key: &str, v: &str) -> &mut Self {
        if !v.is_empty() {
            self.put(key, GoValue::Str(v.to_string()));
        }
        self
    }

    fn b(&mut self, key: &str, v: bool) -> &mut Self {
        if v {
            self.put(key, GoValue::Bool(true));
        }
        self
    }

    fn opt_b(&mut self, key: &str, v: Option<bool>) -> &mut Self {
        if let Some(v) = v {
            self.put(key, GoValue::Bool(v));
        }
        self
    }

    fn i(&mut self, key: &str, v: i64) -> &mut Self {
        if v != 0 {
            self.put(key, GoValue::Int(v));
        }
        self
    }

    fn opt_i(&mut self, key: &str, v: Option<i64>) -> &mut Self {
        if let Some(v) = v {
            self.put(key, GoValue::Int(v));
        }
        self
    }

    fn u(&mut self, key: &str, v: u64) -> &mut Self {
        if v != 0 {
            self.put(key, GoValue::Uint(v));
        }
        self
    }

    fn opt_u(&mut self, key: &str, v: Option<u64>) -> &mut Self {
        if let Some(v) = v {
            self.put(key, GoValue::Uint(v));
        }
        self
    }

    fn f32(&mut self, key: &str, v: f32) -> &mut Self {
        if v != 0.0 {
            self.put(key, GoValue::Float32(v));
        }
        self
    }

    /// `UnitBytes`: marshaled as a decimal string.
    fn bytes(&mut self, key: &str, v: UnitBytes) -> &mut Self {
        if v != 0 {
            self.put(key, GoValue::Str(v.to_string()));
        }
        self
    }

    fn dur(&mut self, key: &str, v: Duration) -> &mut Self {
        if v.0 != 0 {
            self.put(key, GoValue::Str(v.to_string()));
        }
        self
    }

    fn opt_dur(&mut self, key: &str, v: Option<Duration>) -> &mut Self {
        if let Some(v) = v {
            self.put(key, GoValue::Str(v.to_string()));
        }
        self
    }

    fn list<T: ToGo>(&mut self, key: &str, v: &[T]) -> &mut Self {
        if !v.is_empty() {
            let f = self.f;
            self.put(key, GoValue::Seq(v.iter().map(|x| x.to_go(f)).collect()));
        }
        self
    }

    fn map<T: ToGo>(&mut self, key: &str, v: &BTreeMap<String, T>) -> &mut Self {
        if !v.is_empty() {
            let f = self.f;
            self.put(key, v.to_go(f));
        }
        self
    }

    fn opt<T: ToGo>(&mut self, key: &str, v: &Option<T>) -> &mut Self {
        if let Some(v) = v {
            let f = self.f;
            self.put(key, v.to_go(f));
        }
        self
    }

    /// A struct-valued field: JSON's omitempty never omits a struct, yaml.v3's omits a zero one.
    fn strct<T: ToGo + Default + PartialEq>(&mut self, key: &str, v: &T) -> &mut Self {
        if self.f == Format::Json || *v != T::default() {
            let f = self.f;
            self.put(key, v.to_go(f));
        }
        self
    }

    /// `ShellCommand`: JSON prints `null` when unset; YAML omits it only when unset.
    fn cmd(&mut self, key: &str, v: &Option<Vec<String>>) -> &mut Self {
        match (v, self.f) {
            (None, Format::Json) => self.put(key, GoValue::Null),
            (None, Format::Yaml) => self,
            (Some(v), _) => self.put(key, strings(v)),
        }
    }

    fn ext(&mut self, e: &Extensions) -> &mut Self {
        if self.f == Format::Yaml {
            self.inline
                .extend(e.iter().map(|(k, v)| (k.clone(), GoValue::from_json(v))));
        }
        self
    }

    fn done(&mut self) -> GoValue {
        GoValue::Struct(
            std::mem::take(&mut self.fields),
            std::mem::take(&mut self.inline),
        )
    }
}

fn strings(v: &[String]) -> GoValue {
    GoValue::Seq(v.iter().map(|s| GoValue::Str(s.clone())).collect())
}

impl Project {
    /// The value Compose marshals: JSON uses `Project.MarshalJSON` (a map: `name` and
    /// `services` always, other sections when not empty, project extensions; no `models`),
    /// YAML the struct (`name`, `services`, `networks`, `volumes`, `secrets`, `configs`,
    /// `models`, then extensions).
    pub fn to_go(&self, f: Format) -> GoValue {
        let secrets = || {
            GoValue::Map(
                self.secrets
                    .iter()
                    .map(|(k, v)| (k.clone(), v.secret_to_go(f)))
                    .collect(),
            )
        };
        let configs = || {
            GoValue::Map(
                self.configs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.config_to_go(f)))
                    .collect(),
            )
        };
        match f {
            Format::Json => {
                let mut m = vec![
                    ("name".to_string(), GoValue::Str(self.name.clone())),
                    ("services".to_string(), self.services.to_go(f)),
                ];
                if !self.networks.is_empty() {
                    m.push(("networks".into(), self.networks.to_go(f)));
                }
                if !self.volumes.is_empty() {
                    m.push(("volumes".into(), self.volumes.to_go(f)));
                }
                if !self.secrets.is_empty() {
                    m.push(("secrets".into(), secrets()));
                }
                if !self.configs.is_empty() {
                    m.push(("configs".into(), configs()));
                }
                for (k, v) in &self.extensions {
                    m.push((k.clone(), GoValue::from_json(v)));
                }
                GoValue::Map(m)
            }
            Format::Yaml => {
                let mut o = Fields::new(f);
                o.s("name", &self.name);
                o.put("services", self.services.to_go(f));
                o.map("networks", &self.networks);
                o.map("volumes", &self.volumes);
                if !self.secrets.is_empty() {
                    o.put("secrets", secrets());
                }
                if !self.configs.is_empty() {
                    o.put("configs", configs());
                }
                o.map("models", &self.models);
                o.ext(&self.extensions);
                o.done()
            }
        }
    }
}

impl ToGo for ServiceConfig {
    fn to_go(&self, f: Format) -> GoValue {
        let mut o = Fields::new(f);
        o.list("profiles", &self.profiles)
            .map("annotations", &self.annotations)
            .opt_b("attach", self.attach)
            .opt("build", &self.build)
            .opt("develop", &self.develop)
            .opt("blkio_config", &self.blkio_config)
            .list("cap_add", &self.cap_add)
            .list("cap_drop", &self.cap_drop)
            .s("cgroup_parent", &self.cgroup_parent)
            .s("cgroup", &self.cgroup)
            .i("cpu_count", self.cpu_count)
            .f32("cpu_percent", self.cpu_percent)
            .i("cpu_period", self.cpu_period)
            .i("cpu_quota", self.cpu_quota)
            .i("cpu_rt_period", self.cpu_rt_period)
            .i("cpu_rt_runtime", self.cpu_rt_runtime)
            .f32("cpus", self.cpus)
            .s("cpuset", &self.cpuset)
            .i("cpu_shares", self.cpu_shares)
            .cmd("command", &self.command)
            .list("configs", &self.configs)
            .s("container_name", &self.container_name)
            .opt("credential_spec", &self.credential_spec)
            .map("depends_on", &self.depends_on)
            .opt("deploy", &self.deploy)
            .list("device_cgroup_rules", &self.device_cgroup_rules)
            .list("devices", &self.devices)
            .list("dns", &self.dns)
            .list("dns_opt", &self.dns_opt)
            .list("dns_search", &self.dns_search)
            .s("dockerfile", &self.dockerfile)
            .s("domainname", &self.domainname)
            .cmd("entrypoint", &self.entrypoint)
            .opt("provider", &self.provider)
            .map("environment", &self.environment)
            .list("env_file", &self.env_file)
            .list("expose", &self.expose)
            .opt("extends", &self.extends)
            .list("external_links", &self.external_links);
        if !self.extra_hosts.is_empty() {
            o.put("extra_hosts", hosts_list(&self.extra_hosts));
        }
        o.list("group_add", &self.group_add)
            .list("gpus", &self.gpus)
            .s("hostname", &self.hostname)
            .opt("healthcheck", &self.healthcheck)
            .s("image", &self.image)
            .opt_b("init", self.init)
            .s("ipc", &self.ipc)
            .s("isolation", &self.isolation)
            .map("labels", &self.labels)
            .list("label_file", &self.label_file)
            .list("links", &self.links)
            .opt("logging", &self.logging)
            .s("log_driver", &self.log_driver)
            .map("log_opt", &self.log_opt)
            .bytes("mem_limit", self.mem_limit)
            .bytes("mem_reservation", self.mem_reservation)
            .bytes("memswap_limit", self.memswap_limit)
            .bytes("mem_swappiness", self.mem_swappiness)
            .s("mac_address", &self.mac_address)
            .map("models", &self.models)
            .s("net", &self.net)
            .s("network_mode", &self.network_mode)
            .map("networks", &self.networks)
            .b("oom_kill_disable", self.oom_kill_disable)
            .i("oom_score_adj", self.oom_score_adj)
            .s("pid", &self.pid)
            .i("pids_limit", self.pids_limit)
            .s("platform", &self.platform)
            .list("ports", &self.ports)
            .b("privileged", self.privileged)
            .s("pull_policy", &self.pull_policy)
            .b("read_only", self.read_only)
            .s("restart", &self.restart)
            .s("runtime", &self.runtime)
            .opt_i("scale", self.scale)
            .list("secrets", &self.secrets)
            .list("security_opt", &self.security_opt)
            .bytes("shm_size", self.shm_size)
            .b("stdin_open", self.stdin_open)
            .opt_dur("stop_grace_period", self.stop_grace_period)
            .s("stop_signal", &self.stop_signal)
            .map("storage_opt", &self.storage_opt)
            .map("sysctls", &self.sysctls)
            .list("tmpfs", &self.tmpfs)
            .b("tty", self.tty)
            .map("ulimits", &self.ulimits)
            .b("use_api_socket", self.use_api_socket)
            .s("user", &self.user)
            .s("userns_mode", &self.userns_mode)
            .s("uts", &self.uts)
            .s("volume_driver", &self.volume_driver)
            .list("volumes", &self.volumes)
            .list("volumes_from", &self.volumes_from)
            .s("working_dir", &self.working_dir)
            .list("post_start", &self.post_start)
            .list("pre_stop", &self.pre_stop)
            .ext(&self.extensions)
            .done()
    }
}

/// `HostsList` marshals as a sorted list of `host=ip`.
fn hosts_list(h: &HostsList) -> GoValue {
    let mut list: Vec<String> = h
        .iter()
        .flat_map(|(host, ips)| ips.iter().map(move |ip| format!("{host}={ip}")))
        .collect();
    list.sort();
    strings(&list)
}

impl ToGo for BuildConfig {
    fn to_go(&self, f: Format) -> GoValue {
        let mut o = Fields::new(f);
        o.s("context", &self.context)
            .s("dockerfile", &self.dockerfile)
            .s("dockerfile_inline", &self.dockerfile_inline)
            .list("entitlements", &self.entitlements)
            .map("args", &self.args)
            .s("provenance", &self.provenance)
            .s("sbom", &self.sbom)
            .list("ssh", &self.ssh)
            .map("labels", &self.labels)
            .list("cache_from", &self.cache_from)
            .list("cache_to", &self.cache_to)
            .b("no_cache", self.no_cache)
            .map("additional_contexts", &self.additional_contexts)
            .b("pull", self.pull);
        if !self.extra_hosts.is_empty() {
            o.put("extra_hosts", hosts_list(&self.extra_hosts));
        }
        o.s("isolation", &self.isolation)
            .s("network", &self.network)
            .s("target", &self.target)
            .list("secrets", &self.secrets)
            .bytes("shm_size", self.shm_size)
            .list("tags", &self.tags)
            .map("ulimits", &self.ulimits)
            .list("platforms", &self.platforms)
            .b("privileged", self.privileged)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for SshKey {
    /// `id` alone, or `id: path` (which Go's JSON encoder rejects; see [`SshKey::json_error`]).
    fn to_go(&self, _: Format) -> GoValue {
        if self.path.is_empty() {
            GoValue::Str(self.id.clone())
        } else {
            GoValue::Str(format!("{}: {}", self.id, self.path))
        }
    }
}

impl SshKey {
    /// Go's `SSHKey.MarshalJSON` writes `"id": path`, which is not JSON: `json.Marshal` fails.
    pub fn json_error(&self) -> Option<String> {
        if self.path.is_empty() {
            return None;
        }
        Some(
            "json: error calling MarshalJSON for type types.SSHKey: invalid character ':' after top-level value"
                .to_string(),
        )
    }
}

impl ToGo for DevelopConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .list("watch", &self.watch)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for Trigger {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .put("path", GoValue::Str(self.path.clone()))
            .put("action", GoValue::Str(self.action.clone()))
            .s("target", &self.target)
            .strct("exec", &self.exec)
            .list("include", &self.include)
            .list("ignore", &self.ignore)
            .b("initial_sync", self.initial_sync)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServiceHook {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .cmd("command", &self.command)
            .s("user", &self.user)
            .b("privileged", self.privileged)
            .s("working_dir", &self.working_dir)
            .map("environment", &self.environment)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for BlkioConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .u("weight", self.weight as u64)
            .list("weight_device", &self.weight_device)
            .list("device_read_bps", &self.device_read_bps)
            .list("device_read_iops", &self.device_read_iops)
            .list("device_write_bps", &self.device_write_bps)
            .list("device_write_iops", &self.device_write_iops)
            .ext(&self.extensions)
            .done()
    }
}

/// Field names of structs without tags: Go's JSON uses the field name, yaml.v3 lowercases it.
fn untagged(f: Format, json: &str) -> String {
    match f {
        Format::Json => json.to_string(),
        Format::Yaml => json.to_lowercase(),
    }
}

impl ToGo for WeightDevice {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .put(&untagged(f, "Path"), GoValue::Str(self.path.clone()))
            .put(&untagged(f, "Weight"), GoValue::Uint(self.weight as u64))
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ThrottleDevice {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .put(&untagged(f, "Path"), GoValue::Str(self.path.clone()))
            .put(&untagged(f, "Rate"), GoValue::Str(self.rate.to_string()))
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for FileReferenceConfig {
    fn to_go(&self, f: Format) -> GoValue {
        let mut o = Fields::new(f);
        o.s("source", &self.source)
            .s("target", &self.target)
            .s("uid", &self.uid)
            .s("gid", &self.gid);
        if let Some(mode) = self.mode {
            o.put("mode", GoValue::Str(file_mode_string(mode)));
        }
        o.ext(&self.extensions).done()
    }
}

/// `FileMode.String()`: `fmt.Sprintf("0%o", mode)`.
fn file_mode_string(mode: i64) -> String {
    if mode < 0 {
        format!("0-{:o}", mode.unsigned_abs())
    } else {
        format!("0{mode:o}")
    }
}

impl ToGo for CredentialSpecConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("config", &self.config)
            .s("file", &self.file)
            .s("registry", &self.registry)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServiceDependency {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("condition", &self.condition)
            .b("restart", self.restart)
            .ext(&self.extensions)
            .put("required", GoValue::Bool(self.required))
            .done()
    }
}

impl ToGo for DeployConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("mode", &self.mode)
            .opt_i("replicas", self.replicas)
            .map("labels", &self.labels)
            .opt("update_config", &self.update_config)
            .opt("rollback_config", &self.rollback_config)
            .strct("resources", &self.resources)
            .opt("restart_policy", &self.restart_policy)
            .strct("placement", &self.placement)
            .s("endpoint_mode", &self.endpoint_mode)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for UpdateConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .opt_u("parallelism", self.parallelism)
            .dur("delay", self.delay)
            .s("failure_action", &self.failure_action)
            .dur("monitor", self.monitor)
            .f32("max_failure_ratio", self.max_failure_ratio)
            .s("order", &self.order)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for Resources {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .opt("limits", &self.limits)
            .opt("reservations", &self.reservations)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for Resource {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .f32("cpus", self.cpus)
            .bytes("memory", self.memory)
            .i("pids", self.pids)
            .list("devices", &self.devices)
            .list("generic_resources", &self.generic_resources)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for GenericResource {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .opt("discrete_resource_spec", &self.discrete_resource_spec)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for DiscreteGenericResource {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .put("kind", GoValue::Str(self.kind.clone()))
            .put("value", GoValue::Int(self.value))
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for RestartPolicy {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("condition", &self.condition)
            .opt_dur("delay", self.delay)
            .opt_u("max_attempts", self.max_attempts)
            .opt_dur("window", self.window)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for Placement {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .list("constraints", &self.constraints)
            .list("preferences", &self.preferences)
            .u("max_replicas_per_node", self.max_replicas_per_node)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for PlacementPreferences {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("spread", &self.spread)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for DeviceMapping {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("source", &self.source)
            .s("target", &self.target)
            .s("permissions", &self.permissions)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for DeviceRequest {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .list("capabilities", &self.capabilities)
            .s("driver", &self.driver)
            .i("count", self.count)
            .list("device_ids", &self.device_ids)
            .map("options", &self.options)
            .done()
    }
}

impl ToGo for EnvFile {
    /// A required file prints as its path; an optional one as `{path, required}` (JSON also
    /// keeps `format`).
    fn to_go(&self, f: Format) -> GoValue {
        if self.required {
            return GoValue::Str(self.path.clone());
        }
        match f {
            Format::Json => Fields::new(f)
                .s("path", &self.path)
                .put("required", GoValue::Bool(false))
                .s("format", &self.format)
                .done(),
            Format::Yaml => GoValue::Map(vec![
                ("path".into(), GoValue::Str(self.path.clone())),
                ("required".into(), GoValue::Bool(false)),
            ]),
        }
    }
}

impl ToGo for ExtendsConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("file", &self.file)
            .s("service", &self.service)
            .done()
    }
}

impl ToGo for HealthCheckConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .list("test", &self.test)
            .opt_dur("timeout", self.timeout)
            .opt_dur("interval", self.interval)
            .opt_u("retries", self.retries)
            .opt_dur("start_period", self.start_period)
            .opt_dur("start_interval", self.start_interval)
            .b("disable", self.disable)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for LoggingConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("driver", &self.driver)
            .map("options", &self.options)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServiceModelConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("endpoint_var", &self.endpoint_var)
            .s("model_var", &self.model_var)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServiceNetworkConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .list("aliases", &self.aliases)
            .map("driver_opts", &self.driver_opts)
            .i("gw_priority", self.gw_priority)
            .s("interface_name", &self.interface_name)
            .s("ipv4_address", &self.ipv4_address)
            .s("ipv6_address", &self.ipv6_address)
            .list("link_local_ips", &self.link_local_ips)
            .s("mac_address", &self.mac_address)
            .i("priority", self.priority)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServicePortConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("name", &self.name)
            .s("mode", &self.mode)
            .s("host_ip", &self.host_ip)
            .u("target", self.target as u64)
            .s("published", &self.published)
            .s("protocol", &self.protocol)
            .s("app_protocol", &self.app_protocol)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServiceProviderConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("type", &self.r#type)
            .map("options", &self.options)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for UlimitsConfig {
    /// A single value prints as a number, otherwise `{soft, hard}` (JSON omits zeros).
    fn to_go(&self, f: Format) -> GoValue {
        if self.single != 0 {
            return GoValue::Int(self.single);
        }
        match f {
            Format::Json => Fields::new(f)
                .i("soft", self.soft)
                .i("hard", self.hard)
                .done(),
            Format::Yaml => Fields::new(f)
                .put("soft", GoValue::Int(self.soft))
                .put("hard", GoValue::Int(self.hard))
                .done(),
        }
    }
}

impl ToGo for ServiceVolumeConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("type", &self.r#type)
            .s("source", &self.source)
            .s("target", &self.target)
            .b("read_only", self.read_only)
            .s("consistency", &self.consistency)
            .opt("bind", &self.bind)
            .opt("volume", &self.volume)
            .opt("tmpfs", &self.tmpfs)
            .opt("image", &self.image)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServiceVolumeBind {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("selinux", &self.selinux)
            .s("propagation", &self.propagation)
            .b("create_host_path", self.create_host_path)
            .s("recursive", &self.recursive)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServiceVolumeVolume {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .map("labels", &self.labels)
            .b("nocopy", self.nocopy)
            .s("subpath", &self.subpath)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServiceVolumeTmpfs {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .bytes("size", self.size)
            .u("mode", self.mode as u64)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for ServiceVolumeImage {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("subpath", &self.subpath)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for NetworkConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("name", &self.name)
            .s("driver", &self.driver)
            .map("driver_opts", &self.driver_opts)
            .strct("ipam", &self.ipam)
            .b("external", self.external)
            .b("internal", self.internal)
            .b("attachable", self.attachable)
            .map("labels", &self.labels)
            .opt_b("enable_ipv4", self.enable_ipv4)
            .opt_b("enable_ipv6", self.enable_ipv6)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for IpamConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("driver", &self.driver)
            .list("config", &self.config)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for IpamPool {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("subnet", &self.subnet)
            .s("gateway", &self.gateway)
            .s("ip_range", &self.ip_range)
            .map("aux_addresses", &self.aux_addresses)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for VolumeConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("name", &self.name)
            .s("driver", &self.driver)
            .map("driver_opts", &self.driver_opts)
            .b("external", self.external)
            .map("labels", &self.labels)
            .ext(&self.extensions)
            .done()
    }
}

impl FileObjectConfig {
    fn file_object_to_go(&self, f: Format, content: &str) -> GoValue {
        Fields::new(f)
            .s("name", &self.name)
            .s("file", &self.file)
            .s("environment", &self.environment)
            .s("content", content)
            .b("external", self.external)
            .map("labels", &self.labels)
            .s("driver", &self.driver)
            .map("driver_opts", &self.driver_opts)
            .s("template_driver", &self.template_driver)
            .ext(&self.extensions)
            .done()
    }

    /// `SecretConfig` marshalers: the content is printed only when `marshal_content` is set.
    pub fn secret_to_go(&self, f: Format) -> GoValue {
        let content = if self.marshal_content {
            self.content.as_str()
        } else {
            ""
        };
        self.file_object_to_go(f, content)
    }

    /// `ConfigObjConfig` marshalers: content read from `environment` is not printed.
    pub fn config_to_go(&self, f: Format) -> GoValue {
        let content = if self.environment.is_empty() {
            self.content.as_str()
        } else {
            ""
        };
        self.file_object_to_go(f, content)
    }
}

impl ToGo for ModelConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .s("name", &self.name)
            .s("model", &self.model)
            .i("context_size", self.context_size)
            .list("runtime_flags", &self.runtime_flags)
            .ext(&self.extensions)
            .done()
    }
}

impl ToGo for IncludeConfig {
    fn to_go(&self, f: Format) -> GoValue {
        Fields::new(f)
            .list("path", &self.path)
            .s("project_directory", &self.project_directory)
            .list("env_file", &self.env_file)
            .done()
    }
}

impl Project {
    /// The first error Go's JSON encoder would hit, if any (an `ssh` key with a path).
    pub fn json_error(&self) -> Option<String> {
        self.services
            .values()
            .filter_map(|s| s.build.as_ref())
            .flat_map(|b| b.ssh.iter())
            .find_map(SshKey::json_error)
    }
}

// ---------------------------------------------------------------------------------------
// Go value formatting helpers

/// `time.Duration.String()`.
fn go_duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let body = if u < 1_000_000_000 {
        let (unit, prec) = if u < 1_000 {
            ("ns", 0)
        } else if u < 1_000_000 {
            ("µs", 3)
        } else {
            ("ms", 6)
        };
        let scale = 10u64.pow(prec);
        format!("{}{}{}", u / scale, fraction(u % scale, prec), unit)
    } else {
        let secs = u / 1_000_000_000;
        let mut s = format!("{}{}s", secs % 60, fraction(u % 1_000_000_000, 9));
        let mins = secs / 60;
        if mins > 0 {
            s = format!("{}m{s}", mins % 60);
            let hours = mins / 60;
            if hours > 0 {
                s = format!("{hours}h{s}");
            }
        }
        s
    };
    if neg { format!("-{body}") } else { body }
}

/// `.ddd` of `v / 10^prec` without trailing zeros (empty when zero).
fn fraction(v: u64, prec: u32) -> String {
    if v == 0 || prec == 0 {
        return String::new();
    }
    let digits = format!("{:0width$}", v, width = prec as usize);
    format!(".{}", digits.trim_end_matches('0'))
}

/// `str2duration.ParseDuration`: Go's `time.ParseDuration` plus `d` (24h) and `w` (7d).
pub(crate) fn parse_duration(orig: &str) -> std::result::Result<i64, String> {
    let invalid = || format!("time: invalid duration \"{orig}\"");
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: i64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let int: i64 = if int_len == 0 {
            0
        } else {
            s[..int_len].parse().map_err(|_| invalid())?
        };
        s = &s[int_len..];
        let mut frac: i64 = 0;
        let mut scale: f64 = 1.0;
        let mut frac_len = 0;
        if s.starts_with('.') {
            s = &s[1..];
            for c in s.bytes().take_while(|c| c.is_ascii_digit()) {
                frac_len += 1;
                if let Some(next) = frac
                    .checked_mul(10)
                    .and_then(|x| x.checked_add((c - b'0') as i64))
                {
                    frac = next;
                    scale *= 10.0;
                }
            }
            s = &s[frac_len..];
        }
        if int_len == 0 && frac_len == 0 {
            return Err(invalid());
        }
        let unit_len = s
            .bytes()
            .take_while(|c| !(*c == b'.' || c.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration \"{orig}\""));
        }
        let unit_name = &s[..unit_len];
        s = &s[unit_len..];
        let unit: i64 = match unit_name {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "w" => 604_800_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit \"{unit_name}\" in duration \"{orig}\""
                ));
            }
        };
        let mut v = int.checked_mul(unit).ok_or_else(invalid)?;
        if frac > 0 {
            v = v
                .checked_add((frac as f64 * (unit as f64 / scale)) as i64)
                .ok_or_else(invalid)?;
        }
        total = total.checked_add(v).ok_or_else(invalid)?;
    }
    Ok(if neg { -total } else { total })
}

/// go-units `RAMInBytes`: a size with an optional binary unit (`512m`, `1.5GiB`, `10 kb`).
pub fn parse_ram_in_bytes(size: &str) -> std::result::Result<i64, String> {
    let Some(sep) = size.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return Err(format!("invalid size: '{size}'"));
    };
    let (num, sfx) = if size.as_bytes()[sep] == b' ' {
        (&size[..sep], &size[sep + 1..])
    } else {
        (&size[..sep + 1], &size[sep + 1..])
    };
    let value = parse_go_float(num)?;
    if value < 0.0 {
        return Err(format!("invalid size: '{size}'"));
    }
    if sfx.is_empty() {
        return Ok(value as i64);
    }
    let lower = sfx.to_lowercase();
    let bad = || format!("invalid suffix: '{lower}'");
    if sfx.len() > 3 {
        return Err(format!("invalid suffix: '{sfx}'"));
    }
    let mut chars = lower.chars();
    let first = chars.next().unwrap_or(' ');
    let rest: String = chars.collect();
    if first == 'b' {
        return if rest.is_empty() {
            Ok(value as i64)
        } else {
            Err(bad())
        };
    }
    let mul: f64 = match first {
        'k' => 1024.0,
        'm' => 1024.0 * 1024.0,
        'g' => 1024.0 * 1024.0 * 1024.0,
        't' => 1024.0f64.powi(4),
        'p' => 1024.0f64.powi(5),
        _ => return Err(bad()),
    };
    if !(rest.is_empty() || rest == "b" || rest == "ib") {
        return Err(bad());
    }
    Ok((value * mul) as i64)
}

/// `strconv.ParseFloat(s, 64)` for the decimal forms Compose files hold.
fn parse_go_float(s: &str) -> std::result::Result<f64, String> {
    let err = || format!("strconv.ParseFloat: parsing \"{s}\": invalid syntax");
    let ok_chars = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    let special = matches!(
        s.trim_start_matches(['+', '-'])
            .to_ascii_lowercase()
            .as_str(),
        "inf" | "infinity" | "nan"
    );
    if !(ok_chars || special) {
        return Err(err());
    }
    s.parse::<f64>().map_err(|_| err())
}

// ---------------------------------------------------------------------------------------
// Decoding

/// A mapstructure-style error: `'services[web].mem_limit' invalid suffix: 'q'`.
fn decode_error(path: &str, msg: impl fmt::Display) -> LoadError {
    LoadError::new(
        ErrorKind::Schema,
        format!("decoding failed due to the following error(s):\n\n'{path}' {msg}"),
    )
}

fn go_type_name(v: &J) -> &'static str {
    match v {
        J::Null => "<nil>",
        J::Bool(_) => "bool",
        J::Number(n) if n.is_f64() => "float64",
        J::Number(_) => "int",
        J::String(_) => "string",
        J::Array(_) => "[]interface {}",
        J::Object(_) => "map[string]interface {}",
    }
}

/// `fmt.Sprint` of a decoded YAML value.
fn go_sprint(v: &J) -> String {
    match v {
        J::Null => "<nil>".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => match n.as_u64() {
                Some(u) => u.to_string(),
                None => gojson::format_float_g(n.as_f64().unwrap_or(0.0), false),
            },
        },
        J::String(s) => s.clone(),
        J::Array(items) => format!(
            "[{}]",
            items.iter().map(go_sprint).collect::<Vec<_>>().join(" ")
        ),
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", go_sprint(&m[k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

fn unconvertible(path: &str, expected: &str, v: &J) -> LoadError {
    decode_error(
        path,
        format!(
            "expected type '{expected}', got unconvertible type '{}', value: '{}'",
            go_type_name(v),
            go_sprint(v)
        ),
    )
}

fn field_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn key_path(path: &str, key: &str) -> String {
    format!("{path}[{key}]")
}

fn is_extension(key: &str) -> bool {
    key.starts_with("x-")
}

type Obj = serde_json::Map<String, J>;

fn obj<'a>(v: &'a J, path: &str, expected: &str) -> Result<&'a Obj> {
    v.as_object()
        .ok_or_else(|| unconvertible(path, expected, v))
}

/// Visits the non-null attributes of an object; `x-*` ones go to `ext` when given.
fn fields<F>(
    v: &J,
    path: &str,
    expected: &str,
    ext: Option<&mut Extensions>,
    mut f: F,
) -> Result<()>
where
    F: FnMut(&str, &J, &str) -> Result<()>,
{
    let m = obj(v, path, expected)?;
    // A gathered `#extensions` entry decoded as a struct: compose-go finds no `#extensions`
    // key in it, so its `x-*` keys are dropped.
    let gathered = path.ends_with(&format!("[{GATHERED_EXTENSIONS}]"));
    let mut ext = if gathered { None } else { ext };
    for (k, v) in m {
        if v.is_null() {
            continue;
        }
        if is_extension(k) {
            if let Some(e) = ext.as_deref_mut() {
                e.insert(k.clone(), v.clone());
            }
            continue;
        }
        f(k, v, &field_path(path, k))?;
    }
    Ok(())
}

fn d_string(v: &J, path: &str) -> Result<String> {
    match v {
        J::Null => Ok(String::new()),
        J::String(s) => Ok(s.clone()),
        J::Number(_) | J::Bool(_) => Ok(go_sprint(v)),
        _ => Err(unconvertible(path, "string", v)),
    }
}

fn d_bool(v: &J, path: &str) -> Result<bool> {
    match v {
        J::Null => Ok(false),
        J::Bool(b) => Ok(*b),
        J::String(s) => match s.to_lowercase().as_str() {
            "true" | "y" | "yes" | "on" => Ok(true),
            "false" | "n" | "no" | "off" => Ok(false),
            _ => Err(decode_error(path, format!("invalid boolean: {s}"))),
        },
        J::Number(n) => Ok(n.as_f64().unwrap_or(0.0) != 0.0),
        _ => Err(unconvertible(path, "bool", v)),
    }
}

fn d_i64(v: &J, path: &str) -> Result<i64> {
    match v {
        J::Null => Ok(0),
        J::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or_else(|| unconvertible(path, "int64", v)),
        J::String(s) => s.trim().parse::<i64>().map_err(|_| {
            decode_error(
                path,
                format!("strconv.ParseInt: parsing \"{s}\": invalid syntax"),
            )
        }),
        J::Bool(b) => Ok(*b as i64),
        _ => Err(unconvertible(path, "int64", v)),
    }
}

fn d_u64(v: &J, path: &str) -> Result<u64> {
    match v {
        J::Number(n) if n.as_i64().is_some_and(|i| i < 0) => Err(decode_error(
            path,
            format!("cannot parse '{}', {} overflows uint", path, go_sprint(v)),
        )),
        J::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().map(|f| f as u64))
            .ok_or_else(|| unconvertible(path, "uint64", v)),
        J::String(s) => s.trim().parse::<u64>().map_err(|_| {
            decode_error(
                path,
                format!("strconv.ParseUint: parsing \"{s}\": invalid syntax"),
            )
        }),
        _ => d_i64(v, path).map(|i| i as u64),
    }
}

fn d_f32(v: &J, path: &str) -> Result<f32> {
    match v {
        J::Null => Ok(0.0),
        J::Number(n) => Ok(n.as_f64().unwrap_or(0.0) as f32),
        J::String(s) => parse_go_float(s)
            .map(|f| f as f32)
            .map_err(|e| decode_error(path, e)),
        _ => Err(unconvertible(path, "float32", v)),
    }
}

/// `[]string`; a single scalar is accepted as a one-item list.
fn d_strings(v: &J, path: &str) -> Result<Vec<String>> {
    match v {
        J::Null => Ok(Vec::new()),
        J::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| d_string(x, &key_path(path, &i.to_string())))
            .collect(),
        J::String(_) | J::Number(_) | J::Bool(_) => Ok(vec![go_sprint(v)]),
        _ => Err(unconvertible(path, "[]string", v)),
    }
}

fn d_list<T>(v: &J, path: &str, f: impl Fn(&J, &str) -> Result<T>) -> Result<Vec<T>> {
    match v {
        J::Null => Ok(Vec::new()),
        J::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| f(x, &key_path(path, &i.to_string())))
            .collect(),
        _ => Err(unconvertible(path, "slice", v)),
    }
}

/// The key under which compose-go gathers the `x-*` keys of a map that is not user-named.
const GATHERED_EXTENSIONS: &str = "#extensions";

/// The entries of a map as compose-go decodes them: before decoding it moves the `x-*` keys
/// of every mapping out into one `#extensions` entry (an object of them), except in the
/// maps whose keys are names the user chose (`services`, top-level `networks`, `volumes`,
/// `secrets`, `configs`, and `depends_on`).
fn map_entries(v: &J, path: &str, user_named: bool) -> Result<Vec<(String, J)>> {
    let m = obj(v, path, "map")?;
    let mut entries = Vec::new();
    let mut gathered = serde_json::Map::new();
    for (k, x) in m {
        if !user_named && is_extension(k) {
            gathered.insert(k.clone(), x.clone());
        } else {
            entries.push((k.clone(), x.clone()));
        }
    }
    if !gathered.is_empty() {
        entries.push((GATHERED_EXTENSIONS.to_string(), J::Object(gathered)));
    }
    Ok(entries)
}

/// A map of values (`x-*` keys gathered as compose-go does).
fn d_map<T>(v: &J, path: &str, f: impl Fn(&J, &str) -> Result<T>) -> Result<BTreeMap<String, T>> {
    d_map_keyed(v, path, f, false)
}

/// A map keyed by names the user chose: `x-*` keys are names like any other.
fn d_user_map<T>(
    v: &J,
    path: &str,
    f: impl Fn(&J, &str) -> Result<T>,
) -> Result<BTreeMap<String, T>> {
    d_map_keyed(v, path, f, true)
}

fn d_map_keyed<T>(
    v: &J,
    path: &str,
    f: impl Fn(&J, &str) -> Result<T>,
    user_named: bool,
) -> Result<BTreeMap<String, T>> {
    let mut out = BTreeMap::new();
    for (k, x) in map_entries(v, path, user_named)? {
        let value = f(&x, &key_path(path, &k))?;
        out.insert(k, value);
    }
    Ok(out)
}

/// A map keyed by name; the short syntax (a list of names) is tolerated, each name getting
/// `short`'s value.
fn d_name_map<T>(
    v: &J,
    path: &str,
    f: impl Fn(&J, &str) -> Result<T>,
    short: impl Fn() -> T,
    user_named: bool,
) -> Result<BTreeMap<String, T>> {
    match v {
        J::Array(names) => {
            let mut object = serde_json::Map::new();
            for (i, n) in names.iter().enumerate() {
                object.insert(d_string(n, &key_path(path, &i.to_string()))?, J::Null);
            }
            let short = &short;
            d_map_keyed(
                &J::Object(object),
                path,
                |x, p| if x.is_null() { Ok(short()) } else { f(x, p) },
                user_named,
            )
        }
        _ => d_map_keyed(v, path, f, user_named),
    }
}

/// The long form of a `depends_on` entry given by name only.
fn started() -> ServiceDependency {
    ServiceDependency {
        condition: "service_started".into(),
        required: true,
        ..ServiceDependency::default()
    }
}

/// A pointer: `null` is nil.
fn d_ptr<T>(v: &J, path: &str, f: impl Fn(&J, &str) -> Result<T>) -> Result<Option<T>> {
    if v.is_null() {
        Ok(None)
    } else {
        f(v, path).map(Some)
    }
}

/// A scalar value of a string map: `null` is empty, others are printed with `fmt.Sprint`.
fn map_value(v: &J, path: &str) -> Result<String> {
    match v {
        J::Null => Ok(String::new()),
        J::Array(_) | J::Object(_) => Ok(go_sprint(v)),
        _ => d_string(v, path),
    }
}

/// `Mapping` / `Labels`: a map, or a list of `key=value`.
fn d_mapping(v: &J, path: &str) -> Result<Mapping> {
    match v {
        J::Null => Ok(Mapping::new()),
        J::Object(_) => d_map(v, path, map_value),
        J::Array(items) => {
            let mut out = Mapping::new();
            for item in items {
                let s = go_sprint(item);
                let (k, val) = s.split_once('=').unwrap_or((&s, ""));
                out.insert(k.to_string(), val.to_string());
            }
            Ok(out)
        }
        _ => Err(decode_error(
            path,
            format!("unexpected value type {} for mapping", go_type_name(v)),
        )),
    }
}

/// `MappingWithEquals`: like `Mapping`, but `null` (or `KEY` without `=`) stays unset.
fn d_mapping_eq(v: &J, path: &str) -> Result<MappingWithEquals> {
    match v {
        J::Null => Ok(MappingWithEquals::new()),
        J::Object(_) => d_map(v, path, |x, p| d_ptr(x, p, map_value)),
        J::Array(items) => {
            let mut out = MappingWithEquals::new();
            for item in items {
                let s = go_sprint(item);
                match s.split_once('=') {
                    Some((k, val)) => {
                        if k.ends_with(char::is_whitespace) {
                            return Err(decode_error(
                                path,
                                format!(
                                    "environment variable {k} is declared with a trailing space"
                                ),
                            ));
                        }
                        out.insert(k.to_string(), Some(val.to_string()));
                    }
                    None => {
                        out.insert(s, None);
                    }
                }
            }
            Ok(out)
        }
        _ => Err(decode_error(
            path,
            format!("unexpected value type {} for mapping", go_type_name(v)),
        )),
    }
}

/// `Options`: a map only.
fn d_options(v: &J, path: &str) -> Result<Mapping> {
    match v {
        J::Null => Ok(Mapping::new()),
        J::Object(_) => d_map(v, path, map_value),
        _ => Err(decode_error(
            path,
            format!("invalid type {} for options", go_type_name(v)),
        )),
    }
}

fn d_multi_options(v: &J, path: &str) -> Result<MultiOptions> {
    d_map(v, path, |x, _| {
        Ok(match x {
            J::Array(items) => items.iter().map(go_sprint).collect(),
            _ => vec![go_sprint(x)],
        })
    })
}

/// `StringList`: a string or a list of strings.
fn d_string_list(v: &J, path: &str) -> Result<Vec<String>> {
    d_strings(v, path)
}

fn d_bytes(v: &J, path: &str) -> Result<UnitBytes> {
    match v {
        J::Null => Ok(0),
        J::Number(n) => Ok(n
            .as_i64()
            .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)),
        J::String(s) => parse_ram_in_bytes(s).map_err(|e| decode_error(path, e)),
        _ => Err(unconvertible(path, "UnitBytes", v)),
    }
}

fn d_duration(v: &J, path: &str) -> Result<Duration> {
    Duration::parse(&go_sprint(v)).map_err(|e| decode_error(path, e))
}

/// `ShellCommand`: a list, or a string split like a shell would.
fn d_command(v: &J, path: &str) -> Result<Option<Vec<String>>> {
    match v {
        J::Null => Ok(None),
        J::String(s) => super::canonical::shell_split(s)
            .map(Some)
            .map_err(|e| decode_error(path, e)),
        J::Array(_) => d_strings(v, path).map(Some),
        _ => Err(unconvertible(path, "ShellCommand", v)),
    }
}

/// `HealthCheckTest`: a string means `CMD-SHELL`.
fn d_healthcheck_test(v: &J, path: &str) -> Result<Vec<String>> {
    match v {
        J::String(s) => Ok(vec!["CMD-SHELL".into(), s.clone()]),
        J::Array(_) => d_strings(v, path),
        _ => Err(decode_error(
            path,
            format!(
                "unexpected value type {} for healthcheck.test",
                go_type_name(v)
            ),
        )),
    }
}

/// `FileMode`: an octal string or a number.
fn d_file_mode(v: &J, path: &str) -> Result<i64> {
    match v {
        J::String(s) => i64::from_str_radix(s, 8).map_err(|_| {
            decode_error(
                path,
                format!("strconv.ParseInt: parsing \"{s}\": invalid syntax"),
            )
        }),
        J::Number(_) => d_i64(v, path),
        _ => Err(decode_error(
            path,
            format!("unexpected value type {} for mode", go_type_name(v)),
        )),
    }
}

/// `UlimitsConfig`: a single number or `{soft, hard}`.
fn d_ulimit(v: &J, path: &str) -> Result<UlimitsConfig> {
    let mut u = UlimitsConfig::default();
    match v {
        J::Object(_) => {
            let mut ext = Extensions::new();
            fields(v, path, "UlimitsConfig", Some(&mut ext), |k, x, p| {
                match k {
                    "soft" => u.soft = d_i64(x, p)?,
                    "hard" => u.hard = d_i64(x, p)?,
                    _ => {}
                }
                Ok(())
            })?;
            u.extensions = ext;
        }
        J::Number(_) | J::String(_) => u.single = d_i64(v, path)?,
        _ => {
            return Err(decode_error(
                path,
                format!("unexpected value type {} for ulimit", go_type_name(v)),
            ));
        }
    }
    Ok(u)
}

/// `HostsList`: a map host -> ip(s), or a list of `host=ip` / `host:ip`.
fn d_hosts(v: &J, path: &str) -> Result<HostsList> {
    let mut list = HostsList::new();
    match v {
        J::Null => return Ok(list),
        J::Object(_) => {
            for (host, ips) in map_entries(v, path, false)? {
                let ips = match &ips {
                    J::Null => vec![String::new()],
                    J::String(s) => vec![s.clone()],
                    J::Array(items) => items.iter().map(go_sprint).collect(),
                    _ => {
                        return Err(decode_error(
                            path,
                            "unexpected value type map[string]interface {} for extra_hosts entry",
                        ));
                    }
                };
                list.insert(host, ips);
            }
        }
        J::Array(items) => {
            for item in items {
                let s = go_sprint(item);
                let Some((host, ip)) = s.split_once('=').or_else(|| s.split_once(':')) else {
                    return Err(decode_error(
                        path,
                        format!("invalid additional host, missing IP: {s}"),
                    ));
                };
                list.entry(host.to_string())
                    .or_default()
                    .extend(ip.split(',').map(str::to_string));
            }
        }
        _ => {
            return Err(decode_error(
                path,
                format!("unexpected value type {} for extra_hosts", go_type_name(v)),
            ));
        }
    }
    for (host, ips) in list.iter_mut() {
        if host.is_empty() || host.contains([':', '=']) {
            return Err(decode_error(path, format!("bad host name '{host}'")));
        }
        for ip in ips.iter_mut() {
            if ip.len() > 2 && ip.starts_with('[') && ip.ends_with(']') {
                *ip = ip[1..ip.len() - 1].to_string();
            }
        }
    }
    Ok(list)
}

/// `SSHConfig`: a map id -> path (the list form `id` / `id=path` is accepted too).
fn d_ssh(v: &J, path: &str) -> Result<Vec<SshKey>> {
    match v {
        J::Object(_) => Ok(map_entries(v, path, false)?
            .into_iter()
            .map(|(id, p)| SshKey {
                path: if p.is_null() {
                    String::new()
                } else {
                    go_sprint(&p)
                },
                id,
            })
            .collect()),
        J::Array(items) => Ok(items
            .iter()
            .map(|item| {
                let s = go_sprint(item);
                match s.split_once('=') {
                    Some((id, p)) => SshKey {
                        id: id.to_string(),
                        path: p.to_string(),
                    },
                    None => SshKey {
                        id: s,
                        path: String::new(),
                    },
                }
            })
            .collect()),
        _ => Err(decode_error(
            path,
            format!("invalid ssh config type {}", go_type_name(v)),
        )),
    }
}

/// `DeviceCount`: a number or `all` (-1).
fn d_device_count(v: &J, path: &str) -> Result<i64> {
    match v {
        J::String(s) if s.eq_ignore_ascii_case("all") => Ok(-1),
        J::String(s) => s.parse::<i64>().map_err(|_| {
            decode_error(
                path,
                format!("invalid value \"{s}\", the only value allowed is 'all' or a number"),
            )
        }),
        J::Number(_) => d_i64(v, path),
        _ => Err(decode_error(
            path,
            format!("invalid type {} for device count", go_type_name(v)),
        )),
    }
}

/// `NanoCPUs`: a number or a numeric string.
fn d_nano_cpus(v: &J, path: &str) -> Result<f32> {
    match v {
        J::String(s) => parse_go_float(s)
            .map(|f| f as f32)
            .map_err(|e| decode_error(path, e)),
        J::Number(_) => d_f32(v, path),
        _ => Err(decode_error(
            path,
            format!("unexpected value type {} for cpus", go_type_name(v)),
        )),
    }
}

impl Project {
    /// Decodes the loader's canonical document into the typed project.
    pub fn from_json(value: serde_json::Value) -> Result<Project> {
        let mut p = Project::default();
        let m = obj(&value, "", "Project")?;
        for (k, v) in m {
            if is_extension(k) {
                p.extensions.insert(k.clone(), v.clone());
                continue;
            }
            if v.is_null() {
                continue;
            }
            match k.as_str() {
                "name" => p.name = d_string(v, "name")?,
                "services" => {
                    for (name, s) in obj(v, "services", "Services")? {
                        let path = key_path("services", name);
                        let mut service =
                            decode_service(s, &path).map_err(|e| e.for_service(name))?;
                        service.name = name.clone();
                        p.services.insert(name.clone(), service);
                    }
                }
                "networks" => p.networks = d_user_map(v, "networks", decode_network)?,
                "volumes" => p.volumes = d_user_map(v, "volumes", decode_volume)?,
                "secrets" => p.secrets = d_user_map(v, "secrets", decode_file_object)?,
                "configs" => p.configs = d_user_map(v, "configs", decode_file_object)?,
                "models" => p.models = d_map(v, "models", decode_model)?,
                _ => {}
            }
        }
        Ok(p)
    }
}

/// Decodes one service of the canonical document (its name is set by the caller).
pub fn decode_service(v: &J, path: &str) -> Result<ServiceConfig> {
    let mut s = ServiceConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "ServiceConfig", Some(&mut ext), |k, x, p| {
        decode_service_field(&mut s, k, x, p)
    })?;
    s.extensions = ext;
    Ok(s)
}

fn decode_service_field(s: &mut ServiceConfig, k: &str, x: &J, p: &str) -> Result<()> {
    match k {
        "profiles" => s.profiles = d_strings(x, p)?,
        "annotations" => s.annotations = d_mapping(x, p)?,
        "attach" => s.attach = Some(d_bool(x, p)?),
        "build" => s.build = Some(decode_build(x, p)?),
        "develop" => s.develop = Some(decode_develop(x, p)?),
        "blkio_config" => s.blkio_config = Some(decode_blkio(x, p)?),
        "cap_add" => s.cap_add = d_strings(x, p)?,
        "cap_drop" => s.cap_drop = d_strings(x, p)?,
        "cgroup_parent" => s.cgroup_parent = d_string(x, p)?,
        "cgroup" => s.cgroup = d_string(x, p)?,
        "cpu_count" => s.cpu_count = d_i64(x, p)?,
        "cpu_percent" => s.cpu_percent = d_f32(x, p)?,
        "cpu_period" => s.cpu_period = d_i64(x, p)?,
        "cpu_quota" => s.cpu_quota = d_i64(x, p)?,
        "cpu_rt_period" => s.cpu_rt_period = d_i64(x, p)?,
        "cpu_rt_runtime" => s.cpu_rt_runtime = d_i64(x, p)?,
        "cpus" => s.cpus = d_f32(x, p)?,
        "cpuset" => s.cpuset = d_string(x, p)?,
        "cpu_shares" => s.cpu_shares = d_i64(x, p)?,
        "command" => s.command = d_command(x, p)?,
        "configs" => s.configs = d_list(x, p, decode_file_reference)?,
        "container_name" => s.container_name = d_string(x, p)?,
        "credential_spec" => s.credential_spec = Some(decode_credential_spec(x, p)?),
        "depends_on" => s.depends_on = d_name_map(x, p, decode_dependency, started, true)?,
        "deploy" => s.deploy = Some(decode_deploy(x, p)?),
        "device_cgroup_rules" => s.device_cgroup_rules = d_strings(x, p)?,
        "devices" => s.devices = d_list(x, p, decode_device_mapping)?,
        "dns" => s.dns = d_string_list(x, p)?,
        "dns_opt" => s.dns_opt = d_strings(x, p)?,
        "dns_search" => s.dns_search = d_string_list(x, p)?,
        "dockerfile" => s.dockerfile = d_string(x, p)?,
        "domainname" => s.domainname = d_string(x, p)?,
        "entrypoint" => s.entrypoint = d_command(x, p)?,
        "provider" => s.provider = Some(decode_provider(x, p)?),
        "environment" => s.environment = d_mapping_eq(x, p)?,
        "env_file" if x.is_string() => s.env_file = vec![decode_env_file(x, p)?],
        "env_file" => s.env_file = d_list(x, p, decode_env_file)?,
        "expose" => s.expose = d_strings(x, p)?,
        "extends" => s.extends = Some(decode_extends(x, p)?),
        "external_links" => s.external_links = d_strings(x, p)?,
        "extra_hosts" => s.extra_hosts = d_hosts(x, p)?,
        "group_add" => s.group_add = d_strings(x, p)?,
        "gpus" => s.gpus = d_list(x, p, decode_device_request)?,
        "hostname" => s.hostname = d_string(x, p)?,
        "healthcheck" => s.healthcheck = Some(decode_healthcheck(x, p)?),
        "image" => s.image = d_string(x, p)?,
        "init" => s.init = Some(d_bool(x, p)?),
        "ipc" => s.ipc = d_string(x, p)?,
        "isolation" => s.isolation = d_string(x, p)?,
        "labels" => s.labels = d_mapping(x, p)?,
        "label_file" => s.label_file = d_strings(x, p)?,
        "links" => s.links = d_strings(x, p)?,
        "logging" => s.logging = Some(decode_logging(x, p)?),
        "log_driver" => s.log_driver = d_string(x, p)?,
        "log_opt" => s.log_opt = d_options(x, p)?,
        "mem_limit" => s.mem_limit = d_bytes(x, p)?,
        "mem_reservation" => s.mem_reservation = d_bytes(x, p)?,
        "memswap_limit" => s.memswap_limit = d_bytes(x, p)?,
        "mem_swappiness" => s.mem_swappiness = d_bytes(x, p)?,
        "mac_address" => s.mac_address = d_string(x, p)?,
        "models" => {
            s.models = d_name_map(
                x,
                p,
                |y, q| d_ptr(y, q, decode_service_model),
                || None,
                false,
            )?
        }
        "net" => s.net = d_string(x, p)?,
        "network_mode" => s.network_mode = d_string(x, p)?,
        "networks" => {
            s.networks = d_name_map(
                x,
                p,
                |y, q| d_ptr(y, q, decode_service_network),
                || None,
                false,
            )?
        }
        "oom_kill_disable" => s.oom_kill_disable = d_bool(x, p)?,
        "oom_score_adj" => s.oom_score_adj = d_i64(x, p)?,
        "pid" => s.pid = d_string(x, p)?,
        "pids_limit" => s.pids_limit = d_i64(x, p)?,
        "platform" => s.platform = d_string(x, p)?,
        "ports" => s.ports = d_list(x, p, decode_port)?,
        "privileged" => s.privileged = d_bool(x, p)?,
        "pull_policy" => s.pull_policy = d_string(x, p)?,
        "read_only" => s.read_only = d_bool(x, p)?,
        "restart" => s.restart = d_string(x, p)?,
        "runtime" => s.runtime = d_string(x, p)?,
        "scale" => s.scale = Some(d_i64(x, p)?),
        "secrets" => s.secrets = d_list(x, p, decode_file_reference)?,
        "security_opt" => s.security_opt = d_strings(x, p)?,
        "shm_size" => s.shm_size = d_bytes(x, p)?,
        "stdin_open" => s.stdin_open = d_bool(x, p)?,
        "stop_grace_period" => s.stop_grace_period = Some(d_duration(x, p)?),
        "stop_signal" => s.stop_signal = d_string(x, p)?,
        "storage_opt" => s.storage_opt = d_options(x, p)?,
        "sysctls" => s.sysctls = d_mapping(x, p)?,
        "tmpfs" => s.tmpfs = d_string_list(x, p)?,
        "tty" => s.tty = d_bool(x, p)?,
        "ulimits" => s.ulimits = d_map(x, p, d_ulimit)?,
        "use_api_socket" => s.use_api_socket = d_bool(x, p)?,
        "user" => s.user = d_string(x, p)?,
        "userns_mode" => s.userns_mode = d_string(x, p)?,
        "uts" => s.uts = d_string(x, p)?,
        "volume_driver" => s.volume_driver = d_string(x, p)?,
        "volumes" => s.volumes = d_list(x, p, decode_service_volume)?,
        "volumes_from" => s.volumes_from = d_strings(x, p)?,
        "working_dir" => s.working_dir = d_string(x, p)?,
        "post_start" => s.post_start = d_list(x, p, decode_hook)?,
        "pre_stop" => s.pre_stop = d_list(x, p, decode_hook)?,
        _ => {}
    }
    Ok(())
}

fn decode_build(v: &J, path: &str) -> Result<BuildConfig> {
    let mut b = BuildConfig::default();
    if let J::String(context) = v {
        // Tolerate the short syntax: just the context.
        b.context = context.clone();
        return Ok(b);
    }
    let mut ext = Extensions::new();
    fields(v, path, "BuildConfig", Some(&mut ext), |k, x, p| {
        match k {
            "context" => b.context = d_string(x, p)?,
            "dockerfile" => b.dockerfile = d_string(x, p)?,
            "dockerfile_inline" => b.dockerfile_inline = d_string(x, p)?,
            "entitlements" => b.entitlements = d_strings(x, p)?,
            "args" => b.args = d_mapping_eq(x, p)?,
            "provenance" => b.provenance = d_string(x, p)?,
            "sbom" => b.sbom = d_string(x, p)?,
            "ssh" => b.ssh = d_ssh(x, p)?,
            "labels" => b.labels = d_mapping(x, p)?,
            "cache_from" => b.cache_from = d_string_list(x, p)?,
            "cache_to" => b.cache_to = d_string_list(x, p)?,
            "no_cache" => b.no_cache = d_bool(x, p)?,
            "additional_contexts" => b.additional_contexts = d_mapping(x, p)?,
            "pull" => b.pull = d_bool(x, p)?,
            "extra_hosts" => b.extra_hosts = d_hosts(x, p)?,
            "isolation" => b.isolation = d_string(x, p)?,
            "network" => b.network = d_string(x, p)?,
            "target" => b.target = d_string(x, p)?,
            "secrets" => b.secrets = d_list(x, p, decode_file_reference)?,
            "shm_size" => b.shm_size = d_bytes(x, p)?,
            "tags" => b.tags = d_string_list(x, p)?,
            "ulimits" => b.ulimits = d_map(x, p, d_ulimit)?,
            "platforms" => b.platforms = d_string_list(x, p)?,
            "privileged" => b.privileged = d_bool(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    b.extensions = ext;
    Ok(b)
}

fn decode_develop(v: &J, path: &str) -> Result<DevelopConfig> {
    let mut d = DevelopConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "DevelopConfig", Some(&mut ext), |k, x, p| {
        if k == "watch" {
            d.watch = d_list(x, p, decode_trigger)?;
        }
        Ok(())
    })?;
    d.extensions = ext;
    Ok(d)
}

fn decode_trigger(v: &J, path: &str) -> Result<Trigger> {
    let mut t = Trigger::default();
    let mut ext = Extensions::new();
    fields(v, path, "Trigger", Some(&mut ext), |k, x, p| {
        match k {
            "path" => t.path = d_string(x, p)?,
            "action" => t.action = d_string(x, p)?,
            "target" => t.target = d_string(x, p)?,
            "exec" => t.exec = decode_hook(x, p)?,
            "include" => t.include = d_strings(x, p)?,
            "ignore" => t.ignore = d_strings(x, p)?,
            "initial_sync" => t.initial_sync = d_bool(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    t.extensions = ext;
    Ok(t)
}

fn decode_hook(v: &J, path: &str) -> Result<ServiceHook> {
    let mut h = ServiceHook::default();
    let mut ext = Extensions::new();
    fields(v, path, "ServiceHook", Some(&mut ext), |k, x, p| {
        match k {
            "command" => h.command = d_command(x, p)?,
            "user" => h.user = d_string(x, p)?,
            "privileged" => h.privileged = d_bool(x, p)?,
            "working_dir" => h.working_dir = d_string(x, p)?,
            "environment" => h.environment = d_mapping_eq(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    h.extensions = ext;
    Ok(h)
}

fn decode_blkio(v: &J, path: &str) -> Result<BlkioConfig> {
    let mut b = BlkioConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "BlkioConfig", Some(&mut ext), |k, x, p| {
        match k {
            "weight" => b.weight = d_u64(x, p)? as u16,
            "weight_device" => b.weight_device = d_list(x, p, decode_weight_device)?,
            "device_read_bps" => b.device_read_bps = d_list(x, p, decode_throttle_device)?,
            "device_read_iops" => b.device_read_iops = d_list(x, p, decode_throttle_device)?,
            "device_write_bps" => b.device_write_bps = d_list(x, p, decode_throttle_device)?,
            "device_write_iops" => b.device_write_iops = d_list(x, p, decode_throttle_device)?,
            _ => {}
        }
        Ok(())
    })?;
    b.extensions = ext;
    Ok(b)
}

// The device structs have no tags: mapstructure matches their field names case-insensitively.
fn decode_weight_device(v: &J, path: &str) -> Result<WeightDevice> {
    let mut d = WeightDevice::default();
    let mut ext = Extensions::new();
    fields(v, path, "WeightDevice", Some(&mut ext), |k, x, p| {
        match k.to_lowercase().as_str() {
            "path" => d.path = d_string(x, p)?,
            "weight" => d.weight = d_u64(x, p)? as u16,
            _ => {}
        }
        Ok(())
    })?;
    d.extensions = ext;
    Ok(d)
}

fn decode_throttle_device(v: &J, path: &str) -> Result<ThrottleDevice> {
    let mut d = ThrottleDevice::default();
    let mut ext = Extensions::new();
    fields(v, path, "ThrottleDevice", Some(&mut ext), |k, x, p| {
        match k.to_lowercase().as_str() {
            "path" => d.path = d_string(x, p)?,
            "rate" => d.rate = d_bytes(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    d.extensions = ext;
    Ok(d)
}

fn decode_file_reference(v: &J, path: &str) -> Result<FileReferenceConfig> {
    let mut r = FileReferenceConfig::default();
    if let J::String(s) = v {
        // Tolerate the short syntax: just the source.
        r.source = s.clone();
        return Ok(r);
    }
    let mut ext = Extensions::new();
    fields(v, path, "FileReferenceConfig", Some(&mut ext), |k, x, p| {
        match k {
            "source" => r.source = d_string(x, p)?,
            "target" => r.target = d_string(x, p)?,
            "uid" => r.uid = d_string(x, p)?,
            "gid" => r.gid = d_string(x, p)?,
            "mode" => r.mode = Some(d_file_mode(x, p)?),
            _ => {}
        }
        Ok(())
    })?;
    r.extensions = ext;
    Ok(r)
}

fn decode_credential_spec(v: &J, path: &str) -> Result<CredentialSpecConfig> {
    let mut c = CredentialSpecConfig::default();
    let mut ext = Extensions::new();
    fields(
        v,
        path,
        "CredentialSpecConfig",
        Some(&mut ext),
        |k, x, p| {
            match k {
                "config" => c.config = d_string(x, p)?,
                "file" => c.file = d_string(x, p)?,
                "registry" => c.registry = d_string(x, p)?,
                _ => {}
            }
            Ok(())
        },
    )?;
    c.extensions = ext;
    Ok(c)
}

fn decode_dependency(v: &J, path: &str) -> Result<ServiceDependency> {
    let mut d = ServiceDependency::default();
    if v.is_null() {
        return Ok(d);
    }
    let mut ext = Extensions::new();
    fields(v, path, "ServiceDependency", Some(&mut ext), |k, x, p| {
        match k {
            "condition" => d.condition = d_string(x, p)?,
            "restart" => d.restart = d_bool(x, p)?,
            "required" => d.required = d_bool(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    d.extensions = ext;
    Ok(d)
}

fn decode_deploy(v: &J, path: &str) -> Result<DeployConfig> {
    let mut d = DeployConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "DeployConfig", Some(&mut ext), |k, x, p| {
        match k {
            "mode" => d.mode = d_string(x, p)?,
            "replicas" => d.replicas = Some(d_i64(x, p)?),
            "labels" => d.labels = d_mapping(x, p)?,
            "update_config" => d.update_config = Some(decode_update_config(x, p)?),
            "rollback_config" => d.rollback_config = Some(decode_update_config(x, p)?),
            "resources" => d.resources = decode_resources(x, p)?,
            "restart_policy" => d.restart_policy = Some(decode_restart_policy(x, p)?),
            "placement" => d.placement = decode_placement(x, p)?,
            "endpoint_mode" => d.endpoint_mode = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    d.extensions = ext;
    Ok(d)
}

fn decode_update_config(v: &J, path: &str) -> Result<UpdateConfig> {
    let mut u = UpdateConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "UpdateConfig", Some(&mut ext), |k, x, p| {
        match k {
            "parallelism" => u.parallelism = Some(d_u64(x, p)?),
            "delay" => u.delay = d_duration(x, p)?,
            "failure_action" => u.failure_action = d_string(x, p)?,
            "monitor" => u.monitor = d_duration(x, p)?,
            "max_failure_ratio" => u.max_failure_ratio = d_f32(x, p)?,
            "order" => u.order = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    u.extensions = ext;
    Ok(u)
}

fn decode_resources(v: &J, path: &str) -> Result<Resources> {
    let mut r = Resources::default();
    let mut ext = Extensions::new();
    fields(v, path, "Resources", Some(&mut ext), |k, x, p| {
        match k {
            "limits" => r.limits = Some(decode_resource(x, p)?),
            "reservations" => r.reservations = Some(decode_resource(x, p)?),
            _ => {}
        }
        Ok(())
    })?;
    r.extensions = ext;
    Ok(r)
}

fn decode_resource(v: &J, path: &str) -> Result<Resource> {
    let mut r = Resource::default();
    let mut ext = Extensions::new();
    fields(v, path, "Resource", Some(&mut ext), |k, x, p| {
        match k {
            "cpus" => r.cpus = d_nano_cpus(x, p)?,
            "memory" => r.memory = d_bytes(x, p)?,
            "pids" => r.pids = d_i64(x, p)?,
            "devices" => r.devices = d_list(x, p, decode_device_request)?,
            "generic_resources" => r.generic_resources = d_list(x, p, decode_generic_resource)?,
            _ => {}
        }
        Ok(())
    })?;
    r.extensions = ext;
    Ok(r)
}

fn decode_generic_resource(v: &J, path: &str) -> Result<GenericResource> {
    let mut g = GenericResource::default();
    let mut ext = Extensions::new();
    fields(v, path, "GenericResource", Some(&mut ext), |k, x, p| {
        if k == "discrete_resource_spec" {
            let mut d = DiscreteGenericResource::default();
            let mut dext = Extensions::new();
            fields(
                x,
                p,
                "DiscreteGenericResource",
                Some(&mut dext),
                |k, y, q| {
                    match k.to_lowercase().as_str() {
                        "kind" => d.kind = d_string(y, q)?,
                        "value" => d.value = d_i64(y, q)?,
                        _ => {}
                    }
                    Ok(())
                },
            )?;
            d.extensions = dext;
            g.discrete_resource_spec = Some(d);
        }
        Ok(())
    })?;
    g.extensions = ext;
    Ok(g)
}

fn decode_restart_policy(v: &J, path: &str) -> Result<RestartPolicy> {
    let mut r = RestartPolicy::default();
    let mut ext = Extensions::new();
    fields(v, path, "RestartPolicy", Some(&mut ext), |k, x, p| {
        match k {
            "condition" => r.condition = d_string(x, p)?,
            "delay" => r.delay = Some(d_duration(x, p)?),
            "max_attempts" => r.max_attempts = Some(d_u64(x, p)?),
            "window" => r.window = Some(d_duration(x, p)?),
            _ => {}
        }
        Ok(())
    })?;
    r.extensions = ext;
    Ok(r)
}

fn decode_placement(v: &J, path: &str) -> Result<Placement> {
    let mut pl = Placement::default();
    let mut ext = Extensions::new();
    fields(v, path, "Placement", Some(&mut ext), |k, x, p| {
        match k {
            "constraints" => pl.constraints = d_strings(x, p)?,
            "preferences" => {
                pl.preferences = d_list(x, p, |y, q| {
                    let mut pref = PlacementPreferences::default();
                    let mut pext = Extensions::new();
                    fields(y, q, "PlacementPreferences", Some(&mut pext), |k, z, r| {
                        if k == "spread" {
                            pref.spread = d_string(z, r)?;
                        }
                        Ok(())
                    })?;
                    pref.extensions = pext;
                    Ok(pref)
                })?
            }
            "max_replicas_per_node" => pl.max_replicas_per_node = d_u64(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    pl.extensions = ext;
    Ok(pl)
}

fn decode_device_mapping(v: &J, path: &str) -> Result<DeviceMapping> {
    let mut d = DeviceMapping::default();
    let mut ext = Extensions::new();
    fields(v, path, "DeviceMapping", Some(&mut ext), |k, x, p| {
        match k {
            "source" => d.source = d_string(x, p)?,
            "target" => d.target = d_string(x, p)?,
            "permissions" => d.permissions = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    d.extensions = ext;
    Ok(d)
}

fn decode_device_request(v: &J, path: &str) -> Result<DeviceRequest> {
    let mut d = DeviceRequest::default();
    fields(v, path, "DeviceRequest", None, |k, x, p| {
        match k {
            "capabilities" => d.capabilities = d_strings(x, p)?,
            "driver" => d.driver = d_string(x, p)?,
            "count" => d.count = d_device_count(x, p)?,
            "device_ids" => d.device_ids = d_strings(x, p)?,
            "options" => d.options = d_mapping(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(d)
}

fn decode_env_file(v: &J, path: &str) -> Result<EnvFile> {
    let mut e = EnvFile {
        required: true,
        ..EnvFile::default()
    };
    if let J::String(s) = v {
        e.path = s.clone();
        return Ok(e);
    }
    fields(v, path, "EnvFile", None, |k, x, p| {
        match k {
            "path" => e.path = d_string(x, p)?,
            "required" => e.required = d_bool(x, p)?,
            "format" => e.format = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(e)
}

fn decode_extends(v: &J, path: &str) -> Result<ExtendsConfig> {
    let mut e = ExtendsConfig::default();
    if let J::String(s) = v {
        e.service = s.clone();
        return Ok(e);
    }
    fields(v, path, "ExtendsConfig", None, |k, x, p| {
        match k {
            "file" => e.file = d_string(x, p)?,
            "service" => e.service = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(e)
}

fn decode_healthcheck(v: &J, path: &str) -> Result<HealthCheckConfig> {
    let mut h = HealthCheckConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "HealthCheckConfig", Some(&mut ext), |k, x, p| {
        match k {
            "test" => h.test = d_healthcheck_test(x, p)?,
            "timeout" => h.timeout = Some(d_duration(x, p)?),
            "interval" => h.interval = Some(d_duration(x, p)?),
            "retries" => h.retries = Some(d_u64(x, p)?),
            "start_period" => h.start_period = Some(d_duration(x, p)?),
            "start_interval" => h.start_interval = Some(d_duration(x, p)?),
            "disable" => h.disable = d_bool(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    h.extensions = ext;
    Ok(h)
}

fn decode_logging(v: &J, path: &str) -> Result<LoggingConfig> {
    let mut l = LoggingConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "LoggingConfig", Some(&mut ext), |k, x, p| {
        match k {
            "driver" => l.driver = d_string(x, p)?,
            "options" => l.options = d_options(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    l.extensions = ext;
    Ok(l)
}

fn decode_service_model(v: &J, path: &str) -> Result<ServiceModelConfig> {
    let mut m = ServiceModelConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "ServiceModelConfig", Some(&mut ext), |k, x, p| {
        match k {
            "endpoint_var" => m.endpoint_var = d_string(x, p)?,
            "model_var" => m.model_var = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    m.extensions = ext;
    Ok(m)
}

fn decode_service_network(v: &J, path: &str) -> Result<ServiceNetworkConfig> {
    let mut n = ServiceNetworkConfig::default();
    let mut ext = Extensions::new();
    fields(
        v,
        path,
        "ServiceNetworkConfig",
        Some(&mut ext),
        |k, x, p| {
            match k {
                "aliases" => n.aliases = d_strings(x, p)?,
                "driver_opts" => n.driver_opts = d_options(x, p)?,
                "gw_priority" => n.gw_priority = d_i64(x, p)?,
                "interface_name" => n.interface_name = d_string(x, p)?,
                "ipv4_address" => n.ipv4_address = d_string(x, p)?,
                "ipv6_address" => n.ipv6_address = d_string(x, p)?,
                "link_local_ips" => n.link_local_ips = d_strings(x, p)?,
                "mac_address" => n.mac_address = d_string(x, p)?,
                "priority" => n.priority = d_i64(x, p)?,
                _ => {}
            }
            Ok(())
        },
    )?;
    n.extensions = ext;
    Ok(n)
}

fn decode_port(v: &J, path: &str) -> Result<ServicePortConfig> {
    let mut port = ServicePortConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "ServicePortConfig", Some(&mut ext), |k, x, p| {
        match k {
            "name" => port.name = d_string(x, p)?,
            "mode" => port.mode = d_string(x, p)?,
            "host_ip" => port.host_ip = d_string(x, p)?,
            "target" => port.target = d_u64(x, p)? as u32,
            "published" => port.published = d_string(x, p)?,
            "protocol" => port.protocol = d_string(x, p)?,
            "app_protocol" => port.app_protocol = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    port.extensions = ext;
    Ok(port)
}

fn decode_provider(v: &J, path: &str) -> Result<ServiceProviderConfig> {
    let mut pr = ServiceProviderConfig::default();
    let mut ext = Extensions::new();
    fields(
        v,
        path,
        "ServiceProviderConfig",
        Some(&mut ext),
        |k, x, p| {
            match k {
                "type" => pr.r#type = d_string(x, p)?,
                "options" => pr.options = d_multi_options(x, p)?,
                _ => {}
            }
            Ok(())
        },
    )?;
    pr.extensions = ext;
    Ok(pr)
}

fn decode_service_volume(v: &J, path: &str) -> Result<ServiceVolumeConfig> {
    let mut sv = ServiceVolumeConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "ServiceVolumeConfig", Some(&mut ext), |k, x, p| {
        match k {
            "type" => sv.r#type = d_string(x, p)?,
            "source" => sv.source = d_string(x, p)?,
            "target" => sv.target = d_string(x, p)?,
            "read_only" => sv.read_only = d_bool(x, p)?,
            "consistency" => sv.consistency = d_string(x, p)?,
            "bind" => sv.bind = Some(decode_volume_bind(x, p)?),
            "volume" => sv.volume = Some(decode_volume_volume(x, p)?),
            "tmpfs" => sv.tmpfs = Some(decode_volume_tmpfs(x, p)?),
            "image" => sv.image = Some(decode_volume_image(x, p)?),
            _ => {}
        }
        Ok(())
    })?;
    sv.extensions = ext;
    Ok(sv)
}

fn decode_volume_bind(v: &J, path: &str) -> Result<ServiceVolumeBind> {
    let mut b = ServiceVolumeBind::default();
    let mut ext = Extensions::new();
    fields(v, path, "ServiceVolumeBind", Some(&mut ext), |k, x, p| {
        match k {
            "selinux" => b.selinux = d_string(x, p)?,
            "propagation" => b.propagation = d_string(x, p)?,
            "create_host_path" => b.create_host_path = d_bool(x, p)?,
            "recursive" => b.recursive = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    b.extensions = ext;
    Ok(b)
}

fn decode_volume_volume(v: &J, path: &str) -> Result<ServiceVolumeVolume> {
    let mut vv = ServiceVolumeVolume::default();
    let mut ext = Extensions::new();
    fields(v, path, "ServiceVolumeVolume", Some(&mut ext), |k, x, p| {
        match k {
            "labels" => vv.labels = d_mapping(x, p)?,
            "nocopy" => vv.nocopy = d_bool(x, p)?,
            "subpath" => vv.subpath = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    vv.extensions = ext;
    Ok(vv)
}

fn decode_volume_tmpfs(v: &J, path: &str) -> Result<ServiceVolumeTmpfs> {
    let mut t = ServiceVolumeTmpfs::default();
    let mut ext = Extensions::new();
    fields(v, path, "ServiceVolumeTmpfs", Some(&mut ext), |k, x, p| {
        match k {
            "size" => t.size = d_bytes(x, p)?,
            "mode" => t.mode = d_u64(x, p)? as u32,
            _ => {}
        }
        Ok(())
    })?;
    t.extensions = ext;
    Ok(t)
}

fn decode_volume_image(v: &J, path: &str) -> Result<ServiceVolumeImage> {
    let mut i = ServiceVolumeImage::default();
    let mut ext = Extensions::new();
    fields(v, path, "ServiceVolumeImage", Some(&mut ext), |k, x, p| {
        if k == "subpath" {
            i.subpath = d_string(x, p)?;
        }
        Ok(())
    })?;
    i.extensions = ext;
    Ok(i)
}

fn decode_network(v: &J, path: &str) -> Result<NetworkConfig> {
    let mut n = NetworkConfig::default();
    if v.is_null() {
        return Ok(n);
    }
    let mut ext = Extensions::new();
    fields(v, path, "NetworkConfig", Some(&mut ext), |k, x, p| {
        match k {
            "name" => n.name = d_string(x, p)?,
            "driver" => n.driver = d_string(x, p)?,
            "driver_opts" => n.driver_opts = d_options(x, p)?,
            "ipam" => n.ipam = decode_ipam(x, p)?,
            "external" => n.external = d_bool(x, p)?,
            "internal" => n.internal = d_bool(x, p)?,
            "attachable" => n.attachable = d_bool(x, p)?,
            "labels" => n.labels = d_mapping(x, p)?,
            "enable_ipv4" => n.enable_ipv4 = Some(d_bool(x, p)?),
            "enable_ipv6" => n.enable_ipv6 = Some(d_bool(x, p)?),
            _ => {}
        }
        Ok(())
    })?;
    n.extensions = ext;
    Ok(n)
}

fn decode_ipam(v: &J, path: &str) -> Result<IpamConfig> {
    let mut i = IpamConfig::default();
    let mut ext = Extensions::new();
    fields(v, path, "IPAMConfig", Some(&mut ext), |k, x, p| {
        match k {
            "driver" => i.driver = d_string(x, p)?,
            "config" => i.config = d_list(x, p, decode_ipam_pool)?,
            _ => {}
        }
        Ok(())
    })?;
    i.extensions = ext;
    Ok(i)
}

fn decode_ipam_pool(v: &J, path: &str) -> Result<IpamPool> {
    let mut pool = IpamPool::default();
    let mut ext = Extensions::new();
    fields(v, path, "IPAMPool", Some(&mut ext), |k, x, p| {
        match k {
            "subnet" => pool.subnet = d_string(x, p)?,
            "gateway" => pool.gateway = d_string(x, p)?,
            "ip_range" => pool.ip_range = d_string(x, p)?,
            "aux_addresses" => pool.aux_addresses = d_mapping(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    pool.extensions = ext;
    Ok(pool)
}

fn decode_volume(v: &J, path: &str) -> Result<VolumeConfig> {
    let mut vol = VolumeConfig::default();
    if v.is_null() {
        return Ok(vol);
    }
    let mut ext = Extensions::new();
    fields(v, path, "VolumeConfig", Some(&mut ext), |k, x, p| {
        match k {
            "name" => vol.name = d_string(x, p)?,
            "driver" => vol.driver = d_string(x, p)?,
            "driver_opts" => vol.driver_opts = d_options(x, p)?,
            "external" => vol.external = d_bool(x, p)?,
            "labels" => vol.labels = d_mapping(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    vol.extensions = ext;
    Ok(vol)
}

/// The loader passes a secret's value read from `environment` as `x-#value`.
const SECRET_VALUE_KEY: &str = "x-#value";

fn decode_file_object(v: &J, path: &str) -> Result<FileObjectConfig> {
    let mut o = FileObjectConfig::default();
    if v.is_null() {
        return Ok(o);
    }
    let mut ext = Extensions::new();
    fields(v, path, "FileObjectConfig", Some(&mut ext), |k, x, p| {
        match k {
            "name" => o.name = d_string(x, p)?,
            "file" => o.file = d_string(x, p)?,
            "environment" => o.environment = d_string(x, p)?,
            "content" => o.content = d_string(x, p)?,
            "external" => o.external = d_bool(x, p)?,
            "labels" => o.labels = d_mapping(x, p)?,
            "driver" => o.driver = d_string(x, p)?,
            "driver_opts" => o.driver_opts = d_options(x, p)?,
            "template_driver" => o.template_driver = d_string(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    if let Some(J::String(value)) = ext.remove(SECRET_VALUE_KEY) {
        o.content = value;
    }
    o.extensions = ext;
    Ok(o)
}

fn decode_model(v: &J, path: &str) -> Result<ModelConfig> {
    let mut m = ModelConfig::default();
    if v.is_null() {
        return Ok(m);
    }
    let mut ext = Extensions::new();
    fields(v, path, "ModelConfig", Some(&mut ext), |k, x, p| {
        match k {
            "name" => m.name = d_string(x, p)?,
            "model" => m.model = d_string(x, p)?,
            "context_size" => m.context_size = d_i64(x, p)?,
            "runtime_flags" => m.runtime_flags = d_strings(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    m.extensions = ext;
    Ok(m)
}

/// Decodes one `include` entry (a path string, or the long form).
pub fn decode_include(v: &J, path: &str) -> Result<IncludeConfig> {
    let mut inc = IncludeConfig::default();
    if let J::String(s) = v {
        inc.path = vec![s.clone()];
        return Ok(inc);
    }
    fields(v, path, "IncludeConfig", None, |k, x, p| {
        match k {
            "path" => inc.path = d_string_list(x, p)?,
            "project_directory" => inc.project_directory = d_string(x, p)?,
            "env_file" => inc.env_file = d_string_list(x, p)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(inc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(v: J) -> ServiceConfig {
        let doc = json!({"name": "p", "services": {"s": v}});
        Project::from_json(doc).unwrap().services["s"].clone()
    }

    fn service_json(s: &ServiceConfig) -> J {
        s.to_go(Format::Json).to_json()
    }

    #[test]
    fn command_unset_prints_null_and_empty_prints_empty_list() {
        let unset = service(json!({"image": "x"}));
        assert_eq!(service_json(&unset)["command"], J::Null);
        let empty = service(json!({"image": "x", "command": []}));
        assert_eq!(service_json(&empty)["command"], json!([]));
        let blank = service(json!({"image": "x", "entrypoint": ""}));
        assert_eq!(service_json(&blank)["entrypoint"], json!([]));
    }

    #[test]
    fn command_string_is_split_like_a_shell() {
        let s = service(json!({"command": "sh -c 'echo \"a b\"' x\\ y"}));
        assert_eq!(s.command.unwrap(), vec!["sh", "-c", "echo \"a b\"", "x y"]);
    }

    #[test]
    fn shell_words_stop_at_operators() {
        assert_eq!(
            crate::compose::canonical::shell_split("echo a && echo b").unwrap(),
            vec!["echo", "a"]
        );
        assert_eq!(
            crate::compose::canonical::shell_split("echo hi>x").unwrap(),
            vec!["echo", "hi"]
        );
        assert_eq!(
            crate::compose::canonical::shell_split("cmd 2>x").unwrap(),
            vec!["cmd"]
        );
        assert!(crate::compose::canonical::shell_split("echo \"open").is_err());
        assert!(crate::compose::canonical::shell_split("echo (x)").is_err());
    }

    #[test]
    fn service_fields_print_in_go_declaration_order() {
        let s = service(json!({"image": "x", "cap_add": ["A"], "annotations": {"a": "b"}}));
        let keys: Vec<String> = service_json(&s)
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(
            keys,
            vec!["annotations", "cap_add", "command", "entrypoint", "image"]
        );
    }

    #[test]
    fn byte_sizes_accept_units_and_print_as_strings() {
        let s = service(json!({"mem_limit": "512m", "shm_size": 1024}));
        assert_eq!(s.mem_limit, 512 * 1024 * 1024);
        let j = service_json(&s);
        assert_eq!(j["mem_limit"], json!("536870912"));
        assert_eq!(j["shm_size"], json!("1024"));
    }

    #[test]
    fn bad_byte_size_is_a_schema_error_naming_the_path() {
        let doc = json!({"services": {"a": {"mem_limit": "12q"}}});
        let err = Project::from_json(doc).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Schema);
        assert!(
            err.message
                .contains("'services[a].mem_limit' invalid suffix: 'q'")
        );
        assert_eq!(err.service.as_deref(), Some("a"));
    }

    #[test]
    fn unconvertible_value_is_a_schema_error() {
        let doc = json!({"services": {"a": {"image": {"x": 1}}}});
        let err = Project::from_json(doc).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Schema);
        assert!(
            err.message
                .contains("'services[a].image' expected type 'string'")
        );
    }

    #[test]
    fn durations_print_like_go() {
        for (input, out) in [
            ("1m30s", "1m30s"),
            ("90s", "1m30s"),
            ("1h", "1h0m0s"),
            ("500ms", "500ms"),
            ("1.5s", "1.5s"),
            ("1d", "24h0m0s"),
            ("0", "0s"),
            ("2us", "2µs"),
            ("-3s", "-3s"),
        ] {
            assert_eq!(Duration::parse(input).unwrap().to_string(), out, "{input}");
        }
    }

    #[test]
    fn duration_errors_are_worded_like_go() {
        assert_eq!(
            Duration::parse("12q").unwrap_err(),
            "time: unknown unit \"q\" in duration \"12q\""
        );
        assert_eq!(
            Duration::parse("10").unwrap_err(),
            "time: missing unit in duration \"10\""
        );
        assert_eq!(
            Duration::parse("x").unwrap_err(),
            "time: invalid duration \"x\""
        );
    }

    #[test]
    fn ram_sizes_follow_go_units() {
        assert_eq!(parse_ram_in_bytes("50M").unwrap(), 52428800);
        assert_eq!(parse_ram_in_bytes("1.5GiB").unwrap(), 1610612736);
        assert_eq!(parse_ram_in_bytes("10 kb").unwrap(), 10240);
        assert_eq!(parse_ram_in_bytes("100").unwrap(), 100);
        assert_eq!(
            parse_ram_in_bytes("12q").unwrap_err(),
            "invalid suffix: 'q'"
        );
        assert!(parse_ram_in_bytes("-1").is_err());
    }

    #[test]
    fn ulimits_print_single_or_soft_hard() {
        let s = service(json!({"ulimits": {"nproc": 65535, "nofile": {"soft": 1, "hard": 2}}}));
        let j = service_json(&s);
        assert_eq!(
            j["ulimits"],
            json!({"nofile": {"soft": 1, "hard": 2}, "nproc": 65535})
        );
    }

    #[test]
    fn file_mode_prints_octal_string() {
        let s = service(
            json!({"secrets": [{"source": "a", "mode": "0440"}, {"source": "b", "mode": 420}]}),
        );
        let j = service_json(&s);
        assert_eq!(j["secrets"][0]["mode"], json!("0440"));
        assert_eq!(j["secrets"][1]["mode"], json!("0644"));
    }

    #[test]
    fn environment_keeps_unset_values_as_null() {
        let s = service(json!({"environment": {"A": null, "B": 1, "C": "x"}}));
        assert_eq!(
            service_json(&s)["environment"],
            json!({"A": null, "B": "1", "C": "x"})
        );
    }

    #[test]
    fn extra_hosts_print_sorted_with_equals() {
        let s = service(json!({"extra_hosts": ["b:1.1.1.1", "a=[::1]", "a=2.2.2.2,3.3.3.3"]}));
        assert_eq!(
            service_json(&s)["extra_hosts"],
            json!(["a=2.2.2.2", "a=3.3.3.3", "a=::1", "b=1.1.1.1"])
        );
    }

    #[test]
    fn struct_fields_are_never_omitted_in_json_but_zero_ones_are_in_yaml() {
        let n = NetworkConfig {
            name: "n".into(),
            ..NetworkConfig::default()
        };
        assert_eq!(
            n.to_go(Format::Json).to_json(),
            json!({"name": "n", "ipam": {}})
        );
        assert_eq!(n.to_go(Format::Yaml).to_json(), json!({"name": "n"}));
    }

    #[test]
    fn service_extensions_only_in_yaml() {
        let s = service(json!({"image": "x", "x-foo": 1}));
        assert_eq!(s.extensions["x-foo"], json!(1));
        assert!(service_json(&s).get("x-foo").is_none());
        match s.to_go(Format::Yaml) {
            GoValue::Struct(_, inline) => assert_eq!(inline[0].0, "x-foo"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn project_json_sorts_top_level_keys_and_drops_models() {
        let doc = json!({
            "name": "p",
            "x-z": 1,
            "services": {},
            "volumes": {"v": {"name": "p_v"}},
            "models": {"m": {"model": "ai/x"}}
        });
        let p = Project::from_json(doc).unwrap();
        let keys: Vec<String> = p
            .to_go(Format::Json)
            .to_json()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, vec!["name", "services", "volumes", "x-z"]);
    }

    #[test]
    fn secret_content_is_hidden_and_config_content_from_environment_too() {
        let doc = json!({
            "secrets": {"s": {"environment": "E", "x-#value": "secret"}},
            "configs": {"c": {"environment": "E", "content": "v"}, "d": {"content": "inline"}}
        });
        let p = Project::from_json(doc).unwrap();
        assert_eq!(p.secrets["s"].content, "secret");
        let j = p.to_go(Format::Json).to_json();
        assert_eq!(j["secrets"]["s"], json!({"environment": "E"}));
        assert_eq!(j["configs"]["c"], json!({"environment": "E"}));
        assert_eq!(j["configs"]["d"], json!({"content": "inline"}));
    }

    #[test]
    fn scale_falls_back_to_replicas_then_one() {
        let mut s = service(json!({"deploy": {"replicas": 3}}));
        assert_eq!(s.scale(), 3);
        s.set_scale(5);
        assert_eq!(s.deploy.as_ref().unwrap().replicas, Some(5));
        assert_eq!(service(json!({})).scale(), 1);
    }

    #[test]
    fn networks_by_priority_orders_by_priority_then_name() {
        let s = service(json!({"networks": {"b": null, "a": null, "c": {"priority": 10}}}));
        assert_eq!(s.networks_by_priority(), vec!["c", "a", "b"]);
    }

    #[test]
    fn float32_fields_print_shortest() {
        let s =
            service(json!({"cpus": "0.3", "deploy": {"resources": {"limits": {"cpus": 0.001}}}}));
        let text = gojson::to_string(&service_json(&s));
        assert!(text.contains("\"cpus\":0.3"), "{text}");
        assert!(text.contains("\"limits\":{\"cpus\":0.001}"), "{text}");
    }

    #[test]
    fn blkio_devices_use_untagged_field_names() {
        let s = service(json!({"blkio_config": {"weight_device": [{"Path": "/a", "Weight": 1}]}}));
        let j = service_json(&s);
        assert_eq!(
            j["blkio_config"]["weight_device"][0],
            json!({"Path": "/a", "Weight": 1})
        );
    }

    #[test]
    fn ssh_key_with_path_cannot_be_marshaled_to_json() {
        let s = service(json!({"build": {"context": ".", "ssh": {"default": null, "k": "/p"}}}));
        let mut p = Project::default();
        p.services.insert("s".into(), s);
        assert!(p.json_error().unwrap().contains("types.SSHKey"));
    }

    #[test]
    fn env_file_prints_path_or_object() {
        let s = service(
            json!({"env_file": [{"path": "a", "required": true}, {"path": "b", "required": false}]}),
        );
        assert_eq!(
            service_json(&s)["env_file"],
            json!(["a", {"path": "b", "required": false}])
        );
    }

    #[test]
    fn develop_exec_hook_prints_as_struct_in_json() {
        let s = service(json!({"develop": {"watch": [{"path": "/a", "action": "sync"}]}}));
        assert_eq!(
            service_json(&s)["develop"]["watch"][0],
            json!({"path": "/a", "action": "sync", "exec": {"command": null}})
        );
    }

    #[test]
    fn short_syntax_lists_are_tolerated() {
        let s = service(json!({
            "build": ".",
            "depends_on": ["db"],
            "networks": ["front"],
            "env_file": "a.env"
        }));
        assert_eq!(s.build.unwrap().context, ".");
        assert_eq!(s.depends_on["db"], started());
        assert_eq!(s.networks["front"], None);
        assert_eq!(s.env_file[0].path, "a.env");
    }

    #[test]
    fn extension_keys_of_maps_are_gathered_like_compose_go() {
        let doc = json!({
            "services": {"x-foo": {
                "environment": {"x-e": 1, "y": 2},
                "labels": {"x-l": "a", "x-m": 2},
                "networks": ["x-network"],
                "ulimits": {"x-u": 1},
                "depends_on": {"x-bar": {"condition": "service_started", "required": true}}
            }},
            "networks": {"x-network": null}
        });
        let p = Project::from_json(doc).unwrap();
        let j = p.to_go(Format::Json).to_json();
        let s = &j["services"]["x-foo"];
        assert_eq!(
            s["environment"],
            json!({"#extensions": "map[x-e:1]", "y": "2"})
        );
        assert_eq!(s["labels"], json!({"#extensions": "map[x-l:a x-m:2]"}));
        assert_eq!(s["networks"], json!({"#extensions": {}}));
        assert_eq!(s["ulimits"], json!({"#extensions": {}}));
        assert!(s["depends_on"].get("x-bar").is_some());
        assert!(j["networks"].get("x-network").is_some());
    }

    #[test]
    fn gpus_count_all_is_minus_one() {
        let s = service(json!({"gpus": [{"count": "all"}]}));
        assert_eq!(service_json(&s)["gpus"], json!([{"count": -1}]));
    }
}
