//! Group commit for the common push: new events, every issuance new.
//!
//! SQLite has one writer and `synchronous=FULL` costs an fsync per commit,
//! so pushes that arrive while one is being written are written after it in
//! one transaction, each under a savepoint, and answered after the shared
//! commit. One task owns this; a push hands it statements already bound
//! (see `PushStatements`) and waits for the answer.
//!
//! The task writes on a connection of its own, so its page cache stays warm,
//! and with automatic checkpoints off: copying the WAL back into the
//! database would otherwise happen inside its commits, with every other push
//! waiting. A passive checkpoint runs beside it on a pool connection after a
//! group instead (one at a time; it never blocks the writer). Under steady
//! load that checkpoint may never catch up with the WAL's end, and the WAL
//! only starts over once it has: past `WAL_RESTART_FRAMES` the writer itself
//! checkpoints with `RESTART` before its next group.
//!
//! The task only stores what needs no decision. A push that finds its
//! device's `seq` moved (a replay or a race) or an issuance already there is
//! rolled back to its savepoint and declined; the caller then takes the
//! full path (`SqliteDatabase::push`) under its own `BEGIN IMMEDIATE`, as it
//! does when the task is gone. A caller that stops waiting loses nothing: the
//! push is stored or not, and its replay is answered either way.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use gatecare_sync::Topic;

use crate::{PushStatements, Res, err, insert_run, store_statements};

/// Pushes written in one transaction at most: enough to spread an fsync,
/// few enough that the first is not kept waiting long.
const MAX_GROUP: usize = 16;

/// WAL frames (pages) after which the writer restarts the WAL: 256 MiB.
const WAL_RESTART_FRAMES: i64 = 65_536;

/// A push for the group: its statements and what its run needs.
pub(crate) struct GroupPush {
    pub dev: String,
    pub station: String,
    pub first: i64,
    pub last: i64,
    pub now: String,
    pub statements: PushStatements,
    /// The first server_seq of the stored items, or `None` when declined.
    pub reply: oneshot::Sender<Res<Option<i64>>>,
}

/// Where groups are written: the task's own connection to a file, or for
/// an in-memory database (which exists once per connection) the pool's.
pub(crate) enum Writer {
    Own { options: Box<SqliteConnectOptions>, conn: Option<SqliteConnection> },
    Pool,
}

impl Writer {
    /// The task's own connection to the database `options` opens.
    pub(crate) fn own(options: &SqliteConnectOptions) -> Writer {
        Writer::Own { options: Box::new(options.clone().pragma("wal_autocheckpoint", "0")), conn: None }
    }
}

/// Starts the task that writes groups; it ends when every sender is gone.
pub(crate) fn spawn(pool: SqlitePool, mut writer: Writer) -> mpsc::Sender<GroupPush> {
    let (tx, mut rx) = mpsc::channel::<GroupPush>(MAX_GROUP * 4);
    let checkpointing = Arc::new(AtomicBool::new(false));
    let wal_large = Arc::new(AtomicBool::new(false));
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(p) => group.push(p),
                    Err(_) => break,
                }
            }
            let results = match &mut writer {
                Writer::Own { options, conn } => {
                    if let Some(c) = conn.as_mut().filter(|_| wal_large.swap(false, Ordering::AcqRel)) {
                        // Best effort, like the passive one: the next check tries again.
                        let _ = sqlx::query("PRAGMA wal_checkpoint(RESTART)").execute(&mut *c).await;
                    }
                    let results = match conn {
                        Some(c) => write_group(c, &mut group).await,
                        None => match SqliteConnection::connect_with(options).await {
                            Ok(c) => write_group(conn.insert(c), &mut group).await,
                            Err(e) => Err(err(e)),
                        },
                    };
                    if results.is_err() {
                        // Start afresh next time rather than reuse a connection in an unknown state.
                        *conn = None;
                    }
                    if !checkpointing.swap(true, Ordering::AcqRel) {
                        let (pool, flag, large) = (pool.clone(), checkpointing.clone(), wal_large.clone());
                        tokio::spawn(async move {
                            // Best effort: a checkpoint left undone is done after the next group.
                            // It answers (busy, frames in the WAL, frames checkpointed).
                            let r: Result<(i64, i64, i64), _> =
                                sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&pool).await;
                            if r.is_ok_and(|(_, frames, _)| frames > WAL_RESTART_FRAMES) {
                                large.store(true, Ordering::Release);
                            }
                            flag.store(false, Ordering::Release);
                        });
                    }
                    results
                }
                Writer::Pool => match pool.acquire().await {
                    Ok(mut c) => write_group(&mut c, &mut group).await,
                    Err(e) => Err(err(e)),
                },
            };
            answer(group, results);
        }
    });
    tx
}

/// Sends each push its answer; if the group failed, nothing of it is
/// stored and each push hears why (the server logs it with the request).
fn answer(group: Vec<GroupPush>, results: Res<Vec<Res<Option<i64>>>>) {
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            let text = e.to_string();
            group.iter().map(|_| Err(crate::DbError::Backend(text.clone()))).collect()
        }
    };
    for (p, r) in group.into_iter().zip(results) {
        // A caller that stopped waiting finds its push by replaying it.
        let _ = p.reply.send(r);
    }
}

async fn write_group(conn: &mut SqliteConnection, group: &mut [GroupPush]) -> Res<Vec<Res<Option<i64>>>> {
    let mut results = Vec::with_capacity(group.len());
    {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        sqlx::raw_sql("SAVEPOINT push").execute(&mut *tx).await.map_err(err)?;
        let count = group.len();
        for (i, p) in group.iter_mut().enumerate() {
            let r = store(&mut tx, p).await;
            let keep = matches!(r, Ok(Some(_)));
            // One round trip to the connection's thread ends this push's
            // savepoint and opens the next one's.
            let end = match (keep, i + 1 < count) {
                (true, true) => "RELEASE push; SAVEPOINT push",
                (true, false) => "RELEASE push",
                (false, true) => "ROLLBACK TO push; RELEASE push; SAVEPOINT push",
                (false, false) => "ROLLBACK TO push; RELEASE push",
            };
            sqlx::raw_sql(end).execute(&mut *tx).await.map_err(err)?;
            results.push(r);
        }
        tx.commit().await.map_err(err)?;
    }
    Ok(results)
}

/// One push under its savepoint: `None` when it needs the full path. The
/// device's seq moves first, and only if the push continues it, so a push
/// that does not is declined before anything of it is written.
async fn store(conn: &mut sqlx::SqliteConnection, p: &mut GroupPush) -> Res<Option<i64>> {
    let continues = p.first - 1;
    let moved = sqlx::query!(
        "UPDATE devices SET high_seq = ?, last_seen_at = ? WHERE id = ? AND high_seq = ?",
        p.last,
        p.now,
        p.dev,
        continues
    )
    .execute(&mut *conn)
    .await
    .map_err(err)?
    .rows_affected();
    if moved != 1 {
        return Ok(None);
    }
    let count = (p.last - p.first + 1) as usize;
    let (placed, base, last_item) = store_statements(&mut *conn, &mut p.statements, count).await?;
    if !p.statements.all_placed(placed) {
        return Ok(None);
    }
    insert_run(&mut *conn, base, last_item, &p.station, Topic::Event, Some(&p.dev), Some(p.first), &p.now)
        .await?;
    Ok(Some(base))
}
