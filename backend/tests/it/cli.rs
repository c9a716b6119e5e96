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

/// The shell recipe of docs/verify.md marked `<!-- recipe: NAME -->`, exactly as written.
pub(crate) fn recipe(name: &str) -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/verify.md")).expect("docs/verify.md");
    let marker = format!("<!-- recipe: {name} -->\n```sh\n");
    let start = doc.find(&marker).unwrap_or_else(|| panic!("docs/verify.md has no recipe {name}")) + marker.len();
    let end = doc[start..].find("```").expect("recipe ends") + start;
    doc[start..end].to_owned()
}

/// Runs a recipe with bash in `dir` (no `-e`: a reader runs every line) and returns
/// stdout and stderr together.
pub(crate) fn run_recipe(name: &str, dir: &std::path::Path) -> String {
    let out = Command::new("bash").arg("-c").arg(recipe(name)).current_dir(dir).output().expect("bash");
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[actix_web::test]
async fn input_4_the_auditor_recipes_in_docs_verify_md_work_with_openssl() {
    use anwesend::audit::export::ExportFormat;
    use anwesend::audit::model::{Filter, Visibility};
    use anwesend::crypto::{MasterKey, MasterKeyOrigin, PlatformSigner};

    let app = crate::common::test_app();
    let scope = crate::fixtures::tenant(&app, "verein-a");
    let ctx = app.ctx();
    locations::create(
        &app.state.db,
        &scope,
        &ctx,
        anwesend::locations::model::NewLocation { name: "Halle Süd „Öst“".into(), parent_id: None },
    )
    .expect("location");
    let signer = PlatformSigner::from_master(&app.state.master).expect("signer");
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    std::fs::write(d.join("platform-key.pem"), signer.public_key().to_pem()).expect("key");
    let export = |format| {
        anwesend::audit::service::export_entries(
            &app.state.db,
            Some(&scope),
            &Visibility::WholeChain,
            &Filter::default(),
            format,
            &ctx,
            &signer,
        )
        .expect("export")
    };

    // JSON: intact, then a record edited, then the proof edited, then another key.
    let json = export(ExportFormat::Json);
    let json_text = text(&json);
    assert!(json_text.contains("location.created"), "{json_text}");
    std::fs::write(d.join("export.json"), &json).expect("write");
    let said = run_recipe("export-json", d);
    assert!(
        said.contains(&format!("key OK: {}", signer.key_id())) && said.contains("Verified OK") && said.contains("content OK"),
        "{said}"
    );
    std::fs::write(d.join("export.json"), json_text.replacen("location.created", "location.updated", 1)).expect("write");
    let said = run_recipe("export-json", d);
    assert!(said.contains("Verified OK") && said.contains("CONTENT CHANGED") && !said.contains("content OK"), "{said}");
    let records = serde_json::from_str::<serde_json::Value>(&json_text).expect("json")["proof"]["records"].as_u64().expect("records");
    std::fs::write(
        d.join("export.json"),
        json_text.replacen(&format!("\"records\":{records}"), &format!("\"records\":{}", records + 1), 1),
    )
    .expect("write");
    let said = run_recipe("export-json", d);
    assert!(said.contains("Verification failure") && !said.contains("Verified OK"), "{said}");
    std::fs::write(d.join("export.json"), &json).expect("write");
    let stranger = PlatformSigner::from_master(&MasterKey::generate(MasterKeyOrigin::Operator)).expect("other key");
    std::fs::write(d.join("platform-key.pem"), stranger.public_key().to_pem()).expect("key");
    let said = run_recipe("export-json", d);
    assert!(said.contains("KEY MISMATCH") && said.contains("Verification failure") && !said.contains("Verified OK"), "{said}");
    std::fs::write(d.join("platform-key.pem"), signer.public_key().to_pem()).expect("key");

    // CSV: intact, then a row edited.
    let csv = text(&export(ExportFormat::Csv));
    std::fs::write(d.join("export.csv"), &csv).expect("write");
    let said = run_recipe("export-csv", d);
    assert!(said.contains("Verified OK") && said.contains("content OK"), "{said}");
    std::fs::write(d.join("export.csv"), csv.replacen("location.created", "location.updated", 1)).expect("write");
    let said = run_recipe("export-csv", d);
    assert!(said.contains("Verified OK") && said.contains("CONTENT CHANGED"), "{said}");

    // The offboarding archive: the manifest's signature and every file's hash.
    let start = anwesend::offboarding::model::StartOffboarding { confirm_slug: "verein-a".into() };
    anwesend::offboarding::service::start(&app.state, &ctx, &scope, &start).expect("offboarding");
    let (tar, _) = anwesend::offboarding::service::archive(&app.state, &ctx, &scope).expect("archive");
    std::fs::write(d.join("archive.tar"), &tar).expect("write");
    let out = Command::new("tar").args(["xf", "archive.tar"]).current_dir(d).output().expect("tar");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let folder = d.join("verein-a-export");
    let files = std::fs::read_dir(&folder).expect("folder").count() - 2; // all but the manifest and its signature
    let said = run_recipe("archive", &folder);
    assert!(said.contains("Verified OK") && said.matches(": OK").count() == files && files > 0, "{files} files: {said}");
    let table = folder.join("participants.json");
    let mut bytes = std::fs::read(&table).expect("participants");
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    std::fs::write(&table, &bytes).expect("edit");
    let said = run_recipe("archive", &folder);
    assert!(said.contains("participants.json: FAILED"), "{said}");
    let manifest = std::fs::read_to_string(folder.join("manifest.json")).expect("manifest");
    std::fs::write(folder.join("manifest.json"), manifest.replacen("verein-a", "verein-x", 1)).expect("edit");
    let said = run_recipe("archive", &folder);
    assert!(said.contains("Verification failure") && !said.contains("Verified OK"), "{said}");

    // A deletion certificate (the platform's signing function, a certificate-shaped body).
    let certificate = anwesend::offboarding::certificate::sign(
        serde_json::json!({ "format": "anwesend-deletion-certificate/1", "tenant": { "name": "Verein Süd" }, "records": 12 }),
        &signer,
    );
    std::fs::write(d.join("certificate.json"), &certificate).expect("write");
    let said = run_recipe("certificate", d);
    assert!(said.contains("Verified OK"), "{said}");
    std::fs::write(d.join("certificate.json"), certificate.replacen("12", "11", 1)).expect("write");
    let said = run_recipe("certificate", d);
    assert!(said.contains("Verification failure") && !said.contains("Verified OK"), "{said}");
}

/// `anwesend` with no configuration, database or master key at all: an auditor's machine.
fn auditor(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_anwesend"));
    cmd.env_clear().env("ANWESEND_DATABASE_URL", "postgres://nobody@192.0.2.1:1/none").current_dir(dir);
    cmd
}

#[actix_web::test]
async fn input_4_exports_verify_offline_with_the_published_keys_after_a_master_key_rotation() {
    use anwesend::crypto::{MasterKey, MasterKeyOrigin, PlatformSigner};

    let test_db = TestDb::new();
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let out = run(anwesend(&test_db, d).args(["tenant", "create", "--slug", "tsv-nord", "--name", "TSV Nord"]), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let export = |name: &str| {
        let file = d.join(name);
        let out = run(anwesend(&test_db, d).args(["audit", "export", "--out"]).arg(&file), "");
        assert!(out.status.success(), "{}", text(&out.stderr));
        file
    };
    let old_export = export("old.json");
    let old = MasterKey::read_file(&d.join("master.key")).expect("dev key");
    let old_signer = PlatformSigner::from_master(&old).expect("signer");

    // The master key is rotated: exports are signed with the new key from now on.
    std::fs::remove_file(d.join("master.key")).expect("remove");
    let new = MasterKey::generate(MasterKeyOrigin::Operator);
    new.write_file(&d.join("master.key")).expect("write");
    let new_signer = PlatformSigner::from_master(&new).expect("signer");
    let new_export = export("new.json");

    // The published list keeps the old key with its end of validity.
    let app = crate::common::test_app_beside_server(test_db, new);
    let service = app.service().await;
    let (status, _, body) = crate::fixtures::call(&service, crate::fixtures::Client::new().request("GET", "/api/v1/platform/keys")).await;
    assert_eq!(status.as_u16(), 200);
    let list: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let keys = list["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2, "{list}");
    let by_id = |id: &str| keys.iter().find(|k| k["key_id"] == id).unwrap_or_else(|| panic!("{id} listed: {list}"));
    let (old_row, new_row) = (by_id(old_signer.key_id()), by_id(new_signer.key_id()));
    assert_eq!((old_row["current"].as_bool(), new_row["current"].as_bool()), (Some(false), Some(true)));
    assert!(old_row["valid_until"].is_string() && new_row["valid_until"].is_null(), "{list}");
    assert_eq!(new_row["public_key_hex"], new_signer.public_key_hex());
    assert_eq!(new_row["public_key_pem"], new_signer.public_key().to_pem());
    let rotations: Vec<String> = {
        use anwesend::db::schema::audit_entries::dsl as e;
        e::audit_entries
            .filter(e::chain.eq("platform"))
            .filter(e::action.eq("crypto.signing_key_recorded"))
            .select(e::detail)
            .load(&mut app.db.inspect())
            .expect("audit")
    };
    assert_eq!(rotations.len(), 2, "{rotations:?}");
    assert!(rotations.iter().any(|d| d.contains("first")) && rotations.iter().any(|d| d.contains("rotated")), "{rotations:?}");

    // The auditor: no configuration, no database, no master key.
    let auditor_dir = tempfile::tempdir().expect("auditor");
    let a = auditor_dir.path();
    std::fs::write(a.join("keys.json"), &body).expect("keys");
    std::fs::write(a.join("new.pem"), new_signer.public_key().to_pem()).expect("pem");
    std::fs::write(a.join("old.hex"), old_signer.public_key_hex()).expect("hex");
    let verify = |file: &std::path::Path, key: &str| {
        auditor(a).args(["audit", "verify-export"]).arg(file).args(["--public-key", key]).output().expect("run")
    };
    for (file, key, signer) in [
        (&old_export, "keys.json", &old_signer),
        (&new_export, "keys.json", &new_signer),
        (&new_export, "new.pem", &new_signer),
        (&old_export, "old.hex", &old_signer),
    ] {
        let out = verify(file, key);
        assert!(out.status.success(), "{key}: {}{}", text(&out.stdout), text(&out.stderr));
        assert!(text(&out.stdout).contains("intact audit export of chain platform") && text(&out.stdout).contains(signer.key_id()));
    }
    let out = verify(&old_export, "new.pem");
    assert!(!out.status.success() && text(&out.stderr).contains(old_signer.key_id()), "{}", text(&out.stderr));
    let mut edited = std::fs::read(&new_export).expect("export");
    let middle = edited.len() / 2;
    edited[middle] ^= 0x01;
    std::fs::write(a.join("edited.json"), &edited).expect("write");
    assert!(!verify(&a.join("edited.json"), "keys.json").status.success(), "an edited export is refused");
    std::fs::write(a.join("garbage.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").expect("write");
    let out = verify(&new_export, "garbage.pem");
    assert!(!out.status.success() && text(&out.stderr).contains("garbage.pem"), "{}", text(&out.stderr));

    // The platform's own check (with its configuration) knows the old key from the list.
    let out = run(anwesend(&app.db, d).args(["audit", "verify-export"]).arg(&old_export), "");
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    // `certificate public-key --pem` prints what the list publishes.
    let out = run(anwesend(&app.db, d).args(["certificate", "public-key", "--pem"]), "");
    assert_eq!(text(&out.stdout), new_signer.public_key().to_pem());
}
