//! TOM SEP-2: tenants cannot reach each other's rows, enforced by the database itself.

use anwesend::db::{DbConnection, TenantScope};
use anwesend::locations::model::{Location, NewLocation};
use anwesend::locations::{service as locations, store as location_store};
use anwesend::tenants::model::{NewTenant, Tenant};
use anwesend::tenants::service as tenants;
use anwesend::AppError;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::common::{test_app, Backend, TestApp};

fn tenant(app: &TestApp, slug: &str) -> (Tenant, TenantScope) {
    let t = tenants::create(
        &app.state.db,
        &app.state.master,
        &app.ctx(),
        NewTenant { slug: slug.into(), name: format!("Verein {slug}"), is_demo: false },
    )
    .expect("create tenant");
    let scope = TenantScope::named_by_operator(t.id.clone());
    (t, scope)
}

fn location(app: &TestApp, scope: &TenantScope, name: &str, parent: Option<&str>) -> Result<Location, AppError> {
    locations::create(&app.state.db, scope, &app.ctx(), NewLocation { name: name.into(), parent_id: parent.map(str::to_owned) })
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count_all_locations(conn: &mut DbConnection) -> QueryResult<i64> {
    // Deliberately without a tenant filter: only the database can hide rows here.
    diesel::sql_query("SELECT COUNT(*) AS n FROM locations").get_result::<Count>(conn).map(|c| c.n)
}

#[test]
fn sep_2_cross_tenant_fk_rejected() {
    let app = test_app();
    let (_, a) = tenant(&app, "verein-a");
    let (_, b) = tenant(&app, "verein-b");
    let venue_a = location(&app, &a, "Halle A", None).expect("venue in A");
    location(&app, &a, "Raum A1", Some(&venue_a.id)).expect("room in A under A's venue");

    // Through the service: refused, with a field error and no row written.
    let err = location(&app, &b, "Raum B1", Some(&venue_a.id)).expect_err("B must not point at A's row");
    assert!(matches!(err, AppError::Invalid { field: "parent_id", .. }), "{err:?}");

    // Straight through the store, bypassing every check in code: the database refuses.
    let now = app.state.clock.now_naive();
    let raw = app.state.db.tenant_tx(&b, |conn| {
        location_store::insert(
            conn,
            &Location {
                tenant_id: b.tenant_id().into(),
                id: uuid::Uuid::now_v7().to_string(),
                parent_id: Some(venue_a.id.clone()),
                name: "Raum B2".into(),
                created_at: now,
                updated_at: now,
            },
        )?;
        Ok(())
    });
    let err = raw.expect_err("the composite foreign key must refuse the row");
    assert!(err.is_constraint_violation(), "expected a constraint violation, got {err:?}");
    assert!(locations::list(&app.state.db, &b).expect("list B").is_empty(), "nothing half-written in B");
}

#[test]
fn sep_2_other_tenants_rows_invisible_and_unchangeable() {
    let app = test_app();
    let (_, a) = tenant(&app, "verein-a");
    let (_, b) = tenant(&app, "verein-b");
    location(&app, &a, "Halle A", None).expect("A");
    let b_row = location(&app, &b, "Halle B", None).expect("B");
    location(&app, &b, "Platz B", None).expect("B2");

    let seen: Vec<String> = locations::list(&app.state.db, &a).expect("list").into_iter().map(|l| l.name).collect();
    assert_eq!(seen, vec!["Halle A"]);

    let err = locations::rename(&app.state.db, &a, &app.ctx(), &b_row.id, "gekapert").expect_err("B's row from A");
    assert!(matches!(err, AppError::NotFound), "{err:?}");

    if app.db.backend == Backend::Postgres {
        // Row-level security on the app's non-owner role: raw SQL without any tenant
        // filter still sees only the scope's tenant.
        let db = &app.state.db;
        assert_eq!(db.tenant_tx(&a, |c| Ok(count_all_locations(c)?)).expect("count A"), 1);
        assert_eq!(db.tenant_tx(&b, |c| Ok(count_all_locations(c)?)).expect("count B"), 2);
        assert_eq!(db.platform_tx(|c| Ok(count_all_locations(c)?)).expect("count without scope"), 0);

        let updated = db
            .tenant_tx(&a, |c| {
                Ok(diesel::sql_query("UPDATE locations SET name = 'gekapert' WHERE id = $1")
                    .bind::<Text, _>(&b_row.id)
                    .execute(&mut **c)?)
            })
            .expect("update runs");
        assert_eq!(updated, 0, "A's scope cannot update B's row");

        let insert = db.tenant_tx(&a, |c| {
            Ok(diesel::sql_query(
                "INSERT INTO locations (tenant_id, id, name, created_at, updated_at) VALUES ($1, 'x', 'fremd', now(), now())",
            )
            .bind::<Text, _>(b.tenant_id())
            .execute(&mut **c)?)
        });
        assert!(insert.is_err(), "A's scope cannot write a row for B");

        let keys_seen = db
            .tenant_tx(&a, |c| Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM tenant_keys").get_result::<Count>(&mut **c)?.n))
            .expect("count keys");
        assert_eq!(keys_seen, 2, "A sees only its own data and index key");
    }
    let mut owner = app.db.inspect();
    let names: Vec<String> = diesel::sql_query("SELECT name FROM locations ORDER BY name")
        .load::<Name>(&mut owner)
        .expect("inspect")
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names, vec!["Halle A", "Halle B", "Platz B"], "B's row is unchanged");
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[test]
fn sep_2_tenant_keys_are_per_tenant() {
    let app = test_app();
    let (_, a) = tenant(&app, "verein-a");
    let (_, b) = tenant(&app, "verein-b");
    let db = &app.state.db;
    let keys_a = db.tenant_tx(&a, |c| tenants::keys(c, &app.state.master)).expect("keys A");
    let keys_b = db.tenant_tx(&b, |c| tenants::keys(c, &app.state.master)).expect("keys B");
    let sealed = keys_a.encrypt("participants", "email", "row-1", "anna@example.org");
    assert!(keys_b.decrypt("participants", "email", "row-1", &sealed).is_err(), "B's key cannot open A's data");
    assert_ne!(
        keys_a.blind_index("participants", "email", "anna@example.org"),
        keys_b.blind_index("participants", "email", "anna@example.org"),
        "blind indexes do not link a person across tenants"
    );
    // A scope for B cannot load A's keys from inside B's transaction. The stores take the
    // tenant from the transaction, so the rows are asked for by A's id directly here.
    let cross = db.tenant_tx(&b, |c| {
        let n = diesel::sql_query("SELECT COUNT(*) AS n FROM tenant_keys WHERE tenant_id = $1")
            .bind::<Text, _>(a.tenant_id())
            .get_result::<Count>(&mut **c)?
            .n;
        if n == 0 {
            Err(AppError::NotFound)
        } else {
            Ok(n)
        }
    });
    if app.db.backend == Backend::Postgres {
        assert!(cross.is_err(), "RLS hides A's key rows inside B's scope");
    }
}

#[derive(QueryableByName)]
struct TableSecurity {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    forced: bool,
}

/// Every table with a `tenant_id` is under forced row-level security on PostgreSQL, the
/// token tables (memberships, invitations, sign-in links, participant sessions, devices,
/// enrolment codes) included: what is looked up before the tenant is known goes through
/// one narrow function each, which answers the tenant and id of one key. The one platform
/// table keyed by tenant is `tenant_offboardings`: a tenant's lifecycle record, read by
/// the guard and the platform jobs before any scope, holding no personal data.
#[test]
fn sep_2_every_table_with_a_tenant_id_is_under_forced_rls() {
    let app = test_app();
    let (_, a) = tenant(&app, "verein-a");
    let (_, b) = tenant(&app, "verein-b");
    let account = crate::fixtures::admin(&app, &a, "leitung@verein-a.example");
    crate::fixtures::admin(&app, &b, "leitung@verein-b.example");

    // The lookup before a tenant is known still finds the account's one membership.
    let mut conn = app.state.db.conn().expect("connection");
    let held = anwesend::auth::store::memberships_of(&mut conn, &account).expect("memberships");
    assert_eq!(held.iter().map(|m| m.tenant_id.as_str()).collect::<Vec<_>>(), vec![a.tenant_id()]);
    if app.db.backend != Backend::Postgres {
        return;
    }

    let count = |conn: &mut DbConnection| diesel::sql_query("SELECT COUNT(*) AS n FROM memberships").get_result::<Count>(conn).map(|c| c.n);
    let db = &app.state.db;
    assert_eq!(db.platform_tx(|c| Ok(count(c)?)).expect("without scope"), 0, "no membership outside a tenant's scope");
    assert_eq!(db.tenant_tx(&a, |c| Ok(count(c)?)).expect("in A"), 1, "A's scope sees A's membership only");

    let tables = diesel::sql_query(
        "SELECT c.relname::text AS name, (c.relrowsecurity AND c.relforcerowsecurity) AS forced
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
         WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace ORDER BY 1",
    )
    .load::<TableSecurity>(&mut app.db.inspect())
    .expect("catalogue");
    assert!(tables.len() > 20, "the catalogue lists the tenant tables: {}", tables.len());
    let open: Vec<&str> = tables.iter().filter(|t| !t.forced && t.name != "tenant_offboardings").map(|t| t.name.as_str()).collect();
    assert!(open.is_empty(), "tables with a tenant_id but without forced row-level security: {open:?}");
}
