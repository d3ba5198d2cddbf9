//! Registry credentials from the docker CLI's configuration, found as the docker CLI finds
//! them: `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`); for a registry,
//! its `credHelpers` entry, else `credsStore`, run as `docker-credential-<name> get`; else
//! its `auths` entry (`auth` is base64 of `user:password`).

use std::path::PathBuf;

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use super::error::EngineError;
use super::reference::Reference;

/// The docker CLI configuration, read once per command.
#[derive(Debug, Clone, Default)]
pub struct DockerConfig {
    /// The parsed file; `Null` when there is none.
    json: Value,
}

/// The directory of the docker CLI configuration: `DOCKER_CONFIG`, else `~/.docker`.
pub fn config_dir() -> PathBuf {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".docker"),
    }
}

impl DockerConfig {
    /// Reads `config.json` from `config_dir()`; a missing file is an empty configuration,
    /// an unreadable or invalid one an error (the docker CLI refuses it too).
    pub fn load() -> Result<DockerConfig, EngineError> {
        let path = config_dir().join("config.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DockerConfig { json: Value::Null });
            }
            Err(e) => {
                return Err(EngineError::Credentials {
                    registry: String::new(),
                    message: format!("reading {}: {e}", path.display()),
                });
            }
        };
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| EngineError::Credentials {
                registry: String::new(),
                message: format!("{} is not valid JSON: {e}", path.display()),
            })?
        };
        Ok(DockerConfig { json })
    }

    /// The credentials for the registry of `image`, or `None` to go anonymous.
    pub async fn for_image(&self, image: &str) -> Result<Option<DockerCredentials>, EngineError> {
        self.for_registry(&Reference::parse(image).auth_key()).await
    }

    /// The credentials stored under `key` (a registry host, or Docker Hub's URL).
    pub async fn for_registry(&self, key: &str) -> Result<Option<DockerCredentials>, EngineError> {
        let helper = self
            .json
            .get("credHelpers")
            .and_then(|h| h.get(key))
            .and_then(Value::as_str)
            .or_else(|| self.json.get("credsStore").and_then(Value::as_str))
            .filter(|h| !h.is_empty());
        if let Some(helper) = helper {
            if let Some(creds) = run_helper(helper, key).await? {
                return Ok(Some(creds));
            }
        }
        Ok(self.in_auths(key))
    }

    /// The `auths` entry for `key`; entries written as URLs (`https://host/v1/`) match
    /// their host, as the docker CLI's file store does.
    fn in_auths(&self, key: &str) -> Option<DockerCredentials> {
        let auths = self.json.get("auths")?.as_object()?;
        let entry = auths.get(key).or_else(|| {
            auths
                .iter()
                .find(|(k, _)| host_of(k) == host_of(key))
                .map(|(_, v)| v)
        })?;
        let field = |name: &str| {
            entry
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut creds = DockerCredentials {
            username: field("username"),
            password: field("password"),
            identitytoken: field("identitytoken"),
            serveraddress: Some(key.to_string()),
            ..Default::default()
        };
        if let Some(auth) = field("auth") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            if let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                creds.username = Some(user.to_string());
                creds.password = Some(password.to_string());
            }
        }
        if creds.username.is_none() && creds.identitytoken.is_none() {
            return None;
        }
        Some(creds)
    }

    /// The registries with an `auths` or `credHelpers` entry.
    pub fn registries(&self) -> Vec<String> {
        let mut keys: Vec<String> = ["auths", "credHelpers"]
            .iter()
            .filter_map(|k| self.json.get(*k)?.as_object())
            .flat_map(|m| m.keys().cloned())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

/// `https://host:5000/v1/` -> `host:5000`.
fn host_of(key: &str) -> &str {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or(k)
}

/// Runs `docker-credential-<helper> get` with the registry on stdin. A helper that knows
/// nothing about the registry answers "credentials not found": that is anonymous access.
async fn run_helper(helper: &str, key: &str) -> Result<Option<DockerCredentials>, EngineError> {
    let program = format!("docker-credential-{helper}");
    let failed = |message: String| EngineError::Credentials {
        registry: key.to_string(),
        message,
    };
    let mut child = tokio::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("running {program}: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(key.as_bytes())
            .await
            .map_err(|e| failed(format!("writing to {program}: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| failed(format!("running {program}: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let said = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        if said.contains("credentials not found") {
            return Ok(None);
        }
        return Err(failed(format!("{program} get: {}", said.trim())));
    }
    let json: Value = serde_json::from_str(&stdout)
        .map_err(|e| failed(format!("{program} get answered invalid JSON: {e}")))?;
    let text = |k: &str| {
        json.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (user, secret) = (text("Username"), text("Secret"));
    if secret.is_empty() && user.is_empty() {
        return Ok(None);
    }
    // Helpers store identity tokens under the user name `<token>`.
    Ok(Some(if user == "<token>" {
        DockerCredentials {
            identitytoken: Some(secret),
            serveraddress: Some(key.to_string()),
            ..Default::default()
        }
    } else {
        DockerCredentials {
            username: Some(user),
            password: Some(secret),
            serveraddress: Some(key.to_string()),
            ..Default::default()
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> DockerConfig {
        DockerConfig {
            json: serde_json::from_str(json).unwrap(),
        }
    }

    #[test]
    fn auth_field_is_base64_user_colon_password() {
        // "alice:s3cr:et" — the password may itself hold a colon.
        let c = config(r#"{"auths":{"reg:5000":{"auth":"YWxpY2U6czNjcjpldA=="}}}"#);
        let creds = c.in_auths("reg:5000").unwrap();
        assert_eq!(creds.username.as_deref(), Some("alice"));
        assert_eq!(creds.password.as_deref(), Some("s3cr:et"));
        assert_eq!(creds.serveraddress.as_deref(), Some("reg:5000"));
    }

    #[test]
    fn url_keys_match_their_host() {
        let c = config(r#"{"auths":{"https://reg.example.com/v1/":{"auth":"dTpw"}}}"#);
        assert_eq!(
            c.in_auths("reg.example.com").unwrap().username.as_deref(),
            Some("u")
        );
        assert!(c.in_auths("other.example.com").is_none());
    }

    #[test]
    fn entry_without_credentials_is_anonymous() {
        let c = config(r#"{"auths":{"reg":{}}}"#);
        assert!(c.in_auths("reg").is_none());
    }

    #[tokio::test]
    async fn missing_helper_is_an_error_naming_it() {
        let c = config(r#"{"credHelpers":{"reg":"hoist-no-such-helper"}}"#);
        let e = c.for_registry("reg").await.unwrap_err().to_string();
        assert!(e.contains("docker-credential-hoist-no-such-helper"), "{e}");
    }
}
