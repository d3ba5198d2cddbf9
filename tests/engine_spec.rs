//! The create bodies of `engine::spec` against the real Docker Engine and the real Docker
//! Compose v2.40.3: the same compose file is created once by `docker compose create` and
//! once by hoist (bollard with our bodies); the two inspects must agree on everything that
//! is not an ID or a name. Then Compose runs `create` on hoist's project and must adopt
//! every container, network and volume as they are (no recreation): the proof that Compose
//! and hoist can manage each other's stacks.
//!
//! Needs a Docker daemon and the Compose CLI plugin; skipped without them (failed under
//! `CI=true`). The tiny image `hoist-test/busybox:latest` is built here from the host's
//! static busybox when missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::Docker;
use bollard::models::NetworkConnectRequest;
use bollard::query_parameters::{
    CreateContainerOptions, DownloadFromContainerOptions, UploadToContainerOptions,
};
use futures_util::StreamExt;
use serde_json::Value;

use hoist::compose::environment::Environment;
use hoist::compose::load::{self, ConfigSource, LoadOptions};
use hoist::compose::model::{Mapping, Project};
use hoist::engine::spec::{self, ApiVersion, CreateOptions, PeerContainer, Peers, ProjectContext};
use hoist::engine::{labels, resources};

const IMAGE: &str = "hoist-test/busybox:latest";
const COMPOSE_VERSION: &str = "2.40.3";

/// Services in the order both tools create them (dependencies first).
const SERVICES: [&str; 3] = ["db", "web", "side"];

const COMPOSE_FILE: &str = r#"
services:
  db:
    image: hoist-test/busybox:latest
    command: ["sleep", "3600"]
    environment:
      A: "1"
      EMPTY: ""
      UNSET:
      PATH: /bin:/usr/bin
    labels:
      team: data
    healthcheck:
      test: ["CMD", "true"]
      interval: 10s
      timeout: 3s
      retries: 4
      start_period: 5s
    volumes:
      - dbdata:/var/lib/db
      - /anon
      - ./data:/data:ro
    tmpfs: ["/run:size=1m", "/tmp2"]
    expose: ["5432", "6000-6002/udp"]
    ports:
      - "127.0.0.1::5432"
      - "9000"
      - target: 9001
        protocol: udp
    restart: unless-stopped
    ulimits:
      nofile: {soft: 1024, hard: 2048}
      nproc: 512
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    networks:
      back:
        aliases: [database]
        ipv4_address: ${NET_PREFIX}.10
  web:
    image: hoist-test/busybox:latest
    entrypoint: ["/bin/sh", "-c"]
    command: ["echo hi; sleep 3600"]
    depends_on:
      db:
        condition: service_healthy
        restart: true
    user: "1000:1000"
    hostname: webhost
    domainname: example.org
    working_dir: /work
    tty: true
    stdin_open: true
    init: true
    cap_add: [net_admin, SYS_TIME]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true", "label=disable"]
    sysctls:
      net.core.somaxconn: "1024"
    dns: [8.8.8.8]
    dns_search: [example.org]
    dns_opt: [ndots:2]
    extra_hosts: ["somehost:162.242.195.82", "other=10.0.0.1"]
    shm_size: 64m
    mem_limit: 256m
    mem_reservation: 128m
    cpus: 0.5
    cpu_shares: 512
    pids_limit: 100
    oom_score_adj: 100
    group_add: ["audio"]
    logging:
      driver: json-file
      options: {max-size: 10m, max-file: "3"}
    links: ["db:database"]
    volumes:
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 1048576, mode: 0o1777}
      - type: bind
        source: ./data
        target: /bound
        bind: {propagation: rshared, create_host_path: true}
      - type: volume
        source: dbdata
        target: /nocopy
        volume: {nocopy: true}
      - type: bind
        source: ./created
        target: /created
    secrets: [token]
    configs:
      - source: conf
        target: /etc/conf.txt
      - inline
    restart: on-failure:3
    labels: {com.example.role: web}
    networks:
      front:
        priority: 10
      back: {}
  side:
    image: hoist-test/busybox:latest
    command: ["sleep", "3600"]
    network_mode: "service:db"
    ipc: "service:db"
    volumes_from: ["db:ro"]
    read_only: true
    deploy:
      resources:
        limits: {memory: 64m, cpus: "0.25", pids: 50}
        reservations: {memory: 32m}
      restart_policy: {condition: any}
networks:
  front: {}
  back:
    ipam:
      config:
        - subnet: ${NET_PREFIX}.0/24
volumes:
  dbdata:
    labels: {purpose: test}
secrets:
  token:
    file: ./secret.txt
configs:
  conf:
    file: ./config.txt
  inline:
    content: "hello inline"
"#;

// ---------------------------------------------------------------------------------------
// Prerequisites

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn in_ci() -> bool {
    matches!(
        std::env::var("CI")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Ok("true" | "1" | "yes")
    )
}

/// Why the test cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    let docker = Command::new("docker")
        .args(["version", "--format", "{{.Server.APIVersion}}"])
        .output();
    match docker {
        Ok(o) if o.status.success() => {}
        _ => return Some("no Docker daemon".into()),
    }
    let compose = Command::new("docker")
        .args(["compose", "version", "--short"])
        .output();
    match compose {
        Ok(o) if o.status.success() && text(&o.stdout).trim() == COMPOSE_VERSION => None,
        _ => Some(format!("no Docker Compose {COMPOSE_VERSION} CLI plugin")),
    }
}

fn skip(why: &str) {
    if in_ci() {
        panic!("engine_spec: {why} (CI=true: failing instead of skipping)");
    }
    eprintln!("engine_spec: skipped: {why}");
}

/// The image ID of [`IMAGE`], building the image first when it is missing. A lock directory
/// keeps parallel tests from importing it twice.
fn ensure_image() -> String {
    if let Some(id) = image_id() {
        return id;
    }
    let lock = std::env::temp_dir().join("hoist-test-busybox.lock");
    let started = SystemTime::now();
    while std::fs::create_dir(&lock).is_err() {
        let stale = std::fs::metadata(&lock)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(120));
        if stale {
            let _ = std::fs::remove_dir(&lock);
        }
        assert!(
            started.elapsed().unwrap_or_default() < Duration::from_secs(300),
            "waited too long for {}",
            lock.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let result = std::panic::catch_unwind(|| {
        if image_id().is_none() {
            import_busybox();
        }
    });
    let _ = std::fs::remove_dir(&lock);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
    image_id().expect("the busybox image exists after import")
}

fn image_id() -> Option<String> {
    let o = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", IMAGE])
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| text(&o.stdout).trim().to_string())
}

/// `docker import` of a root holding /bin/busybox and one symlink per applet.
fn import_busybox() {
    let root = std::env::temp_dir().join(format!("hoist-busybox-root-{}", std::process::id()));
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).expect("create the image root");
    std::fs::copy("/bin/busybox", bin.join("busybox")).expect("copy /bin/busybox");
    let list = run(Command::new("/bin/busybox").arg("--list"));
    for applet in text(&list.stdout).lines().filter(|a| *a != "busybox") {
        let _ = std::os::unix::fs::symlink("busybox", bin.join(applet));
    }
    let tar = root.with_extension("tar");
    let o = run(Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tar)
        .arg("."));
    assert!(o.status.success(), "tar: {}", text(&o.stderr));
    let o = run(Command::new("docker")
        .args(["import", "-c", "ENV PATH=/bin"])
        .arg(&tar)
        .arg(IMAGE));
    assert!(o.status.success(), "docker import: {}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_file(&tar);
}

// ---------------------------------------------------------------------------------------
// Cleanup

/// Removes every container, network and volume of the given projects, and the folder, when
/// dropped (also when the test panics).
struct Cleanup {
    projects: Vec<String>,
    dir: PathBuf,
}

impl Cleanup {
    fn remove_project(project: &str) {
        let filter = format!("label={}={project}", labels::PROJECT);
        let list = |args: &[&str]| -> Vec<String> {
            let o = Command::new("docker").args(args).output();
            o.map(|o| {
                text(&o.stdout)
                    .split_whitespace()
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
        };
        let containers = list(&["ps", "-aq", "--filter", &filter]);
        if !containers.is_empty() {
            let _ = Command::new("docker")
                .args(["rm", "-f", "-v"])
                .args(&containers)
                .output();
        }
        let networks = list(&["network", "ls", "-q", "--filter", &filter]);
        if !networks.is_empty() {
            let _ = Command::new("docker")
                .args(["network", "rm"])
                .args(&networks)
                .output();
        }
        let volumes = list(&["volume", "ls", "-q", "--filter", &filter]);
        if !volumes.is_empty() {
            let _ = Command::new("docker")
                .args(["volume", "rm", "-f"])
                .args(&volumes)
                .output();
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.projects {
            Cleanup::remove_project(p);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------------
// Inspection and normalization

fn inspect(kind: &str, names: &[String]) -> Vec<Value> {
    let o = run(Command::new("docker").arg(kind).arg("inspect").args(names));
    assert!(
        o.status.success(),
        "docker {kind} inspect: {}",
        text(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("inspect prints JSON")
}

fn project_resources(project: &str, kind: &str) -> Vec<String> {
    let filter = format!("label={}={project}", labels::PROJECT);
    let args: Vec<&str> = match kind {
        "container" => vec!["ps", "-aq", "--no-trunc", "--filter", &filter],
        "network" => vec!["network", "ls", "-q", "--no-trunc", "--filter", &filter],
        _ => vec!["volume", "ls", "-q", "--filter", &filter],
    };
    let o = run(Command::new("docker").args(&args));
    let mut ids: Vec<String> = text(&o.stdout)
        .split_whitespace()
        .map(String::from)
        .collect();
    ids.sort();
    ids
}

/// A project's containers (by service), networks and volumes (by project key), inspected
/// and rewritten so that two projects can be compared: the project name becomes `<P>`,
/// container IDs `<id:service>`, other 64-hex IDs `<hex>`; lists whose order Compose leaves
/// to Go's map iteration are sorted.
struct Snapshot {
    containers: BTreeMap<String, Value>,
    networks: BTreeMap<String, Value>,
    volumes: BTreeMap<String, Value>,
}

fn snapshot(project: &str) -> Snapshot {
    let containers = inspect("container", &project_resources(project, "container"));
    let mut ids: Vec<(String, String)> = containers
        .iter()
        .map(|c| {
            (
                c["Id"].as_str().unwrap().to_string(),
                c["Config"]["Labels"][labels::SERVICE]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    ids.sort();
    let rewrite = |v: &Value| -> Value {
        let mut s = v.to_string().replace(project, "<P>");
        for (id, service) in &ids {
            s = s.replace(id, &format!("<id:{service}>"));
            s = s.replace(&id[..12], &format!("<id:{service}>"));
        }
        serde_json::from_str(&hex64_to_placeholder(&s)).unwrap()
    };
    let key_of = |v: &Value, label: &str| v["Labels"][label].as_str().unwrap().to_string();
    Snapshot {
        containers: containers
            .iter()
            .map(|c| {
                let service = c["Config"]["Labels"][labels::SERVICE].as_str().unwrap();
                (service.to_string(), sort_map_ordered_lists(rewrite(c)))
            })
            .collect(),
        networks: inspect("network", &project_resources(project, "network"))
            .iter()
            .map(|n| (key_of(n, labels::NETWORK), rewrite(n)))
            .collect(),
        volumes: inspect("volume", &project_resources(project, "volume"))
            .iter()
            .map(|v| (key_of(v, labels::VOLUME), rewrite(v)))
            .collect(),
    }
}

/// Replaces 64-hex-digit runs (anonymous volume names, IDs) by `<hex>`, except image IDs.
fn hex64_to_placeholder(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            .count();
        let after_sha = i >= 7 && &s[i - 7..i] == "sha256:";
        if run == 64 && !after_sha {
            out.push_str("<hex>");
            i += 64;
        } else if run > 0 {
            out.push_str(&s[i..i + run]);
            i += run;
        } else {
            let c = s[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Sorts the lists Compose fills from Go maps (random order between runs).
fn sort_map_ordered_lists(mut c: Value) -> Value {
    for path in [
        &["Config", "Env"][..],
        &["HostConfig", "Binds"],
        &["HostConfig", "Mounts"],
        &["HostConfig", "ExtraHosts"],
        &["HostConfig", "Ulimits"],
        &["Mounts"],
    ] {
        let mut node = &mut c;
        for key in path {
            node = &mut node[*key];
        }
        if let Value::Array(items) = node {
            items.sort_by_key(|v| v.to_string());
        }
    }
    c
}

/// The parts of a container inspect both tools decide (state, timestamps and paths left out).
fn decided(c: &Value) -> Value {
    let mut networks = c["NetworkSettings"]["Networks"].clone();
    if let Value::Object(map) = &mut networks {
        for ep in map.values_mut() {
            // Filled by the engine (empty before start on 20.10, but not ours to decide).
            for k in ["NetworkID", "EndpointID", "Gateway", "IPPrefixLen"] {
                ep.as_object_mut().map(|o| o.remove(k));
            }
        }
    }
    serde_json::json!({
        "Name": c["Name"],
        "Image": c["Image"],
        "Config": c["Config"],
        "HostConfig": c["HostConfig"],
        "Mounts": c["Mounts"],
        "Networks": networks,
    })
}

fn network_decided(n: &Value) -> Value {
    let mut ipam = n["IPAM"].clone();
    if n["Labels"][labels::NETWORK] != "back" {
        // The engine picks a free subnet for networks without one.
        ipam.as_object_mut().map(|o| o.remove("Config"));
    }
    let mut labels = n["Labels"].clone();
    // The hash covers the engine name, which differs between the two projects; adoption
    // (below) checks it.
    labels
        .as_object_mut()
        .map(|o| o.remove(labels::CONFIG_HASH));
    serde_json::json!({
        "Name": n["Name"], "Driver": n["Driver"], "EnableIPv6": n["EnableIPv6"],
        "IPAM": ipam, "Internal": n["Internal"], "Attachable": n["Attachable"],
        "Options": n["Options"], "Labels": labels,
    })
}

fn volume_decided(v: &Value) -> Value {
    let mut labels = v["Labels"].clone();
    labels
        .as_object_mut()
        .map(|o| o.remove(labels::CONFIG_HASH));
    serde_json::json!({
        "Name": v["Name"], "Driver": v["Driver"], "Options": v["Options"], "Labels": labels,
    })
}

/// Describes where two JSON values first differ.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(&format!("{path}[{i}]"), p, q)),
        _ if a == b => None,
        _ => Some(format!("{path}:\n  compose: {a}\n  hoist:   {b}")),
    }
}

// ---------------------------------------------------------------------------------------
// The two tools

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    format!("{prefix}{}x{nanos}", std::process::id())
}

/// A /24 unlikely to collide with a parallel run.
fn net_prefix() -> String {
    let n = std::process::id()
        ^ SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_micros();
    format!("172.{}.{}", 20 + n % 10, (n / 10) % 250)
}

fn write_project(dir: &Path) {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("compose.yaml"), COMPOSE_FILE).unwrap();
    std::fs::write(dir.join("secret.txt"), "s3cret\n").unwrap();
    std::fs::write(dir.join("config.txt"), "cfg\n").unwrap();
}

fn compose(dir: &Path, project: &str, prefix: &str, args: &[&str]) -> Output {
    run(Command::new("docker")
        .arg("compose")
        .args(["-p", project, "-f"])
        .arg(dir.join("compose.yaml"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::var_os("HOME").unwrap_or_default())
        .env("NET_PREFIX", prefix))
}

fn load_project(dir: &Path, project: &str, prefix: &str) -> (Project, Vec<String>) {
    let mut env = Environment::from_process();
    env.set("NET_PREFIX", prefix);
    let opts = LoadOptions {
        files: vec![ConfigSource::Path(dir.join("compose.yaml"))],
        working_dir: dir.to_path_buf(),
        environment: env,
        project_name: Some(project.to_string()),
        ..LoadOptions::default()
    };
    let loaded = load::load(&opts, &mut Vec::new()).expect("hoist loads the test project");
    let mut json = loaded.document.to_json();
    json["name"] = Value::String(loaded.name.clone());
    let project = Project::from_json(json).expect("the model decodes");
    (project, loaded.config_files)
}

/// Creates the project's networks, volumes and containers the way hoist's engine layer will.
async fn hoist_create(
    docker: &Docker,
    ctx: &ProjectContext<'_>,
    image_id: &str,
) -> BTreeMap<String, String> {
    let project = ctx.project;
    // Networks and volumes exactly as `hoist up` creates them.
    let mut warnings = Vec::new();
    for (key, n) in &project.networks {
        resources::ensure_network(docker, &project.name, key, n, &mut warnings, || {})
            .await
            .expect("create network");
    }
    for (key, v) in &project.volumes {
        resources::ensure_volume(docker, &project.name, key, v, &mut warnings)
            .await
            .expect("create volume");
    }
    // Compose's engine creates a missing bind source only through the Binds API.
    let mut peers = Peers::default();
    let mut ids = BTreeMap::new();
    for name in SERVICES {
        let service = &project.services[name];
        let opts = CreateOptions {
            peers: Some(&peers),
            ..CreateOptions::up(1)
        };
        let body = spec::create_body_with(ctx, service, image_id, &opts).expect("body");
        let container = spec::container_name(&project.name, service, 1);
        let created = docker
            .create_container(
                Some(CreateContainerOptions {
                    name: Some(container.clone()),
                    platform: spec::platform(ctx, service).unwrap().unwrap_or_default(),
                }),
                body,
            )
            .await
            .unwrap_or_else(|e| panic!("create {container}: {e}"));
        for (network, ep) in spec::endpoints_to_connect(ctx, service, &opts).unwrap() {
            docker
                .connect_network(
                    &network,
                    NetworkConnectRequest {
                        container: created.id.clone(),
                        endpoint_config: Some(ep),
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("connect {container} to {network}: {e}"));
        }
        peers.services.insert(
            name.to_string(),
            vec![PeerContainer {
                id: created.id.clone(),
                name: container,
            }],
        );
        ids.insert(name.to_string(), created.id);
    }
    ids
}

/// Uploads the service's inline secrets/configs as Compose does before start, then reads
/// each file back from the container.
async fn injected_files(
    docker: &Docker,
    ctx: &ProjectContext<'_>,
    service: &str,
    id: &str,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in spec::file_injections(ctx, &ctx.project.services[service]).unwrap() {
        let tar = f.tar(0).unwrap();
        docker
            .upload_to_container(
                id,
                Some(UploadToContainerOptions {
                    path: "/".into(),
                    copy_uidgid: Some(f.copy_uid_gid.to_string()),
                    ..UploadToContainerOptions::default()
                }),
                bollard::body_full(tar.into()),
            )
            .await
            .expect("upload");
        let path = if f.target.starts_with('/') {
            f.target.clone()
        } else {
            format!("/{}", f.target)
        };
        let mut stream = docker.download_from_container(
            id,
            Some(DownloadFromContainerOptions { path: path.clone() }),
        );
        let mut archive = Vec::new();
        while let Some(chunk) = stream.next().await {
            archive.extend_from_slice(&chunk.expect("download"));
        }
        let size = usize::from_str_radix(
            std::str::from_utf8(&archive[124..135])
                .unwrap()
                .trim_matches(char::from(0))
                .trim(),
            8,
        )
        .unwrap();
        out.push((path, text(&archive[512..512 + size])));
    }
    out
}

// ---------------------------------------------------------------------------------------
// The test

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hoist_creates_what_compose_creates_and_compose_adopts_it() {
    if let Some(why) = missing_prerequisite() {
        return skip(&why);
    }
    let image_id = ensure_image();
    let theirs = unique("hoistspeccompose");
    let ours = unique("hoistspechoist");
    let dir = std::env::temp_dir().join(unique("hoistspecdir"));
    let _cleanup = Cleanup {
        projects: vec![theirs.clone(), ours.clone()],
        dir: dir.clone(),
    };
    write_project(&dir);
    let prefix = net_prefix();

    // 1. Docker Compose creates its project; we keep its inspects and remove it (the two
    //    projects cannot hold the same subnet at once).
    let o = compose(&dir, &theirs, &prefix, &["create"]);
    assert!(o.status.success(), "compose create: {}", text(&o.stderr));
    let reference = snapshot(&theirs);
    Cleanup::remove_project(&theirs);
    let _ = std::fs::remove_dir(dir.join("created"));

    // 2. hoist creates the same project under another name.
    let docker = Docker::connect_with_local_defaults()
        .expect("connect to the engine")
        .negotiate_version()
        .await
        .expect("negotiate the API version");
    let version = docker.version().await.expect("engine version");
    let api = version
        .api_version
        .as_deref()
        .and_then(ApiVersion::parse)
        .expect("engine API version");
    let (project, config_files) = load_project(&dir, &ours, &prefix);
    let working_dir = dir.to_string_lossy().into_owned();
    let proxy = Mapping::new();
    let ctx = ProjectContext {
        project: &project,
        working_dir: &working_dir,
        config_files: &config_files,
        env_files: &[],
        api_version: api,
        proxy_env: &proxy,
    };
    let ids = hoist_create(&docker, &ctx, &image_id).await;
    let mine = snapshot(&ours);

    // 3. The engine holds the same containers, networks and volumes.
    assert_eq!(
        reference.containers.keys().collect::<Vec<_>>(),
        mine.containers.keys().collect::<Vec<_>>()
    );
    for (service, theirs_c) in &reference.containers {
        let (a, b) = (decided(theirs_c), decided(&mine.containers[service]));
        if let Some(diff) = first_difference(service, &a, &b) {
            panic!("container of {service} differs at {diff}");
        }
    }
    for (key, n) in &reference.networks {
        let b = mine.networks.get(key).expect("hoist created the network");
        if let Some(diff) = first_difference(key, &network_decided(n), &network_decided(b)) {
            panic!("network {key} differs at {diff}");
        }
    }
    for (key, v) in &reference.volumes {
        let b = mine.volumes.get(key).expect("hoist created the volume");
        if let Some(diff) = first_difference(key, &volume_decided(v), &volume_decided(b)) {
            panic!("volume {key} differs at {diff}");
        }
    }

    // 4. A few facts straight from the engine, against the compose file.
    let web = &mine.containers["web"];
    assert_eq!(
        web["HostConfig"]["CapAdd"],
        serde_json::json!(["CAP_NET_ADMIN", "CAP_SYS_TIME"])
    );
    assert_eq!(web["HostConfig"]["RestartPolicy"]["MaximumRetryCount"], 3);
    assert_eq!(web["HostConfig"]["Memory"], 268435456);
    assert_eq!(web["HostConfig"]["NanoCpus"], 500000000);
    assert_eq!(
        web["Config"]["Labels"][labels::DEPENDS_ON],
        "db:service_healthy:true"
    );
    let db = &mine.containers["db"];
    assert_eq!(db["Config"]["Healthcheck"]["Retries"], 4);
    assert_eq!(db["HostConfig"]["Tmpfs"]["/run"], "size=1m");
    let raw_db = &inspect("container", &[ids["db"].clone()])[0];
    assert_eq!(
        raw_db["Config"]["Labels"][labels::CONFIG_HASH],
        labels::service_hash(&project.services["db"])
    );
    let side = &mine.containers["side"];
    assert_eq!(side["HostConfig"]["NetworkMode"], "container:<id:db>");
    assert_eq!(
        side["HostConfig"]["VolumesFrom"],
        serde_json::json!(["<id:db>"])
    );
    assert_eq!(side["HostConfig"]["PidsLimit"], 50);

    // 5. Inline configs are copied in before start.
    let files = injected_files(&docker, &ctx, "web", &ids["web"]).await;
    assert_eq!(
        files,
        vec![("/inline".to_string(), "hello inline".to_string())]
    );

    // 6. Compose adopts hoist's project as it is: nothing recreated, no warning.
    let before: Vec<Vec<String>> = ["container", "network", "volume"]
        .iter()
        .map(|k| project_resources(&ours, k))
        .collect();
    let o = compose(&dir, &ours, &prefix, &["create"]);
    let err = text(&o.stderr);
    assert!(
        o.status.success(),
        "compose create on hoist's project: {err}"
    );
    for word in [
        "Recreate",
        "WARN",
        "orphan",
        "not created by",
        "doesn't match",
    ] {
        assert!(!err.contains(word), "compose said {word:?}:\n{err}");
    }
    let after: Vec<Vec<String>> = ["container", "network", "volume"]
        .iter()
        .map(|k| project_resources(&ours, k))
        .collect();
    assert_eq!(
        before, after,
        "compose replaced some of hoist's resources:\n{err}"
    );
    let o = compose(
        &dir,
        &ours,
        &prefix,
        &["ps", "-a", "--format", "{{.Service}}"],
    );
    let mut listed: Vec<String> = text(&o.stdout).lines().map(String::from).collect();
    listed.sort();
    assert_eq!(listed, vec!["db", "side", "web"]);

    // 7. A replacement container keeps the anonymous volume of the one it replaces.
    let old = &inspect("container", &[ids["db"].clone()])[0];
    let anon = |c: &Value| -> String {
        c["Mounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["Destination"] == "/anon")
            .map(|m| m["Name"].as_str().unwrap().to_string())
            .unwrap()
    };
    let inherit = spec::Inherit {
        mounts: old["Mounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| spec::InheritedMount {
                typ: m["Type"].as_str().unwrap_or("").into(),
                name: m["Name"].as_str().unwrap_or("").into(),
                source: m["Source"].as_str().unwrap_or("").into(),
                destination: m["Destination"].as_str().unwrap_or("").into(),
                rw: m["RW"].as_bool().unwrap_or(true),
            })
            .collect(),
        image_volumes: Vec::new(),
    };
    let mut extra = Mapping::new();
    extra.insert(labels::REPLACE.into(), "db-1".into());
    let opts = CreateOptions {
        inherit: Some(&inherit),
        extra_labels: extra,
        ..CreateOptions::up(1)
    };
    let service = &project.services["db"];
    let body = spec::create_body_with(&ctx, service, &image_id, &opts).unwrap();
    let tmp_name = format!(
        "{}_{}",
        &ids["db"][..12],
        spec::container_name(&ours, service, 1)
    );
    let created = docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(tmp_name),
                platform: String::new(),
            }),
            body,
        )
        .await
        .expect("create the replacement");
    let new = &inspect("container", &[created.id])[0];
    assert_eq!(anon(new), anon(old));
    assert_eq!(new["Config"]["Labels"][labels::REPLACE], "db-1");
}
