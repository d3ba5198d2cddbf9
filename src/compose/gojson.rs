//! JSON text exactly as Go's `encoding/json` writes it, and the numbers Go prints.
//!
//! Docker Compose prints `config --format json` with `json.MarshalIndent(v, "", "  ")` and
//! hashes services with `json.Marshal`; both escape HTML characters, format floats their own
//! way and keep object members in the order they are given (struct fields in declaration
//! order, map keys sorted: the typed model builds values in that order already).

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::model::{Format, ServiceConfig, ToGo};

/// `json.Marshal`: compact Go JSON, no trailing newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, None, 0);
    out
}

/// `json.MarshalIndent(v, "", "  ")`: what `config --format json` prints (no trailing newline).
pub fn to_string_indent(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Some("  "), 0);
    out
}

/// Compose's config output escapes every `$` as `$$` so that the output can be loaded again
/// without being interpolated.
pub fn escape_dollars(s: &str) -> String {
    s.replace('$', "$$")
}

/// The config hash Docker Compose labels containers with (`com.docker.compose.config-hash`)
/// and prints with `config --hash`: sha256 of the compact JSON of the service, with the
/// attributes that do not require recreating a container left out.
pub fn service_hash(service: &ServiceConfig) -> String {
    let mut s = service.clone();
    s.build = None;
    s.pull_policy = String::new();
    s.scale = None;
    if let Some(deploy) = s.deploy.as_mut() {
        deploy.replicas = None;
    }
    s.depends_on.clear();
    s.profiles.clear();
    let json = to_string(&s.to_go(Format::Json).to_json());
    let digest = Sha256::digest(json.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_value(out: &mut String, value: &Value, indent: Option<&str>, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_value(out, item, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Object(members) => {
            if members.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_string(out, key);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_value(out, item, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push('}');
        }
    }
}

fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
    if let Some(unit) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(unit);
        }
    }
}

fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    format_json_float(n.as_f64().unwrap_or(0.0))
}

/// Go's string encoder with HTML escaping on (the default of `json.Marshal`).
fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\u{0}'..='\u{1f}' => {
                let v = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((v >> shift) & 0xf) as usize] as char);
                }
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// The shortest decimal digits of a float and the position of the decimal point
/// (`0.d1d2d3 x 10^dp`), as Go's `strconv` computes them for 64 or 32 bits.
fn shortest_digits(f: f64, bits32: bool) -> (String, i32) {
    let sci = if bits32 {
        format!("{:e}", (f as f32).abs())
    } else {
        format!("{:e}", f.abs())
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.chars().all(|c| c == '0') {
        return ("0".to_string(), 1);
    }
    (digits, exp + 1)
}

fn fmt_e(neg: bool, digits: &str, dp: i32) -> String {
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    s.push_str(&digits[..1]);
    if digits.len() > 1 {
        s.push('.');
        s.push_str(&digits[1..]);
    }
    let exp = if digits == "0" { 0 } else { dp - 1 };
    s.push('e');
    s.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        s.push('0');
    }
    s.push_str(&abs.to_string());
    s
}

fn fmt_f(neg: bool, digits: &str, dp: i32) -> String {
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    let n = digits.len() as i32;
    if dp <= 0 {
        s.push_str("0.");
        for _ in 0..(-dp) {
            s.push('0');
        }
        s.push_str(digits);
    } else if dp >= n {
        s.push_str(digits);
        for _ in 0..(dp - n) {
            s.push('0');
        }
    } else {
        s.push_str(&digits[..dp as usize]);
        s.push('.');
        s.push_str(&digits[dp as usize..]);
    }
    s
}

fn special_float(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

/// `strconv.FormatFloat(f, 'g', -1, bits)`: what `fmt.Sprint` and yaml.v3 print for floats
/// (`0.5`, `1e+06`, `1e-05`).
pub fn format_float_g(f: f64, bits32: bool) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let neg = f.is_sign_negative();
    let (digits, dp) = shortest_digits(f, bits32);
    let exp = dp - 1;
    if digits != "0" && !(-4..6).contains(&exp) {
        fmt_e(neg, &digits, dp)
    } else {
        fmt_f(neg, &digits, dp)
    }
}

/// A float as `encoding/json` writes it: positional between 1e-6 and 1e21, else exponent
/// form without a leading zero in a negative exponent (`1e-7`, `1e+21`).
pub fn format_json_float(f: f64) -> String {
    format_json_float_bits(f, false)
}

fn format_json_float_bits(f: f64, bits32: bool) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let neg = f.is_sign_negative();
    let (digits, dp) = shortest_digits(f, bits32);
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = fmt_e(neg, &digits, dp);
        // Go trims `e-07` to `e-7` but keeps `e+21`.
        if let Some(pos) = s.find("e-0") {
            return format!("{}e-{}", &s[..pos], &s[pos + 3..]);
        }
        return s;
    }
    fmt_f(neg, &digits, dp)
}

/// A 32-bit float widened to the 64-bit value with the same shortest decimal form, so that
/// printing it as a 64-bit float gives what Go prints for the `float32` (0.1, not
/// 0.10000000149011612).
pub fn widen_f32(f: f32) -> f64 {
    if !f.is_finite() {
        return f as f64;
    }
    format!("{f:e}").parse().unwrap_or(f as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_output_has_no_spaces() {
        let v = json!({"a": [1, "x", null, true], "b": {}});
        assert_eq!(to_string(&v), r#"{"a":[1,"x",null,true],"b":{}}"#);
    }

    #[test]
    fn indented_output_matches_marshal_indent() {
        let v = json!({"a": [1, {"b": []}], "c": {}});
        let expected = "{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    }\n  ],\n  \"c\": {}\n}";
        assert_eq!(to_string_indent(&v), expected);
    }

    #[test]
    fn html_characters_are_escaped() {
        let v = json!("a<b>&c");
        assert_eq!(to_string(&v), r#""a\u003cb\u003e\u0026c""#);
    }

    #[test]
    fn control_and_separator_characters_are_escaped() {
        let v = json!("\u{1}\u{8}\u{c}\n\r\t\"\\\u{2028}\u{2029}\u{7f}é");
        assert_eq!(
            to_string(&v),
            "\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\\\u2028\\u2029\u{7f}é\""
        );
    }

    #[test]
    fn json_floats_follow_go_thresholds() {
        assert_eq!(format_json_float(0.5), "0.5");
        assert_eq!(format_json_float(2.0), "2");
        assert_eq!(format_json_float(1e20), "100000000000000000000");
        assert_eq!(format_json_float(1e21), "1e+21");
        assert_eq!(format_json_float(1e-7), "1e-7");
        assert_eq!(format_json_float(0.000001), "0.000001");
        assert_eq!(format_json_float(-1.5e-10), "-1.5e-10");
        assert_eq!(format_json_float(0.0), "0");
    }

    #[test]
    fn g_format_uses_exponent_from_one_million() {
        assert_eq!(format_float_g(1_000_000.0, false), "1e+06");
        assert_eq!(format_float_g(123456.0, false), "123456");
        assert_eq!(format_float_g(123456789.5, false), "1.234567895e+08");
        assert_eq!(format_float_g(0.0001, false), "0.0001");
        assert_eq!(format_float_g(0.00001, false), "1e-05");
        assert_eq!(format_float_g(1.5, false), "1.5");
        assert_eq!(format_float_g(0.0, false), "0");
        assert_eq!(format_float_g(f64::INFINITY, false), "+Inf");
    }

    #[test]
    fn float32_values_print_their_shortest_form() {
        assert_eq!(format_float_g(0.1f32 as f64, true), "0.1");
        assert_eq!(format_json_float(widen_f32(0.3)), "0.3");
        assert_eq!(format_json_float(widen_f32(0.0001)), "0.0001");
    }

    #[test]
    fn dollars_are_doubled() {
        assert_eq!(escape_dollars("a$b$$c"), "a$$b$$$$c");
    }

    #[test]
    fn numbers_keep_integer_form() {
        let v = json!([1, -2, 18446744073709551615u64, 1.0]);
        assert_eq!(to_string(&v), "[1,-2,18446744073709551615,1]");
    }

    /// Services as `config --format json` printed them (with `$$` turned back into `$`) and
    /// the hash `docker compose config --hash '*'` printed for them (Compose v2.40.3).
    const HASH_FIXTURES: &[(&str, &str)] = &[
        (
            r#"{"command":null,"entrypoint":null,"gpus":[{"count":-1}],"image":"postgres","logging":{"driver":"json-file","options":{"max-size":"10m"}},"networks":{"back":{"aliases":["database"],"priority":10}},"read_only":true,"tmpfs":["/run"]}"#,
            "29ccd17a8e6ee62bb77c7cb0ac6c96912d9d5f76b11b37ae2a7cd9f7e176fa20",
        ),
        (
            r#"{"profiles":["p"],"build":{"context":"/tmp/mdl/hashfix","dockerfile":"Dockerfile"},"develop":{"watch":[{"path":"/tmp/mdl/hashfix/src","action":"sync","target":"/src","exec":{"command":null}}]},"cpus":0.3,"command":["sh","-c","echo $HOME <b> & done"],"depends_on":{"db":{"condition":"service_healthy","required":true}},"deploy":{"replicas":2,"resources":{"limits":{"cpus":0.3,"memory":"52428800"}},"placement":{}},"entrypoint":null,"environment":{"A":"1","PRICE":"$5"},"extra_hosts":["h=1.2.3.4"],"healthcheck":{"test":["CMD-SHELL","curl -f http://localhost"],"interval":"30s","retries":3},"image":"nginx:1.27","labels":{"com.example":"web"},"networks":{"default":null},"ports":[{"mode":"ingress","host_ip":"127.0.0.1","target":80,"published":"8080","protocol":"tcp"},{"mode":"ingress","target":443,"protocol":"tcp"}],"pull_policy":"build","scale":2,"secrets":[{"source":"s","target":"/run/secrets/s","mode":"0400"}],"stop_grace_period":"1m30s","ulimits":{"nofile":{"soft":1,"hard":2},"nproc":3},"volumes":[{"type":"bind","source":"/tmp/mdl/hashfix/data","target":"/data","read_only":true,"bind":{"create_host_path":true}},{"type":"volume","source":"cache","target":"/cache","volume":{}}],"post_start":[{"command":["echo","hi"]}],"x-ext":1}"#,
            "532dbf7c7310ed47e581b8616ed994fb3266b38a2a2efa774277045afd9f37f1",
        ),
        (
            r#"{"command":["--default-authentication-plugin=mysql_native_password"],"entrypoint":null,"environment":{"MYSQL_DATABASE":"example","MYSQL_ROOT_PASSWORD_FILE":"/run/secrets/db-password"},"expose":["3306"],"healthcheck":{"test":["CMD-SHELL","mysqladmin ping -h 127.0.0.1 --password=\"$(cat /run/secrets/db-password)\" --silent"],"interval":"3s","retries":5,"start_period":"30s"},"image":"mariadb:10-focal","networks":{"default":null},"restart":"always","secrets":[{"source":"db-password","target":"/run/secrets/db-password"}],"volumes":[{"type":"volume","source":"db-data","target":"/var/lib/mysql","volume":{}}]}"#,
            "f6dad7321c210ae8655fbe1f71b59b43577a5c7e24938d2c23ef165b875a1cf1",
        ),
        (
            r#"{"build":{"context":"/x/backend","dockerfile":"Dockerfile","target":"builder"},"command":null,"depends_on":{"db":{"condition":"service_healthy","required":true}},"entrypoint":null,"networks":{"default":null},"secrets":[{"source":"db-password","target":"/run/secrets/db-password"}]}"#,
            "5672f71fe6cff212958ce2e8046fb7b7c9ac625f4a0bc26cae4bb907a8b26275",
        ),
    ];

    #[test]
    fn service_hash_matches_compose() {
        for (service, expected) in HASH_FIXTURES {
            let doc = serde_json::json!({"services": {"s": serde_json::from_str::<Value>(service).unwrap()}});
            let project = crate::compose::model::Project::from_json(doc).unwrap();
            assert_eq!(service_hash(&project.services["s"]), *expected, "{service}");
        }
    }

    #[test]
    fn service_hash_ignores_build_scale_and_dependencies() {
        let with = r#"{"image":"x","build":{"context":"."},"scale":3,"pull_policy":"always","profiles":["p"],"depends_on":{"a":{"condition":"service_started","required":true}},"deploy":{"replicas":3}}"#;
        let without = r#"{"image":"x","deploy":{}}"#;
        let hash = |s: &str| {
            let doc =
                serde_json::json!({"services": {"s": serde_json::from_str::<Value>(s).unwrap()}});
            let project = crate::compose::model::Project::from_json(doc).unwrap();
            service_hash(&project.services["s"])
        };
        assert_eq!(hash(with), hash(without));
    }
}
