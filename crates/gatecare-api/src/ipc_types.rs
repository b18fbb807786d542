//! The TypeScript of every type that crosses IPC, generated from the Rust
//! types (ts-rs) into `ui/src/lib/ipc.ts`: declared once, here, and a test
//! (`tests/it/ipc.rs`) fails when the committed file is stale.
//! `cargo xtask ipc-types` writes it again.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};

use ts_rs::{Config, TS, TypeVisitor};

/// Collects the declarations of a type and everything it names.
struct Declarations {
    cfg: Config,
    seen: HashSet<TypeId>,
    by_name: BTreeMap<String, String>,
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only declared types (derived ones) have a path; primitives,
        // containers and times are written inline.
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let decl = T::decl(&self.cfg);
        let docs = T::docs().unwrap_or_default();
        let name = T::ident(&self.cfg);
        // Two Rust types of one name would be one TypeScript type: refuse.
        let previous = self.by_name.insert(name.clone(), format!("{docs}export {decl}"));
        assert!(previous.is_none(), "two types cross IPC as {name}: rename one with #[ts(rename)]");
        T::visit_dependencies(self);
    }
}

/// The generated file's text.
pub fn typescript() -> String {
    // Integers cross as JSON numbers: every one of ours is far below 2^53.
    let mut d = Declarations {
        cfg: Config::new().with_large_int("number"),
        seen: HashSet::new(),
        by_name: BTreeMap::new(),
    };
    roots(&mut d);
    let mut out = String::from(
        "// Generated from the Rust types by `cargo xtask ipc-types` (gatecare-api's ipc_types.rs).\n\
         // Do not edit: a test fails when this file and the Rust types disagree.\n",
    );
    for decl in d.by_name.values() {
        out.push('\n');
        out.push_str(decl.trim_end());
        out.push('\n');
    }
    out
}

/// Every argument and result type of the IPC commands; what they name
/// follows.
fn roots(v: &mut impl TypeVisitor) {
    use gatecare_station::{cases, console};
    v.visit::<crate::AppInfo>();
    v.visit::<crate::ApiError>();
    v.visit::<crate::board::FlightBoard>();
    v.visit::<gatecare_store_sync::SyncStatus>();
    v.visit::<gatecare_sync::ConflictReport>();
    v.visit::<gatecare_recovery::summary::RecoverySummary>();
    v.visit::<gatecare_kiosk::KioskView>();
    v.visit::<gatecare_kiosk::KioskHotel>();
    v.visit::<gatecare_care::evaluate::CareKind>();
    v.visit::<gatecare_care::cause::Cause>();
    v.visit::<gatecare_print::VoucherPrint>();
    v.visit::<crate::print::NoticePrint>();
    v.visit::<crate::cases::KioskCase>();
    v.visit::<crate::agent::AgentInfo>();
    v.visit::<crate::agent::AgentIssue>();
    v.visit::<console::FlightView>();
    v.visit::<console::DisruptionEntry>();
    v.visit::<console::PriorityRow>();
    v.visit::<console::PassengerView>();
    v.visit::<console::PassengerReroute>();
    v.visit::<console::Upgrades>();
    v.visit::<gatecare_ledger::EntitlementKind>();
    v.visit::<crate::print::BulkResult>();
    v.visit::<crate::agent::BulkProgress>();
    v.visit::<crate::print::PrintJobState>();
    v.visit::<crate::cases::AgentCases>();
    v.visit::<crate::cases::AgentCaseOpen>();
    v.visit::<crate::cases::AgentCaseUpdate>();
    v.visit::<crate::cases::AgentCaseResolve>();
    v.visit::<cases::CaseView>();
}
