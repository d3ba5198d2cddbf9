//! Convergence: which containers to keep, create, recreate or remove so that a service
//! matches its desired configuration. Compose's rules: recreate when the config-hash label
//! differs, when the image ID differs, or when an expected network is missing.

use crate::engine::containers::ProjectContainer;

/// What a service should look like on the engine.
#[derive(Clone, Debug)]
pub struct Desired {
    pub service: String,
    pub replicas: u32,
    pub config_hash: String,
    pub image_id: String,
    /// Engine names of the networks its containers must be attached to (empty for
    /// `network_mode`).
    pub networks: Vec<String>,
}

/// How `up` treats containers that exist already.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RecreatePolicy {
    /// Recreate what diverged (the default).
    #[default]
    Diverged,
    /// `--force-recreate`.
    Always,
    /// `--no-recreate`.
    Never,
}

/// One step for one container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create replica `number`.
    Create { number: u32 },
    /// Replace `old` by a new container with the same number.
    Recreate { old: ProjectContainer },
    /// Leave the container as it is (it may still need a start).
    Keep { container: ProjectContainer },
    /// Remove a container beyond the desired scale.
    Remove { container: ProjectContainer },
}

/// The actions that make `existing` (this service's non-one-off containers) match
/// `desired`.
pub fn converge(
    desired: &Desired,
    existing: &[ProjectContainer],
    policy: RecreatePolicy,
) -> Vec<Action> {
    let mut containers: Vec<&ProjectContainer> = existing.iter().filter(|c| !c.oneoff).collect();
    containers.sort_by_key(|c| c.number);
    let mut actions = Vec::new();
    let mut taken: Vec<u32> = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        if i as u32 >= desired.replicas {
            actions.push(Action::Remove {
                container: (*c).clone(),
            });
            continue;
        }
        taken.push(c.number);
        let recreate = match policy {
            RecreatePolicy::Always => true,
            RecreatePolicy::Never => false,
            RecreatePolicy::Diverged => diverged(desired, c),
        };
        actions.push(if recreate {
            Action::Recreate { old: (*c).clone() }
        } else {
            Action::Keep {
                container: (*c).clone(),
            }
        });
    }
    let mut number = 1;
    while (taken.len() as u32) < desired.replicas {
        if !taken.contains(&number) {
            taken.push(number);
            actions.push(Action::Create { number });
        }
        number += 1;
    }
    actions
}

/// True when the container no longer matches the service.
pub fn diverged(desired: &Desired, c: &ProjectContainer) -> bool {
    c.config_hash != desired.config_hash
        || (!desired.image_id.is_empty() && c.image_id != desired.image_id)
        || desired.networks.iter().any(|n| !c.networks.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(number: u32, hash: &str) -> ProjectContainer {
        ProjectContainer {
            id: format!("id{number}"),
            name: format!("p-web-{number}"),
            service: "web".into(),
            number,
            oneoff: false,
            config_hash: hash.into(),
            image_id: "sha256:img".into(),
            image: "img".into(),
            state: "running".into(),
            status: String::new(),
            command: String::new(),
            created: 0,
            labels: Default::default(),
            networks: vec!["p_default".into()],
            ports: Vec::new(),
        }
    }

    fn desired(replicas: u32) -> Desired {
        Desired {
            service: "web".into(),
            replicas,
            config_hash: "h1".into(),
            image_id: "sha256:img".into(),
            networks: vec!["p_default".into()],
        }
    }

    #[test]
    fn matching_container_is_kept() {
        let a = converge(&desired(1), &[container(1, "h1")], RecreatePolicy::Diverged);
        assert!(matches!(&a[..], [Action::Keep { .. }]));
    }

    #[test]
    fn changed_hash_recreates() {
        let a = converge(
            &desired(1),
            &[container(1, "old")],
            RecreatePolicy::Diverged,
        );
        assert!(matches!(&a[..], [Action::Recreate { .. }]));
        let a = converge(&desired(1), &[container(1, "old")], RecreatePolicy::Never);
        assert!(matches!(&a[..], [Action::Keep { .. }]));
    }

    #[test]
    fn changed_image_or_missing_network_recreates() {
        let mut c = container(1, "h1");
        c.image_id = "sha256:other".into();
        assert!(diverged(&desired(1), &c));
        let mut c = container(1, "h1");
        c.networks.clear();
        assert!(diverged(&desired(1), &c));
    }

    #[test]
    fn scale_up_fills_gaps_and_scale_down_removes_the_highest() {
        let a = converge(&desired(3), &[container(2, "h1")], RecreatePolicy::Diverged);
        assert_eq!(a.len(), 3);
        assert!(
            a.contains(&Action::Create { number: 1 }) && a.contains(&Action::Create { number: 3 })
        );
        let a = converge(
            &desired(1),
            &[container(1, "h1"), container(2, "h1")],
            RecreatePolicy::Diverged,
        );
        assert!(matches!(&a[1], Action::Remove { container } if container.number == 2));
    }
}
