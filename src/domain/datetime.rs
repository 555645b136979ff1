//! Date-times on the wire (contract §2.6): the accepted ISO 8601 forms, the .NET unset value, and the UTC output form.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};

/// Why a date-time text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidDateTime;

/// Parses an accepted date-time. `Ok(None)` is the .NET unset value `0001-01-01T00:00:00`.
pub fn parse(text: &str) -> Result<Option<DateTime<Utc>>, InvalidDateTime> {
    let bytes = text.as_bytes();
    let date = parse_date(bytes.get(..10).ok_or(InvalidDateTime)?)?;
    let rest = &bytes[10..];
    if rest.is_empty() {
        let midnight = date.and_time(NaiveTime::MIN);
        return Ok(unless_unset(midnight, Utc.from_utc_datetime(&midnight)));
    }
    if !matches!(rest[0], b'T' | b't') {
        return Err(InvalidDateTime);
    }
    let (time, nanos, rest) = parse_time(&rest[1..])?;
    let offset = parse_offset(rest)?;
    let local = date.and_time(time) + Duration::nanoseconds(nanos);
    let utc = offset
        .from_local_datetime(&local)
        .single()
        .ok_or(InvalidDateTime)?
        .with_timezone(&Utc);
    Ok(unless_unset(date.and_time(time), utc))
}

fn unless_unset(local_seconds: NaiveDateTime, utc: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let unset = NaiveDate::from_ymd_opt(1, 1, 1)
        .map(|d| d.and_time(NaiveTime::MIN))
        .is_some_and(|u| u == local_seconds);
    (!unset).then_some(utc)
}

fn digits(bytes: &[u8]) -> Result<u32, InvalidDateTime> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(InvalidDateTime);
    }
    Ok(bytes.iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')))
}

fn parse_date(b: &[u8]) -> Result<NaiveDate, InvalidDateTime> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(InvalidDateTime);
    }
    let year = i32::try_from(digits(&b[0..4])?).map_err(|_| InvalidDateTime)?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?).ok_or(InvalidDateTime)
}

fn parse_time(b: &[u8]) -> Result<(NaiveTime, i64, &[u8]), InvalidDateTime> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return Err(InvalidDateTime);
    }
    let time =
        NaiveTime::from_hms_opt(digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?).ok_or(InvalidDateTime)?;
    let mut rest = &b[8..];
    let mut nanos = 0i64;
    if rest.first() == Some(&b'.') {
        let count = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if count == 0 || count > 9 {
            return Err(InvalidDateTime);
        }
        let fraction = i64::from(digits(&rest[1..=count])?);
        nanos = fraction * 10i64.pow(9 - count as u32);
        rest = &rest[1 + count..];
    }
    Ok((time, nanos, rest))
}

fn parse_offset(b: &[u8]) -> Result<FixedOffset, InvalidDateTime> {
    let seconds = match b {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (hours, minutes) = match rest {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
                _ => return Err(InvalidDateTime),
            };
            if hours > 23 || minutes > 59 {
                return Err(InvalidDateTime);
            }
            let magnitude = i32::try_from(hours * 3600 + minutes * 60).map_err(|_| InvalidDateTime)?;
            if *sign == b'-' {
                -magnitude
            } else {
                magnitude
            }
        }
        _ => return Err(InvalidDateTime),
    };
    FixedOffset::east_opt(seconds).ok_or(InvalidDateTime)
}

/// The output form: UTC, seconds, a trimmed fraction only when non-zero, then `Z`.
pub fn format_utc(value: &DateTime<Utc>) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(32);
    let year = value.year();
    if (0..=9999).contains(&year) {
        // Written field by field: a format string would be parsed again on every call.
        let (month, day) = (value.month(), value.day());
        let (hour, minute, second) = (value.hour(), value.minute(), value.second());
        let _ = write!(out, "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    } else {
        let _ = write!(out, "{}", value.format("%Y-%m-%dT%H:%M:%S"));
    }
    let nanos = value.timestamp_subsec_nanos();
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        let _ = write!(out, ".{}", fraction.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// A fixed-width text form that sorts in time order and keeps all nine fractional digits.
pub fn to_storage(value: &DateTime<Utc>) -> String {
    value.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

/// Reads the storage form back; `None` for text that was not written by [`to_storage`].
pub fn from_storage(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) -> String {
        format_utc(&parse(text).unwrap().unwrap())
    }

    #[test]
    fn accepted_forms_are_normalised_to_utc() {
        assert_eq!(roundtrip("2018-06-14T00:00:00.000Z"), "2018-06-14T00:00:00Z");
        assert_eq!(roundtrip("2018-06-14T02:00:00+02:00"), "2018-06-14T00:00:00Z");
        assert_eq!(roundtrip("2018-06-14T02:00:00+0200"), "2018-06-14T00:00:00Z");
        assert_eq!(roundtrip("2018-06-13T22:00:00-02"), "2018-06-14T00:00:00Z");
        assert_eq!(roundtrip("2018-06-14t00:00:00z"), "2018-06-14T00:00:00Z");
        assert_eq!(roundtrip("2018-06-14"), "2018-06-14T00:00:00Z");
        assert_eq!(roundtrip("2018-06-14T00:00:00"), "2018-06-14T00:00:00Z");
        assert_eq!(
            roundtrip("2026-11-21T19:07:15.148677464Z"),
            "2026-11-21T19:07:15.148677464Z"
        );
        assert_eq!(
            roundtrip("2024-01-01T10:11:12.1234567Z"),
            "2024-01-01T10:11:12.1234567Z"
        );
    }

    #[test]
    fn refused_forms() {
        for text in [
            "2018-06-14 00:00:00Z",
            "2018-06-14T00:00:00.1234567890Z",
            "2018-13-14T00:00:00Z",
            "2018-06-14T25:00:00Z",
            "14/06/2018",
            "2018-06-14T00:00Z",
            "2018-06-14T00:00:00+2",
            "",
        ] {
            assert_eq!(parse(text), Err(InvalidDateTime), "{text}");
        }
    }

    #[test]
    fn dotnet_unset_value_is_missing() {
        assert_eq!(parse("0001-01-01T00:00:00"), Ok(None));
        assert_eq!(parse("0001-01-01T00:00:00.0000000+02:00"), Ok(None));
        assert_eq!(parse("0001-01-01T00:00:00Z"), Ok(None));
    }

    #[test]
    fn storage_form_keeps_nanoseconds_and_sorts() {
        let a = parse("2026-11-21T19:07:15.148677464Z").unwrap().unwrap();
        assert_eq!(from_storage(&to_storage(&a)), Some(a));
        let b = parse("2026-11-21T19:07:15.2Z").unwrap().unwrap();
        assert!(to_storage(&a) < to_storage(&b));
    }
}
