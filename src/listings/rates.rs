//! Market rates. The euro and the lev are fixed; the other currencies Scout converts to (USD,
//! RON, GBP) follow the European Central Bank's daily reference rates, which a job fetches
//! from `SCOUT_RATES_URL` (the ECB publishes them once a working day, around 16:00 CET, at
//! `https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml`), or an operator types in
//! (`update currency set per_eur = 1.0850, rate_date = '2026-12-04' where code = 'USD'`).
//! Either way every server process reads the new rate within a minute, and the listings in
//! that currency are repriced by the database (`currency_reprice_listings`).
//!
//! A document that can't be read changes nothing: the rates stay as they were, the job says
//! why in the log and tries again at the next round. A rate is never moved back to an older
//! day, and the fixed ones are never touched.

use crate::server::state::AppState;
use sqlx::PgPool;
use std::time::Duration;
use time::Date;

/// How often the job asks for the day's rates (the ECB publishes once a working day).
const FETCH_EVERY: Duration = Duration::from_secs(3 * 60 * 60);

/// How often each process looks whether a rate changed (by the job or an operator).
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// The largest rates document read (the ECB's is ~1.5 KB).
const MAX_BYTES: usize = 256 * 1024;

/// One day's reference rates: units of each currency one euro buys, as written ("1.0850").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyRates {
    pub day: Date,
    pub rates: Vec<(String, String)>,
}

/// Reads the ECB's `eurofxref-daily.xml`: the `Cube` with a `time` and its `Cube currency=..
/// rate=..` children. Whatever else is in the document is ignored; a rate that is not a
/// positive decimal number, a day that is not a date, or a document with no day is refused.
pub fn parse_ecb(xml: &str) -> Result<DailyRates, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut day: Option<Date> = None;
    let mut rates = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| format!("not XML: {e}"))?;
        let cube = match &event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Cube" => e,
            Event::Eof => break,
            _ => continue,
        };
        let (mut time, mut currency, mut rate) = (None, None, None);
        for attribute in cube.attributes() {
            let attribute = attribute.map_err(|e| format!("not XML: {e}"))?;
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::default())
                .map_err(|e| format!("not XML: {e}"))?
                .trim()
                .to_string();
            match attribute.key.local_name().as_ref() {
                b"time" => time = Some(value),
                b"currency" => currency = Some(value),
                b"rate" => rate = Some(value),
                _ => {}
            }
        }
        if let Some(time) = time {
            if day.is_some() {
                return Err("more than one day of rates: expected the daily document".into());
            }
            let format = time::macros::format_description!("[year]-[month]-[day]");
            day = Some(Date::parse(&time, format).map_err(|_| format!("{time:?} is not a day"))?);
        }
        if let (Some(currency), Some(rate)) = (currency, rate) {
            if day.is_none() {
                return Err(format!("the rate of {currency} comes before its day"));
            }
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!("{currency:?} is not a currency code"));
            }
            if !is_rate(&rate) {
                return Err(format!(
                    "the rate of {currency} ({rate:?}) is not a positive number"
                ));
            }
            rates.push((currency, rate));
        }
    }
    let day = day.ok_or("no day of rates in the document")?;
    if rates.is_empty() {
        return Err("no rates in the document".into());
    }
    Ok(DailyRates { day, rates })
}

/// A positive decimal that fits `numeric(14, 6)`: "1.0850", "24.5", "161".
fn is_rate(s: &str) -> bool {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, "0"));
    let digits = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    digits(whole, 8) && digits(fraction, 6) && s.bytes().any(|b| (b'1'..=b'9').contains(&b))
}

/// Writes the day's rates for the currencies Scout has that are not fixed and whose rate is
/// not of a later day already; the codes it changed.
pub async fn apply(pool: &PgPool, rates: &DailyRates) -> sqlx::Result<Vec<String>> {
    let (codes, values): (Vec<String>, Vec<String>) = rates.rates.iter().cloned().unzip();
    sqlx::query_scalar!(
        r#"update currency c
           set per_eur = r.rate::numeric, rate_date = $3, source = 'ecb'
           from unnest($1::text[], $2::text[]) as r (code, rate)
           where c.code = r.code and c.source <> 'fixed'
             and (c.rate_date is null or c.rate_date <= $3)
             and (c.per_eur <> r.rate::numeric or c.rate_date is distinct from $3
                  or c.source <> 'ecb')
           returning c.code as "code!""#,
        &codes,
        &values,
        rates.day
    )
    .fetch_all(pool)
    .await
}

/// Fetches the rates document at `url` and applies it: the codes it changed.
pub async fn fetch_and_apply(state: &AppState, url: &str) -> anyhow::Result<Vec<String>> {
    use anyhow::Context;
    let mut response = state
        .http
        .get(url)
        .send()
        .await
        .with_context(|| format!("asking {url} for rates"))?;
    if !response.status().is_success() {
        anyhow::bail!("{url} answered {}", response.status());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.context("reading the rates")? {
        if body.len() + chunk.len() > MAX_BYTES {
            anyhow::bail!("{url} sent more than {} KiB", MAX_BYTES / 1024);
        }
        body.extend_from_slice(&chunk);
    }
    let text = std::str::from_utf8(&body).context("the rates are not UTF-8")?;
    let rates = parse_ecb(text).map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    Ok(apply(&state.pool, &rates).await?)
}

/// The newest change to any rate (by the job or an operator).
async fn rates_changed_at(pool: &PgPool) -> sqlx::Result<Option<time::OffsetDateTime>> {
    sqlx::query_scalar!(r#"select max(updated_at) as "at?" from currency"#)
        .fetch_one(pool)
        .await
}

/// The worker: fetches the rates every few hours when `SCOUT_RATES_URL` is set, and in every
/// process reads the rates again when they changed, so conversions use them at once.
pub async fn run(state: AppState) {
    let url = state.config.rates_url.clone();
    let mut seen = rates_changed_at(&state.pool).await.ok().flatten();
    let mut look = tokio::time::interval(LOOK_EVERY);
    let mut fetch = tokio::time::interval(FETCH_EVERY);
    loop {
        tokio::select! {
            _ = fetch.tick(), if url.is_some() => {
                let url = url.as_deref().unwrap_or_default();
                match fetch_and_apply(&state, url).await {
                    Ok(changed) if changed.is_empty() => tracing::debug!("rates unchanged"),
                    Ok(changed) => tracing::info!(?changed, "new reference rates"),
                    Err(e) => tracing::warn!("rates not updated, the old ones stand: {e:#}"),
                }
            }
            _ = look.tick() => {}
        }
        match rates_changed_at(&state.pool).await {
            Ok(now) if now != seen => match state.reload_catalog().await {
                Ok(()) => {
                    seen = now;
                    tracing::info!("rates read again");
                }
                Err(e) => tracing::warn!("rates changed but could not be read: {e}"),
            },
            Ok(_) => {}
            Err(e) => tracing::warn!("could not look at the rates: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;

    /// The ECB's daily document as it is published (the rates of one day).
    const ECB: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender>
		<gesmes:name>European Central Bank</gesmes:name>
	</gesmes:Sender>
	<Cube>
		<Cube time='2026-12-04'>
			<Cube currency='USD' rate='1.0850'/>
			<Cube currency='JPY' rate='161.42'/>
			<Cube currency='GBP' rate='0.84310'/>
			<Cube currency='RON' rate='5.0913'/>
		</Cube>
	</Cube>
</gesmes:Envelope>"#;

    #[test]
    fn reads_the_ecb_daily_document() {
        let r = parse_ecb(ECB).unwrap();
        assert_eq!(r.day, time::macros::date!(2026 - 12 - 04));
        let rate = |code: &str| {
            r.rates
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(rate("USD"), Some("1.0850"));
        assert_eq!(rate("GBP"), Some("0.84310"));
        assert_eq!(rate("RON"), Some("5.0913"));
        assert_eq!(r.rates.len(), 4);
    }

    #[test]
    fn refuses_what_is_not_a_days_rates() {
        let err = |xml: &str| parse_ecb(xml).unwrap_err();
        assert_eq!(
            err("<html><body>Service unavailable</body></html>"),
            "no day of rates in the document"
        );
        let broken = err("<Cube time='2026-12-04'><Cube currency=USD rate='1.08'/></Cube>");
        assert!(broken.starts_with("not XML: "), "{broken}");
        assert_eq!(
            err("<Cube time='2026-12-04'></Cube>"),
            "no rates in the document"
        );
        assert_eq!(
            err("<Cube time='4.12.2026'><Cube currency='USD' rate='1.08'/></Cube>"),
            "\"4.12.2026\" is not a day"
        );
        assert_eq!(
            err("<Cube time='2026-12-04'><Cube currency='USD' rate='-1.08'/></Cube>"),
            "the rate of USD (\"-1.08\") is not a positive number"
        );
        assert_eq!(
            err("<Cube time='2026-12-04'><Cube currency='USD' rate='0.0000'/></Cube>"),
            "the rate of USD (\"0.0000\") is not a positive number"
        );
        assert_eq!(
            err("<Cube time='2026-12-04'><Cube currency='USD' rate='1e3'/></Cube>"),
            "the rate of USD (\"1e3\") is not a positive number"
        );
        assert_eq!(
            err("<Cube time='2026-12-04'><Cube currency='usd; drop' rate='1'/></Cube>"),
            "\"usd; drop\" is not a currency code"
        );
        assert_eq!(
            err("<Cube currency='USD' rate='1.08'/><Cube time='2026-12-04'/>"),
            "the rate of USD comes before its day"
        );
        assert_eq!(
            err(
                "<Cube time='2026-12-04'><Cube currency='USD' rate='1.08'/></Cube><Cube time='2026-12-03'/>"
            ),
            "more than one day of rates: expected the daily document"
        );
    }

    #[test]
    fn rates_are_plain_positive_decimals() {
        for ok in ["1", "1.0850", "161.42", "0.000001", "12345678.123456"] {
            assert!(is_rate(ok), "{ok}");
        }
        for bad in [
            "",
            ".5",
            "1.",
            "0",
            "0.0",
            "1.1234567",
            "123456789",
            "1,08",
            " 1",
            "NaN",
        ] {
            assert!(!is_rate(bad), "{bad:?}");
        }
    }
}
