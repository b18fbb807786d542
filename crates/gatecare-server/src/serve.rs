//! Serving on the open internet. `axum::serve` has no header-read timeout,
//! no request timeout and no connection cap, so one client trickling header
//! lines, or a few thousand of them, could hold central's sockets for good.
//! Here each connection is served by hyper's HTTP/1 builder with a timer:
//! its request head must arrive within `header_read_timeout` (the timer
//! starts at the first byte and more bytes do not restart it), each request
//! is answered within `request_timeout` (408 after), and at most
//! `max_connections` are open at once; the rest wait in the kernel's accept
//! queue. The process's open-file limit is raised to make room for them.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The connection's remote address, for per-address limits.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 10_000,
        }
    }
}

/// Raises the soft open-file limit towards the hard one so `max_connections`
/// sockets served, as many more in their TLS handshake
/// (`tls::listener`'s `max_pending`), and the database's files fit;
/// returns the limit in force.
pub fn raise_file_limit(max_connections: usize) -> u64 {
    let want = 2 * max_connections as u64 + 1024;
    rlimit::increase_nofile_limit(want).unwrap_or(0)
}

/// Serves `app` on `listener` until `stop` completes, then stops accepting
/// and gives open connections up to 10 s to finish.
pub async fn serve<L>(mut listener: L, app: Router, limits: Limits, stop: impl Future<Output = ()>)
where
    L: axum::serve::Listener<Addr = SocketAddr>,
    L::Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let app = app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut stop = std::pin::pin!(stop);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = &mut stop => break,
        };
        let (io, peer) = tokio::select! {
            c = listener.accept() => c,
            _ = &mut stop => break,
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(Peer(peer));
                    app.clone().oneshot(req.map(axum::body::Body::new))
                });
            let mut http = hyper::server::conn::http1::Builder::new();
            // Without a timer hyper silently disables the header timeout.
            http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
            if let Err(e) = http.serve_connection(TokioIo::new(io), service).await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    // Draining: wait for the open connections, a while.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(10), permits.acquire_many(all)).await;
}
