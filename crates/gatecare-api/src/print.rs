//! Printing from the device: one voucher (waited for, journalled), a batch
//! as one job (not waited for), a written notice; and the QRs for the
//! screen when the paper does not come out. `lp` and `lpstat` block for up
//! to 30 s, so they run on blocking threads.

use gatecare_bulk::BulkSummary;
use gatecare_print::vouchers::{PreparedPrint, PrintDesk, VoucherPrint, VoucherQr};
use gatecare_print::{JobState, Printer};
use gatecare_store::Issued;
use serde::Serialize;

use crate::Device;
use crate::error::{ApiError, err};

/// Whether a printed notice reached the printer, and if not, why (a code).
#[derive(ts_rs::TS, Debug, Clone, Serialize)]
pub struct NoticePrint {
    pub printed: bool,
    pub error: Option<&'static str>,
}

#[derive(ts_rs::TS, Debug, Serialize)]
pub struct BulkResult {
    pub summary: BulkSummary,
    /// The batch went to the printer as this job; the screen follows it
    /// with `agent_print_job`.
    pub print_job: Option<String>,
    /// The printer refused the job outright.
    pub print_error: Option<&'static str>,
    /// The vouchers of the job (or of the refused one), to follow or show.
    pub voucher_ids: Vec<String>,
    /// When the printer refused it: each voucher's QR for the screen.
    pub unprinted: Vec<VoucherQr>,
}

/// Where a batch job is.
#[derive(ts_rs::TS, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobProgress {
    Pending,
    Printed,
    Failed,
}

/// A batch job as the printer reports it.
#[derive(ts_rs::TS, Debug, Serialize)]
pub struct PrintJobState {
    pub state: JobProgress,
    pub print_error: Option<&'static str>,
    /// When it failed: each voucher's QR for the screen.
    pub unprinted: Vec<VoucherQr>,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| err("print.failed", e.to_string()))
}

impl Device {
    /// Prints a voucher already rendered to the spool and journals the outcome.
    pub(crate) async fn print_prepared(
        &self,
        prepared: PreparedPrint,
        wait: std::time::Duration,
    ) -> Result<VoucherPrint, ApiError> {
        let printer = self.printer.clone();
        let printer_name = printer.name();
        let job = prepared.clone();
        let outcome = blocking(move || gatecare_print::vouchers::print_file(&printer, &job, wait)).await?;
        Ok(gatecare_print::vouchers::finish_print(
            self.station()?,
            prepared,
            outcome,
            &printer_name,
            self.now(),
        )
        .await?)
    }

    /// Central's address for the link to a voucher's copy on a phone: the
    /// `pass_url` setting (phones reach central by a public name), else the
    /// address this device enrolled with; None for a device never enrolled.
    pub(crate) async fn central_url(&self) -> Result<Option<String>, ApiError> {
        let enrolled = self.station()?.enrolment().await?.map(|e| e.central_url);
        Ok(enrolled.map(|url| self.settings.pass_url.clone().unwrap_or(url)))
    }

    /// Prints one voucher on the console's printer: rendered, journalled,
    /// then submitted and waited for. When the paper does not come out, the
    /// result carries the QR for the screen.
    pub(crate) async fn print_one(&self, issued: Issued) -> Result<VoucherPrint, ApiError> {
        let spool = self.spool()?;
        let printer_name = self.printer.name();
        let central_url = self.central_url().await?;
        let desk = PrintDesk {
            device: &self.settings.device,
            station: self.settings.station.as_str(),
            fonts: self.fonts()?,
            printer_name: &printer_name,
            spool: &spool,
            central_url: central_url.as_deref(),
        };
        let prepared = gatecare_print::vouchers::prepare_print(self.station()?, issued, &desk, self.now())
            .await
            .map_err(|e| err(e.code(), e.to_string()))?;
        self.print_prepared(prepared, gatecare_print::vouchers::CONSOLE_PRINT_WAIT).await
    }

    /// Renders a passenger's written notice of rights and prints it.
    pub(crate) async fn print_notice(
        &self,
        passenger_id: &str,
        flight_id: &str,
        layout: gatecare_voucher::pdf::Layout,
    ) -> Result<NoticePrint, ApiError> {
        let notice = self
            .station()?
            .rights_notice(passenger_id, flight_id, &self.policy, self.now())
            .await?
            .ok_or_else(|| err("notice.none", "no regime's notice applies"))?;
        let pdf = gatecare_voucher::pdf::render_notice(&notice, layout, self.fonts()?)
            .map_err(|e| err("print.render", e.to_string()))?;
        let printer = self.printer.clone();
        let spool = self.spool()?;
        let name = format!("notice-{}", uuid::Uuid::now_v7());
        let outcome = blocking(move || {
            gatecare_print::cups::print_document(&printer, &spool, &name, &pdf, layout.media())
        })
        .await?;
        Ok(match outcome {
            Ok(JobState::Completed) => NoticePrint { printed: true, error: None },
            Ok(_) => NoticePrint { printed: false, error: Some("print.failed") },
            Err(e) => NoticePrint { printed: false, error: Some(e.code()) },
        })
    }

    /// Each voucher's signed QR, for the screen when its paper did not come out.
    pub(crate) async fn qrs(&self, voucher_ids: &[String]) -> Result<Vec<VoucherQr>, ApiError> {
        let station = self.station()?;
        let signer = station.device_signer(&self.settings.device, self.now()).await?;
        Ok(gatecare_print::vouchers::voucher_qrs(station, voucher_ids, &signer).await?)
    }

    /// Renders a batch of vouchers as one PDF and submits it without waiting.
    pub(crate) async fn submit_batch(
        &self,
        summary: BulkSummary,
        voucher_ids: Vec<String>,
        name: &str,
    ) -> Result<BulkResult, ApiError> {
        if voucher_ids.is_empty() {
            return Ok(BulkResult {
                summary,
                print_job: None,
                print_error: None,
                voucher_ids,
                unprinted: vec![],
            });
        }
        let fonts = self.fonts()?;
        let station = self.station()?;
        let signer = station.device_signer(&self.settings.device, self.now()).await?;
        let layout = gatecare_voucher::pdf::Layout::Receipt80;
        let pdf =
            gatecare_print::vouchers::flight_pdf(station, &voucher_ids, &signer, fonts, layout, |_, _| {})
                .await?;
        let printer = self.printer.clone();
        let spool = self.spool()?;
        let name = format!("{name}-{}", uuid::Uuid::now_v7());
        let submitted = blocking(move || {
            gatecare_print::cups::submit_document(&printer, &spool, &name, &pdf, layout.media())
        })
        .await?;
        Ok(match submitted {
            Ok(job) => BulkResult {
                summary,
                print_job: Some(job),
                print_error: None,
                voucher_ids,
                unprinted: vec![],
            },
            Err(e) => BulkResult {
                summary,
                print_job: None,
                print_error: Some(e.code()),
                unprinted: self.qrs(&voucher_ids).await?,
                voucher_ids,
            },
        })
    }

    /// Where a batch job stands: asked once of the print system (no
    /// waiting); when it failed, the vouchers' QRs.
    pub(crate) async fn print_job_state(
        &self,
        job: String,
        voucher_ids: &[String],
    ) -> Result<PrintJobState, ApiError> {
        let printer = self.printer.clone();
        let asked = blocking(move || printer.state(&job)).await?;
        let error = match asked {
            Ok(JobState::Pending) => {
                return Ok(PrintJobState {
                    state: JobProgress::Pending,
                    print_error: None,
                    unprinted: vec![],
                });
            }
            Ok(JobState::Completed) => {
                return Ok(PrintJobState {
                    state: JobProgress::Printed,
                    print_error: None,
                    unprinted: vec![],
                });
            }
            Ok(JobState::Failed { .. }) => "print.failed",
            Err(e) => e.code(),
        };
        Ok(PrintJobState {
            state: JobProgress::Failed,
            print_error: Some(error),
            unprinted: self.qrs(voucher_ids).await?,
        })
    }
}
