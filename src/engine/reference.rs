//! Image references as the docker CLI reads them: which registry an image lives in (the
//! key its credentials are stored under) and its tag.

/// Docker Hub's key in `~/.docker/config.json` (`auths`, `credHelpers`).
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// One image reference split into its parts: `127.0.0.1:5000/team/app:1.2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The registry host (`docker.io` when the name has none).
    pub registry: String,
    /// The repository path inside the registry (`library/` added for Docker Hub).
    pub repository: String,
    /// The tag (`latest` when there is neither a tag nor a digest).
    pub tag: Option<String>,
    /// `sha256:...` when the reference pins a digest.
    pub digest: Option<String>,
}

impl Reference {
    /// Splits `image` the way `reference.ParseNormalizedNamed` does: the first path
    /// component is a registry when it has a `.` or a `:` or is `localhost`.
    pub fn parse(image: &str) -> Reference {
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (image, None),
        };
        // A tag is after the last `:` that follows the last `/` (a port comes before it).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (
                &name[..last_slash + i],
                Some(name[last_slash + i + 1..].to_string()),
            ),
            None => (name, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Reference {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// The key credentials are stored under: Docker Hub's URL, else the registry host.
    pub fn auth_key(&self) -> String {
        if matches!(
            self.registry.as_str(),
            "docker.io" | "index.docker.io" | "registry-1.docker.io"
        ) {
            DOCKER_HUB_KEY.to_string()
        } else {
            self.registry.clone()
        }
    }

    /// True when the reference names the `latest` tag (explicitly or by default).
    pub fn is_latest(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref() == Some("latest")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_name_is_docker_hub_library_latest() {
        let r = Reference::parse("postgres");
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "library/postgres");
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert_eq!(r.auth_key(), DOCKER_HUB_KEY);
        assert!(r.is_latest());
    }

    #[test]
    fn host_with_port_is_a_registry_not_a_tag() {
        let r = Reference::parse("127.0.0.1:5000/team/app");
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert_eq!(r.auth_key(), "127.0.0.1:5000");
    }

    #[test]
    fn tag_and_digest_are_split_off() {
        let r = Reference::parse("ghcr.io/o/app:1.2@sha256:abc");
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        assert!(!r.is_latest());
    }

    #[test]
    fn first_component_without_dot_is_a_hub_user() {
        let r = Reference::parse("apache/airflow:3.0.0");
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "apache/airflow");
        assert_eq!(Reference::parse("localhost/x").registry, "localhost");
    }
}
