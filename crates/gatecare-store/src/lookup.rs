//! Finding passengers: by PNR and surname, frequent-flyer number, ticket
//! number, and a name search that handles Latin prefixes, diacritics,
//! Chinese characters and pinyin ("zhang wei" finds 张伟).

use gatecare_core::fold_to_ascii;
use pinyin::{ToPinyin, ToPinyinMulti};
use serde::Serialize;

use crate::store::{Store, StoreError};

/// Read as it is selected ([`HIT_SELECT`] names a column for each field).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, sqlx::FromRow)]
pub struct PassengerHit {
    pub passenger_id: String,
    pub flight_id: String,
    pub flight: String,
    pub surname: String,
    pub given_names: String,
    pub native_name: Option<String>,
    pub pnr: String,
    pub seat: Option<String>,
    pub cabin: String,
}

const HIT_SELECT: &str = "SELECT p.id AS passenger_id, s.flight_id, f.carrier || f.number AS flight, p.surname, \
     p.given_names, p.native_name, s.pnr, s.seat, s.cabin \
     FROM passengers p JOIN segments s ON s.passenger_id = p.id JOIN flights f ON f.id = s.flight_id ";

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}')
}

/// Pinyin syllables of a Chinese name (upper case), with every reading of
/// the surname character (曾 is ZENG as a surname, CENG elsewhere).
fn pinyin_tokens(native: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut syllables = Vec::new();
    for (i, (c, p)) in native.chars().zip(native.to_pinyin()).enumerate() {
        if let Some(p) = p {
            syllables.push(p.plain().to_ascii_uppercase());
        }
        if i == 0
            && let Some(multi) = c.to_pinyin_multi()
        {
            for p in multi {
                out.push(p.plain().to_ascii_uppercase());
            }
        }
    }
    if syllables.len() > 1 {
        out.push(syllables.concat());
    }
    out.extend(syllables);
    out
}

/// Index tokens of one passenger.
pub fn name_tokens(surname: &str, given_names: &str, native: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let parts = |s: &str| -> Vec<String> {
        fold_to_ascii(s).split([' ', '-']).filter(|p| !p.is_empty()).map(str::to_owned).collect()
    };
    let sur = parts(surname);
    let giv = parts(given_names);
    out.push(sur.concat());
    out.push(format!("{}{}", sur.concat(), giv.concat()));
    out.extend(sur);
    out.extend(giv);
    if let Some(n) = native.map(str::trim).filter(|n| !n.is_empty()) {
        out.push(n.to_owned());
        out.extend(pinyin_tokens(n));
    }
    out.retain(|t| !t.is_empty());
    out.sort();
    out.dedup();
    out
}

/// Tokens of a search query: Chinese stays Chinese, the rest is folded.
pub fn query_tokens(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in q.split(|c: char| c.is_whitespace() || c == '/' || c == ',').filter(|w| !w.is_empty()) {
        if word.chars().any(is_han) {
            out.push(word.chars().filter(|c| is_han(*c)).collect());
        } else {
            let f: String = fold_to_ascii(word).chars().filter(char::is_ascii_alphanumeric).collect();
            if !f.is_empty() {
                out.push(f);
            }
        }
    }
    out.truncate(4);
    out
}

/// The upper bound of a prefix range.
fn prefix_end(p: &str) -> String {
    format!("{p}\u{10FFFF}")
}

impl Store {
    pub async fn find_by_pnr_surname(
        &self,
        pnr: &str,
        surname: &str,
    ) -> Result<Vec<PassengerHit>, StoreError> {
        let want: String = fold_to_ascii(surname).chars().filter(char::is_ascii_alphanumeric).collect();
        if want.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query_as::<_, PassengerHit>(sqlx::AssertSqlSafe(format!(
            "{HIT_SELECT} WHERE s.pnr = ? ORDER BY f.scheduled_departure"
        )))
        .bind(pnr.trim().to_ascii_uppercase())
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for h in rows {
            let held: String =
                fold_to_ascii(&h.surname).chars().filter(char::is_ascii_alphanumeric).collect();
            if held == want {
                out.push(h);
            }
        }
        Ok(out)
    }

    pub async fn find_by_frequent_flyer(&self, number: &str) -> Result<Vec<PassengerHit>, StoreError> {
        Ok(sqlx::query_as::<_, PassengerHit>(sqlx::AssertSqlSafe(format!(
            "{HIT_SELECT} WHERE p.id IN (SELECT passenger_id FROM loyalty_profiles WHERE ff_number = ?)"
        )))
        .bind(number.trim().to_ascii_uppercase())
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn find_by_ticket(&self, ticket: &str) -> Result<Vec<PassengerHit>, StoreError> {
        let t: String = ticket.chars().filter(char::is_ascii_digit).collect();
        Ok(sqlx::query_as::<_, PassengerHit>(sqlx::AssertSqlSafe(format!(
            "{HIT_SELECT} WHERE s.ticket_number = ?"
        )))
        .bind(t)
        .fetch_all(self.pool())
        .await?)
    }

    /// Passengers whose name tokens start with every token of the query.
    pub async fn search_names(&self, query: &str, limit: u32) -> Result<Vec<PassengerHit>, StoreError> {
        let mut tokens = query_tokens(query);
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let limit = limit.clamp(1, 200) as i64;
        // Several Latin words: their concatenation is one indexed token
        // ("zhang wei" → ZHANGWEI), far more selective than each alone.
        let mut ids: Vec<String> = Vec::new();
        if tokens.len() > 1 && tokens.iter().all(|t| t.is_ascii()) {
            let joined = tokens.concat();
            ids = sqlx::query_scalar(
                "SELECT DISTINCT passenger_id FROM name_index WHERE token >= ? AND token < ? LIMIT ?",
            )
            .bind(&joined)
            .bind(prefix_end(&joined))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        }
        if (ids.len() as i64) < limit {
            // Most selective (longest) token drives the scan.
            tokens.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
            let mut sql = String::from(
                "SELECT DISTINCT n0.passenger_id FROM name_index n0 WHERE n0.token >= ? AND n0.token < ?",
            );
            for i in 1..tokens.len() {
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM name_index n{i} WHERE n{i}.passenger_id = n0.passenger_id \
                     AND n{i}.token >= ? AND n{i}.token < ?)"
                ));
            }
            sql.push_str(" LIMIT ?");
            // Only placeholders are interpolated; values are bound.
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for t in &tokens {
                q = q.bind(t.clone()).bind(prefix_end(t));
            }
            for id in q.bind(limit).fetch_all(self.pool()).await? {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids.truncate(limit as usize);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let hits = sqlx::query_as::<_, PassengerHit>(sqlx::AssertSqlSafe(format!(
                "{HIT_SELECT} WHERE p.id = ?"
            )))
            .bind(&id)
            .fetch_all(self.pool())
            .await?;
            out.extend(hits);
        }
        Ok(out)
    }

    /// Rebuilds the name index from the passengers table (after an upgrade
    /// from a schema that had none, or a manifest refresh).
    pub async fn rebuild_name_index(&self) -> Result<u64, StoreError> {
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM name_index").execute(&mut *tx).await?;
        /// A passenger's names, to index.
        #[derive(sqlx::FromRow)]
        struct NamesRow {
            id: String,
            surname: String,
            given_names: String,
            native_name: Option<String>,
        }
        let rows =
            sqlx::query_as::<_, NamesRow>("SELECT id, surname, given_names, native_name FROM passengers")
                .fetch_all(&mut *tx)
                .await?;
        let mut n = 0;
        for r in rows {
            let id = r.id;
            for t in name_tokens(&r.surname, &r.given_names, r.native_name.as_deref()) {
                sqlx::query("INSERT OR IGNORE INTO name_index (token, passenger_id) VALUES (?, ?)")
                    .bind(t)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                n += 1;
            }
        }
        sqlx::query("INSERT INTO settings (key, value) VALUES ('name_index', '1') ON CONFLICT (key) DO UPDATE SET value = '1'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_latin_chinese_and_pinyin() {
        let t = name_tokens("ZHANG", "WEI", Some("张伟"));
        for want in ["ZHANG", "WEI", "ZHANGWEI", "张伟"] {
            assert!(t.contains(&want.to_string()), "{want} in {t:?}");
        }
        let t = name_tokens("Müller-Lüdenscheidt", "Hans Peter", None);
        for want in ["MULLER", "LUDENSCHEIDT", "MULLERLUDENSCHEIDT", "HANS", "PETER"] {
            assert!(t.contains(&want.to_string()), "{want} in {t:?}");
        }
        // A Chinese name with no Latin form still gets its pinyin.
        let t = name_tokens("X", "", Some("曾国藩"));
        assert!(t.contains(&"ZENG".to_string()), "{t:?}");
        assert!(t.contains(&"GUO".to_string()), "{t:?}");
    }

    #[test]
    fn queries_fold_and_split() {
        assert_eq!(query_tokens("zhang wei"), vec!["ZHANG", "WEI"]);
        assert_eq!(query_tokens(" Müller "), vec!["MULLER"]);
        assert_eq!(query_tokens("张伟"), vec!["张伟"]);
        assert_eq!(query_tokens("ZHANG/WEI"), vec!["ZHANG", "WEI"]);
        assert!(query_tokens("  ' ").is_empty());
        assert_eq!(query_tokens("a b c d e f").len(), 4);
    }
}
