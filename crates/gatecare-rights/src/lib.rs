//! What passengers must be told in writing: why each regime applies to the
//! flight, what this flight's passengers may claim (compensation with its
//! amount and citation, the refund alternative), and how to claim — EU261
//! Art 14(2)'s written notice with the national enforcement body's contact
//! details, and the equivalents of the other regimes.
//!
//! Which body: EU261's Art 16 body of the member state where the flight left
//! from, or for a flight from outside the EU, of the state it arrived in
//! (the Commission's interpretative guidelines, 2016/C 214/04, §7.2).

use serde::Serialize;

use gatecare_care::Evaluation;
use gatecare_care::regime::{Regime, in_eu261_area};

/// Why a regime covers this flight, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegimeReason {
    pub regime: Regime,
    pub en: String,
    pub zh: String,
}

/// The body a passenger complains to when the carrier does not settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EnforcementBody {
    pub name: &'static str,
    pub name_zh: &'static str,
    /// Where to reach it: a web address and, where there is one, a telephone.
    pub contact: &'static str,
}

/// One regime's written notice for one passenger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClaimNotice {
    pub regime: Regime,
    pub title_en: String,
    pub title_zh: String,
    /// What this passenger may claim on this flight (amount, refund), then
    /// how to claim.
    pub lines_en: Vec<String>,
    pub lines_zh: Vec<String>,
    pub body: EnforcementBody,
    pub citation: &'static str,
}

/// National enforcement bodies of the EU261 area, by ISO country code.
/// A state not listed here is pointed to the Commission's list of bodies.
const EU_BODIES: &[(&str, EnforcementBody)] = &[
    (
        "DE",
        EnforcementBody {
            name: "Luftfahrt-Bundesamt", name_zh: "德国联邦航空局", contact: "www.lba.de"
        },
    ),
    (
        "NL",
        EnforcementBody {
            name: "Inspectie Leefomgeving en Transport",
            name_zh: "荷兰人居环境与交通监察局",
            contact: "www.ilent.nl",
        },
    ),
    (
        "ES",
        EnforcementBody {
            name: "Agencia Estatal de Seguridad Aérea",
            name_zh: "西班牙国家航空安全局",
            contact: "www.seguridadaerea.gob.es",
        },
    ),
    ("IT", EnforcementBody { name: "ENAC", name_zh: "意大利民航局", contact: "www.enac.gov.it" }),
    (
        "IE",
        EnforcementBody {
            name: "Commission for Aviation Regulation",
            name_zh: "爱尔兰航空监管委员会",
            contact: "www.aviationreg.ie",
        },
    ),
];

const EU_LIST: EnforcementBody = EnforcementBody {
    name: "the national enforcement body of the member state (list: European Commission, Your Europe)",
    name_zh: "成员国国家执法机构（名单见欧盟委员会 Your Europe 网站）",
    contact: "europa.eu/youreurope/citizens/travel/passenger-rights/air",
};

const UK_CAA: EnforcementBody =
    EnforcementBody {
        name: "UK Civil Aviation Authority", name_zh: "英国民航局", contact: "www.caa.co.uk"
    };
const CTA: EnforcementBody = EnforcementBody {
    name: "Canadian Transportation Agency",
    name_zh: "加拿大运输署",
    contact: "otc-cta.gc.ca",
};
const US_DOT: EnforcementBody = EnforcementBody {
    name: "U.S. Department of Transportation, Office of Aviation Consumer Protection",
    name_zh: "美国交通部航空消费者保护办公室",
    contact: "www.transportation.gov/airconsumer",
};
const CAAC: EnforcementBody = EnforcementBody {
    name: "Civil Aviation Administration of China, passenger service hotline",
    name_zh: "中国民用航空局 民航服务质量监督电话",
    contact: "12326",
};
const ANAC: EnforcementBody =
    EnforcementBody {
        name: "ANAC (Brazil)", name_zh: "巴西国家民航局", contact: "consumidor.gov.br · 163"
    };

/// Why each of `regimes` applies (`licence`: the operating carrier's licence country).
pub fn reasons(
    origin: &str,
    destination: &str,
    licence: Option<&str>,
    regimes: &[Regime],
) -> Vec<RegimeReason> {
    let lic = licence.unwrap_or("");
    regimes
        .iter()
        .map(|&regime| {
            let (en, zh) = match regime {
                Regime::Eu261 if in_eu261_area(origin) => (
                    format!("the flight departs from {origin}, in the EU261 area (Art 3(1)(a))"),
                    format!("航班从欧盟法规适用区域（{origin}）出发（第3(1)(a)条）"),
                ),
                Regime::Eu261 => (
                    format!(
                        "the flight arrives in {destination}, in the EU261 area, on a carrier licensed in {lic} (Art 3(1)(b))"
                    ),
                    format!("航班由{lic}持证承运人运营，抵达欧盟法规适用区域（{destination}）（第3(1)(b)条）"),
                ),
                Regime::Uk261 if origin == "GB" => (
                    "the flight departs from the United Kingdom (Art 3(1)(a))".to_owned(),
                    "航班从英国出发（第3(1)(a)条）".to_owned(),
                ),
                Regime::Uk261 => (
                    format!("the flight arrives in {destination} on a carrier licensed in {lic} (Art 3(1)(b))"),
                    format!("航班由{lic}持证承运人运营，抵达{destination}（第3(1)(b)条）"),
                ),
                Regime::Appr => (
                    "the flight is to, from or within Canada (Canada Transportation Act s.86.11(1))".to_owned(),
                    "航班往返或在加拿大境内（《加拿大运输法》第86.11(1)条）".to_owned(),
                ),
                Regime::CnMot2016 if origin == "CN" => (
                    "the flight departs from mainland China".to_owned(),
                    "航班从中国大陆出发".to_owned(),
                ),
                Regime::CnMot2016 => (
                    "the carrier is licensed in mainland China".to_owned(),
                    "承运人为中国大陆持证航空公司".to_owned(),
                ),
                Regime::Anac400 => ("the flight departs from Brazil".to_owned(), "航班从巴西出发".to_owned()),
                Regime::UsDot => (
                    "a US carrier, where no statute above applies (its commitments to the DOT)".to_owned(),
                    "美国承运人，无其他法规适用时（其对美国交通部的承诺）".to_owned(),
                ),
            };
            RegimeReason { regime, en, zh }
        })
        .collect()
}

/// Where a passenger of this regime complains after the carrier.
pub fn enforcement_body(regime: Regime, origin: &str, destination: &str) -> EnforcementBody {
    match regime {
        Regime::Eu261 => {
            let state = if in_eu261_area(origin) { origin } else { destination };
            EU_BODIES.iter().find(|(c, _)| *c == state).map_or(EU_LIST, |(_, b)| *b)
        }
        Regime::Uk261 => UK_CAA,
        Regime::Appr => CTA,
        Regime::UsDot => US_DOT,
        Regime::CnMot2016 => CAAC,
        Regime::Anac400 => ANAC,
    }
}

/// Amount in major units with its currency, as a passenger reads it.
fn amount(minor: i64, currency: &str) -> String {
    let exponent = gatecare_core::Currency::parse(currency).map_or(2, |c| c.minor_digits());
    let unit = 10i64.pow(u32::from(exponent));
    let major = minor / unit;
    let digits = major.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match minor % unit {
        0 => format!("{currency} {grouped}"),
        rest => format!("{currency} {grouped}.{:0width$}", rest, width = exponent as usize),
    }
}

/// The written notices for one passenger's evaluation, one per regime.
/// `carrier`: the operating carrier's name, whom claims go to first.
pub fn claim_notices(e: &Evaluation, carrier: &str, origin: &str, destination: &str) -> Vec<ClaimNotice> {
    e.regimes
        .iter()
        .map(|&regime| {
            let body = enforcement_body(regime, origin, destination);
            let mut en = Vec::new();
            let mut zh = Vec::new();
            for c in e.compensation.iter().filter(|c| c.regime == regime && c.amount_minor > 0) {
                let a = amount(c.amount_minor, c.currency);
                en.push(format!("Compensation for this flight: {a} ({}).", c.citation));
                zh.push(format!("本航班的赔偿：{a}（{}）。", citation_zh(c.citation)));
            }
            let refund = e.citations.iter().find(|c| match regime {
                Regime::Eu261 => c.starts_with("EU261 Art 8"),
                Regime::Uk261 => c.starts_with("UK261 Art 8"),
                Regime::Appr => c.starts_with("SOR/2019-150 s.17"),
                Regime::Anac400 => c.starts_with("ANAC Res. 400 Art 21"),
                Regime::UsDot => c.starts_with("14 CFR 260"),
                Regime::CnMot2016 => false,
            });
            if let Some(cite) = refund {
                en.push(format!(
                    "Instead of travelling on, you may choose a refund of your ticket ({cite}); care ends when you choose it."
                ));
                zh.push(format!("您也可以选择退票而不继续旅行（{}）；选择退票后，照料随之结束。", citation_zh(cite)));
            }
            let (title_en, title_zh, how_en, how_zh, citation) = match regime {
                Regime::Eu261 | Regime::Uk261 => {
                    let law = if regime == Regime::Eu261 { "Regulation (EC) No 261/2004" } else { "UK Regulation 261/2004" };
                    let law_zh = if regime == Regime::Eu261 { "欧盟第261/2004号条例" } else { "英国第261/2004号条例" };
                    (
                        format!("Your rights under {law}"),
                        format!("您根据{law_zh}享有的权利"),
                        format!(
                            "When a flight is cancelled, delayed by two to four hours or more depending on its distance \
                             (Art 6(1)), or you are denied boarding, the carrier owes you meals and refreshments in \
                             relation to the waiting time and two telephone calls or messages, and a hotel with transport \
                             when a stay of one or more nights becomes necessary (Art 9); the choice between a refund and re-routing (Art 8); and, unless the cause was an \
                             extraordinary circumstance (Art 5(3)), compensation by distance (Art 7). Claim compensation \
                             and refunds in writing from {carrier}, the operating carrier, and keep receipts for any care \
                             you paid for yourself. If {carrier} does not answer or you disagree, complain to {} ({})."
                        , body.name, body.contact),
                        format!(
                            "航班取消、按航程距离延误两至四小时以上（第6(1)条）或被拒绝登机时，承运人应按等待时间提供餐食饮料和两次电话或信息，\
                             需要过夜时提供酒店及往返交通（第9条）；您可在退票和改签之间选择（第8条）；\
                             除非原因属于特殊情况（第5(3)条），您还可按航程距离获得赔偿（第7条）。\
                             请以书面形式向实际承运人{carrier}申请赔偿和退款，并保留自行支付照料费用的收据。\
                             如{carrier}未答复或您不同意其答复，可向{}（{}）投诉。"
                        , body.name_zh, body.contact),
                        if regime == Regime::Eu261 { "EU261 Art 14(2), 16" } else { "UK261 Art 14(2), 16" },
                    )
                }
                Regime::Appr => (
                    "Your rights under the Air Passenger Protection Regulations (Canada)".to_owned(),
                    "您根据加拿大《航空旅客保护条例》享有的权利".to_owned(),
                    format!(
                        "Request compensation from {carrier} in writing; the carrier must answer within 30 days. If it \
                         does not, or you disagree, file a complaint with the {} ({}).",
                        body.name, body.contact
                    ),
                    format!(
                        "请以书面形式向{carrier}申请赔偿，承运人须在30天内答复。如未答复或您不同意，可向{}（{}）投诉。",
                        body.name_zh, body.contact
                    ),
                    "SOR/2019-150 s.19(3), s.19(4)",
                ),
                Regime::UsDot => (
                    "Your rights on a US carrier".to_owned(),
                    "您乘坐美国承运人航班的权利".to_owned(),
                    format!(
                        "{carrier}'s commitments on the DOT Airline Customer Service Dashboard set the care you receive; \
                         a cancelled or significantly changed flight gives a cash refund if you decline the alternative \
                         (14 CFR 260). Complaints: {} ({}).",
                        body.name, body.contact
                    ),
                    format!(
                        "{carrier}在美国交通部客户服务看板上的承诺决定您获得的照料；航班取消或重大变更时，\
                         如您不接受替代方案，可获现金退款（14 CFR 260）。投诉：{}（{}）。",
                        body.name_zh, body.contact
                    ),
                    "14 CFR 260; US DOT dashboard",
                ),
                Regime::CnMot2016 => (
                    "Your rights under China's flight regularity rules (2016)".to_owned(),
                    "您根据《航班正常管理规定》（2016）享有的权利".to_owned(),
                    format!(
                        "Ask {carrier} at the gate or its service counter first. If the answer does not satisfy you, \
                         call the {} on {}.",
                        body.name, body.contact
                    ),
                    format!("请先向{carrier}登机口或服务柜台提出。如不满意，可拨打{}{}。", body.name_zh, body.contact),
                    "航班正常管理规定 第二十九条",
                ),
                Regime::Anac400 => (
                    "Your rights under ANAC Resolution 400 (Brazil)".to_owned(),
                    "您根据巴西民航局第400号决议享有的权利".to_owned(),
                    format!(
                        "Claim from {carrier} first; if it does not settle, complain through {} ({}).",
                        body.name, body.contact
                    ),
                    format!("请先向{carrier}提出；如未解决，可通过{}（{}）投诉。", body.name_zh, body.contact),
                    "ANAC Res. 400 Art 21, 26-27",
                ),
            };
            en.push(how_en);
            zh.push(how_zh);
            ClaimNotice { regime, title_en, title_zh, lines_en: en, lines_zh: zh, body, citation }
        })
        .collect()
}

/// A citation as the Chinese screen and paper show it: the instrument's
/// Chinese name, articles as 第…条, and the known English glosses translated.
/// Chinese citations pass through unchanged.
pub fn citation_zh(citation: &str) -> String {
    const INSTRUMENTS: &[(&str, &str)] = &[
        ("EU261 ", "欧盟第261/2004号条例 "),
        ("UK261 ", "英国第261/2004号条例 "),
        ("SOR/2019-150 ", "加拿大《航空旅客保护条例》"),
        ("ANAC Res. 400 ", "巴西民航局第400号决议 "),
        ("14 CFR 260.6", "美国联邦法规第14编第260.6节"),
        ("14 CFR 260", "美国联邦法规第14编第260部分"),
        ("CJEU C-402/07 Sturgeon", "欧盟法院 C-402/07 Sturgeon 案"),
        ("Sturgeon", "Sturgeon 案"),
        ("US DOT dashboard", "美国交通部客户服务看板"),
        ("Airline care policy", "航空公司照料政策"),
    ];
    const GLOSSES: &[(&str, &str)] = &[
        ("meals in relation to the waiting time", "按等待时间提供餐食"),
        ("a first meal while you wait", "等待期间的第一餐"),
        ("a further meal while the wait goes on", "等待持续时的下一餐"),
        ("a hotel when the wait runs overnight", "等待过夜时提供酒店"),
        ("complimentary hotel for an overnight controllable delay", "可控原因延误过夜时免费提供酒店"),
        ("ground transportation to and from the hotel", "往返酒店的地面交通"),
        ("meal voucher for a controllable delay of 3 hours or more", "可控原因延误3小时以上提供餐券"),
    ];
    if citation.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        return citation.to_owned();
    }
    let part = |p: &str| -> String {
        let (head, gloss) = p.split_once(": ").map_or((p, None), |(h, g)| (h, Some(g)));
        let mut out = head.to_owned();
        for (en, zh) in INSTRUMENTS {
            if let Some(rest) = out.strip_prefix(en) {
                out = format!("{zh}{rest}");
                break;
            }
        }
        // "Art 9(1)(a)" and "s.14(2)": 第9(1)(a)条; "Art 27, III": 第27条第III项
        // (an inciso is a 项; a parágrafo, "§1", a 款).
        let words: Vec<String> = out
            .split(", ")
            .map(|w| {
                let w = w.trim();
                let (lead, art) = match w.find("Art ").or_else(|| w.find("s.")) {
                    Some(i) => (&w[..i], &w[i..]),
                    None => return w.to_owned(),
                };
                let num = art.trim_start_matches("Art ").trim_start_matches("s.");
                let (num, tail) = num.split_once(' ').unwrap_or((num, ""));
                let tail = if tail.is_empty() { String::new() } else { format!(" {tail}") };
                format!("{lead}第{num}条{tail}")
            })
            .collect();
        let mut out = words.join("，");
        for roman in ["III", "II", "I"] {
            if out.ends_with(&format!("，{roman}")) || out.contains(&format!("，{roman} ")) {
                out = out.replacen(&format!("，{roman}"), &format!("第{roman}项"), 1);
                break;
            }
        }
        let out = out.replace(" and §", "及第").replace("§", "第");
        let out = if out.contains("及第") && !out.ends_with('款') { format!("{out}款") } else { out };
        match gloss {
            Some(g) => {
                let zh = GLOSSES.iter().find(|(en, _)| *en == g).map_or(g, |(_, zh)| zh);
                format!("{out}：{zh}")
            }
            None => out,
        }
    };
    citation.split("; ").map(part).collect::<Vec<_>>().join("；")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_departure_states_or_for_an_inbound_flight_the_arrival_states() {
        assert_eq!(enforcement_body(Regime::Eu261, "HK", "DE").name, "Luftfahrt-Bundesamt");
        assert_eq!(enforcement_body(Regime::Eu261, "NL", "DE").contact, "www.ilent.nl");
        assert_eq!(enforcement_body(Regime::Eu261, "HK", "PT").contact, EU_LIST.contact);
        assert_eq!(enforcement_body(Regime::Uk261, "HK", "GB").name, "UK Civil Aviation Authority");
    }

    #[test]
    fn amounts_read_as_money_with_separators() {
        assert_eq!(amount(60000, "EUR"), "EUR 600");
        assert_eq!(amount(240000, "CAD"), "CAD 2,400");
        assert_eq!(amount(12550, "GBP"), "GBP 125.50");
        assert_eq!(amount(5000, "JPY"), "JPY 5,000");
    }

    #[test]
    fn citations_read_in_chinese() {
        assert_eq!(citation_zh("EU261 Art 9(1)(a)"), "欧盟第261/2004号条例 第9(1)(a)条");
        assert_eq!(
            citation_zh("EU261 Art 9(1)(a): meals in relation to the waiting time"),
            "欧盟第261/2004号条例 第9(1)(a)条：按等待时间提供餐食"
        );
        assert_eq!(citation_zh("SOR/2019-150 s.14(2)"), "加拿大《航空旅客保护条例》第14(2)条");
        assert_eq!(citation_zh("ANAC Res. 400 Art 27, III"), "巴西民航局第400号决议 第27条第III项");
        assert_eq!(
            citation_zh("EU261 Art 7(1); CJEU C-402/07 Sturgeon"),
            "欧盟第261/2004号条例 第7(1)条；欧盟法院 C-402/07 Sturgeon 案"
        );
        assert_eq!(
            citation_zh("Airline care policy: a first meal while you wait"),
            "航空公司照料政策：等待期间的第一餐"
        );
        assert_eq!(citation_zh("航班正常管理规定 第二十九条(一)"), "航班正常管理规定 第二十九条(一)");
        // An inciso is a 项, a parágrafo a 款; a section of 14 CFR 260 a 节.
        assert_eq!(
            citation_zh("ANAC Res. 400 Art 27, III and §2"),
            "巴西民航局第400号决议 第27条第III项及第2款"
        );
        assert_eq!(citation_zh("14 CFR 260.6"), "美国联邦法规第14编第260.6节");
        for c in [
            "ANAC Res. 400 Art 27, III and §1",
            "EU261 Art 4(3), Art 7(1)",
            "UK261 Art 5(1)(c), Art 7(1)",
            "SOR/2019-150 s.19(1)(b)",
            "US DOT dashboard: ground transportation to and from the hotel",
            "US DOT dashboard: meal voucher for a controllable delay of 3 hours or more",
            "Airline care policy: a hotel when the wait runs overnight",
            "14 CFR 260.6",
        ] {
            let zh = citation_zh(c);
            assert!(
                !zh.contains("Art ") && !zh.contains(" s.") && !zh.contains(" and ") && !zh.contains("hotel"),
                "{c} -> {zh}"
            );
        }
    }

    #[test]
    fn reasons_name_the_article_that_brings_the_flight_in() {
        let r = reasons("HK", "DE", Some("DE"), &[Regime::Eu261]);
        assert!(r[0].en.contains("arrives in DE") && r[0].en.contains("Art 3(1)(b)"), "{}", r[0].en);
        let r = reasons("HK", "CN", Some("CN"), &[Regime::CnMot2016]);
        assert_eq!(r[0].zh, "承运人为中国大陆持证航空公司");
    }
}
