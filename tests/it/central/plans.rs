//! How SQLite plans the SQLite central's queries: none walks the whole feed,
//! every run or every entitlement, except the totals report, whose job that
//! is. A planner may put a table-valued function inside the loop and scan the
//! feed once for it — SQLite 3.51 did, so every pull and replay read every
//! item. The queries are read from the backend's offline query data, so
//! every query it runs is checked, not a copy of one.

use std::path::Path;

use super::harness::sqlite_db;

/// What a plan may scan whole: small tables served whole (devices, voids,
/// conflicts), a constant row, a subquery's few rows, the ranges a query is
/// given, and the partial index of the (few) service-recovery events.
fn scan_allowed(detail: &str) -> bool {
    let what = detail.trim_start_matches("SCAN ");
    ["CONSTANT ROW", "(subquery-", "devices", "voids", "conflicts", "redemptions"]
        .iter()
        .any(|w| what.starts_with(w))
        || what.contains("VIRTUAL TABLE")
        || what.ends_with("USING INDEX feed_items_cases")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_central_searches_the_feed_and_entitlements_and_never_scans_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(dir.path()).await;
    let pool = db.pool().clone();
    // A feed and entitlements of some size, with statistics, as a central
    // that has run a while has them: plans differ on empty tables.
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000) \
         INSERT INTO feed_items (server_seq, kind, body) SELECT x, 'issued', '{}' FROM n",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000) \
         INSERT INTO entitlements (entitlement_key, state, item) SELECT 'K' || x, 'issued', x FROM n",
    )
    .execute(&pool)
    .await
    .unwrap();
    // Some keep their facts beside them (claims, unbound voucher ids).
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500) \
         INSERT INTO entitlement_facts (entitlement_key, voucher_id, device_id, flight_id, value_minor, currency) \
         SELECT 'K' || (x * 40), 'V' || x, 'D', 'F', 100, 'HKD' FROM n",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();

    let offline = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/gatecare-server-sqlite/.sqlx");
    let mut checked = 0;
    let mut scans = Vec::new();
    for entry in std::fs::read_dir(offline).unwrap() {
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        let query = data["query"].as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
        let totals = query.starts_with("SELECT (SELECT COUNT(*) FROM devices)");
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {query}")))
                .fetch_all(&pool)
                .await
                .unwrap();
        checked += 1;
        for (_, _, _, detail) in plan {
            if detail.starts_with("SCAN ") && !scan_allowed(&detail) && !totals {
                scans.push(format!("{detail}: {query}"));
            }
        }
    }
    assert!(checked > 20, "only {checked} queries in the offline data");
    assert!(scans.is_empty(), "full scans:\n{}", scans.join("\n"));
}
