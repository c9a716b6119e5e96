//! TOM SEP-4: production refuses development keys, demo data and plain HTTP, and says
//! which setting is wrong.

use std::io::Write;
use std::process::Command;

use anwesend::config::{Config, Environment, MailConfig, MailTransport, ProxyConfig, TlsConfig};
use anwesend::crypto::{MasterKey, MasterKeyOrigin};

fn prod() -> Config {
    Config {
        environment: Some(Environment::Prod),
        master_key_file: Some("/etc/anwesend/master.key".into()),
        public_url: "https://anwesend.example.org".into(),
        proxy: ProxyConfig { trusted: vec!["127.0.0.1".parse().expect("ip")], tls_terminated: true },
        mail: MailConfig { transport: MailTransport::Smtp, ..MailConfig::default() },
        ..Config::default()
    }
}

fn setting_of(config: &Config) -> String {
    config.validate().expect_err("must be refused").setting
}

#[test]
fn sep_4_prod_settings_are_checked() {
    assert!(prod().validate().is_ok(), "a sound prod config passes");

    let plain_http = Config { proxy: ProxyConfig::default(), ..prod() };
    assert_eq!(setting_of(&plain_http), "tls");
    let http_url = Config { public_url: "http://anwesend.example.org".into(), ..prod() };
    assert_eq!(setting_of(&http_url), "public_url");
    let demo = Config { demo_data: Some(true), ..prod() };
    assert_eq!(setting_of(&demo), "demo_data");
    let no_key = Config { master_key_file: None, ..prod() };
    assert_eq!(setting_of(&no_key), "master_key_file");
    let native_tls = Config {
        proxy: ProxyConfig::default(),
        tls: Some(TlsConfig { cert_file: "/etc/tls/cert.pem".into(), key_file: "/etc/tls/key.pem".into() }),
        ..prod()
    };
    assert!(native_tls.validate().is_ok(), "native TLS is enough");
    let file_mail = Config { mail: MailConfig::default(), ..prod() };
    assert_eq!(setting_of(&file_mail), "mail.transport", "prod sends mail over SMTP, not into files");

    let unset = Config { environment: None, ..prod() };
    let err = unset.validate().expect_err("environment must be explicit");
    assert_eq!(err.setting, "environment");
    assert!(err.to_string().contains("ANWESEND_ENVIRONMENT"), "{err}");
}

/// TOM TRANS-1: mail leaves the host only encrypted; plain SMTP is for a local relay.
#[test]
fn trans_1_prod_refuses_plain_smtp_to_a_remote_relay() {
    use anwesend::config::{SmtpConfig, SmtpSecurity};
    let with_smtp = |host: &str, security: SmtpSecurity| Config {
        mail: MailConfig {
            transport: MailTransport::Smtp,
            smtp: SmtpConfig { host: host.into(), port: 25, security, ..SmtpConfig::default() },
            ..MailConfig::default()
        },
        ..prod()
    };
    for remote in ["mail.example.org", "192.0.2.25", "2001:db8::25", "[2001:db8::25]", "localhost.example.org", "128.0.0.1"] {
        let config = with_smtp(remote, SmtpSecurity::None);
        assert_eq!(setting_of(&config), "mail.smtp.security", "plain SMTP to {remote}");
        for secure in [SmtpSecurity::Starttls, SmtpSecurity::Tls] {
            assert!(with_smtp(remote, secure).validate().is_ok(), "{secure:?} to {remote}");
        }
    }
    for local in ["localhost", "LOCALHOST", "127.0.0.1", "127.0.0.53", "::1", "[::1]"] {
        assert!(with_smtp(local, SmtpSecurity::None).validate().is_ok(), "plain SMTP to the relay on this host ({local})");
    }
    // Development may use a plain relay anywhere (a test sink on another box).
    let dev = Config { environment: Some(Environment::Dev), ..with_smtp("mail.example.org", SmtpSecurity::None) };
    assert!(dev.validate().is_ok());
}

/// TOM ACC-4: the IPv6 network a limit applies to, the ceiling and the refusal window
/// are checked like every other limit.
#[test]
fn acc_4_limit_settings_are_checked() {
    let dev = || Config { environment: Some(Environment::Dev), ..Config::default() };
    assert_eq!(dev().rate_limit.ipv6_prefix, 64, "a /64 by default");
    for (prefix, ok) in [(0, false), (31, false), (32, true), (48, true), (64, true), (128, true), (129, false)] {
        let mut config = dev();
        config.rate_limit.ipv6_prefix = prefix;
        assert_eq!(config.validate().map_err(|e| e.setting), if ok { Ok(()) } else { Err("rate_limit.ipv6_prefix".into()) }, "/{prefix}");
    }
    let mut config = dev();
    config.rate_limit.unauthenticated_per_minute = 0;
    assert_eq!(setting_of(&config), "rate_limit");
    let mut config = dev();
    config.rate_limit.device_per_ip_per_minute = 0;
    assert_eq!(setting_of(&config), "rate_limit");
    let mut config = dev();
    config.rate_limit.refusal_audit_window_seconds = 0;
    assert_eq!(setting_of(&config), "rate_limit.refusal_audit_window_seconds");
}

/// TOM AVAIL-3: the security-event threshold and window are checked, and come from the
/// environment like every setting.
#[test]
fn avail_3_metrics_settings_are_checked() {
    let dev = || Config { environment: Some(Environment::Dev), ..Config::default() };
    assert_eq!((dev().metrics.security_event_threshold, dev().metrics.security_event_window_seconds), (50, 600));
    for (threshold, window, wrong) in [
        (0, 600, Some("metrics.security_event_threshold")),
        (1, 600, None),
        (50, 9, Some("metrics.security_event_window_seconds")),
        (50, 10, None),
        (50, 86_400, None),
        (50, 86_401, Some("metrics.security_event_window_seconds")),
    ] {
        let mut config = dev();
        config.metrics.security_event_threshold = threshold;
        config.metrics.security_event_window_seconds = window;
        assert_eq!(config.validate().map_err(|e| e.setting), wrong.map_or(Ok(()), |w| Err(w.to_owned())), "{threshold} in {window} s");
    }
    // Whatever the command (one that would end by itself if the setting passed).
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_anwesend"))
        .arg("migrate")
        .env_clear()
        .env("ANWESEND_ENVIRONMENT", "dev")
        .env("ANWESEND_DATABASE_URL", format!("sqlite://{}", dir.path().join("a.db").display()))
        .env("ANWESEND_DATA_DIR", dir.path())
        .env("ANWESEND_METRICS__SECURITY_EVENT_THRESHOLD", "0")
        .output()
        .expect("anwesend");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("ANWESEND_METRICS__SECURITY_EVENT_THRESHOLD"), "{stderr}");
}

/// TOM ACC-1: Argon2id parameters are configurable, but never below the OWASP floor.
#[test]
fn acc_1_password_hash_parameters_have_floors() {
    use anwesend::auth::password::HashParams;
    let dev = || Config { environment: Some(Environment::Dev), ..Config::default() };
    assert!(dev().validate().is_ok());
    for weak in [
        HashParams { memory_kib: 19 * 1024 - 1, ..HashParams::FLOOR },
        HashParams { iterations: 1, ..HashParams::FLOOR },
        HashParams { parallelism: 0, ..HashParams::FLOOR },
    ] {
        let mut config = dev();
        config.auth.password_hash = weak;
        assert_eq!(setting_of(&config), "auth.password_hash", "{weak:?} is below the floor");
    }
    let mut stronger = dev();
    stronger.auth.password_hash = HashParams { memory_kib: 64 * 1024, iterations: 3, parallelism: 2 };
    assert!(stronger.validate().is_ok(), "more than the floor is fine");
}

#[test]
fn sep_4_prod_refuses_generated_dev_master_key() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("master.key");
    MasterKey::generate(MasterKeyOrigin::GeneratedDev).write_file(&path).expect("write");
    let config = Config { master_key_file: Some(path.clone()), ..prod() };
    let err = MasterKey::load(&config).expect_err("dev key in prod");
    assert_eq!(err.setting, "master_key_file");
    assert!(err.to_string().contains("ANWESEND_MASTER_KEY_FILE"), "{err}");

    // The same key is fine in dev, and an operator key is fine in prod.
    assert!(MasterKey::load(&Config { environment: Some(Environment::Dev), ..config }).is_ok());
    let op_path = dir.path().join("operator.key");
    MasterKey::generate(MasterKeyOrigin::Operator).write_file(&op_path).expect("write");
    assert!(MasterKey::load(&Config { master_key_file: Some(op_path), ..prod() }).is_ok());
}

#[test]
fn sep_4_prod_never_generates_a_key() {
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("absent.key");
    let err = MasterKey::load(&Config { master_key_file: Some(missing.clone()), ..prod() }).expect_err("missing key");
    assert_eq!(err.setting, "master_key_file");
    assert!(!missing.exists(), "nothing generated in prod");
}

#[test]
fn config_file_is_read_and_typos_are_named() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("anwesend.toml");
    let mut file = std::fs::File::create(&path).expect("file");
    writeln!(file, "environment = \"dev\"\nlisten = \"127.0.0.1:9999\"\n[ip_hash]\nrotation_hours = 12").expect("write");
    let config = Config::load(Some(&path)).expect("valid file");
    assert_eq!(config.listen, "127.0.0.1:9999");
    assert_eq!(config.ip_hash.rotation_hours, 12);

    std::fs::write(&path, "environment = \"dev\"\nlistn = \"127.0.0.1:9999\"\n").expect("write");
    let err = Config::load(Some(&path)).expect_err("unknown key");
    assert!(err.to_string().contains("listn"), "{err}");

    std::fs::write(&path, "environment = \"staging\"\n").expect("write");
    let err = Config::load(Some(&path)).expect_err("unknown environment");
    assert_eq!(err.setting, "environment", "{err}");
}

/// The real binary: `serve` in prod with a generated dev key stops before listening and
/// names the setting.
#[test]
fn sep_4_server_refuses_to_start_in_prod_with_dev_key() {
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("master.key");
    MasterKey::generate(MasterKeyOrigin::GeneratedDev).write_file(&key).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_anwesend"))
        .arg("serve")
        .env_clear()
        .env("ANWESEND_ENVIRONMENT", "prod")
        .env("ANWESEND_MAIL__TRANSPORT", "smtp")
        .env("ANWESEND_MASTER_KEY_FILE", &key)
        .env("ANWESEND_PUBLIC_URL", "https://anwesend.example.org")
        .env("ANWESEND_TLS__CERT_FILE", dir.path().join("cert.pem"))
        .env("ANWESEND_TLS__KEY_FILE", dir.path().join("key.pem"))
        .env("ANWESEND_DATABASE_URL", format!("sqlite://{}", dir.path().join("a.db").display()))
        .env("ANWESEND_LISTEN", "127.0.0.1:0")
        .output()
        .expect("run anwesend");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ANWESEND_MASTER_KEY_FILE") && stderr.contains("development key"), "{stderr}");

    let output = Command::new(env!("CARGO_BIN_EXE_anwesend"))
        .arg("serve")
        .env_clear()
        .env("ANWESEND_ENVIRONMENT", "prod")
        .env("ANWESEND_MAIL__TRANSPORT", "smtp")
        .env("ANWESEND_MASTER_KEY_FILE", &key)
        .env("ANWESEND_PUBLIC_URL", "http://anwesend.example.org")
        .output()
        .expect("run anwesend");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`tls`") && stderr.contains("plain HTTP"), "{stderr}");
}
