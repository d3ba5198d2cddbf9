//! From a service to the body of `POST /containers/create`, exactly as Docker Compose v2.40.3
//! builds it (`getCreateConfigs` and friends in Compose's `create.go`).
//!
//! Everything here is pure: what only the engine knows (the containers of other services,
//! the mounts of a container being replaced, the negotiated API version) comes in through
//! [`ProjectContext`] and [`CreateOptions`]. The one exception is reading a seccomp profile
//! named in `security_opt`, which Compose inlines into the body.
//!
//! Where Compose walks a Go map (environment, labels, binds, mounts, ulimits, extra hosts),
//! its order changes from run to run; we sort, which the engine cannot tell apart.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bollard::models::{
    ContainerCreateBody, DeviceMapping as EngineDevice, DeviceRequest as EngineDeviceRequest,
    EndpointIpamConfig, EndpointSettings, HealthConfig, HostConfig, HostConfigCgroupnsModeEnum,
    HostConfigIsolationEnum, HostConfigLogConfig, Mount, MountBindOptions,
    MountBindOptionsPropagationEnum, MountImageOptions, MountTmpfsOptions, MountType,
    MountVolumeOptions, NetworkingConfig, PortBinding, PortMap, ResourcesBlkioWeightDevice,
    ResourcesUlimits, RestartPolicy, RestartPolicyNameEnum, ThrottleDevice,
};

use super::labels;
use crate::compose::model::{
    FileReferenceConfig, Mapping, Project, ServiceConfig, ServiceNetworkConfig, ServiceVolumeBind,
    ServiceVolumeConfig, ServiceVolumeVolume, ThrottleDevice as ModelThrottle,
};
use crate::compose::paths::go_clean;

// ---------------------------------------------------------------------------------------
// Inputs

/// An Engine API version (`1.41`), compared numerically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    pub major: u32,
    pub minor: u32,
}

impl ApiVersion {
    /// API 1.41: Docker Engine 20.10.
    pub const V1_41: ApiVersion = ApiVersion::new(1, 41);
    /// API 1.43: Docker Engine 24 (container annotations).
    pub const V1_43: ApiVersion = ApiVersion::new(1, 43);
    /// API 1.44: Docker Engine 25 (several networks at create, MAC address per endpoint,
    /// healthcheck start interval, recursive read-only binds).
    pub const V1_44: ApiVersion = ApiVersion::new(1, 44);
    /// API 1.48: Docker Engine 28 (image mounts).
    pub const V1_48: ApiVersion = ApiVersion::new(1, 48);
    /// API 1.49: Docker Engine 28.1 (endpoint interface names).
    pub const V1_49: ApiVersion = ApiVersion::new(1, 49);

    pub const fn new(major: u32, minor: u32) -> ApiVersion {
        ApiVersion { major, minor }
    }

    /// Parses `1.41`; `None` when the text is not `<major>.<minor>`.
    pub fn parse(s: &str) -> Option<ApiVersion> {
        let (major, minor) = s.trim().split_once('.')?;
        Some(ApiVersion::new(major.parse().ok()?, minor.parse().ok()?))
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The project and what Compose knows about the invocation.
#[derive(Clone, Copy, Debug)]
pub struct ProjectContext<'a> {
    pub project: &'a Project,
    /// The absolute project directory (label `project.working_dir`; base of relative paths).
    pub working_dir: &'a str,
    /// The compose files as Compose names them (label `project.config_files`).
    pub config_files: &'a [String],
    /// The `--env-file` files, absolute (label `project.environment_file`); empty if none.
    pub env_files: &'a [String],
    /// The API version negotiated with the engine: Compose's body depends on it.
    pub api_version: ApiVersion,
    /// Proxy variables from the `proxies` section of the docker CLI config
    /// (`HTTP_PROXY`...); the service's environment wins over them. Usually empty.
    pub proxy_env: &'a Mapping,
}

/// One container of a service, as the engine lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerContainer {
    pub id: String,
    /// The canonical name, without the leading `/`.
    pub name: String,
}

/// The existing containers (one-off ones left out) of the project's services, by service
/// name, in the order the engine lists them. Compose needs them to resolve
/// `network_mode|ipc|pid: service:x` and `volumes_from: x` (the first container of `x` by
/// name), and `links` (every container of the linked service, in list order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Peers {
    pub services: BTreeMap<String, Vec<PeerContainer>>,
}

impl Peers {
    /// The container Compose picks for `service:x` references: the first by name.
    fn first(&self, service: &str) -> Option<&PeerContainer> {
        self.services
            .get(service)?
            .iter()
            .min_by(|a, b| a.name.cmp(&b.name))
    }

    fn of(&self, service: &str) -> &[PeerContainer] {
        self.services.get(service).map_or(&[], Vec::as_slice)
    }
}

/// One mount of a container being replaced (from its inspect or list entry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InheritedMount {
    /// `volume`, `bind`, `tmpfs`...
    pub typ: String,
    /// The volume name (volumes only).
    pub name: String,
    /// The host path (binds) or the volume's data path.
    pub source: String,
    pub destination: String,
    pub rw: bool,
}

/// What a recreated container inherits from the one it replaces: its anonymous volumes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inherit {
    pub mounts: Vec<InheritedMount>,
    /// The volumes the service's image declares (`Config.Volumes` of the image inspect).
    pub image_volumes: Vec<String>,
}

/// How a container is created: `up` and `run` differ here.
#[derive(Clone, Debug, Default)]
pub struct CreateOptions<'a> {
    /// The replica number; `None` for a one-off (`run`) container, which gets no
    /// container-number label (Compose passes -1).
    pub number: Option<u32>,
    pub auto_remove: bool,
    pub attach_stdin: bool,
    /// Network aliases (service name and `aliases`) besides the container name: always for
    /// `up`, with `--use-aliases` for `run`.
    pub use_network_aliases: bool,
    /// Labels set over Compose's own (for example [`labels::REPLACE`], or
    /// [`labels::SLUG`] and [`labels::ONEOFF`]=`True` for `run`). The config hash, the
    /// container number and the dependencies are always Compose's.
    pub extra_labels: Mapping,
    pub peers: Option<&'a Peers>,
    /// The container being replaced, when its anonymous volumes are kept (`up` without
    /// `--renew-anon-volumes`).
    pub inherit: Option<&'a Inherit>,
}

impl CreateOptions<'_> {
    /// What `up` uses for replica `number`.
    pub fn up(number: u32) -> CreateOptions<'static> {
        CreateOptions {
            number: Some(number),
            use_network_aliases: true,
            ..CreateOptions::default()
        }
    }
}

/// A body Compose would not send, or that the engine would refuse; worded like Compose.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SpecError {
    pub message: String,
}

impl SpecError {
    fn new(message: impl Into<String>) -> SpecError {
        SpecError {
            message: message.into(),
        }
    }
}

type Result<T> = std::result::Result<T, SpecError>;

// ---------------------------------------------------------------------------------------
// Names

/// Compose's container name: `container_name`, else `<project>-<service>-<number>`.
pub fn container_name(project: &str, service: &ServiceConfig, number: u32) -> String {
    replica_name(project, service, &number.to_string())
}

fn replica_name(project: &str, service: &ServiceConfig, number: &str) -> String {
    if service.container_name.is_empty() {
        format!("{project}-{}-{number}", service.name)
    } else {
        service.container_name.clone()
    }
}

/// The image a service runs: `image`, else the name Compose tags a built image with.
pub fn image_name(project: &str, service: &ServiceConfig) -> String {
    if service.image.is_empty() {
        format!("{project}-{}", service.name)
    } else {
        service.image.clone()
    }
}

fn number_text(opts: &CreateOptions) -> String {
    opts.number
        .map_or_else(|| "-1".to_string(), |n| n.to_string())
}

// ---------------------------------------------------------------------------------------
// Service references

const SERVICE_PREFIX: &str = "service:";
const CONTAINER_PREFIX: &str = "container:";

/// The services whose containers must exist before `service`'s can be created: those it
/// shares namespaces or volumes with (`network_mode|ipc|pid: service:x`, `volumes_from`)
/// and those it links to. Every other dependency only gates the start.
pub fn peer_services(service: &ServiceConfig) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = service
        .volumes_from
        .iter()
        .filter_map(|e| {
            let first = e.split(':').next().unwrap_or("");
            (first != "container" && !first.is_empty()).then(|| first.to_string())
        })
        .collect();
    for mode in [&service.network_mode, &service.ipc, &service.pid] {
        if let Some(name) = mode.strip_prefix(SERVICE_PREFIX) {
            out.insert(name.to_string());
        }
    }
    out.extend(
        service
            .links
            .iter()
            .map(|l| l.split(':').next().unwrap_or("").to_string()),
    );
    out
}

/// The service as Compose creates it: `volumes_from` and `network_mode|ipc|pid: service:x`
/// replaced by the ID of a container of `x`. Compose hashes this resolved service, so the
/// config hash to compare with a container's label is `service_hash(&resolve_service(..)?)`.
///
/// Like Compose, `volumes_from` keeps only the container (a `:ro`/`:rw` suffix is dropped).
pub fn resolve_service(service: &ServiceConfig, peers: &Peers) -> Result<ServiceConfig> {
    let mut s = service.clone();
    for entry in s.volumes_from.iter_mut() {
        let parts: Vec<&str> = entry.split(':').collect();
        if parts[0] == "container" {
            *entry = parts.get(1).unwrap_or(&"").to_string();
            continue;
        }
        let id = peers.first(parts[0]).map(|c| c.id.clone()).ok_or_else(|| {
            SpecError::new(format!(
                "cannot share volume with service {}: container missing",
                parts[0]
            ))
        })?;
        *entry = id;
    }
    resolve_namespace(&mut s.network_mode, "network", peers)?;
    resolve_namespace(&mut s.ipc, "IPC", peers)?;
    resolve_namespace(&mut s.pid, "PID", peers)?;
    Ok(s)
}

fn resolve_namespace(mode: &mut String, what: &str, peers: &Peers) -> Result<()> {
    let Some(name) = mode.strip_prefix(SERVICE_PREFIX) else {
        return Ok(());
    };
    let peer = peers.first(name).ok_or_else(|| {
        SpecError::new(format!(
            "cannot share {what} namespace with service {name}: container missing"
        ))
    })?;
    *mode = format!("{CONTAINER_PREFIX}{}", peer.id);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The body

/// The create body for replica `number` of `service`, as `up` creates it with no other
/// container around (no links to resolve, nothing inherited). `image_id` is the local image
/// ID (`sha256:...`) recorded in the image label; empty leaves the label out.
pub fn create_body(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    number: u32,
    image_id: &str,
) -> Result<ContainerCreateBody> {
    create_body_with(ctx, service, image_id, &CreateOptions::up(number))
}

/// The create body for one container of `service`. The container name goes in the query
/// (see [`container_name`]); so does the platform (see [`platform`]).
///
/// Bodies for API < 1.44 name only the first network; connect the container to
/// [`endpoints_to_connect`] after create. For API < 1.44 Compose also sets the
/// container-wide `MacAddress`, which bollard's body no longer has: see
/// [`legacy_mac_address`].
pub fn create_body_with(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    image_id: &str,
    opts: &CreateOptions,
) -> Result<ContainerCreateBody> {
    let empty = Peers::default();
    let peers = opts.peers.unwrap_or(&empty);
    let service = &resolve_service(service, peers)?;
    let api = ctx.api_version;

    // Compose validates the MAC addresses before anything else is built.
    let _ = container_mac_address(ctx, service)?;
    let healthcheck = health_config(service, api)?;
    let (binds, mounts) = volumes(ctx, service, opts.inherit)?;
    let links = links(&ctx.project.name, service, &number_text(opts), peers);
    let (network_mode, networking) = network_settings(ctx, service, opts, peers)?;
    let (security_opt, unconfined) = security_opts(ctx.working_dir, &service.security_opt)?;
    let exposed = exposed_ports(service);

    let host_config = HostConfig {
        binds: non_empty(binds),
        container_id_file: Some(String::new()),
        log_config: Some(log_config(service)),
        network_mode: Some(network_mode),
        port_bindings: Some(port_bindings(service)),
        restart_policy: Some(restart_policy(service)?),
        auto_remove: Some(opts.auto_remove),
        volume_driver: Some(service.volume_driver.clone()),
        volumes_from: non_empty(service.volumes_from.clone()),
        console_size: Some(vec![0, 0]),
        annotations: (api >= ApiVersion::V1_43)
            .then(|| hash_map(&service.annotations))
            .flatten(),
        cap_add: non_empty(normalize_capabilities(&service.cap_add)),
        cap_drop: non_empty(normalize_capabilities(&service.cap_drop)),
        cgroupns_mode: Some(cgroupns_mode(&service.cgroup)?),
        dns: non_empty(service.dns.clone()),
        dns_options: non_empty(service.dns_opt.clone()),
        dns_search: non_empty(service.dns_search.clone()),
        extra_hosts: Some(extra_hosts(service)),
        group_add: non_empty(service.group_add.clone()),
        ipc_mode: Some(service.ipc.clone()),
        cgroup: Some(String::new()),
        links: non_empty(links),
        oom_score_adj: Some(service.oom_score_adj),
        pid_mode: Some(service.pid.clone()),
        privileged: Some(service.privileged),
        publish_all_ports: Some(false),
        readonly_rootfs: Some(service.read_only),
        security_opt: non_empty(security_opt),
        storage_opt: hash_map(&service.storage_opt),
        tmpfs: tmpfs(service),
        uts_mode: Some(service.uts.clone()),
        userns_mode: Some(service.userns_mode.clone()),
        shm_size: Some(service.shm_size),
        sysctls: hash_map(&service.sysctls),
        runtime: non_empty_str(&service.runtime),
        isolation: Some(isolation(&service.isolation)?),
        mounts: non_empty(mounts),
        masked_paths: unconfined.then(Vec::new),
        readonly_paths: unconfined.then(Vec::new),
        init: service.init,
        ..resources(service)
    };

    Ok(ContainerCreateBody {
        hostname: Some(service.hostname.clone()),
        domainname: Some(service.domainname.clone()),
        user: Some(service.user.clone()),
        attach_stdin: Some(opts.attach_stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        exposed_ports: non_empty(exposed),
        tty: Some(service.tty),
        open_stdin: Some(service.stdin_open),
        stdin_once: Some(opts.attach_stdin && service.stdin_open),
        env: non_empty(environment(ctx.proxy_env, service)),
        cmd: service.command.clone(),
        healthcheck,
        image: Some(image_name(&ctx.project.name, service)),
        working_dir: Some(service.working_dir.clone()),
        entrypoint: service.entrypoint.clone(),
        network_disabled: (service.network_mode == "disabled").then_some(true),
        labels: Some(hash_map(&container_labels(ctx, service, image_id, opts)).unwrap_or_default()),
        stop_signal: non_empty_str(&service.stop_signal),
        stop_timeout: service.stop_grace_period.map(|d| d.0 / 1_000_000_000),
        host_config: Some(host_config),
        networking_config: networking,
        ..ContainerCreateBody::default()
    })
}

/// The labels of a container: the service's labels, Compose's invocation labels, the image
/// ID, `extra_labels`, then config hash, replica number and dependencies.
pub fn container_labels(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    image_id: &str,
    opts: &CreateOptions,
) -> Mapping {
    let inv = labels::Invocation {
        project: &ctx.project.name,
        working_dir: ctx.working_dir,
        config_files: ctx.config_files,
        env_files: ctx.env_files,
    };
    let mut out = service.labels.clone();
    out.extend(labels::service_custom_labels(&inv, &service.name));
    if !image_id.is_empty() {
        out.insert(labels::IMAGE.into(), image_id.into());
    }
    out.extend(opts.extra_labels.clone());
    out.insert(labels::CONFIG_HASH.into(), labels::service_hash(service));
    if let Some(n) = opts.number.filter(|n| *n > 0) {
        out.insert(labels::CONTAINER_NUMBER.into(), n.to_string());
    }
    out.insert(
        labels::DEPENDS_ON.into(),
        labels::depends_on_value(&service.depends_on),
    );
    out
}

/// `K=V` per variable (`K` alone when unset), the proxy variables first overridden by the
/// service's environment.
fn environment(proxy: &Mapping, service: &ServiceConfig) -> Vec<String> {
    let mut env: BTreeMap<&str, Option<&str>> = proxy
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v.as_str())))
        .collect();
    for (k, v) in &service.environment {
        env.insert(k, v.as_deref());
    }
    env.into_iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k.to_string(),
        })
        .collect()
}

fn health_config(service: &ServiceConfig, api: ApiVersion) -> Result<Option<HealthConfig>> {
    let Some(check) = &service.healthcheck else {
        return Ok(None);
    };
    let nanos = |d: Option<crate::compose::model::Duration>| d.map_or(0, |d| d.0);
    let mut start_interval = 0;
    if let Some(si) = check.start_interval {
        if api < ApiVersion::V1_44 {
            return Err(SpecError::new(
                "can't set healthcheck.start_interval as feature require Docker Engine v25 or later",
            ));
        }
        start_interval = si.0;
        if check.start_period.is_none() {
            return Err(SpecError::new(
                "healthcheck.start_interval requires healthcheck.start_period to be set",
            ));
        }
    }
    let test = if check.disable {
        vec!["NONE".to_string()]
    } else {
        check.test.clone()
    };
    let non_zero = |n: i64| (n != 0).then_some(n);
    Ok(Some(HealthConfig {
        test: non_empty(test),
        interval: non_zero(nanos(check.interval)),
        timeout: non_zero(nanos(check.timeout)),
        retries: non_zero(check.retries.unwrap_or(0) as i64),
        start_period: non_zero(nanos(check.start_period)),
        start_interval: non_zero(start_interval),
    }))
}

/// `ExposedPorts`: each `expose` entry as written, and `target/protocol` of each port.
fn exposed_ports(service: &ServiceConfig) -> Vec<String> {
    let mut set: BTreeSet<String> = service.expose.iter().cloned().collect();
    for p in &service.ports {
        set.insert(format!("{}/{}", p.target, p.protocol));
    }
    set.into_iter().collect()
}

/// `PortBindings`: every `ports` entry under its `target/protocol`, in file order.
fn port_bindings(service: &ServiceConfig) -> PortMap {
    let mut map: PortMap = HashMap::new();
    for p in &service.ports {
        let binding = PortBinding {
            host_ip: Some(p.host_ip.clone()),
            host_port: Some(p.published.clone()),
        };
        map.entry(format!("{}/{}", p.target, p.protocol))
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(binding);
    }
    map
}

/// The `tmpfs` list as a map: path to mount options.
fn tmpfs(service: &ServiceConfig) -> Option<HashMap<String, String>> {
    let map: HashMap<String, String> = service
        .tmpfs
        .iter()
        .map(|t| match t.split_once(':') {
            Some((path, opts)) => (path.to_string(), opts.to_string()),
            None => (t.clone(), String::new()),
        })
        .collect();
    (!map.is_empty()).then_some(map)
}

/// `ExtraHosts`: `host:ip` per address.
fn extra_hosts(service: &ServiceConfig) -> Vec<String> {
    service
        .extra_hosts
        .iter()
        .flat_map(|(host, ips)| ips.iter().map(move |ip| format!("{host}:{ip}")))
        .collect()
}

fn log_config(service: &ServiceConfig) -> HostConfigLogConfig {
    match &service.logging {
        Some(l) => HostConfigLogConfig {
            typ: Some(l.driver.clone()),
            config: hash_map(&l.options),
        },
        None => HostConfigLogConfig {
            typ: Some(String::new()),
            config: None,
        },
    }
}

/// True when the engine will not restart the service's containers after they exit 0 (no
/// restart policy, `no`, or `on-failure`): such a container that exited 0 has finished
/// its job, it has not failed. An invalid policy counts as restarting (it is refused
/// elsewhere).
pub fn exit_zero_is_final(service: &ServiceConfig) -> bool {
    restart_policy(service).is_ok_and(|p| {
        matches!(
            p.name,
            Some(
                RestartPolicyNameEnum::EMPTY
                    | RestartPolicyNameEnum::NO
                    | RestartPolicyNameEnum::ON_FAILURE
            )
        )
    })
}

/// `restart`, overridden by `deploy.restart_policy` when there is one.
fn restart_policy(service: &ServiceConfig) -> Result<RestartPolicy> {
    let mut name = String::new();
    let mut attempts = 0i64;
    if !service.restart.is_empty() {
        let mut parts = service.restart.split(':');
        name = parts.next().unwrap_or("").to_string();
        attempts = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    }
    if let Some(policy) = service
        .deploy
        .as_ref()
        .and_then(|d| d.restart_policy.as_ref())
    {
        name = policy.condition.clone();
        attempts = policy.max_attempts.unwrap_or(0) as i64;
    }
    Ok(RestartPolicy {
        name: Some(restart_name(&name)?),
        maximum_retry_count: Some(attempts),
    })
}

fn restart_name(condition: &str) -> Result<RestartPolicyNameEnum> {
    Ok(match condition {
        "" => RestartPolicyNameEnum::EMPTY,
        "none" | "no" => RestartPolicyNameEnum::NO,
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
        "any" | "always" => RestartPolicyNameEnum::ALWAYS,
        other => {
            // Compose passes it on and the engine refuses it with this message.
            return Err(SpecError::new(format!(
                "invalid restart policy: unknown policy '{other}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"
            )));
        }
    })
}

fn cgroupns_mode(cgroup: &str) -> Result<HostConfigCgroupnsModeEnum> {
    match cgroup {
        "" => Ok(HostConfigCgroupnsModeEnum::EMPTY),
        "host" => Ok(HostConfigCgroupnsModeEnum::HOST),
        "private" => Ok(HostConfigCgroupnsModeEnum::PRIVATE),
        other => Err(SpecError::new(format!(
            "invalid cgroup namespace mode: {other}"
        ))),
    }
}

fn isolation(isolation: &str) -> Result<HostConfigIsolationEnum> {
    match isolation {
        "" => Ok(HostConfigIsolationEnum::EMPTY),
        "default" => Ok(HostConfigIsolationEnum::DEFAULT),
        "process" => Ok(HostConfigIsolationEnum::PROCESS),
        "hyperv" => Ok(HostConfigIsolationEnum::HYPERV),
        other => Err(SpecError::new(format!("invalid isolation: {other:?}"))),
    }
}

/// What the Docker client does to `CapAdd`/`CapDrop` before sending them: upper case,
/// `CAP_` prefix (except `ALL`), duplicates removed, sorted.
pub fn normalize_capabilities(caps: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = caps
        .iter()
        .map(|c| {
            let c = c.to_uppercase();
            if c == "ALL" || c.starts_with("CAP_") {
                c
            } else {
                format!("CAP_{c}")
            }
        })
        .collect();
    set.into_iter().collect()
}

// ---------------------------------------------------------------------------------------
// Security options

/// `security_opt` as Compose sends it: a seccomp profile file is inlined as compact JSON,
/// `systempaths=unconfined` becomes empty masked and read-only path lists (the bool).
fn security_opts(working_dir: &str, opts: &[String]) -> Result<(Vec<String>, bool)> {
    let mut parsed = Vec::new();
    let mut unconfined = false;
    for opt in opts {
        if opt == "systempaths=unconfined" {
            unconfined = true;
            continue;
        }
        let (key, value) = match opt.split_once('=') {
            Some(kv) => kv,
            None if opt == "no-new-privileges" => (opt.as_str(), ""),
            None => opt
                .split_once(':')
                .ok_or_else(|| SpecError::new(format!("invalid security-opt: {opt:?}")))?,
        };
        if key == "seccomp" && value != "unconfined" && value != "builtin" {
            parsed.push(format!("seccomp={}", seccomp_profile(working_dir, value)?));
        } else {
            parsed.push(opt.clone());
        }
    }
    Ok((parsed, unconfined))
}

fn seccomp_profile(working_dir: &str, path: &str) -> Result<String> {
    let full = relative_path(working_dir, path);
    let text = std::fs::read_to_string(&full)
        .map_err(|e| SpecError::new(format!("opening seccomp profile ({path}) failed: {e}")))?;
    go_json_compact(&text).map_err(|e| {
        SpecError::new(format!(
            "compacting json for seccomp profile ({path}) failed: {e}"
        ))
    })
}

/// Compose's `Project.RelativePath`: `~` is the home directory, relative paths are under the
/// project directory.
fn relative_path(working_dir: &str, path: &str) -> String {
    let mut path = path.to_string();
    if let Some(rest) = path.strip_prefix('~') {
        if let Some(home) = std::env::var_os("HOME") {
            path = format!("{}{rest}", home.to_string_lossy());
        }
    }
    if path.starts_with('/') {
        path
    } else {
        go_clean(&format!("{working_dir}/{path}"))
    }
}

/// Go's `json.Compact`: the same JSON text without insignificant white space.
fn go_json_compact(text: &str) -> std::result::Result<String, String> {
    serde_json::from_str::<serde_json::Value>(text).map_err(|e| e.to_string())?;
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Resources

/// The resource fields of the host config (`getDeployResources`).
fn resources(s: &ServiceConfig) -> HostConfig {
    let mut r = HostConfig {
        cgroup_parent: Some(s.cgroup_parent.clone()),
        memory: Some(s.mem_limit),
        memory_swap: Some(s.memswap_limit),
        memory_swappiness: (s.mem_swappiness != 0).then_some(s.mem_swappiness),
        memory_reservation: Some(s.mem_reservation),
        oom_kill_disable: Some(s.oom_kill_disable),
        cpu_count: Some(s.cpu_count),
        cpu_period: Some(s.cpu_period),
        cpu_quota: Some(s.cpu_quota),
        cpu_realtime_period: Some(s.cpu_rt_period),
        cpu_realtime_runtime: Some(s.cpu_rt_runtime),
        cpu_shares: Some(s.cpu_shares),
        // Go multiplies in float32 before truncating; so do we.
        nano_cpus: Some((s.cpus * 1e9f32) as i64),
        cpu_percent: Some((s.cpu_percent * 100f32) as i64),
        cpuset_cpus: Some(s.cpuset.clone()),
        cpuset_mems: Some(String::new()),
        device_cgroup_rules: non_empty(s.device_cgroup_rules.clone()),
        pids_limit: (s.pids_limit != 0).then_some(s.pids_limit),
        blkio_weight: Some(0),
        io_maximum_iops: Some(0),
        io_maximum_bandwidth: Some(0),
        ..HostConfig::default()
    };
    if let Some(blkio) = &s.blkio_config {
        r.blkio_weight = Some(blkio.weight);
        r.blkio_weight_device = non_empty(
            blkio
                .weight_device
                .iter()
                .map(|w| ResourcesBlkioWeightDevice {
                    path: Some(w.path.clone()),
                    weight: Some(w.weight as usize),
                })
                .collect(),
        );
        r.blkio_device_read_bps = throttles(&blkio.device_read_bps);
        r.blkio_device_read_iops = throttles(&blkio.device_read_iops);
        r.blkio_device_write_bps = throttles(&blkio.device_write_bps);
        r.blkio_device_write_iops = throttles(&blkio.device_write_iops);
    }
    let mut requests = Vec::new();
    if let Some(deploy) = &s.deploy {
        if let Some(limits) = &deploy.resources.limits {
            if limits.memory != 0 {
                r.memory = Some(limits.memory);
            }
            if limits.cpus != 0.0 {
                r.nano_cpus = Some((limits.cpus * 1e9f32) as i64);
            }
            if limits.pids > 0 {
                r.pids_limit = Some(limits.pids);
            }
        }
        if let Some(reservations) = &deploy.resources.reservations {
            // CPU reservations are a Swarm feature and pids only a limit.
            if reservations.memory != 0 {
                r.memory_reservation = Some(reservations.memory);
            }
            for d in &reservations.devices {
                requests.push(EngineDeviceRequest {
                    driver: Some(d.driver.clone()),
                    count: Some(d.count),
                    device_ids: non_empty(d.device_ids.clone()),
                    capabilities: Some(vec![d.capabilities.clone()]),
                    options: hash_map(&d.options),
                });
            }
        }
    }
    let mut devices = Vec::new();
    let mut cdi = Vec::new();
    for d in &s.devices {
        if d.source == d.target && is_cdi_name(&d.source) {
            cdi.push(d.source.clone());
            continue;
        }
        devices.push(EngineDevice {
            path_on_host: Some(d.source.clone()),
            path_in_container: Some(d.target.clone()),
            cgroup_permissions: Some(d.permissions.clone()),
        });
    }
    if !cdi.is_empty() {
        requests.push(EngineDeviceRequest {
            driver: Some("cdi".into()),
            count: Some(0),
            device_ids: Some(cdi),
            ..EngineDeviceRequest::default()
        });
    }
    for g in &s.gpus {
        let mut caps = g.capabilities.clone();
        caps.push("gpu".into());
        requests.push(EngineDeviceRequest {
            driver: Some(g.driver.clone()),
            count: Some(g.count),
            device_ids: non_empty(g.device_ids.clone()),
            capabilities: Some(vec![caps]),
            options: hash_map(&g.options),
        });
    }
    r.devices = non_empty(devices);
    r.device_requests = non_empty(requests);
    r.ulimits = non_empty(
        s.ulimits
            .iter()
            .map(|(name, u)| ResourcesUlimits {
                name: Some(name.clone()),
                soft: Some(if u.soft != 0 { u.soft } else { u.single }),
                hard: Some(if u.hard != 0 { u.hard } else { u.single }),
            })
            .collect(),
    );
    r
}

fn throttles(list: &[ModelThrottle]) -> Option<Vec<ThrottleDevice>> {
    non_empty(
        list.iter()
            .map(|t| ThrottleDevice {
                path: Some(t.path.clone()),
                rate: Some(t.rate),
            })
            .collect(),
    )
}

/// A fully qualified CDI device name: `vendor.com/class=name`.
fn is_cdi_name(device: &str) -> bool {
    let Some((vendor, rest)) = device.split_once('/') else {
        return false;
    };
    let Some((class, name)) = rest.split_once('=') else {
        return false;
    };
    let word = |s: &str, extra: &[char]| {
        let first = s.chars().next();
        let last = s.chars().last();
        first.is_some_and(|c| c.is_ascii_alphabetic())
            && last.is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || extra.contains(&c))
    };
    let name_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    word(vendor, &['.']) && word(class, &[]) && name_ok
}

// ---------------------------------------------------------------------------------------
// Volumes

/// `Binds` and `Mounts`, as Compose splits them: a bind without advanced options goes in
/// `Binds` (the engine then creates a missing host path, which the `Mount` API refuses),
/// a named volume without volume options too; everything else is a `Mount`.
fn volumes(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    inherit: Option<&Inherit>,
) -> Result<(Vec<String>, Vec<Mount>)> {
    let planned = planned_mounts(ctx, service, inherit)?;
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for mount in planned {
        let target = mount.target.clone().unwrap_or_default();
        let declared = service.volumes.iter().find(|v| v.target == target);
        match mount.typ {
            Some(MountType::BIND) => {
                if let Some(v) = declared {
                    if !bind_requires_mount_api(v.bind.as_ref()) {
                        binds.push(bind_string(mount.source.as_deref().unwrap_or(""), v));
                        continue;
                    }
                }
            }
            Some(MountType::VOLUME) => {
                let source = mount.source.as_deref().unwrap_or("");
                let known = ctx.project.volumes.values().find(|v| v.name == source);
                if let (Some(v), Some(vol)) = (declared, known) {
                    if !volume_requires_mount_api(v.volume.as_ref()) {
                        binds.push(bind_string(&vol.name, v));
                        continue;
                    }
                }
            }
            Some(MountType::IMAGE) if ctx.api_version < ApiVersion::V1_48 => {
                return Err(SpecError::new(
                    "volume with type=image require Docker Engine v28 or later",
                ));
            }
            _ => {}
        }
        if ctx.api_version < ApiVersion::V1_44
            && mount
                .bind_options
                .as_ref()
                .is_some_and(|b| b.read_only_force_recursive == Some(true))
        {
            return Err(SpecError::new(
                "bind-recursive=readonly requires API v1.44 or later",
            ));
        }
        mounts.push(mount);
    }
    Ok((binds, mounts))
}

/// Every mount by target, later ones replacing earlier ones: inherited anonymous volumes,
/// then the service's volumes, then secrets and configs where no volume took the target.
fn planned_mounts(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    inherit: Option<&Inherit>,
) -> Result<Vec<Mount>> {
    let mut plan: Vec<Mount> = Vec::new();
    let mut volumes: Vec<&ServiceVolumeConfig> = service.volumes.iter().collect();
    if let Some(inherit) = inherit {
        for m in inherit.mounts.iter().filter(|m| m.typ != "tmpfs") {
            let source = if m.typ == "volume" {
                &m.name
            } else {
                &m.source
            };
            let kept = Mount {
                typ: mount_type(&m.typ).ok(),
                source: non_empty_str(source),
                target: non_empty_str(&m.destination),
                read_only: (!m.rw).then_some(true),
                ..Mount::default()
            };
            if inherit.image_volumes.contains(&m.destination) {
                put(&mut plan, kept.clone(), true);
            }
            let before = volumes.len();
            volumes.retain(|v| v.target != m.destination || !v.source.is_empty());
            if volumes.len() != before {
                put(&mut plan, kept, true);
            }
        }
    }
    for v in volumes {
        put(&mut plan, build_mount(ctx, v)?, true);
    }
    for m in secret_mounts(ctx, service)? {
        put(&mut plan, m, false);
    }
    for m in config_mounts(ctx, service)? {
        put(&mut plan, m, false);
    }
    Ok(plan)
}

fn put(plan: &mut Vec<Mount>, mount: Mount, replace: bool) {
    match plan.iter_mut().find(|m| m.target == mount.target) {
        Some(existing) if replace => *existing = mount,
        Some(_) => {}
        None => plan.push(mount),
    }
}

fn bind_requires_mount_api(bind: Option<&ServiceVolumeBind>) -> bool {
    match bind {
        None => false,
        Some(b) => !b.create_host_path || !b.propagation.is_empty() || !b.recursive.is_empty(),
    }
}

fn volume_requires_mount_api(vol: Option<&ServiceVolumeVolume>) -> bool {
    match vol {
        None => false,
        Some(v) => !v.labels.is_empty() || !v.subpath.is_empty() || v.nocopy,
    }
}

/// `source:target:mode`, the mode being `ro|rw` then SELinux relabel, propagation, nocopy.
fn bind_string(source: &str, v: &ServiceVolumeConfig) -> String {
    let mut options = vec![if v.read_only { "ro" } else { "rw" }.to_string()];
    if let Some(b) = &v.bind {
        if !b.selinux.is_empty() {
            options.push(b.selinux.clone());
        }
        if !b.propagation.is_empty() {
            options.push(b.propagation.clone());
        }
    }
    if v.volume.as_ref().is_some_and(|v| v.nocopy) {
        options.push("nocopy".into());
    }
    format!("{source}:{}:{}", v.target, options.join(","))
}

fn mount_type(typ: &str) -> Result<MountType> {
    Ok(match typ {
        "bind" => MountType::BIND,
        "volume" => MountType::VOLUME,
        "tmpfs" => MountType::TMPFS,
        "npipe" => MountType::NPIPE,
        "cluster" => MountType::CLUSTER,
        "image" => MountType::IMAGE,
        other => return Err(SpecError::new(format!("mount type unknown: {other:?}"))),
    })
}

/// One service volume as an engine mount (`buildMount`).
fn build_mount(ctx: &ProjectContext, v: &ServiceVolumeConfig) -> Result<Mount> {
    let mut source = v.source.clone();
    match v.r#type.as_str() {
        "bind" if !source.starts_with('/') => source = relative_path(ctx.working_dir, &source),
        "volume" if !source.is_empty() => {
            if let Some(vol) = ctx.project.volumes.get(&source) {
                source = vol.name.clone();
            }
        }
        _ => {}
    }
    let mut mount = Mount {
        typ: Some(mount_type(&v.r#type)?),
        source: non_empty_str(&source),
        target: non_empty_str(&v.target),
        read_only: v.read_only.then_some(true),
        consistency: non_empty_str(&v.consistency),
        ..Mount::default()
    };
    match v.r#type.as_str() {
        "bind" => mount.bind_options = v.bind.as_ref().map(bind_options).transpose()?,
        "volume" => {
            mount.volume_options = v.volume.as_ref().map(|o| MountVolumeOptions {
                no_copy: o.nocopy.then_some(true),
                labels: hash_map(&o.labels),
                subpath: non_empty_str(&o.subpath),
                ..MountVolumeOptions::default()
            })
        }
        "tmpfs" => {
            mount.tmpfs_options = v.tmpfs.as_ref().map(|t| MountTmpfsOptions {
                size_bytes: (t.size != 0).then_some(t.size),
                mode: (t.mode != 0).then_some(t.mode as i64),
                ..MountTmpfsOptions::default()
            })
        }
        "image" => {
            mount.image_options = v.image.as_ref().map(|i| MountImageOptions {
                subpath: non_empty_str(&i.subpath),
            })
        }
        _ => {}
    }
    Ok(mount)
}

fn bind_options(b: &ServiceVolumeBind) -> Result<MountBindOptions> {
    let propagation = match b.propagation.as_str() {
        "" => None,
        "private" => Some(MountBindOptionsPropagationEnum::PRIVATE),
        "rprivate" => Some(MountBindOptionsPropagationEnum::RPRIVATE),
        "shared" => Some(MountBindOptionsPropagationEnum::SHARED),
        "rshared" => Some(MountBindOptionsPropagationEnum::RSHARED),
        "slave" => Some(MountBindOptionsPropagationEnum::SLAVE),
        "rslave" => Some(MountBindOptionsPropagationEnum::RSLAVE),
        other => {
            return Err(SpecError::new(format!(
                "invalid mount config: invalid propagation mode: {other}"
            )));
        }
    };
    Ok(MountBindOptions {
        propagation,
        create_mountpoint: b.create_host_path.then_some(true),
        non_recursive: (b.recursive == "disabled").then_some(true),
        read_only_non_recursive: (b.recursive == "writable").then_some(true),
        read_only_force_recursive: (b.recursive == "readonly").then_some(true),
    })
}

/// Where a secret or config lands: `/run/secrets/<source>` (secrets) or `/<source>`
/// (configs) by default; a relative target is under that same directory.
fn file_target(reference: &FileReferenceConfig, base: &str) -> String {
    if reference.target.is_empty() {
        format!("{base}{}", reference.source)
    } else if !reference.target.starts_with('/') {
        format!("{base}{}", reference.target)
    } else {
        reference.target.clone()
    }
}

/// `file:` secrets, bind mounted read-only (environment-based ones are copied in instead,
/// see [`file_injections`]).
fn secret_mounts(ctx: &ProjectContext, service: &ServiceConfig) -> Result<Vec<Mount>> {
    let mut out: Vec<Mount> = Vec::new();
    for secret in &service.secrets {
        let target = file_target(secret, "/run/secrets/");
        let defined = ctx
            .project
            .secrets
            .get(&secret.source)
            .cloned()
            .unwrap_or_default();
        if defined.external {
            return Err(SpecError::new(format!(
                "unsupported external secret {}",
                defined.name
            )));
        }
        if !defined.driver.is_empty() {
            return Err(SpecError::new(
                "Docker Compose does not support secrets.*.driver",
            ));
        }
        if !defined.template_driver.is_empty() {
            return Err(SpecError::new(
                "Docker Compose does not support secrets.*.template_driver",
            ));
        }
        if !defined.environment.is_empty() {
            continue;
        }
        let mount = Mount {
            typ: Some(MountType::BIND),
            source: non_empty_str(&absolute(ctx, &defined.file)),
            target: Some(target),
            read_only: Some(true),
            bind_options: Some(MountBindOptions::default()),
            ..Mount::default()
        };
        upsert(&mut out, mount);
    }
    Ok(out)
}

/// `file:` configs, bind mounted read-only.
fn config_mounts(ctx: &ProjectContext, service: &ServiceConfig) -> Result<Vec<Mount>> {
    let mut out: Vec<Mount> = Vec::new();
    for config in &service.configs {
        let target = file_target(config, "/");
        let defined = ctx
            .project
            .configs
            .get(&config.source)
            .cloned()
            .unwrap_or_default();
        if defined.external {
            return Err(SpecError::new(format!(
                "unsupported external config {}",
                defined.name
            )));
        }
        if !defined.driver.is_empty() {
            return Err(SpecError::new(
                "Docker Compose does not support configs.*.driver",
            ));
        }
        if !defined.template_driver.is_empty() {
            return Err(SpecError::new(
                "Docker Compose does not support configs.*.template_driver",
            ));
        }
        if !defined.environment.is_empty() || !defined.content.is_empty() {
            continue;
        }
        let mount = Mount {
            typ: Some(MountType::BIND),
            source: non_empty_str(&absolute(ctx, &defined.file)),
            target: Some(target),
            read_only: Some(true),
            ..Mount::default()
        };
        upsert(&mut out, mount);
    }
    Ok(out)
}

fn upsert(list: &mut Vec<Mount>, mount: Mount) {
    match list.iter_mut().find(|m| m.target == mount.target) {
        Some(m) => *m = mount,
        None => list.push(mount),
    }
}

fn absolute(ctx: &ProjectContext, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        relative_path(ctx.working_dir, path)
    }
}

// ---------------------------------------------------------------------------------------
// Secrets and configs copied into the container

/// Secret or config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Secret,
    Config,
}

impl FileKind {
    fn word(self) -> &'static str {
        match self {
            FileKind::Secret => "secret",
            FileKind::Config => "config",
        }
    }
}

/// A secret or config whose content Compose copies into the container after create and
/// before start (`content:` or `environment:`): upload [`FileInjection::tar`] to `/` of the
/// container, with `copyUIDGID` set to [`FileInjection::copy_uid_gid`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInjection {
    pub kind: FileKind,
    /// The key in the project's `secrets`/`configs`.
    pub source: String,
    /// The path in the archive: absolute, or relative to `/` (configs).
    pub target: String,
    pub content: String,
    /// File mode; `0o444` unless the service sets one.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Compose asks the engine to keep the archive's owner when `uid` or `gid` is set.
    pub copy_uid_gid: bool,
}

/// The secrets then configs of `service` Compose copies into its containers before start.
pub fn file_injections(
    ctx: &ProjectContext,
    service: &ServiceConfig,
) -> Result<Vec<FileInjection>> {
    let mut out = Vec::new();
    for (kind, refs) in [
        (FileKind::Secret, &service.secrets),
        (FileKind::Config, &service.configs),
    ] {
        for r in refs {
            let defined = match kind {
                FileKind::Secret => ctx.project.secrets.get(&r.source),
                FileKind::Config => ctx.project.configs.get(&r.source),
            };
            let Some(defined) = defined else { continue };
            let content = if !defined.content.is_empty() {
                defined.content.clone()
            } else if !defined.environment.is_empty() {
                ctx.project
                    .environment
                    .get(&defined.environment)
                    .cloned()
                    .ok_or_else(|| {
                        SpecError::new(format!(
                            "environment variable {:?} required by {} {:?} is not set",
                            defined.environment,
                            kind.word(),
                            defined.name
                        ))
                    })?
            } else {
                String::new()
            };
            if content.is_empty() {
                continue;
            }
            if service.read_only {
                return Err(SpecError::new(format!(
                    "cannot create {} {:?} in read-only service {}: `file` is the sole supported option",
                    kind.word(),
                    defined.name,
                    service.name
                )));
            }
            out.push(injection(kind, r, content)?);
        }
    }
    Ok(out)
}

fn injection(kind: FileKind, r: &FileReferenceConfig, content: String) -> Result<FileInjection> {
    let target = match (kind, r.target.as_str()) {
        (FileKind::Secret, "") => format!("/run/secrets/{}", r.source),
        (FileKind::Config, "") => format!("/{}", r.source),
        (FileKind::Secret, t) if !t.starts_with('/') => format!("/run/secrets/{t}"),
        (_, t) => t.to_string(),
    };
    let id = |s: &str| -> Result<u32> {
        if s.is_empty() {
            return Ok(0);
        }
        s.parse()
            .map_err(|_| SpecError::new(format!("strconv.Atoi: parsing {s:?}: invalid syntax")))
    };
    Ok(FileInjection {
        kind,
        source: r.source.clone(),
        target,
        content,
        mode: r.mode.map_or(0o444, |m| m as u32),
        uid: id(&r.uid)?,
        gid: id(&r.gid)?,
        copy_uid_gid: !r.uid.is_empty() || !r.gid.is_empty(),
    })
}

impl FileInjection {
    /// A tar archive holding the one file, modified at `mtime` (seconds since the epoch).
    pub fn tar(&self, mtime: u64) -> Result<Vec<u8>> {
        let mut header = [0u8; 512];
        let name = self.target.as_bytes();
        if name.len() <= 100 {
            header[..name.len()].copy_from_slice(name);
        } else {
            // ustar splits a long name at a slash: up to 155 bytes of prefix, 100 of name.
            let cut = (0..name.len())
                .rev()
                .find(|&i| name[i] == b'/' && i <= 155 && name.len() - i - 1 <= 100)
                .ok_or_else(|| {
                    SpecError::new(format!("archive/tar: name too long: {}", self.target))
                })?;
            header[..name.len() - cut - 1].copy_from_slice(&name[cut + 1..]);
            header[345..345 + cut].copy_from_slice(&name[..cut]);
        }
        let data = self.content.as_bytes();
        octal(&mut header[100..108], self.mode as u64);
        octal(&mut header[108..116], self.uid as u64);
        octal(&mut header[116..124], self.gid as u64);
        octal(&mut header[124..136], data.len() as u64);
        octal(&mut header[136..148], mtime);
        header[156] = b'0';
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].copy_from_slice(b"        ");
        let sum: u64 = header.iter().map(|b| *b as u64).sum();
        octal(&mut header[148..155], sum);
        header[155] = b' ';

        let mut out = header.to_vec();
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
        out.extend_from_slice(&[0u8; 1024]);
        Ok(out)
    }
}

/// A NUL-terminated, zero-padded octal number filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let n = field.len() - 1;
    let digits = format!("{value:0n$o}");
    let digits = digits.as_bytes();
    field[..n].copy_from_slice(&digits[digits.len() - n..]);
    field[n] = 0;
}

// ---------------------------------------------------------------------------------------
// Networks

/// Compose's `links`: for each linked service, each of its containers under the link
/// alias, `<service>-<number>` and `<project>-<service>-<number>`; then the external links.
fn links(project: &str, service: &ServiceConfig, number: &str, peers: &Peers) -> Vec<String> {
    let mut out = Vec::new();
    for link in &service.links {
        let parts: Vec<&str> = link.split(':').collect();
        let target = parts[0];
        let alias = if parts.len() == 2 { parts[1] } else { target };
        for c in peers.of(target) {
            out.push(format!("{}:{alias}", c.name));
            out.push(format!("{}:{target}-{number}", c.name));
            out.push(format!("{}:{project}-{target}-{number}", c.name));
        }
    }
    if service
        .labels
        .get(labels::ONEOFF)
        .is_some_and(|v| v == "True")
    {
        for c in peers.of(&service.name) {
            let short = c
                .name
                .strip_prefix(&format!("{project}-"))
                .unwrap_or(&c.name);
            out.push(format!("{}:{}", c.name, service.name));
            out.push(format!("{}:{short}", c.name));
            out.push(format!("{}:{}", c.name, c.name));
        }
    }
    for link in &service.external_links {
        let parts: Vec<&str> = link.split(':').collect();
        let alias = if parts.len() == 2 { parts[1] } else { parts[0] };
        out.push(format!("{}:{alias}", parts[0]));
    }
    out
}

/// The container-wide MAC address Compose sets on API < 1.44 (`Config.MacAddress`), after
/// checking it agrees with the main network's. bollard 0.21's create body has no such field
/// (it was removed from the API in 1.44): a caller talking to an older engine must add
/// `"MacAddress"` to the JSON itself. `None` on API >= 1.44, where the address goes on the
/// main endpoint instead.
pub fn legacy_mac_address(ctx: &ProjectContext, service: &ServiceConfig) -> Result<Option<String>> {
    container_mac_address(ctx, service)
}

fn main_network(service: &ServiceConfig) -> Option<(String, Option<&ServiceNetworkConfig>)> {
    let name = service.networks_by_priority().into_iter().next()?;
    let config = service.networks.get(&name).and_then(Option::as_ref);
    Some((name, config))
}

fn container_mac_address(ctx: &ProjectContext, service: &ServiceConfig) -> Result<Option<String>> {
    let main = main_network(service);
    let main_mac = main
        .as_ref()
        .and_then(|(_, c)| *c)
        .map(|c| c.mac_address.as_str())
        .unwrap_or("");
    if !service.mac_address.is_empty() && !main_mac.is_empty() && main_mac != service.mac_address {
        let name = main.map(|(n, _)| n).unwrap_or_default();
        return Err(SpecError::new(format!(
            "the service-level mac_address should have the same value as network {name}"
        )));
    }
    if ctx.api_version >= ApiVersion::V1_44 {
        return Ok(None);
    }
    let mut mac = service.mac_address.clone();
    if !service.networks.is_empty() {
        let with_mac: Vec<&str> = service
            .networks
            .iter()
            .filter(|(_, c)| c.as_ref().is_some_and(|c| !c.mac_address.is_empty()))
            .map(|(n, _)| n.as_str())
            .collect();
        if with_mac.len() > 1 {
            return Err(SpecError::new(format!(
                "a MAC address is specified for multiple networks ({}), but this feature requires Docker Engine v25 or later",
                with_mac.join(", ")
            )));
        }
        if !main_mac.is_empty() {
            mac = main_mac.to_string();
        }
    }
    Ok((!mac.is_empty()).then_some(mac))
}

fn endpoint_settings(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    key: &str,
    links: &[String],
    opts: &CreateOptions,
) -> EndpointSettings {
    const IFNAME: &str = "com.docker.network.endpoint.ifname";
    let config = service.networks.get(key).and_then(Option::as_ref);
    let mut aliases = vec![replica_name(&ctx.project.name, service, &number_text(opts))];
    if opts.use_network_aliases {
        aliases.push(service.name.clone());
        if let Some(c) = config {
            aliases.extend(c.aliases.iter().cloned());
        }
    }
    let mut ep = EndpointSettings {
        aliases: Some(aliases),
        links: non_empty(links.to_vec()),
        ..EndpointSettings::default()
    };
    if let Some(c) = config {
        ep.ip_address = non_empty_str(&c.ipv4_address);
        // Compose puts the IPv6 address in this field too; the engine reads IPAMConfig.
        ep.ipv6_gateway = non_empty_str(&c.ipv6_address);
        ep.ipam_config = Some(EndpointIpamConfig {
            ipv4_address: non_empty_str(&c.ipv4_address),
            ipv6_address: non_empty_str(&c.ipv6_address),
            link_local_ips: non_empty(c.link_local_ips.clone()),
        });
        ep.mac_address = non_empty_str(&c.mac_address);
        let mut driver_opts = c.driver_opts.clone();
        if !c.interface_name.is_empty() {
            driver_opts.insert(IFNAME.into(), c.interface_name.clone());
        }
        ep.driver_opts = hash_map(&driver_opts);
        ep.gw_priority = (c.gw_priority != 0).then_some(c.gw_priority);
    }
    ep
}

/// The networks the container joins, main one first (by priority, then name): the engine
/// network name and the endpoint settings (aliases, addresses, links...). Empty when the
/// service has a `network_mode` or the project no network.
pub fn endpoints(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    opts: &CreateOptions,
) -> Result<Vec<(String, EndpointSettings)>> {
    let empty = Peers::default();
    let peers = opts.peers.unwrap_or(&empty);
    let service = resolve_service(service, peers)?;
    Ok(resolved_endpoints(ctx, &service, opts, peers))
}

/// [`endpoints`] of a service already resolved (resolving twice would read container IDs
/// as service names).
fn resolved_endpoints(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    opts: &CreateOptions,
    peers: &Peers,
) -> Vec<(String, EndpointSettings)> {
    if !service.network_mode.is_empty() || ctx.project.networks.is_empty() {
        return Vec::new();
    }
    let links = links(&ctx.project.name, service, &number_text(opts), peers);
    let mut keys = service.networks_by_priority();
    if keys.is_empty() {
        keys.push("default".into());
    }
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            let mut ep = endpoint_settings(ctx, service, key, &links, opts);
            // From API 1.44 the service-level address moves to the main endpoint.
            if i == 0 && ctx.api_version >= ApiVersion::V1_44 && ep.mac_address.is_none() {
                ep.mac_address = non_empty_str(&service.mac_address);
            }
            (engine_network_name(ctx, key), ep)
        })
        .collect()
}

/// The networks to connect after create: on API < 1.44 the body names only the main one,
/// so every other network (skipping one with the main network's engine name); none after.
pub fn endpoints_to_connect(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    opts: &CreateOptions,
) -> Result<Vec<(String, EndpointSettings)>> {
    if ctx.api_version >= ApiVersion::V1_44 {
        return Ok(Vec::new());
    }
    let all = endpoints(ctx, service, opts)?;
    let Some(main) = all.first().map(|(n, _)| n.clone()) else {
        return Ok(Vec::new());
    };
    Ok(all.into_iter().filter(|(n, _)| *n != main).collect())
}

fn engine_network_name(ctx: &ProjectContext, key: &str) -> String {
    ctx.project
        .networks
        .get(key)
        .map(|n| n.name.clone())
        .unwrap_or_default()
}

/// `NetworkMode` and the create body's endpoints (`defaultNetworkSettings`).
fn network_settings(
    ctx: &ProjectContext,
    service: &ServiceConfig,
    opts: &CreateOptions,
    peers: &Peers,
) -> Result<(String, Option<NetworkingConfig>)> {
    if !service.network_mode.is_empty() {
        return Ok((service.network_mode.clone(), None));
    }
    if ctx.project.networks.is_empty() {
        return Ok(("none".into(), None));
    }
    if ctx.api_version < ApiVersion::V1_49
        && service
            .networks
            .values()
            .any(|c| c.as_ref().is_some_and(|c| !c.interface_name.is_empty()))
    {
        return Err(SpecError::new(
            "interface_name requires Docker Engine v28.1 or later",
        ));
    }
    let all = resolved_endpoints(ctx, service, opts, peers);
    let main = all.first().map(|(n, _)| n.clone()).unwrap_or_default();
    let in_body: Vec<(String, EndpointSettings)> = if ctx.api_version >= ApiVersion::V1_44 {
        all
    } else {
        all.into_iter().take(1).collect()
    };
    if ctx.api_version < ApiVersion::V1_44 && in_body.iter().any(|(_, e)| e.mac_address.is_some()) {
        // The Docker client refuses this before sending anything.
        return Err(SpecError::new(format!(
            "\"specify mac-address per network\" requires API version 1.44, but the Docker daemon API version is {}",
            ctx.api_version
        )));
    }
    Ok((
        main,
        Some(NetworkingConfig {
            endpoints_config: Some(in_body.into_iter().collect()),
        }),
    ))
}

// ---------------------------------------------------------------------------------------
// Platform

/// The platform to create the container for (a query parameter): `platform`, else
/// `DOCKER_DEFAULT_PLATFORM` from the project environment, normalized as the Docker client
/// sends it (`os/arch[/variant]`).
pub fn platform(ctx: &ProjectContext, service: &ServiceConfig) -> Result<Option<String>> {
    let raw = if service.platform.is_empty() {
        ctx.project
            .environment
            .get("DOCKER_DEFAULT_PLATFORM")
            .cloned()
            .unwrap_or_default()
    } else {
        service.platform.clone()
    };
    if raw.is_empty() {
        return Ok(None);
    }
    normalize_platform(&raw).map(Some)
}

fn normalize_platform(spec: &str) -> Result<String> {
    let invalid = || {
        SpecError::new(format!(
            "{spec:?}: unknown operating system or architecture: invalid argument"
        ))
    };
    let parts: Vec<String> = spec.split('/').map(str::to_lowercase).collect();
    let os = |s: &str| {
        if s == "macos" {
            "darwin".to_string()
        } else {
            s.to_string()
        }
    };
    let (os, arch, variant) = match parts.as_slice() {
        [one] if ["linux", "windows", "darwin", "freebsd", "macos"].contains(&one.as_str()) => {
            (os(one), host_arch().to_string(), String::new())
        }
        [one] => {
            let (arch, variant) = normalize_arch(one, "");
            if ![
                "amd64", "386", "arm", "arm64", "ppc64le", "s390x", "riscv64", "mips64le",
            ]
            .contains(&arch.as_str())
            {
                return Err(invalid());
            }
            ("linux".to_string(), arch, variant)
        }
        [o, a] => {
            let (arch, variant) = normalize_arch(a, "");
            (os(o), arch, variant)
        }
        [o, a, v] => {
            let (arch, mut variant) = normalize_arch(a, v);
            if arch == "arm64" && variant.is_empty() {
                variant = "v8".into();
            }
            (os(o), arch, variant)
        }
        _ => return Err(invalid()),
    };
    if os.is_empty() || arch.is_empty() {
        return Err(invalid());
    }
    Ok([os, arch, variant]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/"))
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let (a, v) = match (arch, variant) {
        ("i386", _) => ("386", ""),
        ("x86_64" | "x86-64" | "amd64", "v1") => ("amd64", ""),
        ("x86_64" | "x86-64" | "amd64", v) => ("amd64", v),
        ("aarch64" | "arm64", "8" | "v8" | "v8.0") => ("arm64", ""),
        ("aarch64" | "arm64", v) => ("arm64", v),
        ("armhf", _) => ("arm", "v7"),
        ("armel", _) => ("arm", "v6"),
        ("arm", "" | "7") => ("arm", "v7"),
        ("arm", "5" | "6" | "8") => {
            return ("arm".into(), format!("v{variant}"));
        }
        (a, v) => (a, v),
    };
    let v = if a == "arm" && v == "v7" && variant.is_empty() {
        ""
    } else {
        v
    };
    (a.to_string(), v.to_string())
}

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn non_empty_str(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn hash_map(m: &Mapping) -> Option<HashMap<String, String>> {
    (!m.is_empty()).then(|| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value as J, json};

    /// A project named `p` with a `default` network and a `data` volume, plus `extra`
    /// top-level sections.
    fn project(services: J, extra: J) -> Project {
        let mut doc = json!({
            "name": "p",
            "services": services,
            "networks": {"default": {"name": "p_default"}},
            "volumes": {"data": {"name": "p_data"}},
        });
        if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                d.insert(k.clone(), v.clone());
            }
        }
        Project::from_json(doc).unwrap()
    }

    fn one(service: J) -> Project {
        project(json!({ "s": service }), json!({}))
    }

    const EMPTY: &Mapping = &Mapping::new();

    fn ctx_at(p: &Project, api: ApiVersion) -> ProjectContext<'_> {
        ProjectContext {
            project: p,
            working_dir: "/proj",
            config_files: &[],
            env_files: &[],
            api_version: api,
            proxy_env: EMPTY,
        }
    }

    fn ctx(p: &Project) -> ProjectContext<'_> {
        ctx_at(p, ApiVersion::V1_41)
    }

    fn body(p: &Project) -> ContainerCreateBody {
        create_body(&ctx(p), &p.services["s"], 1, "sha256:img").unwrap()
    }

    fn host(p: &Project) -> HostConfig {
        body(p).host_config.unwrap()
    }

    fn err(p: &Project, api: ApiVersion) -> String {
        create_body(&ctx_at(p, api), &p.services["s"], 1, "")
            .unwrap_err()
            .message
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    // --- names and labels

    #[test]
    fn container_name_defaults_to_project_service_number() {
        let p = one(json!({"image": "x"}));
        assert_eq!(container_name("p", &p.services["s"], 2), "p-s-2");
        let p = one(json!({"image": "x", "container_name": "fixed"}));
        assert_eq!(container_name("p", &p.services["s"], 2), "fixed");
    }

    #[test]
    fn image_defaults_to_project_dash_service() {
        let b = body(&one(json!({})));
        assert_eq!(b.image.as_deref(), Some("p-s"));
    }

    #[test]
    fn labels_are_compose_labels_over_service_labels() {
        let p = one(json!({
            "image": "x",
            "labels": {"team": "a", "com.docker.compose.project": "spoof"},
            "depends_on": {"db": {"condition": "service_healthy", "restart": true, "required": true}}
        }));
        let files = strings(&["/proj/compose.yaml"]);
        let c = ProjectContext {
            config_files: &files,
            ..ctx(&p)
        };
        let b = create_body(&c, &p.services["s"], 3, "sha256:img").unwrap();
        let l = b.labels.unwrap();
        assert_eq!(l["team"], "a");
        assert_eq!(l[labels::PROJECT], "p");
        assert_eq!(l[labels::SERVICE], "s");
        assert_eq!(l[labels::CONTAINER_NUMBER], "3");
        assert_eq!(l[labels::ONEOFF], "False");
        assert_eq!(l[labels::VERSION], "2.40.3");
        assert_eq!(l[labels::WORKING_DIR], "/proj");
        assert_eq!(l[labels::CONFIG_FILES], "/proj/compose.yaml");
        assert_eq!(l[labels::IMAGE], "sha256:img");
        assert_eq!(l[labels::DEPENDS_ON], "db:service_healthy:true");
        assert_eq!(
            l[labels::CONFIG_HASH],
            crate::compose::gojson::service_hash(&p.services["s"])
        );
        assert!(!l.contains_key(labels::ENVIRONMENT_FILE));
    }

    #[test]
    fn one_off_containers_have_no_number_and_take_extra_labels() {
        let p = one(json!({"image": "x", "container_name": "p-s-run-1"}));
        let mut extra = Mapping::new();
        extra.insert(labels::ONEOFF.into(), "True".into());
        extra.insert(labels::SLUG.into(), "abc".into());
        let opts = CreateOptions {
            number: None,
            extra_labels: extra,
            ..CreateOptions::default()
        };
        let l = create_body_with(&ctx(&p), &p.services["s"], "", &opts)
            .unwrap()
            .labels
            .unwrap();
        assert!(!l.contains_key(labels::CONTAINER_NUMBER));
        assert!(!l.contains_key(labels::IMAGE));
        assert_eq!(l[labels::ONEOFF], "True");
        assert_eq!(l[labels::SLUG], "abc");
        assert_eq!(l[labels::DEPENDS_ON], "");
    }

    #[test]
    fn env_files_label_is_set_when_given() {
        let p = one(json!({"image": "x"}));
        let env = strings(&["/a/.env", "/b/.env"]);
        let c = ProjectContext {
            env_files: &env,
            ..ctx(&p)
        };
        let l = create_body(&c, &p.services["s"], 1, "")
            .unwrap()
            .labels
            .unwrap();
        assert_eq!(l[labels::ENVIRONMENT_FILE], "/a/.env,/b/.env");
    }

    // --- process

    #[test]
    fn command_and_entrypoint_keep_null_versus_empty() {
        let b = body(&one(json!({"image": "x"})));
        assert_eq!((b.cmd, b.entrypoint), (None, None));
        let b = body(&one(json!({"image": "x", "command": [], "entrypoint": []})));
        assert_eq!(b.cmd, Some(vec![]));
        assert_eq!(b.entrypoint, Some(vec![]));
        let b = body(&one(json!({"image": "x", "command": ["a", "b c"]})));
        assert_eq!(b.cmd, Some(strings(&["a", "b c"])));
    }

    #[test]
    fn environment_is_sorted_and_unset_values_have_no_equals() {
        let b = body(&one(json!({"environment": {"B": "2", "A": null, "C": ""}})));
        assert_eq!(b.env, Some(strings(&["A", "B=2", "C="])));
        assert_eq!(body(&one(json!({}))).env, None);
    }

    #[test]
    fn proxy_variables_yield_to_the_service_environment() {
        let p = one(json!({"environment": {"HTTP_PROXY": "mine"}}));
        let mut proxy = Mapping::new();
        proxy.insert("HTTP_PROXY".into(), "cli".into());
        proxy.insert("NO_PROXY".into(), "local".into());
        let c = ProjectContext {
            proxy_env: &proxy,
            ..ctx(&p)
        };
        let b = create_body(&c, &p.services["s"], 1, "").unwrap();
        assert_eq!(b.env, Some(strings(&["HTTP_PROXY=mine", "NO_PROXY=local"])));
    }

    #[test]
    fn process_settings_map_one_to_one() {
        let b = body(&one(json!({
            "user": "1000:1000", "hostname": "h", "domainname": "d", "working_dir": "/w",
            "tty": true, "stdin_open": true, "stop_signal": "SIGINT",
            "stop_grace_period": "1m30s", "init": true
        })));
        assert_eq!(b.user.as_deref(), Some("1000:1000"));
        assert_eq!(b.hostname.as_deref(), Some("h"));
        assert_eq!(b.domainname.as_deref(), Some("d"));
        assert_eq!(b.working_dir.as_deref(), Some("/w"));
        assert_eq!((b.tty, b.open_stdin), (Some(true), Some(true)));
        assert_eq!((b.attach_stdin, b.stdin_once), (Some(false), Some(false)));
        assert_eq!((b.attach_stdout, b.attach_stderr), (Some(true), Some(true)));
        assert_eq!(b.stop_signal.as_deref(), Some("SIGINT"));
        assert_eq!(b.stop_timeout, Some(90));
        assert_eq!(b.host_config.unwrap().init, Some(true));
    }

    #[test]
    fn attach_stdin_makes_stdin_once_when_stdin_is_open() {
        let p = one(json!({"stdin_open": true}));
        let opts = CreateOptions {
            attach_stdin: true,
            auto_remove: true,
            ..CreateOptions::up(1)
        };
        let b = create_body_with(&ctx(&p), &p.services["s"], "", &opts).unwrap();
        assert_eq!((b.attach_stdin, b.stdin_once), (Some(true), Some(true)));
        assert_eq!(b.host_config.unwrap().auto_remove, Some(true));
    }

    #[test]
    fn stop_timeout_truncates_to_whole_seconds() {
        let b = body(&one(json!({"stop_grace_period": "1500ms"})));
        assert_eq!(b.stop_timeout, Some(1));
        assert_eq!(body(&one(json!({}))).stop_timeout, None);
    }

    // --- healthcheck

    #[test]
    fn healthcheck_durations_are_nanoseconds() {
        let b = body(&one(json!({"healthcheck": {
            "test": ["CMD", "true"], "interval": "10s", "timeout": "3s",
            "retries": 4, "start_period": "5s"
        }})));
        let h = b.healthcheck.unwrap();
        assert_eq!(h.test, Some(strings(&["CMD", "true"])));
        assert_eq!(h.interval, Some(10_000_000_000));
        assert_eq!(h.timeout, Some(3_000_000_000));
        assert_eq!(h.start_period, Some(5_000_000_000));
        assert_eq!(h.retries, Some(4));
        assert_eq!(h.start_interval, None);
    }

    #[test]
    fn disabled_healthcheck_is_none_test() {
        let b = body(&one(json!({"healthcheck": {"disable": true}})));
        assert_eq!(b.healthcheck.unwrap().test, Some(strings(&["NONE"])));
        assert_eq!(body(&one(json!({}))).healthcheck, None);
    }

    #[test]
    fn exit_zero_is_final_unless_the_engine_would_restart() {
        let with = |restart: &str| {
            exit_zero_is_final(&ServiceConfig {
                restart: restart.to_string(),
                ..ServiceConfig::default()
            })
        };
        assert!(with("") && with("no") && with("on-failure:3"));
        assert!(!with("always") && !with("unless-stopped"));
    }

    #[test]
    fn start_interval_needs_engine_25_and_a_start_period() {
        let p = one(json!({"healthcheck": {"test": ["CMD", "x"], "start_interval": "1s"}}));
        assert!(err(&p, ApiVersion::V1_41).contains("require Docker Engine v25"));
        assert_eq!(
            err(&p, ApiVersion::V1_44),
            "healthcheck.start_interval requires healthcheck.start_period to be set"
        );
        let p = one(json!({"healthcheck": {
            "test": ["CMD", "x"], "start_interval": "1s", "start_period": "2s"
        }}));
        let b = create_body(&ctx_at(&p, ApiVersion::V1_44), &p.services["s"], 1, "").unwrap();
        assert_eq!(b.healthcheck.unwrap().start_interval, Some(1_000_000_000));
    }

    // --- restart

    fn restart_of(service: J) -> (RestartPolicyNameEnum, i64) {
        let r = host(&one(service)).restart_policy.unwrap();
        (r.name.unwrap(), r.maximum_retry_count.unwrap())
    }

    #[test]
    fn restart_policies_map_to_engine_names() {
        use RestartPolicyNameEnum as R;
        assert_eq!(restart_of(json!({})), (R::EMPTY, 0));
        assert_eq!(restart_of(json!({"restart": "no"})), (R::NO, 0));
        assert_eq!(restart_of(json!({"restart": "always"})), (R::ALWAYS, 0));
        assert_eq!(
            restart_of(json!({"restart": "unless-stopped"})),
            (R::UNLESS_STOPPED, 0)
        );
        assert_eq!(
            restart_of(json!({"restart": "on-failure:5"})),
            (R::ON_FAILURE, 5)
        );
        assert_eq!(
            restart_of(json!({"restart": "on-failure:x"})),
            (R::ON_FAILURE, 0)
        );
    }

    #[test]
    fn deploy_restart_policy_wins_over_restart() {
        use RestartPolicyNameEnum as R;
        let s = json!({"restart": "always", "deploy": {"restart_policy": {"condition": "none"}}});
        assert_eq!(restart_of(s), (R::NO, 0));
        let s = json!({"deploy": {"restart_policy": {"condition": "any", "max_attempts": 2}}});
        assert_eq!(restart_of(s), (R::ALWAYS, 2));
        let s =
            json!({"deploy": {"restart_policy": {"condition": "on-failure", "max_attempts": 3}}});
        assert_eq!(restart_of(s), (R::ON_FAILURE, 3));
    }

    #[test]
    fn unknown_restart_policy_is_refused() {
        let p = one(json!({"restart": "sometimes"}));
        assert!(err(&p, ApiVersion::V1_41).contains("unknown policy 'sometimes'"));
    }

    // --- ports

    #[test]
    fn ports_become_exposed_ports_and_bindings() {
        let b = body(&one(json!({
            "expose": ["3000", "4000-4002/udp"],
            "ports": [
                {"target": 80, "published": "8080", "protocol": "tcp", "host_ip": "127.0.0.1"},
                {"target": 80, "published": "8081", "protocol": "tcp"},
                {"target": 90, "published": "9000-9010", "protocol": "tcp"},
                {"target": 53, "protocol": "udp"}
            ]
        })));
        assert_eq!(
            b.exposed_ports,
            Some(strings(&[
                "3000",
                "4000-4002/udp",
                "53/udp",
                "80/tcp",
                "90/tcp"
            ]))
        );
        let pb = b.host_config.unwrap().port_bindings.unwrap();
        let bind = |ip: &str, port: &str| PortBinding {
            host_ip: Some(ip.into()),
            host_port: Some(port.into()),
        };
        assert_eq!(
            pb["80/tcp"],
            Some(vec![bind("127.0.0.1", "8080"), bind("", "8081")])
        );
        assert_eq!(pb["90/tcp"], Some(vec![bind("", "9000-9010")]));
        assert_eq!(pb["53/udp"], Some(vec![bind("", "")]));
    }

    #[test]
    fn no_ports_still_sends_empty_bindings() {
        let b = body(&one(json!({})));
        assert_eq!(b.exposed_ports, None);
        assert_eq!(b.host_config.unwrap().port_bindings, Some(HashMap::new()));
    }

    // --- volumes

    fn vol(v: J) -> J {
        json!({"image": "x", "volumes": [v]})
    }

    #[test]
    fn short_syntax_bind_goes_to_binds_with_selinux() {
        let h = host(&one(vol(json!({
            "type": "bind", "source": "/src", "target": "/dst", "read_only": true,
            "bind": {"create_host_path": true, "selinux": "z"}
        }))));
        assert_eq!(h.binds, Some(strings(&["/src:/dst:ro,z"])));
        assert_eq!(h.mounts, None);
    }

    #[test]
    fn long_syntax_bind_without_options_goes_to_binds() {
        let h = host(&one(vol(
            json!({"type": "bind", "source": "/src", "target": "/dst"}),
        )));
        assert_eq!(h.binds, Some(strings(&["/src:/dst:rw"])));
    }

    #[test]
    fn bind_that_must_exist_uses_the_mount_api() {
        let h = host(&one(vol(json!({
            "type": "bind", "source": "/src", "target": "/dst", "bind": {"selinux": "Z"}
        }))));
        assert_eq!(h.binds, None);
        let m = &h.mounts.unwrap()[0];
        assert_eq!(m.typ, Some(MountType::BIND));
        assert_eq!(m.source.as_deref(), Some("/src"));
        assert_eq!(m.bind_options, Some(MountBindOptions::default()));
    }

    #[test]
    fn bind_propagation_uses_the_mount_api() {
        let h = host(&one(vol(json!({
            "type": "bind", "source": "/src", "target": "/dst",
            "bind": {"create_host_path": true, "propagation": "rshared"}
        }))));
        let m = &h.mounts.unwrap()[0];
        let o = m.bind_options.as_ref().unwrap();
        assert_eq!(
            o.propagation,
            Some(MountBindOptionsPropagationEnum::RSHARED)
        );
        assert_eq!(o.create_mountpoint, Some(true));
    }

    #[test]
    fn relative_bind_source_is_under_the_project_directory() {
        let h = host(&one(vol(
            json!({"type": "bind", "source": "./a/../b", "target": "/dst"}),
        )));
        assert_eq!(h.binds, Some(strings(&["/proj/b:/dst:rw"])));
    }

    #[test]
    fn named_volume_uses_its_engine_name() {
        let h = host(&one(vol(
            json!({"type": "volume", "source": "data", "target": "/d"}),
        )));
        assert_eq!(h.binds, Some(strings(&["p_data:/d:rw"])));
    }

    #[test]
    fn volume_options_use_the_mount_api() {
        let h = host(&one(vol(json!({
            "type": "volume", "source": "data", "target": "/d",
            "volume": {"nocopy": true, "subpath": "sub"}
        }))));
        let m = &h.mounts.unwrap()[0];
        assert_eq!(m.source.as_deref(), Some("p_data"));
        let o = m.volume_options.as_ref().unwrap();
        assert_eq!((o.no_copy, o.subpath.as_deref()), (Some(true), Some("sub")));
    }

    #[test]
    fn anonymous_volume_is_a_mount_without_source() {
        let h = host(&one(vol(
            json!({"type": "volume", "target": "/anon", "volume": {}}),
        )));
        let m = &h.mounts.unwrap()[0];
        assert_eq!(m.typ, Some(MountType::VOLUME));
        assert_eq!(m.source, None);
        assert_eq!(m.target.as_deref(), Some("/anon"));
    }

    #[test]
    fn tmpfs_mount_carries_size_and_mode() {
        let h = host(&one(vol(json!({
            "type": "tmpfs", "target": "/t", "tmpfs": {"size": 1024, "mode": 1023}
        }))));
        let o = h.mounts.unwrap()[0].tmpfs_options.clone().unwrap();
        assert_eq!((o.size_bytes, o.mode), (Some(1024), Some(1023)));
    }

    #[test]
    fn consistency_is_passed_on() {
        let h = host(&one(vol(json!({
            "type": "volume", "target": "/anon", "consistency": "cached"
        }))));
        assert_eq!(h.mounts.unwrap()[0].consistency.as_deref(), Some("cached"));
    }

    #[test]
    fn recursive_read_only_bind_needs_api_1_44() {
        let p = one(vol(json!({
            "type": "bind", "source": "/s", "target": "/d", "bind": {"recursive": "readonly"}
        })));
        assert_eq!(
            err(&p, ApiVersion::V1_41),
            "bind-recursive=readonly requires API v1.44 or later"
        );
        let b = create_body(&ctx_at(&p, ApiVersion::V1_44), &p.services["s"], 1, "").unwrap();
        let m = &b.host_config.unwrap().mounts.unwrap()[0];
        assert_eq!(
            m.bind_options.as_ref().unwrap().read_only_force_recursive,
            Some(true)
        );
    }

    #[test]
    fn image_mount_needs_engine_28() {
        let p = one(vol(
            json!({"type": "image", "source": "img", "target": "/i"}),
        ));
        assert!(err(&p, ApiVersion::V1_41).contains("Docker Engine v28"));
    }

    #[test]
    fn tmpfs_list_becomes_a_map() {
        let h = host(&one(json!({"tmpfs": ["/run:size=1m,mode=755", "/tmp"]})));
        let t = h.tmpfs.unwrap();
        assert_eq!(t["/run"], "size=1m,mode=755");
        assert_eq!(t["/tmp"], "");
    }

    #[test]
    fn inherited_anonymous_volume_replaces_the_declared_one() {
        let p = one(vol(
            json!({"type": "volume", "target": "/anon", "volume": {}}),
        ));
        let inherit = Inherit {
            mounts: vec![
                InheritedMount {
                    typ: "volume".into(),
                    name: "abc123".into(),
                    source: "/var/lib/docker/volumes/abc123/_data".into(),
                    destination: "/anon".into(),
                    rw: true,
                },
                InheritedMount {
                    typ: "volume".into(),
                    name: "img1".into(),
                    destination: "/from-image".into(),
                    rw: false,
                    ..InheritedMount::default()
                },
                InheritedMount {
                    typ: "tmpfs".into(),
                    destination: "/from-image-too".into(),
                    ..InheritedMount::default()
                },
            ],
            image_volumes: strings(&["/from-image", "/from-image-too"]),
        };
        let opts = CreateOptions {
            inherit: Some(&inherit),
            ..CreateOptions::up(1)
        };
        let b = create_body_with(&ctx(&p), &p.services["s"], "", &opts).unwrap();
        let mounts = b.host_config.unwrap().mounts.unwrap();
        let got: Vec<(Option<&str>, Option<&str>, Option<bool>)> = mounts
            .iter()
            .map(|m| (m.source.as_deref(), m.target.as_deref(), m.read_only))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("abc123"), Some("/anon"), None),
                (Some("img1"), Some("/from-image"), Some(true)),
            ]
        );
    }

    // --- secrets and configs

    fn with_files(service: J) -> Project {
        project(
            json!({ "s": service }),
            json!({
                "secrets": {
                    "token": {"name": "p_token", "file": "/proj/token.txt"},
                    "env": {"name": "p_env", "environment": "TOKEN", "x-#value": "t0k3n"},
                    "ext": {"name": "shared", "external": true}
                },
                "configs": {
                    "conf": {"name": "p_conf", "file": "/proj/conf.txt"},
                    "inline": {"name": "p_inline", "content": "hello"}
                }
            }),
        )
    }

    fn targets(mounts: &[Mount]) -> Vec<(&str, &str)> {
        mounts
            .iter()
            .map(|m| {
                (
                    m.source.as_deref().unwrap_or(""),
                    m.target.as_deref().unwrap_or(""),
                )
            })
            .collect()
    }

    #[test]
    fn file_secrets_and_configs_are_read_only_binds() {
        let p = with_files(json!({
            "secrets": [{"source": "token"}, {"source": "token", "target": "other"}],
            "configs": [{"source": "conf"}, {"source": "conf", "target": "etc/c"}]
        }));
        let mounts = host(&p).mounts.unwrap();
        assert_eq!(
            targets(&mounts),
            vec![
                ("/proj/token.txt", "/run/secrets/token"),
                ("/proj/token.txt", "/run/secrets/other"),
                ("/proj/conf.txt", "/conf"),
                ("/proj/conf.txt", "/etc/c"),
            ]
        );
        assert!(mounts.iter().all(|m| m.read_only == Some(true)));
        assert_eq!(mounts[0].bind_options, Some(MountBindOptions::default()));
        assert_eq!(mounts[2].bind_options, None);
    }

    #[test]
    fn a_volume_on_the_same_target_wins_over_a_secret() {
        let p = with_files(json!({
            "secrets": ["token"],
            "volumes": [{"type": "volume", "target": "/run/secrets/token", "volume": {}}]
        }));
        let mounts = host(&p).mounts.unwrap();
        assert_eq!(mounts.len(), 1);
        assert_eq!(mounts[0].typ, Some(MountType::VOLUME));
    }

    #[test]
    fn environment_secrets_and_inline_configs_are_injected_not_mounted() {
        let p = with_files(json!({
            "secrets": [{"source": "env", "mode": 256, "uid": "10"}],
            "configs": ["inline", {"source": "conf"}]
        }));
        let mounts = host(&p).mounts.unwrap();
        assert_eq!(targets(&mounts), vec![("/proj/conf.txt", "/conf")]);
        let files = file_injections(&ctx(&p), &p.services["s"]).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].kind, FileKind::Secret);
        assert_eq!(files[0].target, "/run/secrets/env");
        assert_eq!(files[0].content, "t0k3n");
        assert_eq!((files[0].mode, files[0].uid, files[0].gid), (0o400, 10, 0));
        assert!(files[0].copy_uid_gid);
        assert_eq!(files[1].kind, FileKind::Config);
        assert_eq!(files[1].target, "/inline");
        assert_eq!(files[1].mode, 0o444);
        assert!(!files[1].copy_uid_gid);
    }

    #[test]
    fn environment_secret_reads_the_project_environment_when_not_resolved() {
        let mut p = project(
            json!({"s": {"secrets": ["e"]}}),
            json!({"secrets": {"e": {"name": "p_e", "environment": "TOKEN"}}}),
        );
        assert_eq!(
            file_injections(&ctx(&p), &p.services["s"])
                .unwrap_err()
                .message,
            "environment variable \"TOKEN\" required by secret \"p_e\" is not set"
        );
        p.environment.insert("TOKEN".into(), "v".into());
        let files = file_injections(&ctx(&p), &p.services["s"]).unwrap();
        assert_eq!(files[0].content, "v");
    }

    #[test]
    fn read_only_service_cannot_receive_injected_files() {
        let p = with_files(json!({"read_only": true, "configs": ["inline"]}));
        assert_eq!(
            file_injections(&ctx(&p), &p.services["s"])
                .unwrap_err()
                .message,
            "cannot create config \"p_inline\" in read-only service s: `file` is the sole supported option"
        );
    }

    #[test]
    fn external_secret_is_refused() {
        let p = with_files(json!({"secrets": ["ext"]}));
        assert_eq!(
            err(&p, ApiVersion::V1_41),
            "unsupported external secret shared"
        );
    }

    #[test]
    fn injected_file_archive_is_a_valid_tar() {
        let f = FileInjection {
            kind: FileKind::Secret,
            source: "s".into(),
            target: "/run/secrets/s".into(),
            content: "abc".into(),
            mode: 0o440,
            uid: 1,
            gid: 2,
            copy_uid_gid: true,
        };
        let tar = f.tar(1_700_000_000).unwrap();
        assert_eq!(tar.len(), 512 + 512 + 1024);
        assert_eq!(&tar[..14], b"/run/secrets/s");
        let field = |r: std::ops::Range<usize>| {
            let s = std::str::from_utf8(&tar[r]).unwrap();
            u64::from_str_radix(s.trim_matches(|c| c == '\0' || c == ' '), 8).unwrap()
        };
        assert_eq!(field(100..108), 0o440);
        assert_eq!((field(108..116), field(116..124)), (1, 2));
        assert_eq!(field(124..136), 3);
        assert_eq!(field(136..148), 1_700_000_000);
        let mut header = tar[..512].to_vec();
        header[148..156].copy_from_slice(b"        ");
        let sum: u64 = header.iter().map(|b| *b as u64).sum();
        assert_eq!(field(148..156), sum);
        assert_eq!(&tar[257..263], b"ustar\0");
        assert_eq!(&tar[512..515], b"abc");
    }

    #[test]
    fn long_archive_names_use_the_ustar_prefix() {
        let dir = "d".repeat(120);
        let f = FileInjection {
            kind: FileKind::Config,
            source: "c".into(),
            target: format!("/{dir}/file"),
            content: String::new(),
            mode: 0o444,
            uid: 0,
            gid: 0,
            copy_uid_gid: false,
        };
        let tar = f.tar(0).unwrap();
        assert_eq!(&tar[..5], b"file\0");
        assert_eq!(&tar[345..345 + 121], format!("/{dir}").as_bytes());
    }

    // --- resources

    #[test]
    fn resources_map_from_service_fields() {
        let h = host(&one(json!({
            "mem_limit": "256m", "mem_reservation": "128m", "memswap_limit": "512m",
            "mem_swappiness": 10, "cpus": 0.5, "cpu_shares": 512, "cpu_period": 100000,
            "cpu_quota": 50000, "cpuset": "0-1", "pids_limit": 100, "oom_kill_disable": true,
            "cgroup_parent": "parent", "shm_size": "64m", "oom_score_adj": -5
        })));
        assert_eq!(h.memory, Some(268435456));
        assert_eq!(h.memory_reservation, Some(134217728));
        assert_eq!(h.memory_swap, Some(536870912));
        assert_eq!(h.memory_swappiness, Some(10));
        assert_eq!(h.nano_cpus, Some(500_000_000));
        assert_eq!(h.cpu_shares, Some(512));
        assert_eq!((h.cpu_period, h.cpu_quota), (Some(100000), Some(50000)));
        assert_eq!(h.cpuset_cpus.as_deref(), Some("0-1"));
        assert_eq!(h.pids_limit, Some(100));
        assert_eq!(h.oom_kill_disable, Some(true));
        assert_eq!(h.cgroup_parent.as_deref(), Some("parent"));
        assert_eq!(h.shm_size, Some(67108864));
        assert_eq!(h.oom_score_adj, Some(-5));
    }

    #[test]
    fn unset_limits_are_zero_or_absent() {
        let h = host(&one(json!({})));
        assert_eq!((h.memory, h.nano_cpus), (Some(0), Some(0)));
        assert_eq!((h.memory_swappiness, h.pids_limit), (None, None));
        assert_eq!(h.oom_kill_disable, Some(false));
    }

    #[test]
    fn cpus_multiply_in_float32_like_go() {
        let h = host(&one(json!({"cpus": 0.3})));
        assert_eq!(h.nano_cpus, Some(((0.3f32) * 1e9f32) as i64));
    }

    #[test]
    fn deploy_limits_override_service_limits() {
        let h = host(&one(json!({
            "mem_limit": "1g", "cpus": 2, "pids_limit": 10,
            "deploy": {"resources": {
                "limits": {"memory": "64m", "cpus": "0.25", "pids": 50},
                "reservations": {"memory": "32m", "devices": [
                    {"capabilities": ["gpu"], "driver": "nvidia", "count": 1, "options": {"a": "b"}}
                ]}
            }}
        })));
        assert_eq!(h.memory, Some(67108864));
        assert_eq!(h.nano_cpus, Some(250_000_000));
        assert_eq!(h.pids_limit, Some(50));
        assert_eq!(h.memory_reservation, Some(33554432));
        let r = &h.device_requests.unwrap()[0];
        assert_eq!(r.driver.as_deref(), Some("nvidia"));
        assert_eq!(r.count, Some(1));
        assert_eq!(r.capabilities, Some(vec![strings(&["gpu"])]));
        assert_eq!(r.options.as_ref().unwrap()["a"], "b");
    }

    #[test]
    fn gpus_devices_and_cdi_devices() {
        let h = host(&one(json!({
            "gpus": [{"count": "all"}],
            "devices": [
                {"source": "/dev/sda", "target": "/dev/xvda", "permissions": "rwm"},
                {"source": "vendor.com/class=dev0", "target": "vendor.com/class=dev0", "permissions": "rwm"}
            ]
        })));
        let d = &h.devices.unwrap()[0];
        assert_eq!(d.path_on_host.as_deref(), Some("/dev/sda"));
        assert_eq!(d.path_in_container.as_deref(), Some("/dev/xvda"));
        assert_eq!(d.cgroup_permissions.as_deref(), Some("rwm"));
        let reqs = h.device_requests.unwrap();
        assert_eq!(reqs[0].driver.as_deref(), Some("cdi"));
        assert_eq!(
            reqs[0].device_ids,
            Some(strings(&["vendor.com/class=dev0"]))
        );
        assert_eq!(reqs[1].count, Some(-1));
        assert_eq!(reqs[1].capabilities, Some(vec![strings(&["gpu"])]));
    }

    #[test]
    fn cdi_names_are_recognized() {
        assert!(is_cdi_name("nvidia.com/gpu=all"));
        assert!(is_cdi_name("vendor.com/class=dev:0"));
        assert!(!is_cdi_name("/dev/sda"));
        assert!(!is_cdi_name("vendor.com/class"));
        assert!(!is_cdi_name("1vendor/class=x"));
    }

    #[test]
    fn ulimits_single_or_soft_hard() {
        let h = host(&one(
            json!({"ulimits": {"nproc": 512, "nofile": {"soft": 1, "hard": 2}}}),
        ));
        let u: Vec<(String, i64, i64)> = h
            .ulimits
            .unwrap()
            .into_iter()
            .map(|u| (u.name.unwrap(), u.soft.unwrap(), u.hard.unwrap()))
            .collect();
        assert_eq!(u, vec![("nofile".into(), 1, 2), ("nproc".into(), 512, 512)]);
    }

    #[test]
    fn blkio_config_maps_to_engine_lists() {
        let h = host(&one(json!({"blkio_config": {
            "weight": 300,
            "weight_device": [{"path": "/dev/sda", "weight": 400}],
            "device_read_bps": [{"path": "/dev/sda", "rate": "1mb"}],
            "device_write_iops": [{"path": "/dev/sdb", "rate": 30}]
        }})));
        assert_eq!(h.blkio_weight, Some(300));
        assert_eq!(h.blkio_weight_device.unwrap()[0].weight, Some(400));
        let r = &h.blkio_device_read_bps.unwrap()[0];
        assert_eq!(
            (r.path.as_deref(), r.rate),
            (Some("/dev/sda"), Some(1048576))
        );
        assert_eq!(h.blkio_device_write_iops.unwrap()[0].rate, Some(30));
        assert_eq!(h.blkio_device_read_iops, None);
    }

    // --- host settings

    #[test]
    fn capabilities_are_normalized_like_the_docker_client() {
        assert_eq!(
            normalize_capabilities(&strings(&["net_admin", "CAP_SYS_TIME", "NET_ADMIN", "all"])),
            strings(&["ALL", "CAP_NET_ADMIN", "CAP_SYS_TIME"])
        );
        let h = host(&one(json!({"cap_add": ["chown"], "cap_drop": ["ALL"]})));
        assert_eq!(h.cap_add, Some(strings(&["CAP_CHOWN"])));
        assert_eq!(h.cap_drop, Some(strings(&["ALL"])));
    }

    #[test]
    fn host_settings_map_one_to_one() {
        let h = host(&one(json!({
            "privileged": true, "read_only": true, "ipc": "host", "pid": "host",
            "uts": "host", "userns_mode": "host", "cgroup": "private", "runtime": "runc",
            "isolation": "default", "group_add": ["audio"], "dns": ["8.8.8.8"],
            "dns_search": ["example.org"], "dns_opt": ["ndots:2"],
            "sysctls": {"net.core.somaxconn": "1024"}, "storage_opt": {"size": "1G"},
            "volume_driver": "local", "extra_hosts": ["b:1.1.1.1", "a=::1"]
        })));
        assert_eq!((h.privileged, h.readonly_rootfs), (Some(true), Some(true)));
        assert_eq!(h.ipc_mode.as_deref(), Some("host"));
        assert_eq!(h.pid_mode.as_deref(), Some("host"));
        assert_eq!(h.uts_mode.as_deref(), Some("host"));
        assert_eq!(h.userns_mode.as_deref(), Some("host"));
        assert_eq!(h.cgroupns_mode, Some(HostConfigCgroupnsModeEnum::PRIVATE));
        assert_eq!(h.runtime.as_deref(), Some("runc"));
        assert_eq!(h.isolation, Some(HostConfigIsolationEnum::DEFAULT));
        assert_eq!(h.group_add, Some(strings(&["audio"])));
        assert_eq!(h.dns, Some(strings(&["8.8.8.8"])));
        assert_eq!(h.dns_search, Some(strings(&["example.org"])));
        assert_eq!(h.dns_options, Some(strings(&["ndots:2"])));
        assert_eq!(h.sysctls.unwrap()["net.core.somaxconn"], "1024");
        assert_eq!(h.storage_opt.unwrap()["size"], "1G");
        assert_eq!(h.volume_driver.as_deref(), Some("local"));
        assert_eq!(h.extra_hosts, Some(strings(&["a:::1", "b:1.1.1.1"])));
    }

    #[test]
    fn empty_lists_are_absent_but_extra_hosts_is_empty() {
        let h = host(&one(json!({})));
        assert_eq!(
            (h.cap_add, h.dns, h.binds, h.mounts),
            (None, None, None, None)
        );
        assert_eq!(h.extra_hosts, Some(vec![]));
        assert_eq!(h.runtime, None);
        assert_eq!(h.cgroupns_mode, Some(HostConfigCgroupnsModeEnum::EMPTY));
    }

    #[test]
    fn logging_driver_and_options() {
        let h = host(&one(
            json!({"logging": {"driver": "json-file", "options": {"max-size": "1m"}}}),
        ));
        let l = h.log_config.unwrap();
        assert_eq!(l.typ.as_deref(), Some("json-file"));
        assert_eq!(l.config.unwrap()["max-size"], "1m");
        let l = host(&one(json!({}))).log_config.unwrap();
        assert_eq!((l.typ.as_deref(), l.config), (Some(""), None));
    }

    #[test]
    fn annotations_need_api_1_43() {
        let p = one(json!({"annotations": {"a": "b"}}));
        assert_eq!(host(&p).annotations, None);
        let b = create_body(&ctx_at(&p, ApiVersion::V1_43), &p.services["s"], 1, "").unwrap();
        assert_eq!(b.host_config.unwrap().annotations.unwrap()["a"], "b");
    }

    #[test]
    fn security_opts_pass_through_and_unconfined_clears_masks() {
        let h = host(&one(json!({
            "security_opt": ["no-new-privileges", "label:disable", "systempaths=unconfined"]
        })));
        assert_eq!(
            h.security_opt,
            Some(strings(&["no-new-privileges", "label:disable"]))
        );
        assert_eq!(h.masked_paths, Some(vec![]));
        assert_eq!(h.readonly_paths, Some(vec![]));
        let h = host(&one(json!({})));
        assert_eq!((h.masked_paths, h.readonly_paths), (None, None));
    }

    #[test]
    fn invalid_security_opt_is_refused() {
        let p = one(json!({"security_opt": ["bogus"]}));
        assert_eq!(
            err(&p, ApiVersion::V1_41),
            "invalid security-opt: \"bogus\""
        );
    }

    #[test]
    fn seccomp_profile_file_is_inlined_compact() {
        let dir = std::env::temp_dir().join(format!("hoist-seccomp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("profile.json"),
            "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"names\": [\"a b\"]\n}\n",
        )
        .unwrap();
        let p = one(json!({"security_opt": ["seccomp=profile.json", "seccomp:unconfined"]}));
        let wd = dir.to_string_lossy().into_owned();
        let c = ProjectContext {
            working_dir: &wd,
            ..ctx(&p)
        };
        let h = create_body(&c, &p.services["s"], 1, "")
            .unwrap()
            .host_config
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            h.security_opt,
            Some(strings(&[
                "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\",\"names\":[\"a b\"]}",
                "seccomp:unconfined"
            ]))
        );
    }

    #[test]
    fn missing_seccomp_profile_is_an_error() {
        let p = one(json!({"security_opt": ["seccomp=/nonexistent/p.json"]}));
        assert!(
            err(&p, ApiVersion::V1_41)
                .starts_with("opening seccomp profile (/nonexistent/p.json) failed")
        );
    }

    // --- networks

    fn networked(service: J) -> Project {
        project(
            json!({ "s": service }),
            json!({"networks": {
                "default": {"name": "p_default"},
                "front": {"name": "p_front"},
                "back": {"name": "p_back"}
            }}),
        )
    }

    #[test]
    fn network_mode_is_passed_on_without_endpoints() {
        let h = body(&networked(json!({"network_mode": "host"})));
        assert_eq!(h.host_config.unwrap().network_mode.as_deref(), Some("host"));
        assert_eq!(h.networking_config, None);
        let h = body(&networked(json!({"network_mode": "disabled"})));
        assert_eq!(h.network_disabled, Some(true));
    }

    #[test]
    fn project_without_networks_uses_none() {
        let p = Project::from_json(json!({"name": "p", "services": {"s": {}}})).unwrap();
        let b = body(&p);
        assert_eq!(b.host_config.unwrap().network_mode.as_deref(), Some("none"));
        assert_eq!(b.networking_config, None);
    }

    #[test]
    fn main_network_is_the_highest_priority_then_first_by_name() {
        let p = networked(json!({"networks": {
            "back": {"aliases": ["b1"], "ipv4_address": "10.0.0.5", "link_local_ips": ["169.254.1.1"]},
            "front": {"priority": 10},
            "default": null
        }}));
        let b = body(&p);
        assert_eq!(
            b.host_config.unwrap().network_mode.as_deref(),
            Some("p_front")
        );
        let eps = b.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(eps.keys().collect::<Vec<_>>(), vec!["p_front"]);
        assert_eq!(eps["p_front"].aliases, Some(strings(&["p-s-1", "s"])));

        let all = endpoints(&ctx(&p), &p.services["s"], &CreateOptions::up(1)).unwrap();
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["p_front", "p_back", "p_default"]);
        let back = &all[1].1;
        assert_eq!(back.aliases, Some(strings(&["p-s-1", "s", "b1"])));
        assert_eq!(back.ip_address.as_deref(), Some("10.0.0.5"));
        let ipam = back.ipam_config.as_ref().unwrap();
        assert_eq!(ipam.ipv4_address.as_deref(), Some("10.0.0.5"));
        assert_eq!(ipam.link_local_ips, Some(strings(&["169.254.1.1"])));
        assert_eq!(all[2].1.ipam_config, None);

        let later =
            endpoints_to_connect(&ctx(&p), &p.services["s"], &CreateOptions::up(1)).unwrap();
        assert_eq!(later.len(), 2);
    }

    #[test]
    fn api_1_44_creates_with_every_network() {
        let p = networked(
            json!({"mac_address": "02:42:ac:11:00:02", "networks": {"front": null, "back": null}}),
        );
        let c = ctx_at(&p, ApiVersion::V1_44);
        let b = create_body(&c, &p.services["s"], 1, "").unwrap();
        let eps = b.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(eps.len(), 2);
        assert_eq!(
            eps["p_back"].mac_address.as_deref(),
            Some("02:42:ac:11:00:02")
        );
        assert_eq!(eps["p_front"].mac_address, None);
        assert!(
            endpoints_to_connect(&c, &p.services["s"], &CreateOptions::up(1))
                .unwrap()
                .is_empty()
        );
        assert_eq!(legacy_mac_address(&c, &p.services["s"]).unwrap(), None);
    }

    #[test]
    fn service_mac_address_is_container_wide_before_api_1_44() {
        let p = networked(json!({"mac_address": "02:42:ac:11:00:02"}));
        assert_eq!(
            legacy_mac_address(&ctx(&p), &p.services["s"])
                .unwrap()
                .as_deref(),
            Some("02:42:ac:11:00:02")
        );
        let b = body(&p);
        let eps = b.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(eps["p_default"].mac_address, None);
    }

    #[test]
    fn endpoint_mac_address_needs_api_1_44() {
        let p = networked(json!({"networks": {"front": {"mac_address": "02:42:ac:11:00:02"}}}));
        assert!(
            err(&p, ApiVersion::V1_41)
                .contains("\"specify mac-address per network\" requires API version 1.44")
        );
        let p = networked(
            json!({"mac_address": "02:00:00:00:00:01", "networks": {"front": {"mac_address": "02:00:00:00:00:02"}}}),
        );
        assert_eq!(
            err(&p, ApiVersion::V1_44),
            "the service-level mac_address should have the same value as network front"
        );
    }

    #[test]
    fn interface_name_needs_engine_28_1() {
        let p = networked(json!({"networks": {"front": {"interface_name": "eth7"}}}));
        assert_eq!(
            err(&p, ApiVersion::V1_44),
            "interface_name requires Docker Engine v28.1 or later"
        );
        let b = create_body(&ctx_at(&p, ApiVersion::V1_49), &p.services["s"], 1, "").unwrap();
        let eps = b.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(
            eps["p_front"].driver_opts.as_ref().unwrap()["com.docker.network.endpoint.ifname"],
            "eth7"
        );
    }

    #[test]
    fn run_without_aliases_uses_only_the_container_name() {
        let p = networked(
            json!({"container_name": "p-s-run-abc", "networks": {"front": {"aliases": ["x"]}}}),
        );
        let opts = CreateOptions::default();
        let all = endpoints(&ctx(&p), &p.services["s"], &opts).unwrap();
        assert_eq!(all[0].1.aliases, Some(strings(&["p-s-run-abc"])));
    }

    fn peers() -> Peers {
        let mut peers = Peers::default();
        peers.services.insert(
            "db".into(),
            vec![
                PeerContainer {
                    id: "id2".into(),
                    name: "p-db-2".into(),
                },
                PeerContainer {
                    id: "id1".into(),
                    name: "p-db-1".into(),
                },
            ],
        );
        peers
    }

    #[test]
    fn service_references_resolve_to_the_first_container_by_name() {
        let p = networked(json!({
            "network_mode": "service:db", "ipc": "service:db", "pid": "service:db",
            "volumes_from": ["db:ro", "container:other:rw", "container:plain"]
        }));
        let peers = peers();
        let opts = CreateOptions {
            peers: Some(&peers),
            ..CreateOptions::up(1)
        };
        let b = create_body_with(&ctx(&p), &p.services["s"], "", &opts).unwrap();
        let h = b.host_config.unwrap();
        assert_eq!(h.network_mode.as_deref(), Some("container:id1"));
        assert_eq!(h.ipc_mode.as_deref(), Some("container:id1"));
        assert_eq!(h.pid_mode.as_deref(), Some("container:id1"));
        assert_eq!(h.volumes_from, Some(strings(&["id1", "other", "plain"])));
        let resolved = resolve_service(&p.services["s"], &peers).unwrap();
        assert_eq!(
            b.labels.unwrap()[labels::CONFIG_HASH],
            labels::service_hash(&resolved)
        );
        assert_ne!(
            labels::service_hash(&resolved),
            labels::service_hash(&p.services["s"])
        );
    }

    #[test]
    fn missing_service_reference_is_an_error() {
        let p = networked(json!({"network_mode": "service:db"}));
        assert_eq!(
            err(&p, ApiVersion::V1_41),
            "cannot share network namespace with service db: container missing"
        );
        let p = networked(json!({"volumes_from": ["db"]}));
        assert_eq!(
            err(&p, ApiVersion::V1_41),
            "cannot share volume with service db: container missing"
        );
    }

    #[test]
    fn links_name_every_container_three_ways() {
        let p =
            networked(json!({"links": ["db:database"], "external_links": ["ext:alias", "plain"]}));
        let peers = peers();
        let opts = CreateOptions {
            peers: Some(&peers),
            ..CreateOptions::up(1)
        };
        let b = create_body_with(&ctx(&p), &p.services["s"], "", &opts).unwrap();
        let expected = strings(&[
            "p-db-2:database",
            "p-db-2:db-1",
            "p-db-2:p-db-1",
            "p-db-1:database",
            "p-db-1:db-1",
            "p-db-1:p-db-1",
            "ext:alias",
            "plain:plain",
        ]);
        assert_eq!(b.host_config.unwrap().links, Some(expected.clone()));
        let eps = b.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(eps["p_default"].links, Some(expected));
    }

    // --- platform and versions

    #[test]
    fn platform_comes_from_service_or_default_platform() {
        let mut p = one(json!({"platform": "linux/x86_64"}));
        assert_eq!(
            platform(&ctx(&p), &p.services["s"]).unwrap().as_deref(),
            Some("linux/amd64")
        );
        p.services.get_mut("s").unwrap().platform.clear();
        assert_eq!(platform(&ctx(&p), &p.services["s"]).unwrap(), None);
        p.environment
            .insert("DOCKER_DEFAULT_PLATFORM".into(), "linux/arm64/v8".into());
        assert_eq!(
            platform(&ctx(&p), &p.services["s"]).unwrap().as_deref(),
            Some("linux/arm64/v8")
        );
    }

    #[test]
    fn platforms_normalize_like_containerd() {
        assert_eq!(normalize_platform("linux/aarch64").unwrap(), "linux/arm64");
        assert_eq!(
            normalize_platform("linux/arm64/8").unwrap(),
            "linux/arm64/v8"
        );
        assert_eq!(normalize_platform("linux/arm").unwrap(), "linux/arm");
        assert_eq!(normalize_platform("linux/arm/7").unwrap(), "linux/arm/v7");
        assert_eq!(normalize_platform("linux/armhf").unwrap(), "linux/arm");
        assert_eq!(normalize_platform("amd64").unwrap(), "linux/amd64");
        assert!(normalize_platform("nonsense").is_err());
    }

    #[test]
    fn api_versions_parse_and_compare() {
        assert_eq!(ApiVersion::parse("1.41"), Some(ApiVersion::V1_41));
        assert!(ApiVersion::parse("1.9").unwrap() < ApiVersion::V1_41);
        assert!(ApiVersion::parse("1.50").unwrap() > ApiVersion::V1_49);
        assert_eq!(ApiVersion::parse("x"), None);
        assert_eq!(ApiVersion::V1_44.to_string(), "1.44");
    }

    #[test]
    fn go_json_compact_keeps_strings_intact() {
        assert_eq!(
            go_json_compact("{ \"a\" : [1, 2],\n \"b\": \"x \\\" y\" }").unwrap(),
            "{\"a\":[1,2],\"b\":\"x \\\" y\"}"
        );
        assert!(go_json_compact("{").is_err());
    }
}
