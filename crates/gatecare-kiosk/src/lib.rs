//! The self-service kiosk: what one matched passenger sees, who on their
//! booking they may act for, and printing what they are owed. Only owed
//! care, only for the passenger of the current session; the session ends
//! after a quiet minute. It works on a station (`gatecare-station`) as
//! [`Kiosk`], one module a concept: the passenger's view and booking, staff
//! called, feedback, programme enrolment, hotels, printing.

mod enrolment;
mod feedback;
mod hotels;
mod print;
mod staff;
mod view;

use std::ops::Deref;

use gatecare_care::evaluate::CareKind;
use gatecare_station::Station;

pub use hotels::KioskHotel;
pub use view::{KioskEntitlement, KioskFlight, KioskMember, KioskPassenger, KioskView};

/// A station serving passengers at a kiosk: `Kiosk(&station).kiosk_view(…)`.
/// It reads as the station too (`Deref`).
#[derive(Clone, Copy)]
pub struct Kiosk<'a>(pub &'a Station);

impl Deref for Kiosk<'_> {
    type Target = Station;

    fn deref(&self) -> &Station {
        self.0
    }
}

/// What the passenger chose to print: the kind, which one of it, and for a
/// hotel, the hotel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskPick {
    pub kind: CareKind,
    pub ordinal: u32,
    pub hotel_block_id: Option<String>,
}

/// Who the kiosk is serving. How long the screen has been idle is the
/// app's to track (wall time, not the business clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskSession {
    pub passenger_id: String,
    pub flight_id: String,
}

/// Passengers a self-service kiosk must not serve alone.
pub fn needs_staff(needs: &[gatecare_core::SpecialNeed]) -> bool {
    needs.contains(&gatecare_core::SpecialNeed::UnaccompaniedMinor)
}
