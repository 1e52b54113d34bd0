//! Distances as Postgres measures them, and the grid of cells radius searches start from.

/// Postgres `earth()`: the sphere `earthdistance` measures on, in metres.
const EARTH: f64 = 6_378_168.0;
/// Geo cells are this many degrees on a side.
pub(super) const CELL_DEGREES: f64 = 0.05;

/// Distance in metres as Postgres `earth_distance(ll_to_earth(..), ll_to_earth(..))` computes
/// it (the chord between the two points on a sphere, turned into the great-circle distance),
/// so a radius edge is the same on both sides.
pub fn earth_distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    let xyz = |(lat, lng): (f64, f64)| {
        let (la, ln) = (lat.to_radians(), lng.to_radians());
        [
            EARTH * la.cos() * ln.cos(),
            EARTH * la.cos() * ln.sin(),
            EARTH * la.sin(),
        ]
    };
    let (p, q) = (xyz(a), xyz(b));
    let chord = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt();
    if chord / (2.0 * EARTH) > 1.0 {
        std::f64::consts::PI * EARTH
    } else {
        2.0 * EARTH * (chord / (2.0 * EARTH)).asin()
    }
}

pub(super) fn cell_of(lat: f64, lng: f64) -> (i32, i32) {
    #[expect(clippy::cast_possible_truncation, reason = "degrees / 0.05 fits i32")]
    (
        (lat / CELL_DEGREES).floor() as i32,
        (lng / CELL_DEGREES).floor() as i32,
    )
}
