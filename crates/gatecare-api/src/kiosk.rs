//! The kiosk's commands. Each checks the mode (kiosk only) and the session:
//! the screen reaches one passenger, the one who scanned, and only until it
//! has been idle for `kiosk_idle_seconds`.

use gatecare_care::evaluate::CareKind;
use gatecare_kiosk::{Kiosk, KioskHotel, KioskPick, KioskSession, KioskView};
use gatecare_print::Printer;
use gatecare_print::vouchers::{PrintDesk, VoucherPrint};
use gatecare_station::Mode;

use crate::Device;
use crate::error::{ApiError, err};
use crate::print::NoticePrint;
use crate::session::Gone;

impl Device {
    /// The live passenger session, refreshed; an idle one is forgotten.
    pub fn kiosk_session(&self) -> Result<KioskSession, ApiError> {
        self.require_mode(Mode::Kiosk)?;
        self.kiosk.get(Device::wall(), true).map_err(|gone| match gone {
            Gone::Idle => err("kiosk.session_expired", "the session ended"),
            Gone::None => err("kiosk.no_session", "scan a boarding pass first"),
        })
    }

    fn kiosk_start(&self, passenger_id: String, flight_id: String) {
        self.kiosk.start(KioskSession { passenger_id, flight_id }, Device::wall());
    }

    fn station_today(&self) -> chrono::NaiveDate {
        let now = self.now();
        gatecare_reference::airport(&self.settings.station)
            .map_or(now.date_naive(), |a| now.with_timezone(&a.tz).date_naive())
    }

    /// A passenger the kiosk must not serve alone: the consoles are told;
    /// then what the passenger sees.
    async fn kiosk_opened(&self) -> Result<KioskView, ApiError> {
        let s = self.kiosk_session()?;
        Kiosk(self.station()?).kiosk_request_staff(&s, &self.settings.device, self.now()).await?;
        self.kiosk_view_of(&s).await
    }

    async fn kiosk_view_of(&self, s: &KioskSession) -> Result<KioskView, ApiError> {
        Ok(Kiosk(self.station()?).kiosk_view(s, &self.policy, self.now()).await?)
    }

    /// A scanned boarding pass starts the session of its passenger.
    pub async fn kiosk_scan(&self, pass: &str) -> Result<KioskView, ApiError> {
        self.require_mode(Mode::Kiosk)?;
        if pass.len() > 1024 {
            return Err(err("kiosk.not_a_pass", "too long for a boarding pass"));
        }
        let parsed = gatecare_bcbp::parse(pass).map_err(|e| err("kiosk.not_a_pass", e.to_string()))?;
        let found = self
            .station()?
            .match_boarding_pass(&parsed.pass, &self.settings.station, self.station_today())
            .await?;
        let m = found.map_err(|_| err("kiosk.no_match", "no booking matches this pass today"))?;
        self.kiosk_start(m.passenger_id, m.flight_id);
        self.kiosk_opened().await
    }

    /// A booking reference and surname start the session of that passenger.
    pub async fn kiosk_lookup(&self, pnr: &str, surname: &str) -> Result<KioskView, ApiError> {
        self.require_mode(Mode::Kiosk)?;
        if pnr.len() > 16 || surname.len() > 64 {
            return Err(err("kiosk.no_match", "no booking matches"));
        }
        let found = Kiosk(self.station()?)
            .kiosk_find(pnr, surname, self.settings.station.as_str(), self.now())
            .await?;
        let (passenger, flight) =
            found.ok_or_else(|| err("kiosk.no_match", "no booking matches this reference and name today"))?;
        self.kiosk_start(passenger, flight);
        self.kiosk_opened().await
    }

    pub async fn kiosk_view(&self) -> Result<KioskView, ApiError> {
        let s = self.kiosk_session()?;
        self.kiosk_view_of(&s).await
    }

    /// Switches to another passenger of the booking the kiosk's view lists
    /// (a child of an adult, the same surname); anyone else is refused.
    pub async fn kiosk_switch(&self, passenger_id: &str) -> Result<KioskView, ApiError> {
        let s = self.kiosk_session()?;
        let next = Kiosk(self.station()?).kiosk_switch(&s, passenger_id, self.now()).await?;
        let next = next.ok_or_else(|| err("kiosk.no_match", "not a passenger this booking may act for"))?;
        self.kiosk_start(next.passenger_id, next.flight_id);
        self.kiosk_opened().await
    }

    /// Hotels with rooms left, for a passenger who is owed one.
    pub async fn kiosk_hotels(&self) -> Result<Vec<KioskHotel>, ApiError> {
        self.kiosk_session()?;
        Ok(Kiosk(self.station()?).kiosk_hotels(self.settings.station.as_str(), self.now()).await?)
    }

    /// Issues and prints what the session's passenger is owed.
    pub async fn kiosk_print(
        &self,
        kind: CareKind,
        ordinal: u32,
        hotel: Option<String>,
    ) -> Result<VoucherPrint, ApiError> {
        let s = self.kiosk_session()?;
        // No font, no paper: said before anything is issued.
        let fonts = self.fonts()?;
        let spool = self.spool()?;
        let printer_name = self.printer.name();
        let central_url = self.central_url().await?;
        let desk = PrintDesk {
            device: &self.settings.device,
            station: self.settings.station.as_str(),
            fonts,
            printer_name: &printer_name,
            spool: &spool,
            central_url: central_url.as_deref(),
        };
        let pick = KioskPick { kind, ordinal, hotel_block_id: hotel };
        let prepared = Kiosk(self.station()?)
            .kiosk_prepare_print(&s, pick, &self.policy, &desk, self.now())
            .await
            .map_err(|e| err(e.code(), e.to_string()))?;
        self.print_prepared(prepared, gatecare_print::vouchers::KIOSK_PRINT_WAIT).await
    }

    /// Prints the session passenger's written notice of rights on the
    /// receipt printer.
    pub async fn kiosk_print_notice(&self) -> Result<NoticePrint, ApiError> {
        let s = self.kiosk_session()?;
        self.print_notice(&s.passenger_id, &s.flight_id, gatecare_voucher::pdf::Layout::Receipt80).await
    }

    pub fn kiosk_end(&self) -> Result<(), ApiError> {
        self.require_mode(Mode::Kiosk)?;
        self.kiosk.end();
        Ok(())
    }

    pub async fn kiosk_feedback(&self, score: u8) -> Result<(), ApiError> {
        let s = self.kiosk_session()?;
        Ok(Kiosk(self.station()?).kiosk_feedback(&s, score, &self.settings.device, self.now()).await?)
    }

    pub async fn kiosk_enrol(&self, mobile: &str, consent: bool) -> Result<String, ApiError> {
        let s = self.kiosk_session()?;
        if mobile.len() > 32 {
            return Err(err("kiosk.enrol_invalid", "a mobile number has 8 to 15 digits"));
        }
        Kiosk(self.station()?)
            .kiosk_enrol(&s, mobile, consent, &self.settings.device, self.now())
            .await
            .map_err(|e| err("kiosk.enrol_invalid", e.to_string()))
    }
}
