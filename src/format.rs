//! Times and durations in words, for people: one place, so every page says them alike (and
//! so translation has one place to reach).

#[cfg(feature = "ssr")]
use time::OffsetDateTime;

/// A day as YYYY-MM-DD (ISO 8601 / W3C date), as pages, feeds and sitemaps write it.
#[cfg(feature = "ssr")]
pub fn iso_date(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// "14 minutes", "1 minute", "30 seconds": how long to wait, for people.
pub fn human_duration(secs: u64) -> String {
    if secs >= 3600 {
        let h = secs.div_ceil(3600);
        format!("{h} hour{}", if h == 1 { "" } else { "s" })
    } else if secs >= 60 {
        let m = secs.div_ceil(60);
        format!("{m} minute{}", if m == 1 { "" } else { "s" })
    } else {
        let s = secs.max(1);
        format!("{s} second{}", if s == 1 { "" } else { "s" })
    }
}

/// "7 January 2027": a day, for people (renewal dates, invoices, grace periods).
#[cfg(feature = "ssr")]
pub fn day(t: OffsetDateTime) -> String {
    date(t.date())
}

/// "7 January 2027", from a calendar day.
#[cfg(feature = "ssr")]
pub fn date(d: time::Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

#[cfg(feature = "ssr")]
/// "3 hours ago": when something happened, for people.
pub fn ago(then: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (now - then).whole_seconds().max(0);
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    match secs {
        0..=59 => "just now".into(),
        60..=3_599 => plural(secs / 60, "minute"),
        3_600..=86_399 => plural(secs / 3_600, "hour"),
        _ => plural(secs / 86_400, "day"),
    }
}

#[cfg(feature = "ssr")]
/// "today", "yesterday", "3 days ago", "2 weeks ago", "5 months ago".
pub fn age(published: Option<OffsetDateTime>, now: OffsetDateTime) -> String {
    let Some(published) = published else {
        return "not published".into();
    };
    let days = (now - published).whole_days().max(0);
    match days {
        0 => "today".into(),
        1 => "yesterday".into(),
        2..=13 => format!("{days} days ago"),
        14..=59 => format!("{} weeks ago", days / 7),
        60..=729 => format!("{} months ago", days / 30),
        _ => format!("{} years ago", days / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_times_read_like_a_person_wrote_them() {
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(59), "59 seconds");
        assert_eq!(human_duration(60), "1 minute");
        assert_eq!(human_duration(61), "2 minutes");
        assert_eq!(human_duration(900), "15 minutes");
        assert_eq!(human_duration(3600), "1 hour");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn listing_ages_read_naturally() {
        use time::Duration;
        let now = OffsetDateTime::now_utc();
        assert_eq!(age(Some(now), now), "today");
        assert_eq!(age(Some(now - Duration::days(1)), now), "yesterday");
        assert_eq!(age(Some(now - Duration::days(5)), now), "5 days ago");
        assert_eq!(age(Some(now - Duration::days(20)), now), "2 weeks ago");
        assert_eq!(age(Some(now - Duration::days(90)), now), "3 months ago");
    }
}
