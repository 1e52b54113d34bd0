//! When a notification goes out: the plan's delay, quiet hours in the person's own time zone
//! (windows may cross midnight; held, never dropped), daily and weekly digests at a chosen
//! local hour, and the start of the local day the daily cap counts from. Pure functions over
//! instants; daylight-saving changes are the zone database's business (jiff).

use super::model::Quiet;
use super::model::Rhythm;
use jiff::{
    Timestamp, ZonedDateTime,
    civil::{Date, DateTime, Time},
    tz::TimeZone,
};

/// A person's timing settings, resolved.
#[derive(Debug, Clone)]
pub struct Timing {
    pub zone: TimeZone,
    pub quiet: Option<Quiet>,
    /// 0-23, local.
    pub digest_hour: u8,
    /// 1 = Monday ... 7 = Sunday.
    pub digest_weekday: u8,
}

impl Timing {
    /// The zone by IANA name; an unknown name (settings only store known ones) falls back to UTC.
    pub fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap_or(TimeZone::UTC)
    }
}

/// The first instant the local clock in `zone` reads `date` at `time` or later: a repeated
/// time in the autumn is the earlier of the two; a time the clocks skip in the spring
/// (02:30 on a night that jumps from 02:00 to 03:00) is the moment of the jump.
fn at(zone: &TimeZone, date: Date, time: Time) -> Timestamp {
    let dt = DateTime::from_parts(date, time);
    let Ok(z) = zone.to_ambiguous_zoned_datetime(dt).compatible() else {
        return Timestamp::MAX;
    };
    if z.datetime() == dt {
        return z.timestamp();
    }
    // in a gap: `compatible` moved it forward by the gap's length; the jump came before
    // (the transition itself may be the moment `compatible` chose: look from just after it)
    let after = z
        .timestamp()
        .checked_add(jiff::SignedDuration::from_nanos(1))
        .unwrap_or(z.timestamp());
    zone.preceding(after)
        .next()
        .map_or(z.timestamp(), |transition| transition.timestamp())
}

fn hm(minutes: u16) -> Time {
    let h = i8::try_from(minutes / 60).unwrap_or(0);
    let m = i8::try_from(minutes % 60).unwrap_or(0);
    Time::new(h, m, 0, 0).unwrap_or(Time::midnight())
}

fn minute_of_day(z: &ZonedDateTime) -> u16 {
    u16::try_from(z.hour()).unwrap_or(0) * 60 + u16::try_from(z.minute()).unwrap_or(0)
}

/// When the quiet window `t` falls in ends, or None when `t` is not in quiet hours.
pub fn quiet_until(t: Timestamp, timing: &Timing) -> Option<Timestamp> {
    let quiet = timing.quiet?;
    let local = t.to_zoned_datetime(timing.zone.clone());
    let m = minute_of_day(&local);
    let (start, end) = (quiet.start, quiet.end);
    let inside = if start < end {
        start <= m && m < end
    } else {
        m >= start || m < end
    };
    if !inside {
        return None;
    }
    // the window ends today unless it started today and crosses midnight
    let mut day = local.date();
    if start > end && m >= start {
        day = day.tomorrow().ok()?;
    }
    let until = at(&timing.zone, day, hm(end));
    // a window whose end the clocks skipped over ends when the gap does
    Some(until.max(t))
}

/// The first digest moment strictly after `t`: the digest hour every day, or on the digest
/// weekday for weekly ones.
pub fn next_digest(t: Timestamp, rhythm: Rhythm, timing: &Timing) -> Timestamp {
    let local = t.to_zoned_datetime(timing.zone.clone());
    let hour = hm(u16::from(timing.digest_hour.min(23)) * 60);
    let mut day = local.date();
    for _ in 0..9 {
        let weekday_ok = rhythm != Rhythm::Weekly
            || day.weekday().to_monday_one_offset()
                == i8::try_from(timing.digest_weekday).unwrap_or(1);
        if weekday_ok {
            let when = at(&timing.zone, day, hour);
            if when > t {
                return when;
            }
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    t
}

/// When a notification that happened at `now` is due on an outside channel (email, push,
/// webhook): instantly ones after the plan's delay and out of quiet hours, digests at the
/// next digest moment (quiet hours do not move a digest: its hour was chosen).
pub fn due(now: Timestamp, rhythm: Rhythm, timing: &Timing, delay_minutes: u32) -> Timestamp {
    match rhythm {
        Rhythm::Instant => {
            let after_delay = now
                .checked_add(jiff::SignedDuration::from_mins(i64::from(delay_minutes)))
                .unwrap_or(now);
            quiet_until(after_delay, timing).unwrap_or(after_delay)
        }
        Rhythm::Daily | Rhythm::Weekly => next_digest(now, rhythm, timing),
    }
}

/// The start of `t`'s local day: the daily cap counts notifications from here.
pub fn start_of_day(t: Timestamp, zone: &TimeZone) -> Timestamp {
    t.to_zoned_datetime(zone.clone())
        .start_of_day()
        .map_or(t, |z| z.timestamp())
}

/// Converts between the database's instants and jiff's.
pub fn from_time(t: time::OffsetDateTime) -> Timestamp {
    Timestamp::from_nanosecond(t.unix_timestamp_nanos()).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub fn to_time(t: Timestamp) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(t.as_nanosecond())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn timing(zone: &str, quiet: Option<(u16, u16)>) -> Timing {
        Timing {
            zone: Timing::zone(zone),
            quiet: quiet.map(|(start, end)| Quiet { start, end }),
            digest_hour: 8,
            digest_weekday: 1,
        }
    }

    #[test]
    fn quiet_hours_that_cross_midnight_hold_until_they_end() {
        // 22:00-07:00 in Sofia (UTC+2 in winter)
        let t = timing("Europe/Sofia", Some((22 * 60, 7 * 60)));
        let cases = [
            // local 21:59: not quiet
            ("2026-11-27T19:59:00Z", None),
            // local 22:00: quiet until 07:00 tomorrow local = 05:00Z
            ("2026-11-27T20:00:00Z", Some("2026-11-28T05:00:00Z")),
            // local 23:30
            ("2026-11-27T21:30:00Z", Some("2026-11-28T05:00:00Z")),
            // local 00:10, after midnight: same morning
            ("2026-11-27T22:10:00Z", Some("2026-11-28T05:00:00Z")),
            // local 06:59
            ("2026-11-28T04:59:00Z", Some("2026-11-28T05:00:00Z")),
            // local 07:00: over
            ("2026-11-28T05:00:00Z", None),
            ("2026-11-28T10:00:00Z", None),
        ];
        for (now, want) in cases {
            assert_eq!(quiet_until(ts(now), &t), want.map(ts), "at {now}");
        }
    }

    #[test]
    fn quiet_hours_within_a_day() {
        // 13:00-15:30 in UTC
        let t = timing("UTC", Some((13 * 60, 15 * 60 + 30)));
        assert_eq!(quiet_until(ts("2026-06-01T12:59:59Z"), &t), None);
        assert_eq!(
            quiet_until(ts("2026-06-01T13:00:00Z"), &t),
            Some(ts("2026-06-01T15:30:00Z"))
        );
        assert_eq!(quiet_until(ts("2026-06-01T15:30:00Z"), &t), None);
        assert_eq!(
            quiet_until(ts("2026-06-01T14:00:00Z"), &timing("UTC", None)),
            None
        );
    }

    #[test]
    fn quiet_hours_across_daylight_saving_changes() {
        // Sofia: 2026-03-29 03:00 local -> 04:00 (UTC+2 -> UTC+3);
        //        2026-10-25 04:00 local -> 03:00 (UTC+3 -> UTC+2).
        let t = timing("Europe/Sofia", Some((22 * 60, 7 * 60)));
        // 23:00 local on the 28th of March (UTC+2) ends at 07:00 local on the 29th, now UTC+3
        assert_eq!(
            quiet_until(ts("2026-03-28T21:00:00Z"), &t),
            Some(ts("2026-03-29T04:00:00Z"))
        );
        // the autumn night: 23:00 local (UTC+3) ends at 07:00 local (UTC+2) = 05:00Z, a night
        // of ten hours
        assert_eq!(
            quiet_until(ts("2026-10-24T20:00:00Z"), &t),
            Some(ts("2026-10-25T05:00:00Z"))
        );
        // a window ending in the skipped hour (03:00-04:00 does not exist on 29 March) ends
        // when the clocks jump
        let t = timing("Europe/Sofia", Some((60, 3 * 60 + 30)));
        assert_eq!(
            quiet_until(ts("2026-03-29T00:00:00Z"), &t),
            Some(ts("2026-03-29T01:00:00Z"))
        );
        // New York: a window of 01:00-02:30 on the night the clocks jump from 02:00 to 03:00
        // (2026-03-08, 07:00Z) ends at the jump
        let t = timing("America/New_York", Some((60, 2 * 60 + 30)));
        let until = quiet_until(ts("2026-03-08T06:30:00Z"), &t);
        assert_eq!(until, Some(ts("2026-03-08T07:00:00Z")));
        // a digest hour the clocks skip goes out at the jump too
        let mut t = timing("America/New_York", None);
        t.digest_hour = 2;
        assert_eq!(
            next_digest(ts("2026-03-07T12:00:00Z"), Rhythm::Daily, &t),
            ts("2026-03-08T07:00:00Z")
        );
    }

    #[test]
    fn instant_notifications_wait_for_the_delay_and_for_quiet_hours() {
        let t = timing("Europe/Sofia", Some((22 * 60, 7 * 60)));
        let noon = ts("2026-11-28T10:00:00Z");
        assert_eq!(due(noon, Rhythm::Instant, &t, 0), noon);
        assert_eq!(
            due(noon, Rhythm::Instant, &t, 30),
            ts("2026-11-28T10:30:00Z")
        );
        // a delay that lands in quiet hours waits for their end
        let evening = ts("2026-11-28T19:45:00Z");
        assert_eq!(
            due(evening, Rhythm::Instant, &t, 30),
            ts("2026-11-29T05:00:00Z")
        );
    }

    #[test]
    fn digests_go_out_at_the_chosen_local_hour_and_weekday() {
        let mut t = timing("Europe/Sofia", Some((22 * 60, 7 * 60)));
        // Saturday 28 Nov 2026 12:00 local: daily digest at 08:00 local tomorrow
        let sat_noon = ts("2026-11-28T10:00:00Z");
        assert_eq!(
            next_digest(sat_noon, Rhythm::Daily, &t),
            ts("2026-11-29T06:00:00Z")
        );
        // 07:59 local: today at 08:00
        assert_eq!(
            next_digest(ts("2026-11-28T05:59:00Z"), Rhythm::Daily, &t),
            ts("2026-11-28T06:00:00Z")
        );
        // exactly at the digest moment: the next one
        assert_eq!(
            next_digest(ts("2026-11-28T06:00:00Z"), Rhythm::Daily, &t),
            ts("2026-11-29T06:00:00Z")
        );
        // weekly on Monday: Monday 30 November
        assert_eq!(
            next_digest(sat_noon, Rhythm::Weekly, &t),
            ts("2026-11-30T06:00:00Z")
        );
        // weekly on Saturday, already past 08:00: a week later
        t.digest_weekday = 6;
        assert_eq!(
            next_digest(sat_noon, Rhythm::Weekly, &t),
            ts("2026-12-05T06:00:00Z")
        );
        // due() sends digests at their hour even inside quiet hours
        t.digest_hour = 23;
        assert_eq!(
            due(sat_noon, Rhythm::Daily, &t, 0),
            ts("2026-11-28T21:00:00Z")
        );
        // across the autumn change, 08:00 local stays 08:00 local
        let t = timing("Europe/Sofia", None);
        assert_eq!(
            next_digest(ts("2026-10-24T10:00:00Z"), Rhythm::Daily, &t),
            ts("2026-10-25T06:00:00Z")
        );
    }

    #[test]
    fn the_local_day_starts_at_local_midnight() {
        let zone = Timing::zone("Europe/Sofia");
        assert_eq!(
            start_of_day(ts("2026-11-28T21:59:00Z"), &zone),
            ts("2026-11-27T22:00:00Z")
        );
        assert_eq!(
            start_of_day(ts("2026-11-28T22:00:00Z"), &zone),
            ts("2026-11-28T22:00:00Z")
        );
        assert_eq!(Timing::zone("Not/AZone"), TimeZone::UTC);
        let now = time::OffsetDateTime::now_utc();
        assert_eq!(to_time(from_time(now)), now);
    }
}
