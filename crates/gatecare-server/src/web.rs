//! The pages central serves to browsers, from the directory `web_dir`
//! names (built from `ui/src/merchant` and `ui/src/pass` by `cargo xtask`):
//! the merchant's page under `/merchant/`, and the passenger's copy of a
//! voucher under `/pass/`, which needs no login and reads its voucher from
//! the URL's fragment (never sent to central).
//!
//! Every page response carries a strict Content-Security-Policy (scripts,
//! styles and WebAssembly only from central itself, nothing inline, no
//! frames), and caching that fits a page that works offline: the hashed
//! files under `assets/` never change and are cached for a year; the page,
//! its manifest and its service worker are revalidated on every load, so a
//! new release reaches a till the first time it is online.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{Redirect, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

/// The merchant page's policy. `'wasm-unsafe-eval'` lets the page compile
/// the verifier's WebAssembly and nothing else; `blob:` and `mediastream:`
/// are the camera's frames.
pub const MERCHANT_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; connect-src 'self'; \
     worker-src 'self'; manifest-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The passenger's copy: no camera, no calls to central but its own files;
/// `data:` for nothing, the QR is drawn as SVG elements.
pub const PASS_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The pages under `dir`: `dir/merchant/` at `/merchant/`, `dir/pass/` at
/// `/pass/`. A missing directory serves 404s, not an error at start:
/// central's API does not depend on its pages.
pub fn pages<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let page = |name: &str| ServeDir::new(dir.join(name)).append_index_html_on_directories(true);
    Router::new()
        .route("/merchant", get(|| async { Redirect::permanent("/merchant/") }))
        .nest_service("/merchant/", page("merchant"))
        .route("/pass", get(|| async { Redirect::permanent("/pass/") }))
        .nest_service("/pass/", page("pass"))
        .layer(axum::middleware::map_response(page_headers))
}

async fn page_headers(uri: axum::http::Uri, mut resp: Response) -> Response {
    let immutable = uri.path().contains("/assets/") && resp.status().is_success();
    let pass = uri.path().starts_with("/pass");
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, if pass { PASS_CSP } else { MERCHANT_CSP });
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    let permissions = if pass {
        "camera=(), microphone=(), geolocation=()"
    } else {
        "camera=(self), microphone=(), geolocation=()"
    };
    set(h, HeaderName::from_static("permissions-policy"), permissions);
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    set(h, header::CACHE_CONTROL, cache);
    resp
}
