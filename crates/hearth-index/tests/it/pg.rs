//! The `VectorIndex` contract against PostgreSQL + pgvector. Needs `HEARTH_TEST_PG_URL` (a role
//! allowed to `CREATE EXTENSION vector`); skipped with one line when it is unset.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hearth_index::{
    IndexError, IndexKey, PgVectorIndex, PgVectorParams, SearchOptions, VectorIndex,
};

use crate::contract::{run_contract, Subject};

fn pg_url() -> Option<String> {
    match std::env::var("HEARTH_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            println!("skipped: HEARTH_TEST_PG_URL not set");
            None
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn drop_tables(pool: &sqlx::PgPool, tables: &[String]) {
    for t in tables {
        sqlx::query(&format!("DROP TABLE IF EXISTS {t}"))
            .execute(pool)
            .await
            .unwrap();
    }
}

#[test]
fn contract_pgvector() {
    let Some(url) = pg_url() else { return };
    let rt = runtime();
    let pool = rt.block_on(sqlx::PgPool::connect(&url)).unwrap();
    let tables = Arc::new(Mutex::new(Vec::<String>::new()));
    let counter = AtomicUsize::new(0);
    let handle = rt.handle().clone();
    let (pool2, tables2) = (pool.clone(), tables.clone());
    let subject = Subject {
        make: Box::new(move |key: IndexKey| {
            // A table per index so tests never see each other's rows.
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let key = IndexKey {
                kind: format!("contract-{}-{n}", std::process::id()),
                ..key
            };
            let pool = pool2.clone();
            let idx = handle
                .block_on(async move {
                    sqlx::query(&format!(
                        "DROP TABLE IF EXISTS track_vectors_{}",
                        key.slug()
                    ))
                    .execute(&pool)
                    .await
                    .unwrap();
                    PgVectorIndex::connect(pool, key, PgVectorParams::default()).await
                })
                .unwrap();
            tables2.lock().unwrap().push(idx.table().to_string());
            Arc::new(idx) as Arc<dyn VectorIndex>
        }),
        exact: false,
    };
    run_contract(&subject);
    drop(subject);
    let tables = tables.lock().unwrap().clone();
    rt.block_on(drop_tables(&pool, &tables));
}

/// The port works from inside a multi-threaded runtime (block_in_place), refuses a
/// current-thread runtime with a clear error, and a table of another dimension is refused.
#[test]
fn pgvector_runtime_contexts_and_dim_check() {
    let Some(url) = pg_url() else { return };
    let rt = runtime();
    let pool = rt.block_on(sqlx::PgPool::connect(&url)).unwrap();
    let kind = format!("ctx-{}", std::process::id());
    let key = IndexKey::new(kind.clone(), 1, 4).unwrap();
    let idx = Arc::new(
        rt.block_on(PgVectorIndex::connect(
            pool.clone(),
            key,
            PgVectorParams::default(),
        ))
        .unwrap(),
    );
    assert!(idx.extension_version().starts_with('0') || idx.extension_version().starts_with('1'));
    let i2 = idx.clone();
    rt.block_on(async move {
        tokio::spawn(async move {
            i2.upsert(1, &[1.0, 0.0, 0.0, 0.0]).unwrap();
            assert_eq!(
                i2.search(&[1.0, 0.1, 0.0, 0.0], 5, &SearchOptions::default())
                    .unwrap()[0]
                    .id,
                1
            );
        })
        .await
        .unwrap();
    });
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let i3 = idx.clone();
    current.block_on(async move {
        assert!(matches!(i3.len(), Err(IndexError::Unavailable(_))));
    });
    let wrong_dim = IndexKey::new(kind, 1, 8).unwrap();
    let err = rt
        .block_on(PgVectorIndex::connect(
            pool.clone(),
            wrong_dim,
            PgVectorParams::default(),
        ))
        .err()
        .expect("a 4-d table was accepted as 8-d");
    assert!(
        matches!(err, IndexError::InvalidInput { ref field, .. } if field == "dim"),
        "{err}"
    );
    rt.block_on(drop_tables(&pool, &[idx.table().to_string()]));
}
