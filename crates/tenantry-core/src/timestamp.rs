//! Instants as Tenantry records them: UTC, millisecond precision, RFC 3339 on the wire.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A UTC instant with millisecond precision. Stored as Unix milliseconds (so every
/// database sorts it the same way) and shown as RFC 3339 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("{0} milliseconds since 1970 is outside the supported range of dates")]
    OutOfRange(i64),
    #[error("'{0}' is not an RFC 3339 date and time")]
    NotRfc3339(String),
}

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    pub fn from_unix_millis(millis: i64) -> Result<Self, TimestampError> {
        // Reject what `time` cannot represent, so formatting can never fail later.
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .map_err(|_| TimestampError::OutOfRange(millis))?;
        Ok(Self(millis))
    }

    pub fn unix_millis(self) -> i64 {
        self.0
    }

    pub fn parse_rfc3339(text: &str) -> Result<Self, TimestampError> {
        let datetime = OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|_| TimestampError::NotRfc3339(text.to_owned()))?;
        Ok(Self::from_datetime(datetime))
    }

    fn from_datetime(datetime: OffsetDateTime) -> Self {
        let millis = datetime.unix_timestamp_nanos() / 1_000_000;
        // Every OffsetDateTime fits in i64 milliseconds (the year is limited to ±9999).
        Self(i64::try_from(millis).unwrap_or(i64::MAX))
    }

    fn datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.datetime().format(&Rfc3339).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_as_rfc3339_utc_with_milliseconds() {
        let ts = Timestamp::from_unix_millis(1_795_508_042_123).expect("in range");
        assert_eq!(ts.to_string(), "2026-11-24T08:14:02.123Z");
        assert_eq!(ts.unix_millis(), 1_795_508_042_123);
    }

    #[test]
    fn round_trips_through_json() {
        let ts = Timestamp::from_unix_millis(1_795_508_042_123).expect("in range");
        let json = serde_json::to_string(&ts).expect("json");
        assert_eq!(json, "\"2026-11-24T08:14:02.123Z\"");
        let back: Timestamp = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, ts);
    }

    #[test]
    fn other_offsets_are_converted_to_utc() {
        let ts = Timestamp::parse_rfc3339("2026-11-24T09:14:02.123+01:00").expect("valid");
        assert_eq!(ts.to_string(), "2026-11-24T08:14:02.123Z");
    }

    #[test]
    fn garbage_and_impossible_instants_are_refused() {
        assert!(matches!(
            Timestamp::parse_rfc3339("yesterday"),
            Err(TimestampError::NotRfc3339(_))
        ));
        assert_eq!(
            Timestamp::from_unix_millis(i64::MAX),
            Err(TimestampError::OutOfRange(i64::MAX))
        );
    }

    #[test]
    fn now_is_after_the_day_this_was_written() {
        let written = Timestamp::parse_rfc3339("2026-11-24T00:00:00Z").expect("valid");
        assert!(Timestamp::now() > written);
    }
}
