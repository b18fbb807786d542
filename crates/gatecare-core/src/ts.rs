//! TypeScript for the types that cross the app's IPC (feature `ts`, used by
//! gatecare-api): the codes and the currency travel as their text.

use ts_rs::{Config, TS};

macro_rules! as_string {
    ($($t:ty),*) => {$(
        impl TS for $t {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;

            fn name(_: &Config) -> String {
                "string".to_owned()
            }

            fn inline(_: &Config) -> String {
                "string".to_owned()
            }
        }
    )*};
}

as_string!(crate::AirportCode, crate::CarrierCode, crate::FlightNumber, crate::Pnr, crate::Currency);
