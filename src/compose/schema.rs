//! Validation of a Compose document against the Compose specification schema.
//!
//! Docker Compose (compose-go v2.9.1) validates every loaded file, after interpolation,
//! `extends`, `include` and merging but before short syntaxes are expanded, against
//! `compose-spec.json` with a JSON-schema (draft-07) validator, and reports a single error:
//! the deepest one, where "additional properties" errors count one level deeper than where
//! they sit. This module describes the same schema as static Rust data and walks the document
//! once, producing the same messages (`services.web additional properties 'foo' not allowed`,
//! `services.web.ports.0 must be a number`, ...).
//!
//! Among errors of equal depth, Compose's choice depends on Go's random map order; here the
//! first one in document order wins, so results are deterministic.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::error::{ErrorKind, LoadError, Result};
use super::node::{Mapping, Node, Value};

/// Validates the whole document against the Compose schema.
///
/// The error is worded as Compose's schema errors (without the `validating <file>: ` prefix
/// the caller adds), positioned at the offending node, and names the service when the
/// offending node is inside one.
pub fn validate(doc: &Node) -> Result<()> {
    let mut walker = Walker {
        path: Vec::with_capacity(16),
    };
    match walker.check(doc, &COMPOSE, true) {
        None => Ok(()),
        Some(failure) => Err(failure
            .error
            .map(|e| *e)
            .unwrap_or_else(|| LoadError::new(ErrorKind::Schema, "validation failed"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Schema description

/// A set of JSON types, as a bit set.
type Types = u8;
const ANY: Types = 0;
const NULL: Types = 1;
const BOOLEAN: Types = 1 << 1;
const NUMBER: Types = 1 << 2;
const INTEGER: Types = 1 << 3;
const STRING: Types = 1 << 4;
const ARRAY: Types = 1 << 5;
const OBJECT: Types = 1 << 6;

/// One schema: the JSON types it accepts (`ANY` when it has no `type`) and one further rule.
#[derive(Clone, Copy, Debug)]
struct Schema {
    types: Types,
    rule: Rule,
}

/// The keywords the Compose schema uses besides `type`. Each applies only to values of the
/// kind it is about (as in JSON schema): `Array` to sequences, `Object` to mappings, ...
#[derive(Clone, Copy, Debug)]
enum Rule {
    None,
    /// `enum` of strings.
    Enum(&'static [&'static str]),
    /// `pattern` (unanchored, as Go's `regexp.MatchString`).
    Pattern(StrPattern),
    /// `minimum` / `maximum`.
    Range(Option<i64>, Option<i64>),
    /// `items`, with `uniqueItems`.
    Array(&'static Schema, bool),
    Object(&'static Object),
    OneOf(&'static [Schema]),
}

/// The two string patterns of the schema.
#[derive(Clone, Copy, Debug)]
enum StrPattern {
    /// `[a-zA-Z0-9][a-zA-Z0-9_.-]+`
    ContainerName,
    /// `always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+`
    PullPolicy,
}

/// `properties`, `patternProperties`, `required` and `additionalProperties` (`closed` when
/// it is `false`).
#[derive(Debug)]
struct Object {
    properties: &'static [(&'static str, Schema)],
    patterns: &'static [(KeyPattern, Schema)],
    required: &'static [&'static str],
    closed: bool,
}

/// The `patternProperties` regular expressions of the schema (Go `regexp` semantics: `.`
/// does not match a newline, `$` only matches at the end of the text).
#[derive(Clone, Copy, Debug)]
enum KeyPattern {
    /// `^x-`
    Extension,
    /// `^[a-zA-Z0-9._-]+$`
    Name,
    /// `^.+$`
    Line,
    /// `.+`
    NonEmpty,
    /// `^[a-z]+$`
    Lower,
}

impl KeyPattern {
    fn matches(self, key: &str) -> bool {
        match self {
            KeyPattern::Extension => key.starts_with("x-"),
            KeyPattern::Name => {
                !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            }
            KeyPattern::Line => !key.is_empty() && !key.contains('\n'),
            KeyPattern::NonEmpty => key.chars().any(|c| c != '\n'),
            KeyPattern::Lower => !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase()),
        }
    }
}

impl StrPattern {
    fn source(self) -> &'static str {
        match self {
            StrPattern::ContainerName => "[a-zA-Z0-9][a-zA-Z0-9_.-]+",
            StrPattern::PullPolicy => {
                "always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+"
            }
        }
    }

    fn matches(self, s: &str) -> bool {
        match self {
            StrPattern::ContainerName => s.as_bytes().windows(2).any(|w| {
                w[0].is_ascii_alphanumeric()
                    && (w[1].is_ascii_alphanumeric() || matches!(w[1], b'_' | b'.' | b'-'))
            }),
            StrPattern::PullPolicy => {
                const WORDS: [&str; 8] = [
                    "always",
                    "never",
                    "build",
                    "if_not_present",
                    "missing",
                    "refresh",
                    "daily",
                    "weekly",
                ];
                WORDS.iter().any(|w| s.contains(w))
                    || s.match_indices("every_").any(|(i, _)| {
                        let rest = &s.as_bytes()[i + "every_".len()..];
                        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                        digits > 0 && rest.get(digits).is_some_and(|b| b"wdhms".contains(b))
                    })
            }
        }
    }
}

const fn of(types: Types) -> Schema {
    Schema {
        types,
        rule: Rule::None,
    }
}

const fn array(items: &'static Schema) -> Schema {
    Schema {
        types: ARRAY,
        rule: Rule::Array(items, false),
    }
}

const fn unique_array(items: &'static Schema) -> Schema {
    Schema {
        types: ARRAY,
        rule: Rule::Array(items, true),
    }
}

const fn object(object: &'static Object) -> Schema {
    Schema {
        types: OBJECT,
        rule: Rule::Object(object),
    }
}

/// An object schema that also accepts `null` (`"type": ["object", "null"]`).
const fn object_or_null(object: &'static Object) -> Schema {
    Schema {
        types: OBJECT | NULL,
        rule: Rule::Object(object),
    }
}

const fn one_of(alternatives: &'static [Schema]) -> Schema {
    Schema {
        types: ANY,
        rule: Rule::OneOf(alternatives),
    }
}

const fn string_enum(values: &'static [&'static str]) -> Schema {
    Schema {
        types: STRING,
        rule: Rule::Enum(values),
    }
}

const fn int_range(min: i64, max: Option<i64>) -> Schema {
    Schema {
        types: INTEGER,
        rule: Rule::Range(Some(min), max),
    }
}

/// A closed object with `^x-` extensions allowed (the most common shape of the schema).
const fn fields(properties: &'static [(&'static str, Schema)]) -> Object {
    Object {
        properties,
        patterns: EXTENSIONS,
        required: &[],
        closed: true,
    }
}

/// A closed object without extensions.
const fn strict_fields(properties: &'static [(&'static str, Schema)]) -> Object {
    Object {
        properties,
        patterns: &[],
        required: &[],
        closed: true,
    }
}

/// An object whose keys are names (`^[a-zA-Z0-9._-]+$`) mapping to `$values`; `$closed`
/// rejects other keys.
macro_rules! named {
    ($values:expr, $closed:expr) => {
        object(&Object {
            properties: &[],
            patterns: &[(KeyPattern::Name, $values)],
            required: &[],
            closed: $closed,
        })
    };
}

const ANY_VALUE: Schema = of(ANY);
const EXTENSIONS: &[(KeyPattern, Schema)] = &[(KeyPattern::Extension, ANY_VALUE)];

const STR: Schema = of(STRING);
const BOOL: Schema = of(BOOLEAN);
const INT: Schema = of(INTEGER);
const NUM: Schema = of(NUMBER);
const NULL_VALUE: Schema = of(NULL);
const BOOL_OR_STR: Schema = of(BOOLEAN | STRING);
const INT_OR_STR: Schema = of(INTEGER | STRING);
const NUM_OR_STR: Schema = of(NUMBER | STRING);
const STRINGS: Schema = array(&STR);

// --- definitions, in the order of compose-spec.json ---

const LIST_OF_STRINGS: Schema = unique_array(&STR);

const STRING_OR_LIST: Schema = one_of(&[STR, LIST_OF_STRINGS]);

const LIST_OR_DICT: Schema = one_of(&[
    object(&Object {
        properties: &[],
        patterns: &[(KeyPattern::NonEmpty, of(STRING | NUMBER | BOOLEAN | NULL))],
        required: &[],
        closed: true,
    }),
    unique_array(&STR),
]);

const EXTRA_HOSTS: Schema = one_of(&[
    object(&Object {
        properties: &[],
        patterns: &[(KeyPattern::NonEmpty, one_of(&[STR, STRINGS]))],
        required: &[],
        closed: true,
    }),
    unique_array(&STR),
]);

const COMMAND: Schema = one_of(&[NULL_VALUE, STR, STRINGS]);

const SERVICE_HOOK: Schema = object(&Object {
    properties: &[
        ("command", COMMAND),
        ("user", STR),
        ("privileged", BOOL_OR_STR),
        ("working_dir", STR),
        ("environment", LIST_OR_DICT),
    ],
    patterns: EXTENSIONS,
    required: &["command"],
    closed: true,
});

const ENV_FILE: Schema = one_of(&[
    STR,
    array(&one_of(&[
        STR,
        object(&Object {
            properties: &[("path", STR), ("format", STR), ("required", BOOL_OR_STR)],
            patterns: &[],
            required: &["path"],
            closed: true,
        }),
    ])),
]);

const LABEL_FILE: Schema = one_of(&[STR, STRINGS]);

const BLKIO_LIMIT: Schema = object(&strict_fields(&[("path", STR), ("rate", INT_OR_STR)]));

const BLKIO_WEIGHT: Schema = object(&strict_fields(&[("path", STR), ("weight", INT_OR_STR)]));

const SERVICE_CONFIG_OR_SECRET: Schema = array(&one_of(&[
    STR,
    object(&fields(&[
        ("source", STR),
        ("target", STR),
        ("uid", STR),
        ("gid", STR),
        ("mode", NUM_OR_STR),
    ])),
]));

const ULIMITS: Schema = object(&Object {
    properties: &[],
    patterns: &[(
        KeyPattern::Lower,
        one_of(&[
            INT_OR_STR,
            object(&Object {
                properties: &[("hard", INT_OR_STR), ("soft", INT_OR_STR)],
                patterns: EXTENSIONS,
                required: &["soft", "hard"],
                closed: true,
            }),
        ]),
    )],
    required: &[],
    closed: false,
});

/// `driver_opts` of networks, volumes, secrets and service networks.
const DRIVER_OPTS: Schema = object(&Object {
    properties: &[],
    patterns: &[(KeyPattern::Line, NUM_OR_STR)],
    required: &[],
    closed: false,
});

/// `aux_addresses` and `ipam.options`.
const STRING_MAP: Schema = object(&Object {
    properties: &[],
    patterns: &[(KeyPattern::Line, STR)],
    required: &[],
    closed: true,
});

const HEALTHCHECK: Schema = object(&fields(&[
    ("disable", BOOL_OR_STR),
    ("interval", STR),
    ("retries", NUM_OR_STR),
    ("test", one_of(&[STR, STRINGS])),
    ("timeout", STR),
    ("start_period", STR),
    ("start_interval", STR),
]));

const DEVELOPMENT: Schema = object_or_null(&fields(&[(
    "watch",
    array(&object(&Object {
        properties: &[
            ("ignore", STRING_OR_LIST),
            ("include", STRING_OR_LIST),
            ("path", STR),
            (
                "action",
                string_enum(&["rebuild", "sync", "restart", "sync+restart", "sync+exec"]),
            ),
            ("target", STR),
            ("exec", SERVICE_HOOK),
            ("initial_sync", BOOL),
        ],
        patterns: EXTENSIONS,
        required: &["path", "action"],
        closed: true,
    })),
)]));

const UPDATE_CONFIG: Schema = object(&fields(&[
    ("parallelism", INT_OR_STR),
    ("delay", STR),
    ("failure_action", STR),
    ("monitor", STR),
    ("max_failure_ratio", NUM_OR_STR),
    ("order", string_enum(&["start-first", "stop-first"])),
]));

const GENERIC_RESOURCES: Schema = array(&object(&fields(&[(
    "discrete_resource_spec",
    object(&fields(&[("kind", STR), ("value", NUM_OR_STR)])),
)])));

const DEVICES: Schema = array(&object(&Object {
    properties: &[
        ("capabilities", LIST_OF_STRINGS),
        ("count", of(STRING | INTEGER)),
        ("device_ids", LIST_OF_STRINGS),
        ("driver", STR),
        ("options", LIST_OR_DICT),
    ],
    patterns: EXTENSIONS,
    required: &["capabilities"],
    closed: true,
}));

const DEPLOYMENT: Schema = object_or_null(&fields(&[
    ("mode", STR),
    ("endpoint_mode", STR),
    ("replicas", INT_OR_STR),
    ("labels", LIST_OR_DICT),
    ("rollback_config", UPDATE_CONFIG),
    ("update_config", UPDATE_CONFIG),
    (
        "resources",
        object(&fields(&[
            (
                "limits",
                object(&fields(&[
                    ("cpus", NUM_OR_STR),
                    ("memory", STR),
                    ("pids", INT_OR_STR),
                ])),
            ),
            (
                "reservations",
                object(&fields(&[
                    ("cpus", NUM_OR_STR),
                    ("memory", STR),
                    ("generic_resources", GENERIC_RESOURCES),
                    ("devices", DEVICES),
                ])),
            ),
        ])),
    ),
    (
        "restart_policy",
        object(&fields(&[
            ("condition", STR),
            ("delay", STR),
            ("max_attempts", INT_OR_STR),
            ("window", STR),
        ])),
    ),
    (
        "placement",
        object(&fields(&[
            ("constraints", STRINGS),
            ("preferences", array(&object(&fields(&[("spread", STR)])))),
            ("max_replicas_per_node", INT_OR_STR),
        ])),
    ),
]));

// `gpus` items are open objects: the schema puts `additionalProperties` on the array.
const GPUS: Schema = one_of(&[
    string_enum(&["all"]),
    array(&object(&Object {
        properties: &[
            ("capabilities", LIST_OF_STRINGS),
            ("count", of(STRING | INTEGER)),
            ("device_ids", LIST_OF_STRINGS),
            ("driver", STR),
            ("options", LIST_OR_DICT),
        ],
        patterns: &[],
        required: &[],
        closed: false,
    })),
]);

const INCLUDE: Schema = one_of(&[
    STR,
    object(&strict_fields(&[
        ("path", STRING_OR_LIST),
        ("env_file", STRING_OR_LIST),
        ("project_directory", STR),
    ])),
]);

/// `external` of networks and volumes: a closed object when it is a mapping.
const EXTERNAL_CLOSED: Schema = Schema {
    types: BOOLEAN | STRING | OBJECT,
    rule: Rule::Object(&fields(&[("name", STR)])),
};

/// `external` of secrets and configs: an open object when it is a mapping.
const EXTERNAL_OPEN: Schema = Schema {
    types: BOOLEAN | STRING | OBJECT,
    rule: Rule::Object(&Object {
        properties: &[("name", STR)],
        patterns: &[],
        required: &[],
        closed: false,
    }),
};

const NETWORK: Schema = object_or_null(&fields(&[
    ("name", STR),
    ("driver", STR),
    ("driver_opts", DRIVER_OPTS),
    (
        "ipam",
        object(&fields(&[
            ("driver", STR),
            (
                "config",
                array(&object(&fields(&[
                    ("subnet", STR),
                    ("ip_range", STR),
                    ("gateway", STR),
                    ("aux_addresses", STRING_MAP),
                ]))),
            ),
            ("options", STRING_MAP),
        ])),
    ),
    ("external", EXTERNAL_CLOSED),
    ("internal", BOOL_OR_STR),
    ("enable_ipv4", BOOL_OR_STR),
    ("enable_ipv6", BOOL_OR_STR),
    ("attachable", BOOL_OR_STR),
    ("labels", LIST_OR_DICT),
]));

const VOLUME: Schema = object_or_null(&fields(&[
    ("name", STR),
    ("driver", STR),
    ("driver_opts", DRIVER_OPTS),
    ("external", EXTERNAL_CLOSED),
    ("labels", LIST_OR_DICT),
]));

const SECRET: Schema = object(&fields(&[
    ("name", STR),
    ("environment", STR),
    ("file", STR),
    ("external", EXTERNAL_OPEN),
    ("labels", LIST_OR_DICT),
    ("driver", STR),
    ("driver_opts", DRIVER_OPTS),
    ("template_driver", STR),
]));

const CONFIG: Schema = object(&fields(&[
    ("name", STR),
    ("content", STR),
    ("environment", STR),
    ("file", STR),
    ("external", EXTERNAL_OPEN),
    ("labels", LIST_OR_DICT),
    ("template_driver", STR),
]));

const MODEL: Schema = object(&Object {
    properties: &[
        ("name", STR),
        ("model", STR),
        ("context_size", INT),
        ("runtime_flags", STRINGS),
    ],
    patterns: EXTENSIONS,
    required: &["model"],
    closed: true,
});

// --- service attributes with an inline schema ---

const BUILD: Schema = one_of(&[
    STR,
    object(&fields(&[
        ("context", STR),
        ("dockerfile", STR),
        ("dockerfile_inline", STR),
        ("entitlements", STRINGS),
        ("args", LIST_OR_DICT),
        ("ssh", LIST_OR_DICT),
        ("labels", LIST_OR_DICT),
        ("cache_from", STRINGS),
        ("cache_to", STRINGS),
        ("no_cache", BOOL_OR_STR),
        ("additional_contexts", LIST_OR_DICT),
        ("network", STR),
        ("provenance", BOOL_OR_STR),
        ("sbom", BOOL_OR_STR),
        ("pull", BOOL_OR_STR),
        ("target", STR),
        ("shm_size", INT_OR_STR),
        ("extra_hosts", EXTRA_HOSTS),
        ("isolation", STR),
        ("privileged", BOOL_OR_STR),
        ("secrets", SERVICE_CONFIG_OR_SECRET),
        ("tags", STRINGS),
        ("ulimits", ULIMITS),
        ("platforms", STRINGS),
    ])),
]);

const BLKIO_CONFIG: Schema = object(&strict_fields(&[
    ("device_read_bps", array(&BLKIO_LIMIT)),
    ("device_read_iops", array(&BLKIO_LIMIT)),
    ("device_write_bps", array(&BLKIO_LIMIT)),
    ("device_write_iops", array(&BLKIO_LIMIT)),
    ("weight", INT_OR_STR),
    ("weight_device", array(&BLKIO_WEIGHT)),
]));

const DEPENDS_ON: Schema = one_of(&[
    LIST_OF_STRINGS,
    object(&Object {
        properties: &[],
        patterns: &[(
            KeyPattern::Name,
            object(&Object {
                properties: &[
                    ("restart", BOOL_OR_STR),
                    ("required", BOOL),
                    (
                        "condition",
                        string_enum(&[
                            "service_started",
                            "service_healthy",
                            "service_completed_successfully",
                        ]),
                    ),
                ],
                patterns: EXTENSIONS,
                required: &["condition"],
                closed: true,
            }),
        )],
        required: &[],
        closed: true,
    }),
]);

const SERVICE_DEVICES: Schema = array(&one_of(&[
    STR,
    object(&Object {
        properties: &[("source", STR), ("target", STR), ("permissions", STR)],
        patterns: EXTENSIONS,
        required: &["source"],
        closed: true,
    }),
]));

const EXTENDS: Schema = one_of(&[
    STR,
    object(&Object {
        properties: &[("service", STR), ("file", STR)],
        patterns: &[],
        required: &["service"],
        closed: true,
    }),
]);

const SCALAR: Schema = of(STRING | NUMBER | BOOLEAN);

const PROVIDER: Schema = object(&Object {
    properties: &[
        ("type", STR),
        (
            "options",
            object(&Object {
                properties: &[],
                patterns: &[(KeyPattern::Line, one_of(&[SCALAR, array(&SCALAR)]))],
                required: &[],
                closed: false,
            }),
        ),
    ],
    patterns: EXTENSIONS,
    required: &["type"],
    closed: true,
});

const LOGGING: Schema = object(&fields(&[
    ("driver", STR),
    (
        "options",
        object(&Object {
            properties: &[],
            patterns: &[(KeyPattern::Line, of(STRING | NUMBER | NULL))],
            required: &[],
            closed: false,
        }),
    ),
]));

const SERVICE_MODELS: Schema = one_of(&[
    LIST_OF_STRINGS,
    object(&Object {
        properties: &[],
        patterns: &[(
            KeyPattern::Name,
            one_of(&[
                object(&fields(&[("endpoint_var", STR), ("model_var", STR)])),
                NULL_VALUE,
            ]),
        )],
        required: &[],
        closed: false,
    }),
]);

const SERVICE_NETWORKS: Schema = one_of(&[
    LIST_OF_STRINGS,
    object(&Object {
        properties: &[],
        patterns: &[(
            KeyPattern::Name,
            one_of(&[
                object(&fields(&[
                    ("aliases", LIST_OF_STRINGS),
                    ("interface_name", STR),
                    ("ipv4_address", STR),
                    ("ipv6_address", STR),
                    ("link_local_ips", LIST_OF_STRINGS),
                    ("mac_address", STR),
                    ("driver_opts", DRIVER_OPTS),
                    ("priority", NUM),
                    ("gw_priority", NUM),
                ])),
                NULL_VALUE,
            ]),
        )],
        required: &[],
        closed: true,
    }),
]);

const PORTS: Schema = unique_array(&one_of(&[
    NUM,
    STR,
    object(&fields(&[
        ("name", STR),
        ("mode", STR),
        ("host_ip", STR),
        ("target", INT_OR_STR),
        ("published", INT_OR_STR),
        ("protocol", STR),
        ("app_protocol", STR),
    ])),
]));

const SERVICE_VOLUMES: Schema = unique_array(&one_of(&[
    STR,
    object(&Object {
        properties: &[
            (
                "type",
                string_enum(&["bind", "volume", "tmpfs", "cluster", "npipe", "image"]),
            ),
            ("source", STR),
            ("target", STR),
            ("read_only", BOOL_OR_STR),
            ("consistency", STR),
            (
                "bind",
                object(&fields(&[
                    ("propagation", STR),
                    ("create_host_path", BOOL_OR_STR),
                    (
                        "recursive",
                        string_enum(&["enabled", "disabled", "writable", "readonly"]),
                    ),
                    ("selinux", string_enum(&["z", "Z"])),
                ])),
            ),
            (
                "volume",
                object(&fields(&[
                    ("labels", LIST_OR_DICT),
                    ("nocopy", BOOL_OR_STR),
                    ("subpath", STR),
                ])),
            ),
            (
                "tmpfs",
                object(&fields(&[
                    ("size", one_of(&[int_range(0, None), STR])),
                    ("mode", NUM_OR_STR),
                ])),
            ),
            ("image", object(&fields(&[("subpath", STR)]))),
        ],
        patterns: EXTENSIONS,
        required: &["type"],
        closed: true,
    }),
]));

const SERVICE: Schema = object(&fields(&[
    ("develop", DEVELOPMENT),
    ("deploy", DEPLOYMENT),
    ("annotations", LIST_OR_DICT),
    ("attach", BOOL_OR_STR),
    ("build", BUILD),
    ("blkio_config", BLKIO_CONFIG),
    ("cap_add", LIST_OF_STRINGS),
    ("cap_drop", LIST_OF_STRINGS),
    ("cgroup", string_enum(&["host", "private"])),
    ("cgroup_parent", STR),
    ("command", COMMAND),
    ("configs", SERVICE_CONFIG_OR_SECRET),
    (
        "container_name",
        Schema {
            types: STRING,
            rule: Rule::Pattern(StrPattern::ContainerName),
        },
    ),
    ("cpu_count", one_of(&[STR, int_range(0, None)])),
    ("cpu_percent", one_of(&[STR, int_range(0, Some(100))])),
    ("cpu_shares", NUM_OR_STR),
    ("cpu_quota", NUM_OR_STR),
    ("cpu_period", NUM_OR_STR),
    ("cpu_rt_period", NUM_OR_STR),
    ("cpu_rt_runtime", NUM_OR_STR),
    ("cpus", NUM_OR_STR),
    ("cpuset", STR),
    (
        "credential_spec",
        object(&fields(&[
            ("config", STR),
            ("file", STR),
            ("registry", STR),
        ])),
    ),
    ("depends_on", DEPENDS_ON),
    ("device_cgroup_rules", LIST_OF_STRINGS),
    ("devices", SERVICE_DEVICES),
    ("dns", STRING_OR_LIST),
    ("dns_opt", LIST_OF_STRINGS),
    ("dns_search", STRING_OR_LIST),
    ("domainname", STR),
    ("entrypoint", COMMAND),
    ("env_file", ENV_FILE),
    ("label_file", LABEL_FILE),
    ("environment", LIST_OR_DICT),
    ("expose", unique_array(&of(STRING | NUMBER))),
    ("extends", EXTENDS),
    ("provider", PROVIDER),
    ("external_links", LIST_OF_STRINGS),
    ("extra_hosts", EXTRA_HOSTS),
    ("gpus", GPUS),
    ("group_add", unique_array(&of(STRING | NUMBER))),
    ("healthcheck", HEALTHCHECK),
    ("hostname", STR),
    ("image", STR),
    ("init", BOOL_OR_STR),
    ("ipc", STR),
    ("isolation", STR),
    ("labels", LIST_OR_DICT),
    ("links", LIST_OF_STRINGS),
    ("logging", LOGGING),
    ("mac_address", STR),
    ("mem_limit", NUM_OR_STR),
    ("mem_reservation", INT_OR_STR),
    ("mem_swappiness", INT_OR_STR),
    ("memswap_limit", NUM_OR_STR),
    ("network_mode", STR),
    ("models", SERVICE_MODELS),
    ("networks", SERVICE_NETWORKS),
    ("oom_kill_disable", BOOL_OR_STR),
    (
        "oom_score_adj",
        one_of(&[STR, int_range(-1000, Some(1000))]),
    ),
    ("pid", of(STRING | NULL)),
    ("pids_limit", NUM_OR_STR),
    ("platform", STR),
    ("ports", PORTS),
    ("post_start", array(&SERVICE_HOOK)),
    ("pre_stop", array(&SERVICE_HOOK)),
    ("privileged", BOOL_OR_STR),
    ("profiles", LIST_OF_STRINGS),
    (
        "pull_policy",
        Schema {
            types: STRING,
            rule: Rule::Pattern(StrPattern::PullPolicy),
        },
    ),
    ("pull_refresh_after", STR),
    ("read_only", BOOL_OR_STR),
    ("restart", STR),
    ("runtime", STR),
    ("scale", INT_OR_STR),
    ("security_opt", LIST_OF_STRINGS),
    ("shm_size", NUM_OR_STR),
    ("secrets", SERVICE_CONFIG_OR_SECRET),
    ("sysctls", LIST_OR_DICT),
    ("stdin_open", BOOL_OR_STR),
    ("stop_grace_period", STR),
    ("stop_signal", STR),
    ("storage_opt", of(OBJECT)),
    ("tmpfs", STRING_OR_LIST),
    ("tty", BOOL_OR_STR),
    ("ulimits", ULIMITS),
    ("use_api_socket", BOOL),
    ("user", STR),
    ("uts", STR),
    ("userns_mode", STR),
    ("volumes", SERVICE_VOLUMES),
    ("volumes_from", LIST_OF_STRINGS),
    ("working_dir", STR),
]));

/// The top-level schema.
static COMPOSE: Schema = object(&Object {
    properties: &[
        ("version", STR),
        ("name", STR),
        ("include", array(&INCLUDE)),
        ("services", named!(SERVICE, true)),
        ("models", named!(MODEL, false)),
        ("networks", named!(NETWORK, false)),
        ("volumes", named!(VOLUME, true)),
        ("secrets", named!(SECRET, true)),
        ("configs", named!(CONFIG, true)),
    ],
    patterns: EXTENSIONS,
    required: &[],
    closed: true,
});

// ---------------------------------------------------------------------------------------------
// Validation

/// One step of the path from the document root to the node being checked.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// A failed check. `specificity` is how deep the error is (the length of its path, one
/// more for "additional properties"), which decides which error Compose reports. `error` is
/// only built when errors are collected; quick "does it match" checks leave it out.
struct Failure {
    specificity: usize,
    error: Option<Box<LoadError>>,
}

/// Keeps the most specific failure; among equals, the first one.
fn keep(best: &mut Option<Failure>, candidate: Option<Failure>) {
    if let Some(candidate) = candidate {
        if best
            .as_ref()
            .is_none_or(|b| candidate.specificity > b.specificity)
        {
            *best = Some(candidate);
        }
    }
}

/// Walks a document against a schema, tracking the path to the current node.
struct Walker<'a> {
    path: Vec<Step<'a>>,
}

impl<'a> Walker<'a> {
    /// Checks `node` against `schema`. With `collect`, returns the most specific error; without,
    /// returns a bare failure as soon as anything does not match (used to try `oneOf`
    /// alternatives without building messages).
    fn check(&mut self, node: &'a Node, schema: &Schema, collect: bool) -> Option<Failure> {
        if schema.types != ANY && !type_matches(schema.types, node) {
            return self.fail(collect, node, 0, || {
                format!("must be a {}", type_names(schema.types))
            });
        }
        match (schema.rule, &node.value) {
            (Rule::None, _) => None,
            (Rule::Enum(values), _) => {
                if node.as_str().is_some_and(|s| values.contains(&s)) {
                    None
                } else {
                    self.fail(collect, node, 0, || enum_message(values))
                }
            }
            (Rule::Pattern(pattern), Value::Str(s)) => {
                if pattern.matches(s) {
                    None
                } else {
                    self.fail(collect, node, 0, || {
                        format!(
                            "{} does not match pattern {}",
                            quote(s),
                            quote(pattern.source())
                        )
                    })
                }
            }
            (Rule::Range(min, max), Value::Int(_) | Value::Float(_)) => {
                self.check_range(node, min, max, collect)
            }
            (Rule::Array(items, unique), Value::Seq(seq)) => {
                self.check_array(seq, items, unique, collect)
            }
            (Rule::Object(object), Value::Map(map)) => {
                self.check_object(node, map, object, collect)
            }
            (Rule::OneOf(alternatives), _) => self.check_one_of(node, alternatives, collect),
            _ => None,
        }
    }

    fn check_range(
        &mut self,
        node: &'a Node,
        min: Option<i64>,
        max: Option<i64>,
        collect: bool,
    ) -> Option<Failure> {
        let below = |bound: i64| match node.value {
            Value::Int(i) => i < bound,
            Value::Float(f) => f < bound as f64,
            _ => false,
        };
        let above = |bound: i64| match node.value {
            Value::Int(i) => i > bound,
            Value::Float(f) => f > bound as f64,
            _ => false,
        };
        if let Some(min) = min.filter(|&m| below(m)) {
            return self.fail(collect, node, 0, || {
                format!("must be greater than or equal to {min}")
            });
        }
        if let Some(max) = max.filter(|&m| above(m)) {
            return self.fail(collect, node, 0, || {
                format!("must be less than or equal to {max}")
            });
        }
        None
    }

    fn check_array(
        &mut self,
        seq: &'a [Node],
        items: &Schema,
        unique: bool,
        collect: bool,
    ) -> Option<Failure> {
        let mut best = None;
        if unique {
            if let Some((first, second)) = duplicates(seq) {
                let failure = self.fail(collect, &seq[second], 0, || {
                    format!("items at {first} and {second} are equal")
                });
                if !collect {
                    return failure;
                }
                keep(&mut best, failure);
            }
        }
        for (index, item) in seq.iter().enumerate() {
            self.path.push(Step::Index(index));
            let failure = self.check(item, items, collect);
            self.path.pop();
            if failure.is_some() && !collect {
                return failure;
            }
            keep(&mut best, failure);
        }
        best
    }

    fn check_object(
        &mut self,
        node: &'a Node,
        map: &'a Mapping,
        object: &Object,
        collect: bool,
    ) -> Option<Failure> {
        let mut best = None;
        if object.required.iter().any(|r| !map.contains_key(*r)) {
            let failure = self.fail(collect, node, 0, || {
                let missing: Vec<&str> = object
                    .required
                    .iter()
                    .copied()
                    .filter(|r| !map.contains_key(*r))
                    .collect();
                if missing.len() == 1 {
                    format!("missing property {}", quote(missing[0]))
                } else {
                    format!("missing properties {}", quote_all(&missing))
                }
            });
            if !collect {
                return failure;
            }
            keep(&mut best, failure);
        }
        let mut first_extra: Option<&'a Node> = None;
        for (key, value) in map {
            let mut evaluated = false;
            self.path.push(Step::Key(key));
            if let Some((_, schema)) = object.properties.iter().find(|(name, _)| name == key) {
                evaluated = true;
                let failure = self.check(value, schema, collect);
                if failure.is_some() && !collect {
                    self.path.pop();
                    return failure;
                }
                keep(&mut best, failure);
            }
            for (pattern, schema) in object.patterns {
                if pattern.matches(key) {
                    evaluated = true;
                    let failure = self.check(value, schema, collect);
                    if failure.is_some() && !collect {
                        self.path.pop();
                        return failure;
                    }
                    keep(&mut best, failure);
                }
            }
            self.path.pop();
            if !evaluated && object.closed {
                if !collect {
                    return Some(Failure {
                        specificity: 0,
                        error: None,
                    });
                }
                first_extra.get_or_insert(value);
            }
        }
        if let Some(extra) = first_extra {
            let failure = self.fail(collect, extra, 1, || {
                let extras: Vec<&str> = map
                    .keys()
                    .map(String::as_str)
                    .filter(|k| {
                        !object.properties.iter().any(|(name, _)| name == k)
                            && !object.patterns.iter().any(|(p, _)| p.matches(k))
                    })
                    .collect();
                format!("additional properties {} not allowed", quote_all(&extras))
            });
            keep(&mut best, failure);
        }
        best
    }

    fn check_one_of(
        &mut self,
        node: &'a Node,
        alternatives: &[Schema],
        collect: bool,
    ) -> Option<Failure> {
        let mut matched = None;
        for (index, alternative) in alternatives.iter().enumerate() {
            if self.check(node, alternative, false).is_none() {
                if let Some(first) = matched {
                    return self.fail(collect, node, 0, || {
                        format!("oneOf failed, subschemas {first}, {index} matched")
                    });
                }
                matched = Some(index);
            }
        }
        if matched.is_some() {
            return None;
        }
        if !collect {
            return Some(Failure {
                specificity: 0,
                error: None,
            });
        }
        let mut best = None;
        for alternative in alternatives {
            let failure = self.check(node, alternative, true);
            keep(&mut best, failure);
        }
        best
    }

    /// A failure at the current path (`extra` is added to its specificity), positioned at
    /// `at`. The message is only built when errors are collected.
    fn fail(
        &self,
        collect: bool,
        at: &Node,
        extra: usize,
        message: impl FnOnce() -> String,
    ) -> Option<Failure> {
        let specificity = self.path.len() + extra;
        if !collect {
            return Some(Failure {
                specificity,
                error: None,
            });
        }
        let mut error = LoadError::new(
            ErrorKind::Schema,
            format!("{} {}", self.render_path(), message()),
        )
        .at(&at.mark);
        if let [Step::Key("services"), Step::Key(service), ..] = self.path.as_slice() {
            error = error.for_service(service);
        }
        Some(Failure {
            specificity,
            error: Some(Box::new(error)),
        })
    }

    /// The path as Compose prints it: keys and indexes joined with dots.
    fn render_path(&self) -> String {
        let mut out = String::new();
        for (i, step) in self.path.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            match step {
                Step::Key(key) => out.push_str(key),
                Step::Index(index) => out.push_str(&index.to_string()),
            }
        }
        out
    }
}

/// Whether `node` is one of `types`. Numbers are integers when they have no fractional part
/// (as the validator Compose uses decides).
fn type_matches(types: Types, node: &Node) -> bool {
    let wanted = |t: Types| types & t != 0;
    match node.value {
        Value::Null => wanted(NULL),
        Value::Bool(_) => wanted(BOOLEAN),
        Value::Int(_) => wanted(NUMBER | INTEGER),
        Value::Float(f) => wanted(NUMBER) || (wanted(INTEGER) && f.is_finite() && f.fract() == 0.0),
        Value::Str(_) => wanted(STRING),
        Value::Seq(_) => wanted(ARRAY),
        Value::Map(_) => wanted(OBJECT),
    }
}

/// The expected types as Compose words them: `string`, `mapping`, `boolean or string`,
/// `boolean, null, number or string` (several types are sorted by name).
fn type_names(types: Types) -> String {
    const NAMES: [(Types, &str); 7] = [
        (ARRAY, "array"),
        (BOOLEAN, "boolean"),
        (INTEGER, "integer"),
        (OBJECT, "mapping"),
        (NULL, "null"),
        (NUMBER, "number"),
        (STRING, "string"),
    ];
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(t, _)| types & t != 0)
        .map(|(_, name)| *name)
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn enum_message(values: &[&str]) -> String {
    match values {
        [only] => format!("value must be {}", quote(only)),
        _ => format!("value must be one of {}", quote_all(values)),
    }
}

/// Quotes as the schema validator does: Go's `%q`, with single quotes outside.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn quote_all(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| quote(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first pair of equal items `(earlier, later)`, scanning later items in order, as the
/// validator's `uniqueItems` check reports it.
fn duplicates(items: &[Node]) -> Option<(usize, usize)> {
    if items.len() <= 20 {
        for later in 1..items.len() {
            if let Some(earlier) = (0..later).find(|&e| json_equal(&items[e], &items[later])) {
                return Some((earlier, later));
            }
        }
        return None;
    }
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::with_capacity(items.len());
    for (later, item) in items.iter().enumerate() {
        let indexes = seen.entry(json_hash(item)).or_default();
        if let Some(&earlier) = indexes.iter().find(|&&e| json_equal(&items[e], item)) {
            return Some((earlier, later));
        }
        indexes.push(later);
    }
    None
}

/// JSON equality: numbers by value, mappings regardless of key order.
fn json_equal(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Int(i), Value::Float(f)) | (Value::Float(f), Value::Int(i)) => {
            float_as_int(*f) == Some(*i)
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => false,
    }
}

fn float_as_int(f: f64) -> Option<i64> {
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64)
}

/// A hash consistent with [`json_equal`].
fn json_hash(node: &Node) -> u64 {
    let mut hasher = DefaultHasher::new();
    match &node.value {
        Value::Null => 0u8.hash(&mut hasher),
        Value::Bool(b) => (1u8, b).hash(&mut hasher),
        Value::Str(s) => (2u8, s).hash(&mut hasher),
        Value::Int(i) => (3u8, i).hash(&mut hasher),
        Value::Float(f) => match float_as_int(*f) {
            Some(i) => (3u8, i).hash(&mut hasher),
            None => (4u8, f.to_bits()).hash(&mut hasher),
        },
        Value::Seq(items) => {
            5u8.hash(&mut hasher);
            for item in items {
                json_hash(item).hash(&mut hasher);
            }
        }
        Value::Map(map) => {
            // Key order does not matter for equality, so entries are combined commutatively.
            let combined = map.iter().fold(0u64, |acc, (k, v)| {
                let mut entry = DefaultHasher::new();
                (k, json_hash(v)).hash(&mut entry);
                acc.wrapping_add(entry.finish())
            });
            (6u8, combined).hash(&mut hasher);
        }
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::node::Mark;

    fn doc(json: &str) -> Node {
        let value: serde_json::Value = serde_json::from_str(json).expect("test JSON");
        Node::from_json(&value)
    }

    fn error_of(json: &str) -> LoadError {
        validate(&doc(json)).expect_err("document should be rejected")
    }

    fn message_of(json: &str) -> String {
        error_of(json).message
    }

    fn service(attributes: &str) -> String {
        format!(r#"{{"services":{{"a":{{"image":"x",{attributes}}}}}}}"#)
    }

    /// Compose files of successful corpus cases, converted from YAML to JSON.
    const VALID_FIXTURES: &[(&str, &str)] = &[
        (
            "TestBuildConfig",
            r#"{"name":"test","services":{"foo":{"build":{"context":"./dir","dockerfile":"Dockerfile","args":{"foo":"bar"},"target":"foo","network":"foo","cache_from":["foo","bar"],"labels":["FOO=BAR"],"additional_contexts":{"foo":"./bar"},"tags":["foo:v1.0.0","docker.io/username/foo:my-other-tag"],"platforms":["linux/amd64","linux/arm64"]}}}}"#,
        ),
        (
            "TestDeployResources",
            r#"{"name":"test","services":{"foo":{"image":"alpine","deploy":{"resources":{"limits":{"cpus":"0.001","memory":"50M"},"reservations":{"cpus":"0.0001","memory":"20M","generic_resources":[{"discrete_resource_spec":{"kind":"gpu","value":2}},{"discrete_resource_spec":{"kind":"ssd","value":1}}]}}}}}}"#,
        ),
        (
            "TestLoadDevelopConfig",
            r#"{"name":"load-develop","services":{"frontend":{"image":"example/webapp","build":"./webapp","develop":{"watch":[{"path":"./webapp/html","action":"sync","initial_sync":true,"target":"/var/www","ignore":["node_modules/"]}]}},"backend":{"image":"example/backend","build":"./backend","develop":{"watch":[{"path":"./backend/src","action":"rebuild"}]}},"proxy":{"image":"example/proxy","build":"./proxy","develop":{"watch":[{"path":"./proxy/proxy.conf","action":"sync+restart","target":"/etc/nginx/proxy.conf"}]}}}}"#,
        ),
        (
            "TestNetworkIPAM",
            r#"{"name":"test","services":{"foo":{"image":"alpine"}},"networks":{"net1":{"ipam":{"driver":"default","options":{"com.docker.network.ipam.foo":"bar","com.docker.network.ipam.baz":"1"},"config":[{"subnet":"172.28.0.0/16","gateway":"172.28.0.1"}]}}}}"#,
        ),
        (
            "TestProvider",
            r#"{"name":"test","services":{"test":{"provider":{"type":"foo","options":{"bar":"zot","strings":["foo","bar"],"numbers":[12,34],"booleans":[true,false]}}}}}"#,
        ),
        (
            "TestPortsLongSyntax",
            r#"{"name":"test","services":{"foo":{"image":"alpine","ports":[{"target":80,"published":8080,"protocol":"tcp","mode":"host"}]}}}"#,
        ),
        (
            "TestTopLevelVolumes",
            r#"{"name":"test","services":{"foo":{"image":"alpine"}},"volumes":{"some-volume":null,"other-volume":{"driver":"flocker","driver_opts":{"foo":"bar","baz":1},"labels":{"foo":"bar"}},"another-volume":{"name":"user_specified_name","driver":"vsphere","driver_opts":{"foo":"bar","baz":1}},"external-volume":{"external":true},"other-external-volume":{"external":{"name":"my-cool-volume"}},"external-volume3":{"name":"this-is-volume3","external":true,"x-bar":"baz","x-foo":"bar"}}}"#,
        ),
        (
            "TestTopLevelConfigs",
            r#"{"name":"test","services":{"foo":{"image":"alpine"}},"configs":{"config1":{"file":"./config_data","labels":{"foo":"bar"}},"config2":{"external":{"name":"my_config"}},"config3":{"external":true},"config4":{"name":"foo","file":"./config_data","x-bar":"baz","x-foo":"bar"}}}"#,
        ),
        (
            "TestTopLevelSecrets",
            r#"{"name":"test","services":{"foo":{"image":"alpine"}},"secrets":{"secret1":{"file":"./secret_data","labels":{"foo":"bar"}},"secret2":{"external":{"name":"my_secret"}},"secret3":{"external":true},"secret4":{"name":"bar","environment":"BAR","x-bar":"baz","x-foo":"bar"},"secret5":{"file":"/abs/secret_data"}}}"#,
        ),
        (
            "TestDependsOnObject",
            r#"{"name":"test","services":{"web":{"image":"alpine","depends_on":{"db":{"condition":"service_healthy","restart":true},"redis":{"condition":"service_started"}}},"db":{"image":"postgres"},"redis":{"image":"redis"}}}"#,
        ),
        (
            "TestEnvFileList",
            r#"{"name":"test","services":{"foo":{"image":"alpine","env_file":[{"path":".env","required":false},{"path":".env.local","required":false}]}}}"#,
        ),
        (
            "fixtures-model",
            r#"{"services":{"test":{"image":"alpine/curl","models":["foo"]}},"models":{"foo":{"model":"ai/smollm2"}}}"#,
        ),
        (
            "fixtures-ipam",
            r#"{"services":{"foo":{"image":"alpine","init":true,"entrypoint":["sleep","600"],"networks":{"default":{"ipv4_address":"10.1.0.100"}}}},"networks":{"default":{"ipam":{"config":[{"subnet":"10.1.0.0/16"}]}}}}"#,
        ),
    ];

    #[test]
    fn valid_corpus_fixtures_pass() {
        for (name, json) in VALID_FIXTURES {
            assert_eq!(validate(&doc(json)), Ok(()), "{name}");
        }
    }

    /// Every successful corpus case's `docker compose config` output (the long form) is valid
    /// too. The corpus lives outside the crate; the test is skipped when it is absent.
    #[test]
    fn corpus_expected_outputs_pass() {
        let dir = std::env::var("HOIST_CORPUS")
            .unwrap_or_else(|_| format!("{}/../shared/corpus/cases", env!("CARGO_MANIFEST_DIR")));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for entry in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path().join("expected.json")) else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let value: serde_json::Value = serde_json::from_str(&text).expect("expected.json");
            let result = validate(&Node::from_json(&value));
            assert_eq!(result, Ok(()), "{}", entry.path().display());
        }
    }

    #[test]
    fn unknown_service_attribute_is_rejected() {
        let err =
            error_of(r#"{"services":{"simple":{"image":"nginx:alpine","wrongField":"test"}}}"#);
        assert_eq!(
            err.message,
            "services.simple additional properties 'wrongField' not allowed"
        );
        assert_eq!(err.kind, ErrorKind::Schema);
        assert_eq!(err.service.as_deref(), Some("simple"));
    }

    #[test]
    fn pre_start_hook_is_not_in_the_schema() {
        let json = r#"{"name":"test","services":{"test":{"image":"alpine",
            "pre_start":[{"command":["./manage.py","migrate"],"user":"root"},
                         {"image":"busybox","command":"sh","per_replica":true}],
            "post_start":[{"command":"echo start","user":"root","privileged":true,
                           "working_dir":"/","environment":["FOO=BAR"]}],
            "pre_stop":[{"command":"echo stop","environment":{"FOO":"BAR"}}]}}}"#;
        assert_eq!(
            message_of(json),
            "services.test additional properties 'pre_start' not allowed"
        );
    }

    #[test]
    fn null_service_must_be_a_mapping() {
        let json = r#"{"services":{"base":{"image":"base"},"another":{"extends":"base"},
            "withUlimits":{"image":"test","ulimits":{"nproc":65535,
                "nofile":{"soft":20000,"hard":40000}}},
            "with-build":{"extends":{"file":"sibling.yaml","service":"test"}},
            "nil":null}}"#;
        assert_eq!(message_of(json), "services.nil must be a mapping");
    }

    #[test]
    fn unknown_top_level_key_has_an_empty_path() {
        assert_eq!(
            message_of(r#"{"foo":"bar","services":{}}"#),
            " additional properties 'foo' not allowed"
        );
    }

    #[test]
    fn extensions_are_allowed_everywhere_the_spec_allows_them() {
        let json = r#"{"x-top":{"any":[1]},"services":{"a":{"image":"x","x-svc":1,
            "build":{"context":".","x-b":true},"healthcheck":{"test":"true","x-h":null},
            "ports":[{"target":80,"x-p":1}]}},"networks":{"n":{"x-n":1}}}"#;
        assert_eq!(validate(&doc(json)), Ok(()));
    }

    #[test]
    fn extensions_are_rejected_where_the_spec_has_no_pattern() {
        assert_eq!(
            message_of(&service(r#""blkio_config":{"weight":1,"x-e":1}"#)),
            "services.a.blkio_config additional properties 'x-e' not allowed"
        );
    }

    #[test]
    fn scalar_port_of_wrong_type_reports_first_alternative() {
        assert_eq!(
            message_of(&service(r#""ports":[true]"#)),
            "services.a.ports.0 must be a number"
        );
    }

    #[test]
    fn long_port_with_unknown_field_reports_the_field() {
        assert_eq!(
            message_of(&service(r#""ports":[{"target":1,"foo":2}]"#)),
            "services.a.ports.0 additional properties 'foo' not allowed"
        );
    }

    #[test]
    fn several_types_are_sorted_and_named() {
        assert_eq!(
            message_of(&service(r#""ports":[{"target":true}]"#)),
            "services.a.ports.0.target must be a integer or string"
        );
        assert_eq!(
            message_of(&service(r#""environment":{"A":[1]}"#)),
            "services.a.environment.A must be a boolean, null, number or string"
        );
        assert_eq!(
            message_of(&service(r#""attach":3"#)),
            "services.a.attach must be a boolean or string"
        );
    }

    #[test]
    fn published_and_numbers_accept_strings() {
        let json = service(
            r#""ports":[{"target":"80","published":"8080"},{"target":81,"published":8081}],
               "cpus":"0.5","mem_limit":"1g","scale":"2","cpu_count":"2""#,
        );
        assert_eq!(validate(&doc(&json)), Ok(()));
    }

    #[test]
    fn integral_float_is_an_integer() {
        assert_eq!(validate(&doc(&service(r#""scale":2.0"#))), Ok(()));
        assert_eq!(
            message_of(&service(r#""scale":2.5"#)),
            "services.a.scale must be a integer or string"
        );
    }

    #[test]
    fn depends_on_requires_condition() {
        let json = r#"{"services":{"a":{"image":"x","depends_on":{"b":{}}},"b":{"image":"y"}}}"#;
        assert_eq!(
            message_of(json),
            "services.a.depends_on.b missing property 'condition'"
        );
    }

    #[test]
    fn depends_on_condition_is_an_enum() {
        let json = r#"{"services":{"a":{"image":"x","depends_on":{"b":{"condition":"foo"}}},
            "b":{"image":"y"}}}"#;
        assert_eq!(
            message_of(json),
            "services.a.depends_on.b.condition value must be one of 'service_started', \
             'service_healthy', 'service_completed_successfully'"
        );
    }

    #[test]
    fn single_value_enum_is_worded_alone() {
        assert_eq!(
            message_of(&service(r#""gpus":"foo""#)),
            "services.a.gpus value must be 'all'"
        );
    }

    #[test]
    fn ulimit_object_missing_fields_reports_first_alternative() {
        assert_eq!(
            message_of(&service(r#""ulimits":{"nofile":{"soft":1}}"#)),
            "services.a.ulimits.nofile must be a integer or string"
        );
    }

    #[test]
    fn several_missing_properties_are_listed_in_schema_order() {
        let json = r#"{"services":{"a":{"image":"x","develop":{"watch":[{"target":"/x"}]}}}}"#;
        assert_eq!(
            message_of(json),
            "services.a.develop.watch.0 missing properties 'path', 'action'"
        );
    }

    #[test]
    fn container_name_must_match_pattern() {
        assert_eq!(
            message_of(&service(r#""container_name":"-""#)),
            "services.a.container_name '-' does not match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'"
        );
        assert_eq!(
            validate(&doc(&service(r#""container_name":"-ab""#))),
            Ok(())
        );
    }

    #[test]
    fn pull_policy_pattern_is_unanchored() {
        for ok in ["always", "missing", "every_12h", "every_1d2h", "xbuildx"] {
            let json = service(&format!(r#""pull_policy":"{ok}""#));
            assert_eq!(validate(&doc(&json)), Ok(()), "{ok}");
        }
        assert_eq!(
            message_of(&service(r#""pull_policy":"every_h""#)),
            "services.a.pull_policy 'every_h' does not match pattern \
             'always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+'"
        );
    }

    #[test]
    fn minimum_error_surfaces_when_its_alternative_comes_first() {
        assert_eq!(
            message_of(&service(
                r#""volumes":[{"type":"tmpfs","target":"/x","tmpfs":{"size":-1}}]"#
            )),
            "services.a.volumes.0.tmpfs.size must be greater than or equal to 0"
        );
        // `cpu_count` lists `string` first, so Compose reports the type instead.
        assert_eq!(
            message_of(&service(r#""cpu_count":-1"#)),
            "services.a.cpu_count must be a string"
        );
    }

    #[test]
    fn unique_items_reports_the_first_duplicate_pair() {
        assert_eq!(
            message_of(&service(r#""security_opt":["A","B","A"]"#)),
            "services.a.security_opt items at 0 and 2 are equal"
        );
        assert_eq!(
            message_of(&service(r#""group_add":[1,1.0]"#)),
            "services.a.group_add items at 0 and 1 are equal"
        );
        assert_eq!(validate(&doc(&service(r#""group_add":[1,"1"]"#))), Ok(()));
    }

    #[test]
    fn unique_items_on_long_lists_compares_mappings_by_content() {
        let mut ports: Vec<String> = (0..30).map(|i| format!("\"{i}:{i}\"")).collect();
        ports.push(r#"{"target":1,"published":"2"}"#.into());
        ports.push(r#"{"published":"2","target":1}"#.into());
        let json = service(&format!(r#""ports":[{}]"#, ports.join(",")));
        assert_eq!(
            message_of(&json),
            "services.a.ports items at 30 and 31 are equal"
        );
    }

    #[test]
    fn deepest_error_wins_across_services() {
        let json = r#"{"services":{"a":{"foo":1},"b":{"image":"x","ports":[true]}}}"#;
        let err = error_of(json);
        assert_eq!(err.message, "services.b.ports.0 must be a number");
        assert_eq!(err.service.as_deref(), Some("b"));
    }

    #[test]
    fn property_error_beats_additional_property_of_same_object() {
        assert_eq!(
            message_of(r#"{"services":{"a":{"foo":1,"image":2}}}"#),
            "services.a.image must be a string"
        );
    }

    #[test]
    fn additional_properties_are_listed_in_document_order() {
        assert_eq!(
            message_of(r#"{"services":{"a":{"healthcheck":{"foo":1,"bar":2}}}}"#),
            "services.a.healthcheck additional properties 'foo', 'bar' not allowed"
        );
    }

    #[test]
    fn object_alternative_error_beats_array_alternative() {
        assert_eq!(
            message_of(&service(r#""build":{"context":".","ssh":["a","a"]}"#)),
            "services.a.build.ssh must be a mapping"
        );
    }

    #[test]
    fn empty_key_is_not_allowed_in_list_or_dict() {
        assert_eq!(
            message_of(&service(r#""labels":{"":"x"}"#)),
            "services.a.labels additional properties '' not allowed"
        );
        assert_eq!(
            validate(&doc(&service(r#""environment":{"a\nb":1}"#))),
            Ok(())
        );
    }

    #[test]
    fn invalid_service_name_is_rejected_at_services() {
        let err = error_of(r#"{"services":{"a b":{"image":"x"}}}"#);
        assert_eq!(
            err.message,
            "services additional properties 'a b' not allowed"
        );
        assert_eq!(err.service, None);
    }

    #[test]
    fn top_level_resources_accept_null_where_the_spec_does() {
        let json = r#"{"services":{},"networks":{"n":null,"bad name":1},"volumes":{"v":null},
            "models":{"m":{"model":"ai/x"}}}"#;
        assert_eq!(validate(&doc(json)), Ok(()));
        assert_eq!(
            message_of(r#"{"secrets":{"s":null}}"#),
            "secrets.s must be a mapping"
        );
        assert_eq!(
            message_of(r#"{"models":{"m":{}}}"#),
            "models.m missing property 'model'"
        );
    }

    #[test]
    fn external_mapping_is_closed_for_volumes_but_open_for_secrets() {
        assert_eq!(
            message_of(r#"{"volumes":{"v":{"external":{"foo":1}}}}"#),
            "volumes.v.external additional properties 'foo' not allowed"
        );
        assert_eq!(
            validate(&doc(r#"{"secrets":{"s":{"external":{"foo":1}}}}"#)),
            Ok(())
        );
    }

    #[test]
    fn keys_are_quoted_like_go() {
        assert_eq!(
            message_of(&service(r#""it's\"q\n":1"#)),
            r#"services.a additional properties 'it\'s"q\n' not allowed"#
        );
    }

    #[test]
    fn error_is_positioned_at_the_offending_node() {
        let mut root = doc(r#"{"services":{"web":{"image":"x","cap_add":"ALL"}}}"#);
        let mark = Mark::new(Some("compose.yaml".into()), 4, 14);
        let cap_add = root
            .get_mut("services")
            .and_then(|s| s.get_mut("web"))
            .and_then(|w| w.get_mut("cap_add"))
            .expect("cap_add");
        cap_add.mark = mark.clone();
        let err = validate(&root).expect_err("cap_add must be a list");
        assert_eq!(err.message, "services.web.cap_add must be a array");
        assert_eq!(err.mark, Some(mark));
        assert_eq!(err.service.as_deref(), Some("web"));
        assert_eq!(
            err.to_string(),
            "services.web.cap_add must be a array (at compose.yaml:4:14)"
        );
    }
}
