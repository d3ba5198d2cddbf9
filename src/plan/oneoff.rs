//! The one-off container of `run`: the service as Compose changes it for one command
//! (command, entrypoint, environment, ports, volumes, TTY...), its name
//! `<project>-<service>-run-<12 hex>` and its labels (`oneoff=True`, the slug).
//!
//! Pure: the container is then created from this service with the same spec code as `up`
//! (`engine::spec`), so everything the files say about the service applies.

use crate::compose::model::{
    Mapping, MappingWithEquals, ServiceConfig, ServicePortConfig, ServiceVolumeConfig,
};
use crate::engine::labels;

/// What the command line asks of the one-off container.
#[derive(Debug, Clone, Default)]
pub struct OneOffRequest {
    /// Replaces the service's command when not empty.
    pub command: Vec<String>,
    /// Replaces the image's entrypoint (and then clears the service's command unless one
    /// was given).
    pub entrypoint: Option<Vec<String>>,
    /// Variables set over the service's environment (already resolved).
    pub environment: Mapping,
    /// Labels set over the service's labels.
    pub labels: Mapping,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub tty: bool,
    /// Standard input kept open.
    pub interactive: bool,
    /// The container name (`--name`); default `<project>-<service>-run-<12 hex>`.
    pub name: Option<String>,
    /// Keep the service's `ports:` (`--service-ports`); otherwise only `publish` applies.
    pub service_ports: bool,
    /// Ports to publish (`-p`), replacing the service's.
    pub publish: Vec<ServicePortConfig>,
    /// Volumes added to the service's (`-v`).
    pub volumes: Vec<ServiceVolumeConfig>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    /// `--no-deps`: the service is taken alone, without its `depends_on` (Compose selects
    /// it ignoring dependencies, which also empties its `depends_on` label).
    pub no_deps: bool,
}

/// The planned one-off container.
#[derive(Debug, Clone)]
pub struct OneOff {
    /// The service as the container is created from it (its config hash is taken of this).
    pub service: ServiceConfig,
    pub name: String,
    /// Labels Compose puts over the service's own: the slug and `oneoff=True`.
    pub extra_labels: Mapping,
}

/// Plans the one-off container of `service` in `project`; `slug` is a random 64-hex-digit
/// identity (see [`new_slug`]).
pub fn plan(project: &str, service: &ServiceConfig, req: &OneOffRequest, slug: &str) -> OneOff {
    let mut s = service.clone();
    s.tty = req.tty;
    s.stdin_open = req.interactive;
    if !req.service_ports {
        s.ports = req.publish.clone();
    }
    s.volumes.extend(req.volumes.iter().cloned());
    if !req.command.is_empty() {
        s.command = Some(req.command.clone());
    }
    if let Some(user) = &req.user {
        s.user = user.clone();
    }
    if !req.cap_add.is_empty() {
        s.cap_add.extend(req.cap_add.iter().cloned());
        s.cap_drop.retain(|c| !req.cap_add.contains(c));
    }
    if !req.cap_drop.is_empty() {
        s.cap_drop.extend(req.cap_drop.iter().cloned());
        s.cap_add.retain(|c| !req.cap_drop.contains(c));
    }
    if let Some(dir) = &req.workdir {
        s.working_dir = dir.clone();
    }
    if let Some(entrypoint) = &req.entrypoint {
        s.entrypoint = Some(entrypoint.clone());
        if req.command.is_empty() {
            s.command = Some(Vec::new());
        }
    }
    if req.no_deps {
        s.depends_on.clear();
    }
    let env: &mut MappingWithEquals = &mut s.environment;
    for (k, v) in &req.environment {
        env.insert(k.clone(), Some(v.clone()));
    }
    for (k, v) in &req.labels {
        s.labels.insert(k.clone(), v.clone());
    }
    let name = match &req.name {
        Some(n) => n.clone(),
        None => format!(
            "{project}-{}-run-{}",
            service.name,
            &slug[..12.min(slug.len())]
        ),
    };
    // One container, no restart: a one-off command is not a service replica.
    s.container_name = name.clone();
    s.scale = Some(1);
    s.restart = String::new();
    if let Some(deploy) = s.deploy.as_mut() {
        deploy.restart_policy = None;
    }
    let mut extra_labels = Mapping::new();
    extra_labels.insert(labels::SLUG.into(), slug.to_string());
    extra_labels.insert(labels::ONEOFF.into(), "True".into());
    OneOff {
        service: s,
        name,
        extra_labels,
    }
}

/// A random identity for a one-off container: 64 hex digits, like Docker's IDs.
pub fn new_slug() -> String {
    let mut bytes = [0u8; 32];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !filled {
        // No /dev/urandom: time and pid still make a name unique on this engine.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let seed = nanos ^ (u128::from(std::process::id()) << 64);
        bytes[..16].copy_from_slice(&seed.to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> ServiceConfig {
        let mut s = ServiceConfig {
            name: "web".into(),
            image: "busybox".into(),
            restart: "always".into(),
            command: Some(vec!["httpd".into()]),
            ..ServiceConfig::default()
        };
        s.ports.push(ServicePortConfig {
            target: 80,
            published: "8080".into(),
            protocol: "tcp".into(),
            mode: "ingress".into(),
            ..ServicePortConfig::default()
        });
        s.environment.insert("A".into(), Some("1".into()));
        s
    }

    const SLUG: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn name_is_project_service_run_and_twelve_hex_digits() {
        let o = plan("proj", &web(), &OneOffRequest::default(), SLUG);
        assert_eq!(o.name, "proj-web-run-0123456789ab");
        assert_eq!(o.service.container_name, o.name);
        assert_eq!(o.extra_labels[labels::SLUG], SLUG);
        assert_eq!(o.extra_labels[labels::ONEOFF], "True");
    }

    #[test]
    fn ports_are_dropped_unless_service_ports_or_publish() {
        let o = plan("p", &web(), &OneOffRequest::default(), SLUG);
        assert!(o.service.ports.is_empty());
        let req = OneOffRequest {
            service_ports: true,
            ..OneOffRequest::default()
        };
        assert_eq!(plan("p", &web(), &req, SLUG).service.ports.len(), 1);
        let published = ServicePortConfig {
            target: 9000,
            ..ServicePortConfig::default()
        };
        let req = OneOffRequest {
            publish: vec![published.clone()],
            ..OneOffRequest::default()
        };
        assert_eq!(plan("p", &web(), &req, SLUG).service.ports, vec![published]);
    }

    #[test]
    fn entrypoint_without_command_clears_the_command() {
        let req = OneOffRequest {
            entrypoint: Some(vec!["sh".into(), "-c".into()]),
            ..OneOffRequest::default()
        };
        let o = plan("p", &web(), &req, SLUG);
        assert_eq!(o.service.entrypoint, Some(vec!["sh".into(), "-c".into()]));
        assert_eq!(o.service.command, Some(Vec::new()));
    }

    #[test]
    fn overrides_apply_and_restart_is_dropped() {
        let mut environment = Mapping::new();
        environment.insert("B".into(), "2".into());
        environment.insert("A".into(), "x".into());
        let req = OneOffRequest {
            command: vec!["ls".into()],
            environment,
            user: Some("nobody".into()),
            workdir: Some("/tmp".into()),
            tty: true,
            interactive: true,
            name: Some("mine".into()),
            ..OneOffRequest::default()
        };
        let o = plan("p", &web(), &req, SLUG);
        assert_eq!(o.name, "mine");
        assert_eq!(o.service.command, Some(vec!["ls".into()]));
        assert_eq!(o.service.environment["A"], Some("x".into()));
        assert_eq!(o.service.environment["B"], Some("2".into()));
        assert_eq!(
            (o.service.user.as_str(), o.service.working_dir.as_str()),
            ("nobody", "/tmp")
        );
        assert!(o.service.tty && o.service.stdin_open);
        assert_eq!(o.service.restart, "");
    }

    #[test]
    fn no_deps_takes_the_service_without_its_dependencies() {
        let mut service = web();
        service.depends_on.insert("db".into(), Default::default());
        let o = plan("p", &service, &OneOffRequest::default(), SLUG);
        assert_eq!(o.service.depends_on.len(), 1);
        let req = OneOffRequest {
            no_deps: true,
            ..OneOffRequest::default()
        };
        assert!(
            plan("p", &service, &req, SLUG)
                .service
                .depends_on
                .is_empty()
        );
    }

    #[test]
    fn slugs_are_64_hex_digits_and_differ() {
        let (a, b) = (new_slug(), new_slug());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
