//! The hash chain over ledger and audit records: each record's hash covers
//! the previous hash and the record's canonical text, so changing, removing
//! or reordering any committed record breaks every link after it.

use sha2::{Digest, Sha256};

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `sha256(prev_hash || 0x1E || canonical)`, lower-case hex.
pub fn link(prev_hash: &str, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update([0x1E]);
    h.update(canonical.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The canonical text of a record: its fields joined by the unit separator,
/// which no field may contain (callers replace it).
pub fn canonical(fields: &[&str]) -> String {
    fields.iter().map(|f| f.replace('\u{1F}', " ")).collect::<Vec<_>>().join("\u{1F}")
}

/// One stored record as the verifier sees it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub seq: i64,
    pub canonical: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("broken link at record {seq}: {reason}")]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: &'static str,
}

/// Checks records in `seq` order; the first problem is reported.
pub fn verify(records: impl IntoIterator<Item = Stored>) -> Result<u64, BrokenLink> {
    let mut prev = GENESIS.to_owned();
    let mut last_seq = 0;
    let mut n = 0;
    for r in records {
        if r.seq <= last_seq {
            return Err(BrokenLink { seq: r.seq, reason: "sequence out of order" });
        }
        if r.prev_hash != prev {
            return Err(BrokenLink {
                seq: r.seq,
                reason: "previous hash does not match (a record was removed or reordered)",
            });
        }
        if link(&prev, &r.canonical) != r.hash {
            return Err(BrokenLink { seq: r.seq, reason: "hash does not match the record (it was changed)" });
        }
        prev = r.hash;
        last_seq = r.seq;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<Stored> {
        let mut prev = GENESIS.to_owned();
        (1..=n as i64)
            .map(|seq| {
                let c = canonical(&["issued", &seq.to_string(), "CZ342/2026-11-22/784/meal/1"]);
                let hash = link(&prev, &c);
                let r = Stored { seq, canonical: c, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                r
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(chain(5)), Ok(5));
        assert_eq!(verify(Vec::new()), Ok(0));
    }

    #[test]
    fn any_change_is_found_at_its_record() {
        let mut c = chain(5);
        c[2].canonical.push('x');
        assert_eq!(verify(c).unwrap_err().seq, 3);
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify(c).unwrap_err().seq, 3);
        let mut c = chain(5);
        c.swap(1, 2);
        assert!(verify(c).is_err());
        let mut c = chain(3);
        c[0].hash = link(GENESIS, "forged");
        assert_eq!(verify(c).unwrap_err().seq, 1);
    }

    #[test]
    fn separators_inside_fields_cannot_fake_a_boundary() {
        assert_ne!(canonical(&["a\u{1F}b", "c"]), canonical(&["a", "b\u{1F}c"]));
    }
}
