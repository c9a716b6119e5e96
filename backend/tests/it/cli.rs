//! The operator commands against the test's database (SQLite or PostgreSQL), and the
//! server with native TLS. These run the real `anwesend` binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use anwesend::db::TenantScope;
use anwesend::locations::service as locations;
use diesel::prelude::*;

use crate::common::{Backend, TestDb};
use crate::fixtures::server::{anwesend, text, tls_server};

fn run(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn authz_3_operator_commands_work_on_the_configured_database() {
    let test_db = TestDb::new();
    let dir = tempfile::tempdir().expect("dir");

    let out = run(anwesend(&test_db, dir.path()).arg("migrate"), "");
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = run(anwesend(&test_db, dir.path()).args(["tenant", "create", "--slug", "tsv-nord", "--name", "TSV Nord"]), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(anwesend(&test_db, dir.path()).args(["tenant", "create", "--slug", "tsv-nord", "--name", "Doppelt"]), "");
    assert!(!out.status.success(), "a duplicate slug is refused");
    assert!(text(&out.stderr).contains("tsv-nord"), "{}", text(&out.stderr));
    let out = run(anwesend(&test_db, dir.path()).args(["tenant", "create", "--slug", "Bad Slug!", "--name", "X"]), "");
    assert!(!out.status.success() && text(&out.stderr).contains("slug"), "{}", text(&out.stderr));

    let out = run(anwesend(&test_db, dir.path()).args(["tenant", "list"]), "");
    assert!(out.status.success());
    let listed = text(&out.stdout);
    assert!(listed.contains("tsv-nord") && listed.contains("TSV Nord") && !listed.contains("Doppelt"), "{listed}");

    // The tenant works: its keys unwrap with the same master key and its scope stores rows.
    let tenant_id = listed.split('\t').next().expect("id").to_owned();
    let master = anwesend::crypto::MasterKey::read_file(&dir.path().join("master.key")).expect("dev key written");
    let db = test_db.db();
    let scope = TenantScope::named_by_operator(tenant_id);
    db.tenant_tx(&scope, |c| anwesend::tenants::service::keys(c, &master)).expect("tenant keys unwrap");
    let ctx = anwesend::audit::AuditContext::operator(chrono::Utc::now());
    locations::create(&db, &scope, &ctx, anwesend::locations::model::NewLocation { name: "Halle".into(), parent_id: None })
        .expect("tenant usable");

    // INPUT-4, INPUT-5 from the command line: verify, export, check the export.
    let out = run(anwesend(&test_db, dir.path()).args(["audit", "verify"]), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("platform: intact") && report.contains("tsv-nord: intact, 2 entries"), "{report}");
    for format in ["json", "csv"] {
        let file = dir.path().join(format!("audit.{format}"));
        let out = run(
            anwesend(&test_db, dir.path()).args(["audit", "export", "--tenant", "tsv-nord", "--format", format, "--out"]).arg(&file),
            "",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = run(anwesend(&test_db, dir.path()).args(["audit", "verify-export"]).arg(&file), "");
        assert!(out.status.success() && text(&out.stdout).contains("intact audit export"), "{}{}", text(&out.stdout), text(&out.stderr));
        let mut bytes = std::fs::read(&file).expect("export");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&file, &bytes).expect("edit");
        let out = run(anwesend(&test_db, dir.path()).args(["audit", "verify-export"]).arg(&file), "");
        assert!(!out.status.success(), "an edited {format} export is refused");
    }

    let password = "korrekt Pferd Batterie Heftklammer";
    let out = run(
        anwesend(&test_db, dir.path()).args(["admin", "create-platform-admin", "--email", "Ops@Example.org"]),
        &format!("{password}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(
        anwesend(&test_db, dir.path()).args(["admin", "create-platform-admin", "--email", "ops@example.org"]),
        &format!("{password}\n"),
    );
    assert!(!out.status.success(), "one account per email, case-insensitive");
    let out = run(anwesend(&test_db, dir.path()).args(["admin", "create-platform-admin", "--email", "kurz@example.org"]), "kurz\n");
    assert!(!out.status.success() && text(&out.stderr).contains("12"), "{}", text(&out.stderr));

    // Stored: encrypted email, Argon2id hash, neither in plaintext.
    use anwesend::db::schema::accounts::dsl as a;
    let mut owner = test_db.inspect();
    let rows: Vec<(Vec<u8>, String, bool)> =
        a::accounts.select((a::email_ciphertext, a::password_hash, a::is_platform_admin)).load(&mut owner).expect("accounts");
    assert_eq!(rows.len(), 1);
    let (email, hash, admin) = &rows[0];
    assert!(*admin);
    assert!(!text(email).contains("example.org"), "email is encrypted");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(password));
    assert!(anwesend::auth::password::verify(password, hash).expect("a turn to hash"));

    // A forged entry makes `audit verify` fail and name it.
    use diesel::connection::SimpleConnection;
    let forge = match test_db.backend {
        Backend::Sqlite => "DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET outcome = 'failure' WHERE seq = 2 AND chain != 'platform';",
        Backend::Postgres => "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only; UPDATE audit_entries SET outcome = 'failure' WHERE seq = 2 AND chain != 'platform';",
    };
    test_db.inspect().batch_execute(forge).expect("forge");
    let out = run(anwesend(&test_db, dir.path()).args(["audit", "verify", "--tenant", "tsv-nord"]), "");
    assert!(!out.status.success());
    assert!(text(&out.stdout).contains("tsv-nord: BROKEN at entry 2"), "{}", text(&out.stdout));
}

#[test]
fn trans_1_native_tls_serves_https_with_hsts() {
    let test_db = TestDb::for_backend(Backend::Sqlite);
    let dir = tempfile::tempdir().expect("dir");
    let (_server, port) = tls_server(&test_db, dir.path());
    let out = Command::new("curl")
        .args(["-sk", "--max-time", "5", "-D", "-", &format!("https://127.0.0.1:{port}/healthz")])
        .output()
        .expect("curl");
    let answer = text(&out.stdout);
    assert!(answer.starts_with("HTTP/"), "{answer}");
    assert!(answer.contains(" 200"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("strict-transport-security: max-age="), "{answer}");
    let plain = Command::new("curl").args(["-s", "--max-time", "2", &format!("http://127.0.0.1:{port}/healthz")]).output().expect("curl");
    assert!(!text(&plain.stdout).contains("\"ok\""), "no plain HTTP on the TLS port");
}
