//! Central and sync: the story on SQLite and on PostgreSQL, every rejection,
//! double issuance across offline kiosks, volume, and faults between kiosk
//! and central.

mod attacks;
mod bodies;
mod certificates;
mod decisions;
mod devices;
mod faults;
mod group_commit;
pub(crate) mod harness;
mod keys;
mod mitm;
mod night;
mod plans;
mod recovery;
mod redemptions;
mod rejections;
mod station;
mod story;
pub(crate) mod tls;
mod upgrade;
mod volume;
